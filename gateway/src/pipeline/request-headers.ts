import { randomUUID } from "node:crypto";
import type { Cors } from "../cors.js";
import type { Drain } from "../drain.js";
import { SECURITY_HEADERS } from "../security-headers.js";
import type { Stage } from "./context.js";

export const REQUEST_ID = "x-request-id";

/**
 * The headers every answer carries, whoever writes it: the request id (the
 * client's, bounded, or a new one), the security headers and CORS. Collected
 * as a flat list and written once (setHeader per header costs). Once the
 * gateway drains, the answer also closes its connection (drain.ts). CORS
 * preflights are answered here (204 for an allowed origin, 403 otherwise).
 */
export function requestHeaders(cors: Cors, drain: Drain): Stage {
  return (ctx) => {
    const { req } = ctx;
    const sent = req.headers[REQUEST_ID];
    const first = Array.isArray(sent) ? sent[0] : sent;
    ctx.requestId = first ? first.slice(0, 200) : randomUUID();
    ctx.headers = [REQUEST_ID, ctx.requestId, ...SECURITY_HEADERS];
    drain.track(ctx.res);
    // A preflight gets its own CORS headers, not an actual request's as well (which would repeat Allow-Origin).
    if (cors.preflight(req, ctx.res, ctx.headers)) return "answered";
    ctx.headers.push(...cors.headersFor(req));
    return undefined;
  };
}
