import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Product, ProductSchema } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import { cacheCounts } from "@emporium/platform/cache/cache-metrics";
import type { Redis } from "@emporium/platform/cache/redis";
import { createTieredCache } from "@emporium/platform/cache/tiered-cache";
import type { Pool } from "@emporium/platform/db/pool";
import type { Registry } from "@emporium/platform/metrics/registry";
import { PRODUCT_FIELDS, type ProductField } from "../domain/product.js";
import { toProtoProduct } from "../proto-mapping.js";
import type { ProductStore } from "../store/product-store.js";

/**
 * Whole products by id: in-process for `localTtlMs` (2 s by default), in
 * Redis for about 5 minutes.
 * The short local TTL bounds how stale an instance can be if it missed a
 * ProductChanged event; the events make it much shorter in practice.
 */
export function createProductCache({
  pool,
  redis,
  store,
  localTtlMs,
  metrics,
}: {
  pool: Pool;
  redis?: Redis | undefined;
  store: ProductStore;
  localTtlMs: number;
  /** Counts its hits and misses as `emporium_cache_requests_total{cache="product"}`. */
  metrics?: Registry | undefined;
}) {
  return createTieredCache<Product>({
    name: "catalog:product:v1",
    redis,
    localMax: 20_000,
    localTtlMs,
    redisTtlSeconds: 300,
    encode: (product) => toBinary(ProductSchema, product),
    decode: (bytes) => fromBinary(ProductSchema, bytes),
    counts: metrics && { process: cacheCounts(metrics, "product", "process"), redis: cacheCounts(metrics, "product", "redis") },
    load: async (ids) => new Map((await store.getMany(pool, ids, PRODUCT_FIELDS)).map((p) => [p.id, toProtoProduct(p)])),
  });
}

export type ProductCache = ReturnType<typeof createProductCache>;

const FIELD_DESCRIPTORS = new Map(ProductSchema.fields.map((field) => [field.name, field]));

/** A copy of the product with only the given fields set (sparse fieldset). */
export function projectProduct(product: Product, fields: readonly ProductField[]): Product {
  if (fields.length === PRODUCT_FIELDS.length) return product;
  const projected = create(ProductSchema) as unknown as Record<string, unknown>;
  for (const name of fields) {
    const field = FIELD_DESCRIPTORS.get(name);
    if (field) projected[field.localName] = (product as unknown as Record<string, unknown>)[field.localName];
  }
  return projected as unknown as Product;
}
