import type { Redis } from "../cache/redis.js";

/** What one take from a token bucket answers, in Redis and in the local fallback alike. */
export interface TokenBucketResult {
  allowed: boolean;
  /** Whole tokens left after this take. */
  remaining: number;
  /** Milliseconds until the requested tokens are available again (one token at the usual cost of 1); 0 when allowed. */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/**
 * Token buckets in one atomic script, so concurrent takes from any number of
 * gateways can never overdraw one. The clock is Redis's own (`TIME`), one
 * clock for all gateways, whatever their clocks say. One call takes from many
 * buckets (a batch of requests), one after the other in the given order.
 *
 * KEYS the buckets; ARGV per key: capacity, window (ms to refill the full
 * capacity), cost. Returns per key { allowed 0/1, remaining whole tokens,
 * ms until `cost` tokens, ms until full }, flattened.
 *
 * Tokens are counted in units of 1/window token: the bucket holds
 * capacity × window units and refills `capacity` units per millisecond, so all
 * arithmetic stays in integers (exact in Lua's doubles below 2^53; stored with
 * %.0f because tostring would round to 14 digits). A missing key is a full
 * bucket; the key expires when the bucket would be full again.
 */
export const TOKEN_BUCKET_LUA = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local out = {}
for i = 1, #KEYS do
  local capacity = tonumber(ARGV[3 * i - 2])
  local window = tonumber(ARGV[3 * i - 1])
  local cost = tonumber(ARGV[3 * i])
  local full = capacity * window
  local state = redis.call('HMGET', KEYS[i], 'units', 'ts')
  local units = tonumber(state[1])
  local ts = tonumber(state[2])
  if units == nil or ts == nil then
    units = full
  elseif now > ts then
    units = math.min(full, units + (now - ts) * capacity)
  end
  local needed = cost * window
  if units < needed then
    out[#out + 1] = 0
    out[#out + 1] = math.floor(units / window)
    out[#out + 1] = math.ceil((needed - units) / capacity)
    out[#out + 1] = math.ceil((full - units) / capacity)
  else
    units = units - needed
    local reset = math.ceil((full - units) / capacity)
    redis.call('HSET', KEYS[i], 'units', string.format('%.0f', units), 'ts', string.format('%.0f', now))
    redis.call('PEXPIRE', KEYS[i], math.max(1, reset))
    out[#out + 1] = 1
    out[#out + 1] = math.floor(units / window)
    out[#out + 1] = 0
    out[#out + 1] = reset
  end
end
return out
`;

const COMMAND = "rateLimitTokenBuckets";

export interface BucketTake {
  key: string;
  capacity: number;
  windowMs: number;
  cost: number;
}

type TokenBucketCommand = (numberOfKeys: number, ...args: (string | number)[]) => Promise<number[]>;

/**
 * Takes from many buckets in one round trip (the client's key prefix
 * applies to every key). ioredis sends the script by EVALSHA and falls back
 * to EVAL when Redis does not know it yet (after a restart or SCRIPT FLUSH).
 * All keys must live on one node (a single Redis, or one hash slot in a cluster).
 */
export async function takeFromRedisBuckets(redis: Redis, takes: readonly BucketTake[]): Promise<TokenBucketResult[]> {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: TOKEN_BUCKET_LUA });
  const command = (redis as unknown as Record<typeof COMMAND, TokenBucketCommand>)[COMMAND];
  const args = [...takes.map((t) => t.key), ...takes.flatMap((t) => [t.capacity, t.windowMs, t.cost])];
  const flat = await command.call(redis, takes.length, ...args);
  return takes.map((_, i) => ({
    allowed: flat[4 * i] === 1,
    remaining: flat[4 * i + 1] ?? 0,
    retryAfterMs: flat[4 * i + 2] ?? 0,
    resetMs: flat[4 * i + 3] ?? 0,
  }));
}

/** Takes `cost` tokens from the bucket at `key`. */
export async function takeFromRedisBucket(
  redis: Redis,
  key: string,
  capacity: number,
  windowMs: number,
  cost: number,
): Promise<TokenBucketResult> {
  const [result] = await takeFromRedisBuckets(redis, [{ key, capacity, windowMs, cost }]);
  if (!result) throw new Error("the token bucket script answered nothing");
  return result;
}
