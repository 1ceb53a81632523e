import type { IncomingMessage, ServerResponse } from "node:http";
import { httpProblem } from "@emporium/platform/errors/problem";
import { type RateLimitPolicy, rateLimitHeader, rateLimitPolicyHeader, retryAfterSeconds } from "@emporium/platform/ratelimit/policy";
import type { RateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import type { Caller } from "@emporium/platform/rpc/caller";
import type { NextFunction, Request, Response } from "express";
import { sendProblem } from "../problem-response.js";

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
export function subjectOf(req: IncomingMessage, caller: Caller | undefined, limitClass: string): string {
  if (caller && limitClass !== "auth") return `user:${caller.userId}`;
  return `ip:${req.socket.remoteAddress ?? "unknown"}`;
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

/** 429 problem+json with Retry-After (RFC 9110) and the RateLimit headers. */
export function sendTooManyRequests(res: ServerResponse, retryAfterMs: number, instance: string): void {
  const seconds = retryAfterSeconds(retryAfterMs);
  res.setHeader("Retry-After", String(seconds));
  sendProblem(
    res,
    httpProblem(429, "rate-limited", "Too many requests", `The rate limit is used up; retry in ${seconds} s.`, { instance }),
  );
}

/**
 * The per-account half of the strict sign-in limit: login and sign-up
 * attempts for one email, from any number of addresses (credential stuffing
 * spreads over IPs). Runs after body parsing, before the route.
 */
export function accountLimit(limiter: RateLimiter, policy: RateLimitPolicy | undefined) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const email = (req.body as { email?: unknown } | undefined)?.email;
    if (!policy || req.method !== "POST" || !ACCOUNT_PATHS.has(req.path) || typeof email !== "string") return next();
    const outcome = await takeLimit(limiter, policy, `account:${email.normalize("NFKC").trim().toLowerCase()}`);
    if (outcome.allowed) return next();
    for (let i = 0; i < outcome.headers.length; i += 2) res.setHeader(String(outcome.headers[i]), String(outcome.headers[i + 1]));
    sendTooManyRequests(res, outcome.retryAfterMs, req.originalUrl);
  };
}

const ACCOUNT_PATHS = new Set(["/v1/auth/login", "/v1/auth/signup"]);
