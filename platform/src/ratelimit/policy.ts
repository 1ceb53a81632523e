/** A class of limits: at most `limit` requests per `windowSeconds`, refilled continuously. */
export interface RateLimitPolicy {
  /** Names the class in headers and Redis keys, e.g. `reads` or `auth-ip`. */
  name: string;
  limit: number;
  windowSeconds: number;
}

/** Where a subject stands against a policy after a take. */
export interface RateLimitState {
  policy: RateLimitPolicy;
  remaining: number;
  /** Milliseconds until the subject's quota is full again. */
  resetMs: number;
}

const POLICY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const POLICY_VALUE = /^\s*(\d+)\s*\/\s*(\d+)\s*$/;

/**
 * Parses a policy from configuration in the form `<limit>/<window seconds>`,
 * e.g. `600/60` for 600 requests a minute.
 */
export function parseRateLimitPolicy(name: string, value: string): RateLimitPolicy {
  if (!POLICY_NAME.test(name)) {
    throw new Error(`rate limit policy name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'`);
  }
  const match = POLICY_VALUE.exec(value);
  const limit = Number(match?.[1]);
  const windowSeconds = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(limit) || !Number.isSafeInteger(windowSeconds) || limit < 1 || windowSeconds < 1) {
    throw new Error(
      `rate limit policy ${name}: expected "<limit>/<window seconds>" with positive whole numbers, e.g. "600/60", got ${JSON.stringify(value)}`,
    );
  }
  // The bucket counts in 1/window-ms token units, which must stay exact integers (see token-bucket-script.ts).
  if (limit * windowSeconds * 1000 > Number.MAX_SAFE_INTEGER) {
    throw new Error(`rate limit policy ${name}: ${JSON.stringify(value)} is too large (limit × window must stay below 9e12)`);
  }
  return { name, limit, windowSeconds };
}

/** A structured-field string (RFC 8941 §3.3.3). */
const sfString = (value: string) => `"${value.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;

/** The `RateLimit-Policy` header value (draft-ietf-httpapi-ratelimit-headers): `"<name>";q=<limit>;w=<window>`. */
export function rateLimitPolicyHeader(policy: RateLimitPolicy): string {
  return `${sfString(policy.name)};q=${policy.limit};w=${policy.windowSeconds}`;
}

/** The `RateLimit` header value: `"<name>";r=<remaining>;t=<seconds until the quota is full again>`. */
export function rateLimitHeader(state: RateLimitState): string {
  return `${sfString(state.policy.name)};r=${state.remaining};t=${Math.ceil(state.resetMs / 1000)}`;
}

/** The `Retry-After` of a 429, in whole seconds: never 0, which would invite an immediate retry. */
export function retryAfterSeconds(msUntilToken: number): number {
  return Math.max(1, Math.ceil(msUntilToken / 1000));
}
