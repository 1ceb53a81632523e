import type { IncomingMessage } from "node:http";
import { Code } from "@connectrpc/connect";
import { httpProblem } from "@emporium/platform/errors/problem";
import { retryAfterSeconds } from "@emporium/platform/ratelimit/policy";
import type { RateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import { rateLimited } from "../metrics.js";
import { type LimitClasses, subjectOf, takeLimit } from "../ratelimit/edge-limits.js";
import type { Stage } from "./context.js";
import { edgeRefusal, type Refusal } from "./refusal.js";

/** 429 (resource_exhausted for Connect) with Retry-After (RFC 9110) and the RateLimit headers. */
export function tooManyRequests(retryAfterMs: number, headers: string[], instance: string): Refusal {
  const seconds = retryAfterSeconds(retryAfterMs);
  return edgeRefusal(
    Code.ResourceExhausted,
    httpProblem(429, "rate-limited", "Too many requests", `The rate limit is used up; retry in ${seconds} s.`, { instance }),
    [...headers, "Retry-After", String(seconds)],
  );
}

/**
 * The token bucket of the request's class (auth, read, write), per caller or
 * per address (`clientAddress`, client-address.ts); its RateLimit headers go on every answer of the request.
 */
export function rateLimit(limiter: RateLimiter, limits: LimitClasses, clientAddress: (req: IncomingMessage) => string): Stage {
  return (ctx) => {
    const limitClass = ctx.limitClass;
    const policy = limits[limitClass];
    if (!policy) return undefined;
    return takeLimit(limiter, policy, subjectOf(clientAddress(ctx.req), ctx.caller, limitClass)).then((outcome) => {
      if (outcome.allowed) {
        ctx.headers.push(...outcome.headers);
        return undefined;
      }
      rateLimited.inc({ class: limitClass });
      return tooManyRequests(outcome.retryAfterMs, outcome.headers, ctx.url);
    });
  };
}
