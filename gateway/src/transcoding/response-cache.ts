import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LRUCache } from "lru-cache";
import { setRoute } from "../tracing.js";

export interface CachedResponse {
  etag: string;
  body: Buffer;
  cacheControl: string;
  /** The route template, for the request's span name. */
  route: string;
  /** The id of the resource in the body, to drop it when it changes. */
  resourceId: string;
}

/**
 * The gateway's own memory of cacheable responses (GET of one resource), so a
 * warm read costs no RPC and a matching If-None-Match no database work. Each
 * entry lives for the route's max-age at most and is dropped as soon as a
 * change event names its resource.
 */
export function createResponseCache(max = 10_000) {
  const entries = new LRUCache<string, CachedResponse>({ max, ttlAutopurge: false });
  const keysByResource = new Map<string, Set<string>>();
  return {
    get: (key: string) => entries.get(key),
    set(key: string, value: CachedResponse, ttlMs: number) {
      entries.set(key, value, { ttl: ttlMs });
      const keys = keysByResource.get(value.resourceId) ?? new Set<string>();
      keys.add(key);
      keysByResource.set(value.resourceId, keys);
    },
    invalidate(resourceId: string) {
      for (const key of keysByResource.get(resourceId) ?? []) entries.delete(key);
      keysByResource.delete(resourceId);
    },
  };
}

export type ResponseCache = ReturnType<typeof createResponseCache>;

/** Answers from a cached response: 304 when If-None-Match matches, else 200 with the stored bytes. */
export function writeCachedResponse(req: IncomingMessage, res: ServerResponse, entry: CachedResponse): void {
  setRoute(res, entry.route);
  res.setHeader("ETag", entry.etag);
  res.setHeader("Cache-Control", entry.cacheControl);
  res.setHeader("Vary", "Accept-Encoding, Origin");
  if (noneMatch(req.headers["if-none-match"], entry.etag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  res.statusCode = 200;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", entry.body.length);
  res.end(entry.body);
}

/** A weak ETag from the resource's version and the field set it was rendered with. */
export function etagOf(version: string, fields: readonly string[]): string {
  const fieldSet =
    fields.length === 0
      ? "all"
      : createHash("sha1")
          .update([...fields].sort().join(","))
          .digest("hex")
          .slice(0, 10);
  return `W/"${version}.${fieldSet}"`;
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
