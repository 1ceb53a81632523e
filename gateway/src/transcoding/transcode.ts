import { parse as parseQuery } from "node:querystring";
import { type DescService, fromJson, type JsonObject, toJson } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { Code } from "@connectrpc/connect";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { httpProblem } from "@emporium/platform/errors/problem";
import { responseCacheCounts } from "../metrics.js";
import type { EdgeContext, StageResult } from "../pipeline/context.js";
import { edgeRefusal, refusalOf } from "../pipeline/refusal.js";
import { acceptedEncoding } from "./accept-encoding.js";
import { cacheNameOf } from "./cache-names.js";
import { requiredIdempotencyKey } from "./idempotency-key.js";
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

export interface TranscodeOptions {
  deadlineMs: number;
  /** Headers passed on to the internal call (request id, the verified caller). */
  forwardHeaders: (ctx: EdgeContext) => Headers;
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
 * Errors come back as refusals, which the pipeline writes as problem+json.
 */
export function transcode(route: RestRoute, client: Client<DescService>, options: TranscodeOptions): RouteHandler {
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

  return async (ctx: EdgeContext, pathParams: Record<string, string>): Promise<StageResult> => {
    const { req, res } = ctx;
    const query = parseQuery(ctx.search) as Query;
    const accepts = (encodings: string[]) => acceptedEncoding(req.headers["accept-encoding"], encodings);
    const hangUp = new AbortController();
    // Only a client that hangs up early cancels the call (an abort costs a DOMException).
    res.once("close", () => {
      if (!res.writableFinished) hangUp.abort();
    });
    const pages = options.responseCache.pages;
    const pageKey = collection ? firstPageKey(route.path.template, query) : undefined;
    if (pageKey !== undefined) {
      const hit = pages.get(pageKey);
      if (hit) {
        hit.counts.process.hit();
        writeCachedPage(req, res, hit, accepts);
        return "answered";
      }
      pageCounts?.process.miss();
    }
    if (countsProcessMisses) counts.process.miss();
    const generation = pages.generation();
    try {
      const json = requestJson(route, ctx.body, query, pathParams);
      if (takesExpectedVersion) {
        const ifMatch = req.headers["if-match"];
        const version = ifMatch === undefined ? undefined : versionFromEtag(ifMatch);
        if (version === undefined) {
          return edgeRefusal(
            Code.FailedPrecondition,
            httpProblem(428, "precondition-required", "Precondition required", "Send If-Match with the ETag of the version you changed.", {
              instance: ctx.url,
            }),
          );
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
      const headers = options.forwardHeaders(ctx);
      if (route.idempotencyKeyRequired) headers.set("idempotency-key", requiredIdempotencyKey(req.headers["idempotency-key"]));
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
          counts: pageCounts as NonNullable<typeof pageCounts>,
        };
        if (pageKey !== undefined) pages.set(pageKey, page, pageCache.maxAgeSeconds * 1_000, generation);
        writeCachedPage(req, res, page, accepts);
        return "answered";
      }
      if (route.cache && cacheControl && version !== undefined) {
        // Stored only for public GET routes: the edge listener answers them before any access check.
        const body = Buffer.from(JSON.stringify(payload));
        const entry = {
          etag: etagOf(String(version), body),
          body,
          cacheControl,
          resourceId: String(valueAt(whole, "id") ?? ""),
          counts: counts as NonNullable<typeof counts>,
        };
        if (route.access === Access.UNSPECIFIED) options.responseCache.set(ctx.url, entry, route.cache.maxAgeSeconds * 1_000);
        writeCachedResponse(req, res, entry);
        return "answered";
      }
      // Private or one-off answers (tokens, orders) must not be kept by any cache (RFC 6749 §5.1, RFC 9111).
      res.setHeader("Cache-Control", "no-store");
      const bytes = Buffer.from(JSON.stringify(payload));
      res.writeHead(route.successStatus, { "Content-Type": "application/json; charset=utf-8", "Content-Length": bytes.length });
      res.end(bytes);
      return "answered";
    } catch (error) {
      if (res.headersSent || hangUp.signal.aborted) return "answered";
      return refusalOf(error, ctx.url);
    }
  };
}

/** Serves one REST route with the pipeline's context and the path's variables. */
export type RouteHandler = (ctx: EdgeContext, pathParams: Record<string, string>) => Promise<StageResult>;
