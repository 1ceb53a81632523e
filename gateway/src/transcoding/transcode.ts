import { type DescService, fromJson, type JsonObject, toJson } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { httpProblem } from "@emporium/platform/errors/problem";
import type { Request, Response } from "express";
import { responseCacheCounts } from "../metrics.js";
import { sendError, sendProblem } from "../problem-response.js";
import { cacheNameOf } from "./cache-names.js";
import { violationFromJsonError } from "./json-errors.js";
import { type Query, requestJson } from "./request-json.js";
import {
  type CachedPage,
  etagOf,
  pageEtag,
  type ResponseCache,
  versionFromEtag,
  writeCachedPage,
  writeCachedResponse,
} from "./response-cache.js";
import { fillLocation, requestedFields, sparse, valueAt } from "./response-shaping.js";
import type { RestRoute } from "./rest-routes.js";

type UnaryCall = (
  input: unknown,
  options: { timeoutMs: number; signal: AbortSignal; headers: Headers; onHeader?: (headers: Headers) => void },
) => Promise<unknown>;

// Printable ASCII without spaces, as the IETF Idempotency-Key draft's keys (UUIDs and the like).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface TranscodeOptions {
  deadlineMs: number;
  /** Headers passed on to the internal call (request id, the verified caller). */
  forwardHeaders: (req: Request) => Headers;
  responseCache: ResponseCache;
}

const hasField = (route: RestRoute, name: string) => route.method.input.fields.some((field) => field.name === name);

/**
 * The cache key of a first page: the route and its query parameters in name
 * order, the paths of `fields` sorted (their order does not change the
 * answer). Undefined for a later page (a page token) and for a repeated
 * parameter, which is a 400 that must not hit the key of a valid request.
 */
export function firstPageKey(template: string, query: Query): string | undefined {
  const parts: string[] = [];
  for (const name of Object.keys(query).sort()) {
    const value = query[name];
    if (typeof value !== "string") return undefined;
    if (name === "page_token") {
      if (value !== "") return undefined;
      continue;
    }
    parts.push(`${encodeURIComponent(name)}=${encodeURIComponent(name === "fields" ? value.split(",").sort().join(",") : value)}`);
  }
  return `${template}?${parts.join("&")}`;
}

/**
 * Serves one REST route by calling its RPC: JSON in (body, query, path) ->
 * request message -> internal call under the edge's deadline -> JSON out
 * (snake_case field names, defaults included). Cacheable routes are answered
 * from the gateway's memory when warm, with ETag / If-None-Match; updates take
 * their expected version from If-Match. A client hanging up cancels the call.
 */
