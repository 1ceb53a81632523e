import { randomUUID } from "node:crypto";
import type { IncomingMessage, RequestListener, ServerResponse } from "node:http";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Logger } from "@emporium/platform/log/logger";
import type { RateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import { context } from "@opentelemetry/api";
import type { EdgeAdmission } from "./admission.js";
import { type AccessTokenVerifier, InvalidTokenError, KeysUnavailableError } from "./auth/access-tokens.js";
import { bearerToken, callerOfRequest, setCaller } from "./auth/request-caller.js";
import type { Cors } from "./cors.js";
import type { Drain } from "./drain.js";
import { rateLimited } from "./metrics.js";
import { sendProblem } from "./problem-response.js";
import { type LimitClasses, limitClassOf, sendTooManyRequests, subjectOf, takeLimit } from "./ratelimit/edge-limits.js";
import { observeWhenFinished, type RequestObserver } from "./request-observer.js";
import { SECURITY_HEADERS } from "./security-headers.js";
import { setRoute, startServerSpan } from "./tracing.js";
import { type CachedResponse, noneMatch, type ResponseCache } from "./transcoding/response-cache.js";

export const REQUEST_ID = "x-request-id";

export interface EdgeDeps {
  logger: Logger;
  responseCache: ResponseCache;
  tokens: AccessTokenVerifier;
  limiter: RateLimiter;
  limits: LimitClasses;
  cors: Cors;
  /** Once shutdown begins, answers close their connection, so keep-alive clients reconnect elsewhere. */
  drain: Drain;
  /** Bounded work in flight per request class (admission.ts); cache hits bypass it. */
  admission: EdgeAdmission;
  /** The request duration histogram and the access log (request-observer.ts). */
  observer: RequestObserver;
}

/** Probes are neither traced, measured, logged nor limited. */
const PROBES = new Set(["/healthz", "/readyz"]);

/**
 * The gateway's request listener, in front of express. In order: the
 * response headers every answer carries (request id, security headers,
 * CORS), CORS preflights, a server span, the request's duration metric and
 * access log, authentication of a
 * bearer token, the rate limit of the request's class. Then warm cacheable
 * GETs are answered straight from the response cache in one writeHead, like a
 * reverse-proxy cache would, without entering the framework; everything else
 * goes to the express app once its class has room for it (admission.ts).
 */
export function edgeListener(app: RequestListener, deps: EdgeDeps): RequestListener {
  const { logger, responseCache, cors } = deps;
  const accessLogs = logger.isLevelEnabled("info");
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const requestId = headerValue(req.headers[REQUEST_ID]) ?? randomUUID();
    req.headers[REQUEST_ID] = requestId;
    // Collected as a flat list and written once: setHeader per header costs.
    const headers = [REQUEST_ID, requestId, ...SECURITY_HEADERS, ...cors.headersFor(req)];
    deps.drain.track(res);
    if (cors.preflight(req, res, headers)) return;
    if (PROBES.has(path)) {
      setHeaders(res, headers);
      app(req, res);
      return;
    }
    const requestContext = startServerSpan(req, res, path);
    observeWhenFinished(deps.observer, req, res, path, requestId, requestContext, accessLogs);
    context.with(requestContext, () => {
      void admit(req, res, path, headers, deps).then((admitted) => {
        if (!admitted) return;
        const entry = req.method === "GET" ? responseCache.get(url) : undefined;
        if (entry) {
          answerFromCache(req, res, entry, headers);
        } else {
          setHeaders(res, headers);
          deps.admission.admit(limitClassOf(req.method ?? "GET", path), req, res, app);
        }
      });
    });
  };
}

/**
 * Authentication, then the rate limit of the request's class (its headers
 * are added to `headers`), then the verdict on the token. A refused token is
 * limited too (by address), so spraying forged tokens costs quota like any
 * other request. Answers the request itself (401, 429, 503) and resolves
 * false when it must not go on.
 */
async function admit(req: IncomingMessage, res: ServerResponse, path: string, headers: string[], deps: EdgeDeps): Promise<boolean> {
  const refusal = await authenticate(req, deps);
  const limitClass = limitClassOf(req.method ?? "GET", path);
  const policy = deps.limits[limitClass];
  if (policy) {
    const outcome = await takeLimit(deps.limiter, policy, subjectOf(req, callerOfRequest(req), limitClass));
    headers.push(...outcome.headers);
    if (!outcome.allowed) {
      rateLimited.inc({ class: limitClass });
      setHeaders(res, headers);
      sendTooManyRequests(res, outcome.retryAfterMs, req.url ?? "/");
      return false;
    }
  }
  if (!refusal) return true;
  setHeaders(res, headers);
  if (refusal === "invalid") res.setHeader("WWW-Authenticate", 'Bearer error="invalid_token"');
  sendProblem(res, refusal === "invalid" ? INVALID_TOKEN(req.url ?? "/") : KEYS_UNAVAILABLE(req.url ?? "/"));
  return false;
}

const INVALID_TOKEN = (instance: string) =>
  httpProblem(401, "unauthenticated", "Authentication required", "The access token is not valid.", { instance });
const KEYS_UNAVAILABLE = (instance: string) =>
  httpProblem(503, "unavailable", "Service unavailable", "Sign-in cannot be checked right now.", { instance });

/**
 * Verifies a bearer token when one is sent and notes the caller on the
 * request. Resolves why it was refused ("invalid", or "unavailable" while no
 * keys can be had), or undefined: requests without a token go on as
 * anonymous, and the routes that need a caller say so (rest-router.ts).
 */
async function authenticate(req: IncomingMessage, deps: EdgeDeps): Promise<"invalid" | "unavailable" | undefined> {
  const token = bearerToken(req);
  if (token === undefined) return undefined;
  try {
    if (token === "") throw new InvalidTokenError("not a bearer token");
    setCaller(req, await deps.tokens.verify(token));
    return undefined;
  } catch (error) {
    if (error instanceof KeysUnavailableError) return "unavailable";
    deps.logger.debug({ reason: error instanceof Error ? error.message : String(error) }, "access token refused");
    return "invalid";
  }
}

function setHeaders(res: ServerResponse, flat: readonly string[]): void {
  for (let i = 0; i < flat.length; i += 2) res.setHeader(String(flat[i]), String(flat[i + 1]));
}

/** A cached answer in one writeHead call: 304 when If-None-Match matches, else 200 with the stored bytes. */
function answerFromCache(req: IncomingMessage, res: ServerResponse, entry: CachedResponse, headers: string[]): void {
  setRoute(res, entry.route);
  const { counts } = entry;
  counts.process.hit();
  headers.push("ETag", entry.etag, "Cache-Control", entry.cacheControl, "Vary", "Accept-Encoding, Origin");
  if (noneMatch(req.headers["if-none-match"], entry.etag)) {
    counts.http.hit();
    res.writeHead(304, headers).end();
    return;
  }
  counts.http.miss();
  headers.push("Content-Type", "application/json; charset=utf-8", "Content-Length", String(entry.body.length));
  res.writeHead(200, headers).end(entry.body);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first.slice(0, 200) : undefined;
}
