import type { Registry } from "prom-client";
import { sharedCounter } from "../metrics/registry.js";

/** Where a lookup was answered: this process's memory, Redis, or the client's own copy (HTTP 304). */
export type CacheLayer = "process" | "redis" | "http";

/** Counts of one cache at one layer; each made once, so counting builds no label object. */
export interface CacheLayerCounts {
  hit(count?: number): void;
  miss(count?: number): void;
}

/**
 * `emporium_cache_requests_total{cache, layer, result}` for one cache (a
 * fixed name such as `product`, `price`): every key looked up at a layer
 * counts once, as a hit or a miss. At `layer="http"`, a hit is a 304 (the
 * client's copy is current) and a miss a full 200 that carries an ETag.
 */
export function cacheCounts(registry: Registry, cache: string, layer: CacheLayer): CacheLayerCounts {
  const counter = sharedCounter(registry, {
    name: "emporium_cache_requests_total",
    help: "Cache lookups by cache, layer (process, redis, http) and result (hit, miss).",
    labelNames: ["cache", "layer", "result"],
  });
  const hits = counter.labels({ cache, layer, result: "hit" });
  const misses = counter.labels({ cache, layer, result: "miss" });
  return {
    hit: (count = 1) => {
      if (count > 0) hits.inc(count);
    },
    miss: (count = 1) => {
      if (count > 0) misses.inc(count);
    },
  };
}

/** Counting that counts nothing, for caches built without a registry (tests, tools). */
export const NOT_COUNTED: CacheLayerCounts = { hit: () => undefined, miss: () => undefined };
