import type { Client } from "@connectrpc/connect";
import type { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import type { PricedProduct, ProductPrices } from "./handlers.js";

/** Prices (and names) from the catalog, one BatchGetProducts call per order (at most 100 distinct products). */
export function catalogPrices(catalog: Client<typeof CatalogService>): ProductPrices {
  return {
    async pricesOf(productIds) {
      const ids = [...new Set(productIds)];
      const { products } = await catalog.batchGetProducts({ ids, fields: { paths: ["id", "price", "name"] } });
      return new Map(
        products.flatMap((product) =>
          product.price
            ? [
                [
                  product.id,
                  { currency: product.price.currencyCode, amountMinor: product.price.amountMinor, name: product.name } as PricedProduct,
                ],
              ]
            : [],
        ),
      );
    },
  };
}
