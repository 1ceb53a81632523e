import { cacheCounts } from "@emporium/platform/cache/cache-metrics";
import { createMetricsRegistry, sharedCounter } from "@emporium/platform/metrics/registry";

/** The gateway's Prometheus metrics, served at GET /metrics on its admin port (METRICS_PORT), never the public one. */
export const registry = createMetricsRegistry();

export const rateLimitFallbacks = sharedCounter(registry, {
  name: "emporium_gateway_rate_limit_fallback_total",
  help: "Rate-limit decisions taken by the in-process limiter because Redis did not answer.",
  labelNames: [],
});

export const rateLimited = sharedCounter(registry, {
  name: "emporium_gateway_rate_limited_total",
  help: "Requests answered 429, by limit class.",
  labelNames: ["class"],
});

/** Hits and misses of one of the gateway's response caches, in its memory and at the client (304s). */
export interface ResponseCacheCounts {
  process: ReturnType<typeof cacheCounts>;
  http: ReturnType<typeof cacheCounts>;
}

const countsByCache = new Map<string, ResponseCacheCounts>();

/** The counts of the cache named `cache` (e.g. `product`, `product_list`), made once per name. */
export function responseCacheCounts(cache: string): ResponseCacheCounts {
  let counts = countsByCache.get(cache);
  if (!counts) {
    counts = { process: cacheCounts(registry, cache, "process"), http: cacheCounts(registry, cache, "http") };
    countsByCache.set(cache, counts);
  }
  return counts;
}