export function transcode(route: RestRoute, client: Client<DescService>, options: TranscodeOptions) {
  const call = (client as unknown as Record<string, UnaryCall>)[route.method.localName];
  if (!call) throw new Error(`client has no method ${route.method.localName}`);
  const takesExpectedVersion = hasField(route, "expected_version");
  // A list route whose pages are cacheable (rest-routes.ts checked it is public and pages).
  const pageCache = route.pageCache;
  const collection = pageCache !== undefined;
  const pageCacheControl =
    pageCache && `public, max-age=${pageCache.maxAgeSeconds}, stale-while-revalidate=${pageCache.staleWhileRevalidateSeconds}`;
  const cacheControl =
    route.cache && `public, max-age=${route.cache.maxAgeSeconds}, stale-while-revalidate=${route.cache.staleWhileRevalidateSeconds}`;
  // Counted per route, made once: `product` for GET /v1/products/{product_id}, `product_list` for its pages.
  const pageCounts = pageCache && responseCacheCounts(cacheNameOf(route, "page"));
  const counts = route.cache && responseCacheCounts(cacheNameOf(route, "single"));
  // The edge answers warm hits of public single answers before routing; reaching here is a miss of its memory.
  const countsProcessMisses = counts !== undefined && route.access === Access.UNSPECIFIED && route.httpMethod === "GET";

  return async (req: Request, res: Response, pathParams: Record<string, string>): Promise<void> => {
    const hangUp = new AbortController();
    // Only a client that hangs up early cancels the call (an abort costs a DOMException).
    res.once("close", () => {
      if (!res.writableFinished) hangUp.abort();
    });
    const pages = options.responseCache.pages;
    const pageKey = collection ? firstPageKey(route.path.template, req.query as Query) : undefined;
    if (pageKey !== undefined) {
      const hit = pages.get(pageKey);
      if (hit) {
        hit.counts.process.hit();
        writeCachedPage(req, res, hit, (encodings) => req.acceptsEncodings(encodings));
        return;
      }
      pageCounts?.process.miss();
    }
    if (countsProcessMisses) counts.process.miss();
    const generation = pages.generation();
    try {
      const json = requestJson(route, req.body, req.query as Query, pathParams);
      if (takesExpectedVersion) {
        const ifMatch = req.get("if-match");
        const version = ifMatch === undefined ? undefined : versionFromEtag(ifMatch);
        if (version === undefined) {
          sendProblem(
            res,
            httpProblem(428, "precondition-required", "Precondition required", "Send If-Match with the ETag of the version you changed.", {
              instance: req.originalUrl,
            }),
          );
          return;
        }
        json.expected_version = version.toString();
      }
      let input: { fields?: { paths: string[] } };
      try {
        input = fromJson(route.method.input, json) as typeof input;
      } catch (error) {
        throw new ValidationError([violationFromJsonError(error, route.method.input)]);
      }
      const fields = requestedFields(input);
      // The ETag needs the version even when the client did not ask for it.
      if (route.cache && input.fields && fields.length > 0 && !fields.includes("version")) input.fields.paths = [...fields, "version"];
      const headers = options.forwardHeaders(req);
      if (route.idempotencyKeyRequired) headers.set("idempotency-key", idempotencyKeyOf(req));
      const output = await call.call(client, input, {
        timeoutMs: options.deadlineMs,
        signal: hangUp.signal,
        headers,
        onHeader: (answer) => {
          if (answer.get("idempotent-replayed") === "true") res.setHeader("Idempotent-Replayed", "true");
        },
      });
      const body = toJson(route.method.output, output as never, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
      const whole = route.responseBody === "" ? body : (body[route.responseBody] ?? {});
      const payload = sparse(whole, route.responseBody !== "", fields);
      if (route.locationTemplate) res.setHeader("Location", fillLocation(route.locationTemplate, body));
      const version = valueAt(whole, "version");
      if (takesExpectedVersion && version !== undefined) res.setHeader("ETag", etagOf(String(version)));
      if (pageCache && pageCacheControl) {
        const bytes = Buffer.from(JSON.stringify(payload));
        const page: CachedPage = {
          etag: pageEtag(bytes),
          body: bytes,
          encoded: {},
          cacheControl: pageCacheControl,
          route: route.path.template,
          counts: pageCounts as NonNullable<typeof pageCounts>,
        };
        if (pageKey !== undefined) pages.set(pageKey, page, pageCache.maxAgeSeconds * 1_000, generation);
        writeCachedPage(req, res, page, (encodings) => req.acceptsEncodings(encodings));
        return;
      }
      if (route.cache && cacheControl && version !== undefined) {
        // Stored only for public GET routes: the edge listener answers them before any access check.
        const body = Buffer.from(JSON.stringify(payload));
        const entry = {
          etag: etagOf(String(version), body),
          body,
          cacheControl,
          route: route.path.template,
          resourceId: String(valueAt(whole, "id") ?? ""),
          counts: counts as NonNullable<typeof counts>,
        };
        if (route.access === Access.UNSPECIFIED) options.responseCache.set(req.originalUrl, entry, route.cache.maxAgeSeconds * 1_000);
        writeCachedResponse(req, res, entry);
        return;
      }
      // Private or one-off answers (tokens, orders) must not be kept by any cache (RFC 6749 §5.1, RFC 9111).
      res.setHeader("Cache-Control", "no-store");
      res.status(route.successStatus).json(payload);
    } catch (error) {
      if (!res.headersSent && !hangUp.signal.aborted) sendError(res, error, req.originalUrl);
    }
  };
}

/** The request's Idempotency-Key header, or a 400 naming it. */
function idempotencyKeyOf(req: Request): string {
  const key = req.get("idempotency-key");
  if (key === undefined || key === "") {
    throw new ValidationError([
      { field: "Idempotency-Key", description: "header is required for this operation (a unique key per operation, e.g. a UUID)" },
    ]);
  }
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new ValidationError([{ field: "Idempotency-Key", description: "must be 1 to 255 printable ASCII characters without spaces" }]);
  }
  return key;
}
