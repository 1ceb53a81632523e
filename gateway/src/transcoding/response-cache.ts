import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { LRUCache } from "lru-cache";
import type { ResponseCacheCounts } from "../metrics.js";

export interface CachedResponse {
  etag: string;
  body: Buffer;
  cacheControl: string;
  /** The id of the resource in the body, to drop it when it changes. */
  resourceId: string;
  /** Its cache's hit and miss counts (the route's, made once). */
  counts: ResponseCacheCounts;
}

/** A cached first page of a collection (e.g. GET /v1/products?category=kitchen). */
export interface CachedPage {
  etag: string;
  /** The JSON body; compressed copies are made once, on the first request that accepts them. */
  body: Buffer;
  encoded: { br?: Buffer; gzip?: Buffer };
  cacheControl: string;
  counts: ResponseCacheCounts;
}

/**
 * The gateway's own memory of cacheable responses, so a warm read costs no
 * RPC and a matching If-None-Match no database work:
 * - single resources (GET of one product) by URL, answered by the edge
 *   listener before the framework; dropped as soon as a change event names
 *   their resource;
 * - first pages of collections (`pages`) by normalised query, answered by the
 *   transcoder (which negotiates their compression). Any change event drops
 *   all of them.
 * Every entry lives for its route's max-age at most.
 *
 * Why a change drops every page rather than the pages that hold the product:
 * a change can move a product onto pages it was not on (a new price or name
 * moves it between filters and sort positions), so knowing which pages it
 * affects means evaluating every cached filter against the old and the new
 * product. Changes are admin writes, rare next to reads; dropping every page
 * costs one catalog query per common list per change, and is obviously
 * correct. A generation counter makes it O(1) and closes the race with
 * answers in flight: a page read before a change but answered after it would
 * otherwise be stored stale until its max-age; it carries the generation it
 * started in and is not stored once that has moved on.
 */
export function createResponseCache(max = 10_000, maxPages = 2_000) {
  const entries = new LRUCache<string, CachedResponse>({ max, ttlAutopurge: false });
  const keysByResource = new Map<string, Set<string>>();
  const pages = new LRUCache<string, CachedPage>({ max: maxPages, ttlAutopurge: false });
  let generation = 0;
  return {
    get: (key: string) => entries.get(key),
    set(key: string, value: CachedResponse, ttlMs: number) {
      entries.set(key, value, { ttl: ttlMs });
      const keys = keysByResource.get(value.resourceId) ?? new Set<string>();
      keys.add(key);
      keysByResource.set(value.resourceId, keys);
    },
    /** A resource changed: drops its own entries and every cached page (see above). */
    invalidate(resourceId: string) {
      for (const key of keysByResource.get(resourceId) ?? []) entries.delete(key);
      keysByResource.delete(resourceId);
      generation++;
      pages.clear();
    },
    pages: {
      /** Taken when a page request starts; `set` stores its answer only if no change came in between. */
      generation: () => generation,
      get: (key: string) => pages.get(key),
      set(key: string, page: CachedPage, ttlMs: number, startedIn: number): void {
        if (startedIn === generation) pages.set(key, page, { ttl: ttlMs });
      },
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

/** Answers from a cached response: 304 when If-None-Match matches, else 200 with the stored bytes. */
export function writeCachedResponse(req: IncomingMessage, res: ServerResponse, entry: CachedResponse): void {
  if (answeredNotModified(req, res, entry)) return;
  writeJsonBody(res, entry.body);
}

/** The caching headers of a stored answer; answers 304 (and says so) when If-None-Match matches. Counted as an HTTP-layer hit or miss. */
function answeredNotModified(
  req: IncomingMessage,
  res: ServerResponse,
  stored: { etag: string; cacheControl: string; counts: ResponseCacheCounts },
): boolean {
  res.setHeader("ETag", stored.etag);
  res.setHeader("Cache-Control", stored.cacheControl);
  res.setHeader("Vary", "Accept-Encoding, Origin");
  if (!noneMatch(req.headers["if-none-match"], stored.etag)) {
    stored.counts.http.miss();
    return false;
  }
  stored.counts.http.hit();
  res.statusCode = 304;
  res.end();
  return true;
}

function writeJsonBody(res: ServerResponse, body: Buffer): void {
  res.statusCode = 200;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", body.length);
  res.end(body);
}

/** A collection page's ETag: its content's hash (the same on every gateway, unlike any local counter). */
export function pageEtag(body: Buffer): string {
  return `W/"p.${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`;
}

/**
 * Answers with a cached page: 304 when If-None-Match matches, else 200 with
 * the stored bytes in the encoding the client prefers (br, then gzip; small
 * bodies as they are), compressed once per entry rather than per request.
 * `accepts` picks the client's preferred encoding of those offered (accept-encoding.ts).
 */
export function writeCachedPage(
  req: IncomingMessage,
  res: ServerResponse,
  page: CachedPage,
  accepts: (encodings: string[]) => string | false,
): void {
  if (answeredNotModified(req, res, page)) return;
  const encoding = page.body.length < COMPRESS_FROM_BYTES ? "identity" : accepts(["br", "gzip", "identity"]);
  let body = page.body;
  if (encoding === "br") {
    page.encoded.br ??= brotliCompressSync(page.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 6 } });
    body = page.encoded.br;
  } else if (encoding === "gzip") {
    page.encoded.gzip ??= gzipSync(page.body);
    body = page.encoded.gzip;
  }
  // A Content-Encoding of our own also tells the compression middleware to leave the body alone.
  if (body !== page.body) res.setHeader("Content-Encoding", encoding as string);
  writeJsonBody(res, body);
}

/** The same threshold as the gateway's compression of other answers (pipeline/rest-body.ts). */
const COMPRESS_FROM_BYTES = 1024;

/**
 * A weak ETag: the resource's version (If-Match reads it back), then a hash
 * of the body it was rendered as, or "all" when there is none (an update's
 * answer). The hash covers the field set, and also what changes without a
 * new version: a product's availability, which inventory moves with every
 * order. An ETag of the version alone would let If-None-Match answer 304 to
 * a client holding a stale stock level.
 */
export function etagOf(version: string, body?: Uint8Array): string {
  const rendering = body === undefined ? "all" : createHash("sha1").update(body).digest("hex").slice(0, 12);
  return `W/"${version}.${rendering}"`;
}

/** The version inside one of our ETags (`W/"12.all"` -> 12n), or undefined. */
export function versionFromEtag(etag: string): bigint | undefined {
  const match = /^(?:W\/)?"(\d{1,18})\.[0-9a-z]+"$/.exec(etag.trim());
  return match?.[1] === undefined ? undefined : BigInt(match[1]);
}

/** Whether an If-None-Match header matches the ETag (weak comparison, lists and `*` allowed). */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || bare(tag) === bare(etag));
}
