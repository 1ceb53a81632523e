import { noneMatch, type ResponseCache } from "../transcoding/response-cache.js";
import type { Stage } from "./context.js";

/**
 * Warm cacheable GETs (a single public resource, by URL) answered straight
 * from the gateway's memory in one writeHead, like a reverse-proxy cache,
 * before admission and the REST stages: 304 when If-None-Match matches,
 * else 200 with the stored bytes. Only public answers are stored
 * (transcode.ts), so no access check is skipped.
 */
export function cachedAnswer(responseCache: ResponseCache): Stage {
  return (ctx) => {
    if (ctx.req.method !== "GET" || ctx.protocol.name !== "rest") return undefined;
    const entry = responseCache.get(ctx.url);
    if (!entry) return undefined;
    const { counts } = entry;
    counts.process.hit();
    const headers = ctx.headers;
    headers.push("ETag", entry.etag, "Cache-Control", entry.cacheControl, "Vary", "Accept-Encoding, Origin");
    if (noneMatch(ctx.req.headers["if-none-match"], entry.etag)) {
      counts.http.hit();
      ctx.res.writeHead(304, headers).end();
      return "answered";
    }
    counts.http.miss();
    headers.push("Content-Type", "application/json; charset=utf-8", "Content-Length", String(entry.body.length));
    ctx.res.writeHead(200, headers).end(entry.body);
    return "answered";
  };
}
