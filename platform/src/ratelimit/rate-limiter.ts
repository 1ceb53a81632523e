import type { Redis } from "../cache/redis.js";
import type { Logger } from "../log/logger.js";
import { createLocalLimiter, type LocalLimiterOptions } from "./local-limiter.js";
import type { RateLimitPolicy, RateLimitState } from "./policy.js";
import { type BucketTake, type TokenBucketResult, takeFromRedisBuckets } from "./token-bucket-script.js";

/** Most takes in one script call (a long script blocks Redis for everyone else). */
const MAX_BATCH = 128;

export interface RateLimitDecision extends RateLimitState {
  allowed: boolean;
  remaining: number;
  /** Milliseconds until the request could succeed (the basis of Retry-After); 0 when allowed. */
  retryAfterMs: number;
  resetMs: number;
  policy: RateLimitPolicy;
  /** Answered by this process alone because Redis was unreachable: the limit held per instance only. */
  degraded: boolean;
}

export interface RateLimiterOptions {
  redis: Redis;
  logger: Logger;
  /** Prepended to `ratelimit:<policy>:<subject>` (after the client's own key prefix), e.g. to isolate tests. */
  keyPrefix?: string;
  /** Called for every decision answered locally, so the caller can count them. */
  onFallback?: () => void;
  local?: LocalLimiterOptions;
}

/**
 * Token-bucket rate limits shared by all instances through Redis. The
 * subject is whoever is limited: `user:<id>` when authenticated,
 * `ip:<address>` otherwise.
 *
 * When Redis does not answer (down, or slower than the client's command
 * timeout), the limits are enforced per process by an in-memory bucket
 * instead of failing the request: a warning is logged once per outage, an
 * info when Redis answers again, and every local decision is reported through
 * `onFallback` and `degraded: true`.
 */
export function createRateLimiter(options: RateLimiterOptions) {
  const { redis, logger, keyPrefix = "", onFallback } = options;
  const local = createLocalLimiter(options.local);
  let redisDown = false;

  // Takes arriving in the same turn of the event loop go to Redis as one
  // script call: under load, one round trip serves many requests.
  let pending: { take: BucketTake; resolve: (r: TokenBucketResult) => void; reject: (e: unknown) => void }[] = [];
  const flush = () => {
    const batch = pending;
    pending = [];
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const part = batch.slice(start, start + MAX_BATCH);
      takeFromRedisBuckets(
        redis,
        part.map((p) => p.take),
      ).then(
        (results) => {
          for (const [i, p] of part.entries()) p.resolve(results[i] as TokenBucketResult);
        },
        (error: unknown) => {
          for (const p of part) p.reject(error);
        },
      );
    }
  };
  function fromRedis(take: BucketTake): Promise<TokenBucketResult> {
    // The client would reject at once anyway (no offline queue); this names the cause.
    if (redis.status !== "ready") return Promise.reject(new Error(`redis connection is ${redis.status}`));
    return new Promise((resolve, reject) => {
      if (pending.push({ take, resolve, reject }) === 1) setImmediate(flush);
    });
  }

  return {
    /** Takes `cost` requests' worth from the subject's quota under the policy. */
    async take(policy: RateLimitPolicy, subject: string, cost = 1): Promise<RateLimitDecision> {
      if (!Number.isSafeInteger(cost) || cost < 1 || cost > policy.limit) {
        throw new RangeError(`rate limit cost must be a whole number from 1 to ${policy.limit}, got ${cost}`);
      }
      const key = `${keyPrefix}ratelimit:${policy.name}:${subject}`;
      const windowMs = Math.round(policy.windowSeconds * 1000);
      try {
        const shared = await fromRedis({ key, capacity: policy.limit, windowMs, cost });
        if (redisDown) logger.info("redis answers again; rate limits are shared across instances again");
        redisDown = false;
        return { ...shared, policy, degraded: false };
      } catch (error) {
        if (!redisDown) logger.warn({ err: error }, "redis unavailable; rate limits fall back to per-instance memory");
        redisDown = true;
        onFallback?.();
        return { ...local.take(key, policy.limit, windowMs, cost), policy, degraded: true };
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
