import { LRUCache } from "lru-cache";
import { type CacheLayerCounts, NOT_COUNTED } from "./cache-metrics.js";
import type { Redis } from "./redis.js";

export interface TieredCacheOptions<T extends {}> {
  /** Namespace of the Redis keys, e.g. `catalog:product:v1`. */
  name: string;
  redis?: Redis | undefined;
  /** Entries kept in process, and for how long (short: other instances' writes must show soon). */
  localMax: number;
  localTtlMs: number;
  /** Redis TTL; each write gets ±jitter of it so entries written together do not expire together. */
  redisTtlSeconds: number;
  jitter?: number;
  encode: (value: T) => Uint8Array;
  decode: (bytes: Uint8Array) => T;
  /** Loads the values of keys missing everywhere; keys it does not return do not exist. */
  load: (keys: string[]) => Promise<Map<string, T>>;
  /** Hits and misses of each tier (cache-metrics.ts); uncounted without. */
  counts?: { process: CacheLayerCounts; redis: CacheLayerCounts } | undefined;
}

/**
 * Cache-aside in two tiers: an in-process LRU in front of Redis in front of
 * the loader (the database). Concurrent misses on one key share one load per
 * process (request coalescing). Redis failures are treated as misses, so
 * reads keep working, slower, while Redis is down.
 */
export function createTieredCache<T extends {}>(options: TieredCacheOptions<T>) {
  const local = new LRUCache<string, T>({ max: options.localMax, ttl: options.localTtlMs });
  // Keys known not to exist, briefly: a stampede on a missing id must not reach the database either.
  const missing = new LRUCache<string, true>({ max: options.localMax, ttl: Math.min(options.localTtlMs, 1_000) });
  const inFlight = new Map<string, Promise<T | undefined>>();
  const jitter = options.jitter ?? 0.2;
  const redisKey = (key: string) => `${options.name}:${key}`;
  const stats = { localHits: 0, redisHits: 0, loads: 0 };
  const processCounts = options.counts?.process ?? NOT_COUNTED;
  const redisCounts = options.counts?.redis ?? NOT_COUNTED;

  async function fromRedis(keys: string[]): Promise<Map<string, T>> {
    const found = new Map<string, T>();
    if (!options.redis || keys.length === 0 || options.redis.status !== "ready") return found;
    try {
      const values = await options.redis.mgetBuffer(...keys.map(redisKey));
      values.forEach((value, index) => {
        const key = keys[index];
        if (value && key !== undefined) found.set(key, options.decode(value));
      });
    } catch {
      // Redis down or slow: a miss, not an error.
    }
    return found;
  }

  function toRedis(entries: Map<string, T>): void {
    if (!options.redis || entries.size === 0 || options.redis.status !== "ready") return;
    const pipeline = options.redis.pipeline();
    for (const [key, value] of entries) {
      const ttl = Math.max(1, Math.round(options.redisTtlSeconds * (1 - jitter + Math.random() * 2 * jitter)));
      pipeline.set(redisKey(key), Buffer.from(options.encode(value)), "EX", ttl);
    }
    pipeline.exec().catch(() => undefined);
  }

  /** One load for all keys nobody is loading yet; every caller of a key awaits the same promise. */
  function loadMissing(keys: string[]): void {
    const fresh = keys.filter((key) => !inFlight.has(key));
    if (fresh.length === 0) return;
    stats.loads++;
    const batch = (async () => {
      const fromCache = await fromRedis(fresh);
      stats.redisHits += fromCache.size;
      // Redis down counts as missing there: that is what it costs (a load).
      if (options.redis) {
        redisCounts.hit(fromCache.size);
        redisCounts.miss(fresh.length - fromCache.size);
      }
      const stillMissing = fresh.filter((key) => !fromCache.has(key));
      const loaded = stillMissing.length > 0 ? await options.load(stillMissing) : new Map<string, T>();
      toRedis(loaded);
      const all = new Map([...fromCache, ...loaded]);
      for (const [key, value] of all) local.set(key, value);
      for (const key of stillMissing) if (!loaded.has(key)) missing.set(key, true);
      return all;
    })();
    for (const key of fresh) {
      const entry = batch.then((all) => all.get(key));
      inFlight.set(key, entry);
      entry.finally(() => inFlight.delete(key)).catch(() => undefined);
    }
  }

  return {
    stats,
    /** Values of the keys that exist, looked up through every tier. */
    async getMany(keys: readonly string[]): Promise<Map<string, T>> {
      const result = new Map<string, T>();
      const misses: string[] = [];
      for (const key of new Set(keys)) {
        // Known not to exist: answered from memory too.
        if (missing.has(key)) {
          processCounts.hit();
          continue;
        }
        const hit = local.get(key);
        if (hit !== undefined) {
          stats.localHits++;
          result.set(key, hit);
        } else misses.push(key);
      }
      processCounts.hit(result.size);
      processCounts.miss(misses.length);
      if (misses.length === 0) return result;
      loadMissing(misses);
      const values = await Promise.all(misses.map((key) => inFlight.get(key) ?? Promise.resolve(local.get(key))));
      misses.forEach((key, index) => {
        const value = values[index];
        if (value !== undefined) result.set(key, value);
      });
      return result;
    },
    /** Drops a key from this process and from Redis (after a write, or on a change event). */
    async invalidate(key: string): Promise<void> {
      local.delete(key);
      missing.delete(key);
      if (options.redis?.status === "ready") await options.redis.del(redisKey(key)).catch(() => undefined);
    },
    /** Drops a key from this process only (another instance already cleared Redis). */
    forgetLocally(key: string): void {
      local.delete(key);
      missing.delete(key);
    },
  };
}

export type TieredCache<T extends {}> = ReturnType<typeof createTieredCache<T>>;
