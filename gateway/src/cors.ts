import type { IncomingMessage, ServerResponse } from "node:http";
import { cors as connectCors } from "@connectrpc/connect";

// Connect's own lists (so browser clients speaking Connect or gRPC-Web work)
// plus what our REST API reads and sends.
const ALLOWED_METHODS = ["GET", "POST", "PATCH", "DELETE"].join(", ");
const ALLOWED_HEADERS = [
  ...connectCors.allowedHeaders,
  "Authorization",
  "Idempotency-Key",
  "If-Match",
  "If-None-Match",
  "Last-Event-ID",
  "X-Request-Id",
].join(", ");
const EXPOSED_HEADERS = [
  ...connectCors.exposedHeaders,
  "ETag",
  "Location",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "X-Request-Id",
  "Idempotent-Replayed",
].join(", ");
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * CORS from an allow-list of origins (GATEWAY_CORS_ORIGINS). An origin not on
 * the list gets no CORS headers, so browsers keep its pages out; credentials
 * are bearer tokens, never cookies, so Allow-Credentials is not sent.
 */
export function createCors(allowedOrigins: readonly string[]) {
  const allowed = new Set(allowedOrigins);
  const originOf = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    return origin !== undefined && allowed.has(origin) ? origin : undefined;
  };
  return {
    /** The CORS headers of an actual request (flat name, value list); none for a foreign origin. */
    headersFor(req: IncomingMessage): string[] {
      const origin = originOf(req);
      return origin ? ["Access-Control-Allow-Origin", origin, "Access-Control-Expose-Headers", EXPOSED_HEADERS] : [];
    },
    /** Answers a preflight (204 for an allowed origin, 403 otherwise); false when the request is not one. */
    preflight(req: IncomingMessage, res: ServerResponse, headers: string[]): boolean {
      if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
      const origin = originOf(req);
      const cors = origin
        ? [
            "Access-Control-Allow-Origin",
            origin,
            "Access-Control-Allow-Methods",
            ALLOWED_METHODS,
            "Access-Control-Allow-Headers",
            ALLOWED_HEADERS,
            "Access-Control-Max-Age",
            PREFLIGHT_MAX_AGE_SECONDS,
          ]
        : [];
      res.writeHead(origin ? 204 : 403, [...headers, "Vary", "Origin", ...cors]).end();
      return true;
    },
  };
}

export type Cors = ReturnType<typeof createCors>;
