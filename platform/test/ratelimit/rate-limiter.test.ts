import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { pino } from "pino";
import { createRedis, type Redis } from "../../src/cache/redis.js";
import { createLogger } from "../../src/log/logger.js";
import type { RateLimitPolicy } from "../../src/ratelimit/policy.js";
import { createRateLimiter } from "../../src/ratelimit/rate-limiter.js";
import { uniquePrefix } from "../test-infra.js";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:56379";
const silent = createLogger("test", "silent");
const keyPrefix = uniquePrefix();
const clients: Redis[] = [];

/** A client as a gateway has it, once connected (it fails fast rather than queue while connecting). */
async function connectedRedis(url = REDIS_URL): Promise<Redis> {
  const redis = createRedis(url, silent);
  clients.push(redis);
  if (redis.status !== "ready") await once(redis, "ready");
  return redis;
}

/** A logger that keeps its lines, to see what an operator would. */
function capturedLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, warnings: () => lines.filter((l) => l.level === 40), infos: () => lines.filter((l) => l.level === 30) };
}

const policy = (name: string, limit: number, windowSeconds: number): RateLimitPolicy => ({ name, limit, windowSeconds });

after(async () => {
  const redis = await connectedRedis();
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  for (const client of clients) client.disconnect();
});

test("allows exactly the limit of concurrent requests for one subject and leaves other subjects alone", async () => {
  const limiter = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });
  const fivePerMinute = policy("reads", 5, 60);

  const decisions = await Promise.all(Array.from({ length: 20 }, () => limiter.take(fivePerMinute, "ip:203.0.113.7")));
  const other = await limiter.take(fivePerMinute, "ip:203.0.113.8");

  assert.equal(decisions.filter((d) => d.allowed).length, 5);
  assert.deepEqual(
    [...new Set(decisions.filter((d) => d.allowed).map((d) => d.remaining))].sort((a, b) => a - b),
    [0, 1, 2, 3, 4],
  );
  assert.ok(decisions.every((d) => !d.degraded));
  assert.deepEqual([other.allowed, other.remaining], [true, 4]);
});

test("keeps the bucket under ratelimit:<policy>:<subject>, expiring when it would be full again", async () => {
  const redis = await connectedRedis();
  const limiter = createRateLimiter({ redis, logger: silent, keyPrefix });

  await limiter.take(policy("writes", 10, 60), "user:42");

  const ttl = await redis.pttl(`${keyPrefix}ratelimit:writes:user:42`);
  assert.ok(ttl > 0 && ttl <= 6_000, `pttl ${ttl}`);
});

test("two instances with their own Redis connections share one limit exactly", async () => {
  const gatewayA = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });
  const gatewayB = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });
  const tenPerMinute = policy("auth-account", 10, 60);

  const decisions = await Promise.all(
    Array.from({ length: 6 }, () => [gatewayA.take(tenPerMinute, "user:7"), gatewayB.take(tenPerMinute, "user:7")]).flat(),
  );

  assert.equal(decisions.filter((d) => d.allowed).length, 10);
});

test("a denied request reports no tokens left and when to retry", async () => {
  const limiter = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });
  const twoPerMinute = policy("auth-ip", 2, 60);
  await limiter.take(twoPerMinute, "ip:198.51.100.1");
  await limiter.take(twoPerMinute, "ip:198.51.100.1");

  const denied = await limiter.take(twoPerMinute, "ip:198.51.100.1");

  assert.equal(denied.allowed, false);
  assert.equal(denied.remaining, 0);
  assert.ok(denied.retryAfterMs > 0 && denied.retryAfterMs <= 30_000, `retryAfterMs ${denied.retryAfterMs}`);
  assert.ok(denied.resetMs > 30_000 && denied.resetMs <= 60_000, `resetMs ${denied.resetMs}`);
  assert.equal(denied.policy, twoPerMinute);
});

test("tokens come back over time", async () => {
  const limiter = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });
  const twoPerSecond = policy("refill", 2, 1);
  await limiter.take(twoPerSecond, "user:1");
  await limiter.take(twoPerSecond, "user:1");
  const denied = await limiter.take(twoPerSecond, "user:1");
  assert.equal(denied.allowed, false);
  assert.ok(denied.retryAfterMs <= 500, `retryAfterMs ${denied.retryAfterMs}`);

  await sleep(600);

  assert.equal((await limiter.take(twoPerSecond, "user:1")).allowed, true);
});

test("rejects a cost the policy could never allow", async () => {
  const limiter = createRateLimiter({ redis: await connectedRedis(), logger: silent, keyPrefix });

  await assert.rejects(limiter.take(policy("reads", 5, 60), "user:1", 6), RangeError);
  await assert.rejects(limiter.take(policy("reads", 5, 60), "user:1", 0), RangeError);
});

test("with Redis unreachable, enforces the limit in memory, says so once and counts every fallback", async () => {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  const redis = createRedis(`redis://127.0.0.1:${port}`, silent);
  clients.push(redis);
  const { logger, warnings } = capturedLogger();
  let fallbacks = 0;
  const limiter = createRateLimiter({ redis, logger, keyPrefix, onFallback: () => fallbacks++ });
  const threePerMinute = policy("reads", 3, 60);

  const decisions = await Promise.all(Array.from({ length: 5 }, () => limiter.take(threePerMinute, "ip:192.0.2.1")));

  assert.equal(decisions.filter((d) => d.allowed).length, 3);
  assert.ok(decisions.every((d) => d.degraded));
  assert.equal(decisions.at(-1)?.remaining, 0);
  assert.ok((decisions.at(-1)?.retryAfterMs ?? 0) > 0);
  assert.equal(fallbacks, 5);
  assert.equal(warnings().length, 1);
});

test("after an outage, answers from Redis again and logs that once", async () => {
  const redis = await connectedRedis();
  const { logger, warnings, infos } = capturedLogger();
  const limiter = createRateLimiter({ redis, logger, keyPrefix });
  const limit = policy("outage", 100, 60);
  assert.equal((await limiter.take(limit, "user:9")).degraded, false);

  redis.disconnect(true);
  await once(redis, "close");
  const during = [await limiter.take(limit, "user:9"), await limiter.take(limit, "user:9")];
  if (redis.status !== "ready") await once(redis, "ready");
  const afterwards = [await limiter.take(limit, "user:9"), await limiter.take(limit, "user:9")];

  assert.deepEqual(
    during.map((d) => d.degraded),
    [true, true],
  );
  assert.deepEqual(
    afterwards.map((d) => [d.degraded, d.remaining]),
    [
      [false, 98],
      [false, 97],
    ],
  );
  assert.equal(warnings().length, 1);
  assert.equal(infos().length, 1);
});
