import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { type Availability, AvailabilitySchema } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import type { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { type CacheLayerCounts, NOT_COUNTED } from "@emporium/platform/cache/cache-metrics";
import { createTieredCache } from "@emporium/platform/cache/tiered-cache";
import type { Logger } from "@emporium/platform/log/logger";
import { BreakerOpenError, type CircuitBreaker } from "@emporium/platform/resilience/circuit-breaker";
import { availabilityFromStock, UNKNOWN_AVAILABILITY } from "../domain/availability.js";
import { MAX_BATCH } from "../domain/product.js";
import { toProtoAvailability } from "../proto-mapping.js";

/** Availability of products by id; every id asked for gets an answer, unknown when inventory could not give one. */
export interface AvailabilitySource {
  availabilityOf(productIds: readonly string[]): Promise<Map<string, Availability>>;
}

/** Codes that say inventory is unwell (down, slow, overloaded), as opposed to a caller who gave up or sent bad ids. */
const UNHEALTHY = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Internal, Code.Unknown]);

export const inventoryIsUnhealthy = (error: unknown) => UNHEALTHY.has(ConnectError.from(error).code);

export interface InventoryAvailabilityOptions {
  inventory: Client<typeof InventoryService>;
  /** Guards the calls: while inventory keeps failing, products go out as unknown at once instead of each waiting for it. */
  breaker: CircuitBreaker;
  /** How long one lookup may take before the products are served without it. */
  timeoutMs: number;
  /** How long this process reuses a product's availability: a stampede on one page costs one call, not one per request. */
  ttlMs: number;
  logger: Logger;
  counts?: CacheLayerCounts | undefined;
}

/**
 * Availability from inventory's BatchGetStock: one call for all the ids of a
 * response (at most 100: the largest page or batch), under its own short
 * deadline and a circuit breaker, so that inventory down or slow makes
 * products "unknown", never an error or a wait for the whole request.
 * Answers are kept in process for `ttlMs` and concurrent lookups of the same
 * id share one call (the platform's tiered cache, without Redis: a Redis
 * round trip would cost about what the inventory call does).
 */
export function inventoryAvailability(options: InventoryAvailabilityOptions): AvailabilitySource {
  const { inventory, breaker, timeoutMs, logger } = options;
  const unknown = toProtoAvailability(UNKNOWN_AVAILABILITY);
  const cache = createTieredCache<Availability>({
    name: "catalog:availability:v1",
    localMax: 20_000,
    localTtlMs: options.ttlMs,
    redisTtlSeconds: 1,
    encode: (availability) => toBinary(AvailabilitySchema, availability),
    decode: (bytes) => fromBinary(AvailabilitySchema, bytes),
    counts: options.counts && { process: options.counts, redis: NOT_COUNTED },
    load: async (ids) => {
      const { stocks } = await breaker.execute(() => inventory.batchGetStock({ productIds: ids }, { timeoutMs }));
      const available = new Map(stocks.map((stock) => [stock.productId, stock.available]));
      // Ids inventory does not know are answered too (out of stock), so none of them counts as a missing product.
      return new Map(ids.map((id) => [id, toProtoAvailability(availabilityFromStock(available.get(id)))]));
    },
  });
  return {
    async availabilityOf(productIds) {
      if (productIds.length > MAX_BATCH) throw new RangeError(`at most ${MAX_BATCH} products per lookup, got ${productIds.length}`);
      try {
        return await cache.getMany(productIds);
      } catch (error) {
        // An open breaker was logged when it opened; anything else is worth a line each.
        if (!(error instanceof BreakerOpenError))
          logger.warn({ err: error }, "inventory did not answer; products go out with availability unknown");
        return new Map(productIds.map((id) => [id, unknown]));
      }
    },
  };
}
