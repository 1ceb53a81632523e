import type { Client } from "@connectrpc/connect";
import type { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import type { Logger } from "@emporium/platform/log/logger";
import DataLoader from "dataloader";
import type { Order } from "./domain/order.js";

/** Product names for one request: every lookup made in the same tick is one batch call. */
export type ProductNameLoader = DataLoader<string, string>;

const MAX_BATCH = 100;

/**
 * A per-request batcher (DataLoader) over the catalog's BatchGetProducts, so
 * a page of orders with many lines costs one call per 100 distinct products,
 * not one per line. The catalog being unavailable degrades to empty names.
 */
export function productNameLoaders(catalog: Client<typeof CatalogService>, logger: Logger): () => ProductNameLoader {
  return () =>
    new DataLoader<string, string>(
      async (ids) => {
        try {
          const { products } = await catalog.batchGetProducts({ ids: [...ids], fields: { paths: ["id", "name"] } });
          const names = new Map(products.map((product) => [product.id, product.name]));
          return ids.map((id) => names.get(id) ?? "");
        } catch (error) {
          logger.warn({ err: error }, "catalog unavailable; order lines go without product names");
          return ids.map(() => "");
        }
      },
      { maxBatchSize: MAX_BATCH, cache: true },
    );
}

/** Product names for every line of these orders, looked up in one batch. */
export async function namesFor(orders: Order[], loader: ProductNameLoader): Promise<Map<string, string>> {
  const ids = [...new Set(orders.flatMap((order) => order.lines.map((line) => line.productId)))];
  const names = await loader.loadMany(ids);
  return new Map(ids.map((id, index) => [id, typeof names[index] === "string" ? names[index] : ""]));
}
