import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ProductChangedSchema } from "@emporium/gen/emporium/catalog/v1/catalog_events_pb";
import type { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import type { ReadPool } from "@emporium/platform/db/read-replica";
import { ConflictError, NotFoundError, ValidationError } from "@emporium/platform/errors/domain-errors";
import { appendToOutbox } from "@emporium/platform/kafka/outbox";
import type { PageTokens } from "@emporium/platform/paging/page-token";
import { requireAdmin } from "@emporium/platform/rpc/caller";
import type { ProductPresenter } from "./availability/present-products.js";
import type { ProductCache } from "./cache/product-cache.js";
import { validateListRequest } from "./domain/list-query.js";
import { selectFieldset, validateIds, validateUpdate } from "./domain/product.js";
import { EVENT_SOURCE } from "./events/topics.js";
import { fromProtoProduct, toProtoProduct } from "./proto-mapping.js";
import type { ProductStore } from "./store/product-store.js";

interface Deps {
  /** The primary: writes, and the reads that fill the product cache. */
  pool: Pool;
  /** Lists: the read replica while it is fresh enough, else the primary. */
  lists: ReadPool;
  store: ProductStore;
  cache: ProductCache;
  /** Projects products to the fieldset and adds availability (one inventory lookup per response). */
  present: ProductPresenter;
  pageTokens: PageTokens;
  topic: string;
}

const FOREIGN_KEY_VIOLATION = "23503";

/** RPC handlers: proto in, validated domain call, proto out. */
export function createCatalogHandlers({ pool, lists, store, cache, present, pageTokens, topic }: Deps): ServiceImpl<typeof CatalogService> {
  return {
    async getProduct({ productId, fields }) {
      validateIds([productId], "product_id");
      const fieldset = selectFieldset(fields?.paths ?? []);
      const product = (await cache.getMany([productId])).get(productId);
      if (!product) throw new NotFoundError(`product ${productId} not found`);
      const [presented] = await present([product], fieldset);
      return { product: presented };
    },

    async batchGetProducts({ ids, fields }) {
      if (ids.length === 0) throw new ValidationError([{ field: "ids", description: "must name at least one id" }]);
      validateIds(ids, "ids");
      const fieldset = selectFieldset(fields?.paths ?? []);
      const found = await cache.getMany(ids);
      return {
        products: await present(
          ids.flatMap((id) => found.get(id) ?? []),
          fieldset,
        ),
        missingIds: ids.filter((id) => !found.has(id)),
      };
    },

    async listProducts(request) {
      const { filter, pageSize } = validateListRequest(request);
      const shape = [filter.category, filter.q, filter.minPrice, filter.maxPrice, filter.orderBy];
      const cursor = request.pageToken ? pageTokens.decode(shape, request.pageToken) : undefined;
      const fieldset = selectFieldset(request.fields?.paths ?? []);
      const page = await lists.read((from) => store.list(from, filter, pageSize, fieldset.stored, cursor));
      return {
        products: await present(page.products.map(toProtoProduct), fieldset, { readAsSparse: true }),
        nextPageToken: page.next ? pageTokens.encode(shape, page.next) : "",
      };
    },

    async updateProduct({ productId, product, updateMask, expectedVersion }, ctx) {
      requireAdmin(ctx.requestHeader);
      validateIds([productId], "product_id");
      const mask = updateMask?.paths ?? [];
      const changes = fromProtoProduct(product);
      validateUpdate(mask, changes);
      const updated = await withTransaction(pool, async (tx) => {
        const result = await store.update(tx, productId, expectedVersion, mask, changes).catch((error: { code?: string }) => {
          if (error.code === FOREIGN_KEY_VIOLATION)
            throw new ValidationError([{ field: "product.category_id", description: "unknown category" }]);
          throw error;
        });
        if (!result) {
          if (await store.exists(tx, productId)) throw new ConflictError(`product ${productId} is no longer at version ${expectedVersion}`);
          throw new NotFoundError(`product ${productId} not found`);
        }
        const message = toProtoProduct(result);
        await appendToOutbox(tx, {
          topic,
          key: productId,
          source: EVENT_SOURCE,
          schema: ProductChangedSchema,
          message: create(ProductChangedSchema, { product: message }),
        });
        return message;
      });
      await cache.invalidate(productId);
      return { product: updated };
    },
  };
}
