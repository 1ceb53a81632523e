import { LRUCache } from "lru-cache";
import type { TokenBucketResult } from "./token-bucket-script.js";

export interface LocalLimiterOptions {
  /**
   * Buckets kept; the least recently used beyond this are forgotten (that
   * subject starts full again). No expiry is needed besides: a stale bucket
   * computes as full, exactly like a missing one.
   */
  maxBuckets?: number;
  /** A monotonic clock in milliseconds. */
  now?: () => number;
}

interface Bucket {
  /** Tokens in units of 1/windowMs token, as in the Redis script. */
  units: number;
  ts: number;
}

/**
 * The token bucket of token-bucket-script.ts in process memory: the same
 * arithmetic, but each process counts alone, so N instances together allow up
 * to N times the limit. Used only while Redis is unreachable.
 */
export function createLocalLimiter(options: LocalLimiterOptions = {}) {
  const now = options.now ?? (() => Math.floor(performance.now()));
  const buckets = new LRUCache<string, Bucket>({ max: options.maxBuckets ?? 10_000 });

  return {
    take(key: string, capacity: number, windowMs: number, cost: number): TokenBucketResult {
      const time = now();
      const full = capacity * windowMs;
      const bucket = buckets.get(key);
      let units = full;
      if (bucket) units = time > bucket.ts ? Math.min(full, bucket.units + (time - bucket.ts) * capacity) : bucket.units;

      const needed = cost * windowMs;
      const remaining = (value: number) => Math.floor(value / windowMs);
      const untilFull = (value: number) => Math.ceil((full - value) / capacity);
      if (units < needed) {
        return {
          allowed: false,
          remaining: remaining(units),
          retryAfterMs: Math.ceil((needed - units) / capacity),
          resetMs: untilFull(units),
        };
      }
      units -= needed;
      buckets.set(key, { units, ts: time });
      return { allowed: true, remaining: remaining(units), retryAfterMs: 0, resetMs: untilFull(units) };
    },
  };
}

export type LocalLimiter = ReturnType<typeof createLocalLimiter>;
