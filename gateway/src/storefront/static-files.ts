import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/** What Vite builds (gateway/storefront, `npm run build:storefront`), relative to this file in gateway/dist/src/storefront/. */
export const STOREFRONT_DIST = fileURLToPath(new URL("../../../storefront/dist/", import.meta.url));

/**
 * The page's own policy, in place of the API's `default-src 'none'`
 * (security-headers.ts): scripts, styles, images and API calls from this
 * origin only, nothing inline (Vite emits none), no plugins, no framing, no
 * form posts elsewhere.
 */
export const STOREFRONT_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".png": "image/png",
  ".woff2": "font/woff2",
};
/** Worth compressing: text, above a size where the header costs more than it saves. */
const COMPRESSIBLE = new Set([".html", ".js", ".css", ".svg", ".map"]);
const MIN_COMPRESS_BYTES = 1024;

interface StaticFile {
  /** The route template for metrics and spans: "/" or "/assets/*", never a file name (bounded labels). */
  route: string;
  headers: Record<string, string>;
  bodies: { identity: Buffer; br?: Buffer; gzip?: Buffer };
}

/**
 * Serves the built storefront: `/` (index.html) and the files under it, read
 * and compressed (br, gzip) once at start-up, so a request is one map
 * lookup and one write. Vite names every file under assets/ by its content
 * hash, so those are cached for a year as immutable; index.html is
 * revalidated on each load (ETag, 304), so a new build shows at once.
 *
 * Returns a handler that answers GET and HEAD of those paths, with the
 * given headers (a flat name, value list: the request id, the security
 * headers, CORS) and its own, and returns the route it answered as ("/" or
 * "/assets/*"), or undefined for everything else (the API's routes). With
 * no build there, it answers nothing and says so once.
 */
export function storefrontFiles(options: { dir?: string; onMissing?: (dir: string) => void } = {}): StorefrontFiles {
  const dir = options.dir ?? STOREFRONT_DIST;
  const files = new Map<string, StaticFile>();
  if (existsSync(join(dir, "index.html"))) {
    for (const path of filesUnder(dir)) files.set(`/${relative(dir, path).split(sep).join("/")}`, load(path, dir));
    const index = files.get("/index.html");
    if (index) files.set("/", index);
  } else {
    options.onMissing?.(dir);
  }

  return (req, res, headers = []) => {
    if (req.method !== "GET" && req.method !== "HEAD") return undefined;
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const file = files.get(query === -1 ? url : url.slice(0, query));
    if (!file) return undefined;
    const answer = withoutOwn(headers, file.headers);
    if (req.headers["if-none-match"] === file.headers.ETag) {
      answer.push("ETag", String(file.headers.ETag), "Cache-Control", String(file.headers["Cache-Control"]), "Vary", "Accept-Encoding");
      res.writeHead(304, answer).end();
      return file.route;
    }
    const encoding = pickEncoding(req.headers["accept-encoding"], file);
    const body = file.bodies[encoding] ?? file.bodies.identity;
    for (const [name, value] of Object.entries(file.headers)) answer.push(name, value);
    answer.push("Content-Length", String(body.length));
    if (encoding !== "identity") answer.push("Content-Encoding", encoding);
    // A flat list in writeHead also replaces what an earlier stage set with setHeader (the API's CSP).
    res.writeHead(200, answer);
    res.end(req.method === "HEAD" ? undefined : body);
    return file.route;
  };
}

/**
 * Answers a GET or HEAD of the storefront with `headers` plus its own and
 * returns its route label; undefined when the path is not the storefront's.
 */
export type StorefrontFiles = (req: IncomingMessage, res: ServerResponse, headers?: readonly string[]) => string | undefined;

/** The common headers without those the file sets itself (its CSP replaces the API's). */
function withoutOwn(headers: readonly string[], own: Record<string, string>): string[] {
  const replaced = new Set(Object.keys(own).map((name) => name.toLowerCase()));
  const kept: string[] = [];
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (!replaced.has(String(headers[i]).toLowerCase())) kept.push(String(headers[i]), String(headers[i + 1]));
  }
  return kept;
}

function load(path: string, dir: string): StaticFile {
  const identity = readFileSync(path);
  const extension = extname(path);
  const hashed = relative(dir, path).startsWith(`assets${sep}`);
  const headers: Record<string, string> = {
    "Content-Type": TYPES[extension] ?? "application/octet-stream",
    "Cache-Control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
    ETag: `"${createHash("sha256").update(identity).digest("base64url").slice(0, 22)}"`,
    Vary: "Accept-Encoding",
  };
  if (extension === ".html") headers["Content-Security-Policy"] = STOREFRONT_CSP;
  const bodies: StaticFile["bodies"] = { identity };
  if (COMPRESSIBLE.has(extension) && identity.length >= MIN_COMPRESS_BYTES) {
    // Quality 9, not 11: at every start, 11 took 2.7 s of CPU for the bundle and its source map (0.18 s at 9) for 7 % smaller files.
    bodies.br = brotliCompressSync(identity, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } });
    bodies.gzip = gzipSync(identity, { level: 9 });
  }
  return { route: hashed ? "/assets/*" : "/", headers, bodies };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

/** br when the client takes it, else gzip, else the bytes as they are (q=0 refuses a coding). */
function pickEncoding(header: string | string[] | undefined, file: StaticFile): "br" | "gzip" | "identity" {
  const accepted = new Set(
    String(header ?? "")
      .split(",")
      .map((part) => part.trim().split(";"))
      .filter(([, q]) => q?.trim() !== "q=0")
      .map(([coding]) => coding?.trim().toLowerCase()),
  );
  if (file.bodies.br && accepted.has("br")) return "br";
  if (file.bodies.gzip && accepted.has("gzip")) return "gzip";
  return "identity";
}
