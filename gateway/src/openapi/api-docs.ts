import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { gzipSync } from "node:zlib";
import type { RestRoute } from "../transcoding/rest-routes.js";
import { DOCS_CSP, DOCS_PAGE, DOCS_SCRIPT } from "./docs-page.js";
import { openApiDocument } from "./document.js";

/** The document as the gateway serves it and as docs/openapi.json is committed: 2-space JSON and a newline. */
export const openApiJson = (routes: readonly RestRoute[]) => `${JSON.stringify(openApiDocument(routes), null, 2)}\n`;

interface Asset {
  type: string;
  body: Buffer;
  gzip?: Buffer;
  etag: string;
  cacheControl: string;
  /** The docs page needs scripts and styles that the API's own `default-src 'none'` refuses. */
  csp?: string;
}

const asset = (type: string, body: Buffer, cacheControl: string, csp?: string): Asset => ({
  type,
  body,
  // Worth it for the document and the 4 MB reference bundle, once, not per request.
  gzip: body.length > 1024 ? gzipSync(body) : undefined,
  etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`,
  cacheControl,
  csp,
});

/** The Scalar API reference's standalone browser bundle, from the npm package (no CDN: /docs works offline). */
function referenceBundle(): Buffer {
  return readFileSync(new URL("./browser/standalone.js", import.meta.resolve("@scalar/api-reference")));
}

/**
 * `GET /openapi.json` (the OpenAPI 3.1 document of the given routes) and
 * `GET /docs` (an API reference page reading it). Returns a listener that
 * answers those paths and returns false for any other request, to be tried
 * before the API routes. Assets are built lazily on first use and kept.
 */
export function apiDocs(routes: readonly RestRoute[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  const revalidate = "public, max-age=0, must-revalidate";
  const builders: Record<string, () => Asset> = {
    "/openapi.json": () => asset("application/json; charset=utf-8", Buffer.from(openApiJson(routes)), revalidate),
    "/docs": () => asset("text/html; charset=utf-8", Buffer.from(DOCS_PAGE), revalidate, DOCS_CSP),
    "/docs/": () => asset("text/html; charset=utf-8", Buffer.from(DOCS_PAGE), revalidate, DOCS_CSP),
    "/docs/init.js": () => asset("text/javascript; charset=utf-8", Buffer.from(DOCS_SCRIPT), revalidate),
    "/docs/scalar.js": () => asset("text/javascript; charset=utf-8", referenceBundle(), "public, max-age=86400"),
  };
  const built = new Map<string, Asset>();
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const build = builders[path];
    if (!build || (req.method !== "GET" && req.method !== "HEAD")) return false;
    let found = built.get(path);
    if (!found) {
      found = build();
      built.set(path, found);
    }
    send(req, res, found);
    return true;
  };
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  res.setHeader("ETag", asset.etag);
  res.setHeader("Cache-Control", asset.cacheControl);
  res.setHeader("Vary", "Accept-Encoding");
  if (asset.csp) res.setHeader("Content-Security-Policy", asset.csp);
  if (req.headers["if-none-match"] === asset.etag) {
    res.writeHead(304).end();
    return;
  }
  const gzip = asset.gzip && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? "")) ? asset.gzip : undefined;
  const body = gzip ?? asset.body;
  if (gzip) res.setHeader("Content-Encoding", "gzip");
  res.setHeader("Content-Type", asset.type);
  res.setHeader("Content-Length", body.length);
  res.writeHead(200).end(req.method === "HEAD" ? undefined : body);
}
