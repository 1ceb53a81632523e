import type { Product } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import { projectProduct } from "../cache/product-cache.js";
import type { Fieldset } from "../domain/product.js";
import type { AvailabilitySource } from "./inventory-availability.js";

/** Turns whole (or already sparse) products into what a read answers. */
export type ProductPresenter = (
  products: readonly Product[],
  fieldset: Fieldset,
  options?: { readAsSparse?: boolean },
) => Promise<Product[]>;

/**
 * The products as the client asked for them: projected to the stored fields
 * of the fieldset (unless `readAsSparse`: a list reads only those columns,
 * and keeps its ids), and, when it includes availability, each given its
 * availability from one lookup for the whole response (no call per
 * product, and none at all when availability was not asked for). Ids come
 * from the products before projection: a sparse product may lack its own.
 * Copies: cached products are never changed.
 */
export function productPresenter(source: AvailabilitySource): ProductPresenter {
  return async (products, fieldset, options) => {
    const projected = options?.readAsSparse ? [...products] : products.map((product) => projectProduct(product, fieldset.stored));
    if (!fieldset.availability || products.length === 0) return projected;
    const known = await source.availabilityOf(products.map((product) => product.id));
    return projected.map((product, index) => ({ ...product, availability: known.get(products[index]?.id ?? "") }));
  };
}
