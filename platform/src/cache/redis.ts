import { Redis } from "ioredis";
import type { Logger } from "../log/logger.js";

export type { Redis } from "ioredis";

/**
 * A Redis client for caching: commands fail fast instead of queueing while
 * Redis is away (callers fall back to the database), and it reconnects by
 * itself, so caching resumes without a restart.
 */
export function createRedis(url: string, logger: Logger, keyPrefix = ""): Redis {
  const redis = new Redis(url, {
    keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 250,
    connectTimeout: 1_000,
    retryStrategy: (attempt) => Math.min(100 * 2 ** attempt, 2_000),
    lazyConnect: false,
  });
  let healthy = true;
  redis.on("ready", () => {
    if (!healthy) logger.info("redis is back; caching resumes");
    healthy = true;
  });
  redis.on("error", (error) => {
    if (healthy) logger.warn({ err: error }, "redis unavailable; serving without the shared cache");
    healthy = false;
  });
  return redis;
}
