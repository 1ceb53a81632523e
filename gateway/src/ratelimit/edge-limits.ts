import { type RateLimitPolicy, rateLimitHeader, rateLimitPolicyHeader } from "@emporium/platform/ratelimit/policy";
import type { RateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import type { Caller } from "@emporium/platform/rpc/caller";

/** The classes of limits, each from the environment (`<limit>/<window seconds>`, or `off`: undefined). */
export interface LimitClasses {
  /** `/v1/auth/*`, per client IP. */
  auth: RateLimitPolicy | undefined;
  /** Login and sign-up attempts per account (email), whatever the IP. */
  account: RateLimitPolicy | undefined;
  /** GET and HEAD, per caller (or IP when anonymous). */
  read: RateLimitPolicy | undefined;
  /** Everything else, per caller (or IP). */
  write: RateLimitPolicy | undefined;
}

export interface LimitOutcome {
  allowed: boolean;
  /** `RateLimit-Policy` and `RateLimit` as a flat header list. */
  headers: string[];
}

/** The request's class: strict for sign-in, generous for reads, moderate for writes. */
export function limitClassOf(method: string, path: string): "auth" | "read" | "write" {
  if (path.startsWith("/v1/auth/")) return "auth";
  return method === "GET" || method === "HEAD" ? "read" : "write";
}

/** Authenticated callers are limited as themselves; everyone else by the address they connect from. */
export function subjectOf(clientAddress: string, caller: Caller | undefined, limitClass: string): string {
  if (caller && limitClass !== "auth") return `user:${caller.userId}`;
  return `ip:${clientAddress}`;
}

/** Takes one request from the bucket and says what to answer with. */
export async function takeLimit(
  limiter: RateLimiter,
  policy: RateLimitPolicy,
  subject: string,
): Promise<LimitOutcome & { retryAfterMs: number }> {
  const decision = await limiter.take(policy, subject);
  return {
    allowed: decision.allowed,
    retryAfterMs: decision.retryAfterMs,
    headers: ["RateLimit-Policy", rateLimitPolicyHeader(policy), "RateLimit", rateLimitHeader(decision)],
  };
}

/**
 * The per-account half of the strict sign-in limit: login and sign-up
 * attempts for one email, from any number of addresses (credential stuffing
 * spreads over IPs). Undefined when the request is not one (or the limit is
 * off); else the outcome for that account. Needs the decoded request, so it
 * runs after the body (REST) or inside the Connect handler.
 */
export function accountLimit(limiter: RateLimiter, policy: RateLimitPolicy | undefined) {
  return async (procedure: string, email: unknown): Promise<(LimitOutcome & { retryAfterMs: number }) | undefined> => {
    if (!policy || !ACCOUNT_PROCEDURES.has(procedure) || typeof email !== "string") return undefined;
    return takeLimit(limiter, policy, `account:${email.normalize("NFKC").trim().toLowerCase()}`);
  };
}

export type AccountLimit = ReturnType<typeof accountLimit>;

/** Login and SignUp: the procedures whose requests name an account. */
const ACCOUNT_PROCEDURES = new Set(["emporium.identity.v1.IdentityService.Login", "emporium.identity.v1.IdentityService.SignUp"]);
