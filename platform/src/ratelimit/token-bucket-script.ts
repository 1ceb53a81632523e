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
 * A token bucket in one atomic script, so concurrent takes from any number of
 * gateways can never overdraw it. The clock is Redis's own (`TIME`), one clock
 * for all gateways, whatever their clocks say.
 *
 * KEYS[1] the bucket; ARGV capacity, window (ms to refill the full capacity), cost.
 * Returns { allowed 0/1, remaining whole tokens, ms until `cost` tokens, ms until full }.
 *
 * Tokens are counted in units of 1/window token: the bucket holds
 * capacity × window units and refills `capacity` units per millisecond, so all
 * arithmetic stays in integers (exact in Lua's doubles below 2^53; stored with
 * %.0f because tostring would round to 14 digits). A missing key is a full
 * bucket; the key expires when the bucket would be full again.
 */
export const TOKEN_BUCKET_LUA = `
local capacity = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local full = capacity * window
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local state = redis.call('HMGET', KEYS[1], 'units', 'ts')
local units = tonumber(state[1])
local ts = tonumber(state[2])
if units == nil or ts == nil then
  units = full
elseif now > ts then
  units = math.min(full, units + (now - ts) * capacity)
end

local needed = cost * window
if units < needed then
  return { 0, math.floor(units / window), math.ceil((needed - units) / capacity), math.ceil((full - units) / capacity) }
end

units = units - needed
local reset = math.ceil((full - units) / capacity)
redis.call('HSET', KEYS[1], 'units', string.format('%.0f', units), 'ts', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], math.max(1, reset))
return { 1, math.floor(units / window), 0, reset }
`;

const COMMAND = "rateLimitTokenBucket";

type TokenBucketCommand = (key: string, capacity: number, windowMs: number, cost: number) => Promise<[number, number, number, number]>;

/**
 * Takes `cost` tokens from the bucket at `key` (the client's key prefix
 * applies). ioredis sends the script by EVALSHA and falls back to EVAL when
 * Redis does not know it yet (after a restart or SCRIPT FLUSH).
 */
export async function takeFromRedisBucket(
  redis: Redis,
  key: string,
  capacity: number,
  windowMs: number,
  cost: number,
): Promise<TokenBucketResult> {
  if (!(COMMAND in redis)) redis.defineCommand(COMMAND, { lua: TOKEN_BUCKET_LUA, numberOfKeys: 1 });
  const command = (redis as unknown as Record<typeof COMMAND, TokenBucketCommand>)[COMMAND];
  const [allowed, remaining, retryAfterMs, resetMs] = await command.call(redis, key, capacity, windowMs, cost);
  return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
}
