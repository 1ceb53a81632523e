import { Counter, type Registry } from "prom-client";
import { sharedMetric } from "../metrics/registry.js";

/** Where a lookup was answered: this process's memory, Redis, or the client's own copy (HTTP 304). */
export type CacheLayer = "process" | "redis" | "http";

/** Counts of one cache at one layer. */
export interface CacheLayerCounts {
  hit(count?: number): void;
  miss(count?: number): void;
}

const NAME = "emporium_cache_requests_total";

/** What each counted cache adds to the counter when it is scraped. */
const flushesOf = new WeakMap<Counter, (() => void)[]>();

function requestsCounter(registry: Registry): Counter<"cache" | "layer" | "result"> {
  return sharedMetric(registry, NAME, () => {
    const flushes: (() => void)[] = [];
    const counter = new Counter({
      name: NAME,
      help: "Cache lookups by cache, layer (process, redis, http) and result (hit, miss).",
      labelNames: ["cache", "layer", "result"],
      registers: [registry],
      collect() {
        for (const flush of flushes) flush();
      },
    });
    flushesOf.set(counter, flushes);
    return counter;
  });
}

/**
 * `emporium_cache_requests_total{cache, layer, result}` for one cache (a
 * fixed name such as `product`, `price`): every key looked up at a layer
 * counts once, as a hit or a miss. At `layer="http"`, a hit is a 304 (the
 * client's copy is current) and a miss a full 200 that carries an ETag.
 *
 * A warm read counts twice (memory, then HTTP): a count is a plain number
 * added to, and the counter takes what was added when it is scraped.
 */
export function cacheCounts(registry: Registry, cache: string, layer: CacheLayer): CacheLayerCounts {
  const counter = requestsCounter(registry);
  const hitSeries = counter.labels({ cache, layer, result: "hit" });
  const missSeries = counter.labels({ cache, layer, result: "miss" });
  let hits = 0;
  let misses = 0;
  flushesOf.get(counter)?.push(() => {
    if (hits > 0) hitSeries.inc(hits);
    if (misses > 0) missSeries.inc(misses);
    hits = 0;
    misses = 0;
  });
  return {
    hit: (count = 1) => {
      hits += count;
    },
    miss: (count = 1) => {
      misses += count;
    },
  };
}

/** Counting that counts nothing, for caches built without a registry (tests, tools). */
export const NOT_COUNTED: CacheLayerCounts = { hit: () => undefined, miss: () => undefined };
