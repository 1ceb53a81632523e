import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, get, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { brotliDecompressSync } from "node:zlib";
import { SECURITY_HEADERS } from "../src/security-headers.js";
import { STOREFRONT_CSP, storefrontFiles } from "../src/storefront/static-files.js";

const SCRIPT = `console.log(${JSON.stringify("x".repeat(4000))});`;
let dir: string;
let server: Server;
let base: string;
const routes: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "storefront-"));
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "index.html"), '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>');
  writeFileSync(join(dir, "assets", "index-abc123.js"), SCRIPT);
  const serve = storefrontFiles({ dir });
  // As the edge does: the headers every answer carries (the API's security headers), which the page's CSP must replace.
  server = createServer((req, res) => {
    const route = serve(req, res, ["x-request-id", "r-1", ...SECURITY_HEADERS]);
    if (route === undefined) res.writeHead(404).end("api");
    else routes.push(route);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("/ is index.html with the page's own CSP, revalidated on every load", async () => {
  const response = await fetch(`${base}/`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(response.headers.get("content-security-policy"), STOREFRONT_CSP);
  assert.equal(response.headers.get("cache-control"), "no-cache");
  assert.equal(response.headers.get("x-frame-options"), "DENY", "the other security headers stay");
  assert.equal(response.headers.get("x-request-id"), "r-1");
  assert.match(await response.text(), /index-abc123\.js/);
  const again = await fetch(`${base}/?utm=1`, { headers: { "If-None-Match": String(response.headers.get("etag")) } });
  assert.equal(again.status, 304);
});

test("hashed assets are immutable for a year and sent compressed when the client takes br", async () => {
  const { status, headers, body } = await rawGet(`${base}/assets/index-abc123.js`, { "Accept-Encoding": "gzip, br" });
  assert.equal(status, 200);
  assert.equal(headers["cache-control"], "public, max-age=31536000, immutable");
  assert.equal(headers["content-type"], "text/javascript; charset=utf-8");
  assert.equal(headers["content-encoding"], "br");
  assert.equal(headers.vary, "Accept-Encoding");
  assert.ok(body.length < SCRIPT.length);
  assert.equal(brotliDecompressSync(body).toString(), SCRIPT);
});

test("HEAD answers the headers only; other methods and unknown paths are left to the API", async () => {
  const head = await fetch(`${base}/`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  assert.equal((await fetch(`${base}/`, { method: "POST" })).status, 404);
  assert.equal((await fetch(`${base}/v1/products`)).status, 404);
  assert.equal((await fetch(`${base}/assets/missing.js`)).status, 404);
  assert.equal((await fetch(`${base}/../index.html`)).status, 200, "fetch normalises the path to /index.html");
});

test("routes are labelled by template, never by file name", async () => {
  routes.length = 0;
  await fetch(`${base}/`);
  await fetch(`${base}/assets/index-abc123.js`);
  assert.deepEqual(routes, ["/", "/assets/*"]);
});

test("without a build the handler answers nothing and says where it looked", () => {
  const missing: string[] = [];
  const serve = storefrontFiles({ dir: join(dir, "nowhere"), onMissing: (where) => missing.push(where) });
  assert.deepEqual(missing, [join(dir, "nowhere")]);
  assert.equal(serve({ method: "GET", url: "/", headers: {} } as never, {} as never), undefined);
});

/** A GET that keeps the body as sent (fetch would decompress it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on("error", reject);
  });
}
