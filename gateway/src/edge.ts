import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import type { Logger } from "@emporium/platform/log/logger";
import { context } from "@opentelemetry/api";
import { setRoute, startServerSpan } from "./tracing.js";
import { type CachedResponse, noneMatch, type ResponseCache } from "./transcoding/response-cache.js";

export const REQUEST_ID = "x-request-id";

/** Probes are neither traced nor logged. */
const UNTRACED = new Set(["/healthz", "/readyz", "/metrics"]);

/**
 * The gateway's request listener, in front of express. Every request gets a
 * request id, the security headers, a server span and (when info logs are on)
 * an access log line. Warm cacheable GETs are then answered straight from the
 * response cache, like a reverse-proxy cache would, without entering the
 * framework; everything else goes to the express app.
 */
export function edgeListener(app: RequestListener, deps: { logger: Logger; responseCache: ResponseCache }): RequestListener {
  const { logger, responseCache } = deps;
  const accessLogs = logger.isLevelEnabled("info");
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const requestId = headerValue(req.headers[REQUEST_ID]) ?? randomUUID();
    req.headers[REQUEST_ID] = requestId;
    const entry = req.method === "GET" ? responseCache.get(url) : undefined;
    if (!entry) {
      res.setHeader(REQUEST_ID, requestId);
      res.setHeader("X-Content-Type-Options", "nosniff");
    }
    if (UNTRACED.has(path)) {
      app(req, res);
      return;
    }
    if (accessLogs) logWhenFinished(logger, req, res, path, requestId);
    context.with(startServerSpan(req, res, path), () => {
      if (entry) answerFromCache(req, res, entry, requestId);
      else app(req, res);
    });
  };
}

/**
 * A cached answer with all of its headers in one writeHead call (the fast
 * path of node:http): 304 when If-None-Match matches, else 200 with the bytes.
 */
function answerFromCache(req: IncomingMessage, res: ServerResponse, entry: CachedResponse, requestId: string): void {
  setRoute(res, entry.route);
  const headers = [
    "ETag",
    entry.etag,
    "Cache-Control",
    entry.cacheControl,
    "Vary",
    "Accept-Encoding",
    "X-Content-Type-Options",
    "nosniff",
    REQUEST_ID,
    requestId,
  ];
  if (noneMatch(req.headers["if-none-match"], entry.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  headers.push("Content-Type", "application/json; charset=utf-8", "Content-Length", String(entry.body.length));
  res.writeHead(200, headers).end(entry.body);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first.slice(0, 200) : undefined;
}

function logWhenFinished(logger: Logger, req: IncomingMessage, res: ServerResponse, path: string, requestId: string): void {
  const started = process.hrtime.bigint();
  res.once("finish", () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, requestId }, "request");
  });
}
