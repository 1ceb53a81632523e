import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loginAdmin } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { queryCounter } from "../../src/harness/query-counter.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

/** The catalog's list query (product-store.ts `list`), whatever its filters. */
const LIST_QUERY = "SELECT id%FROM products%ORDER BY%LIMIT%";

let stack: Stack;
let queries: Awaited<ReturnType<typeof queryCounter>>;
let admin: { Authorization: string };
before(async () => {
  stack = await startStack();
  queries = await queryCounter(stack.databases.catalog);
  admin = (await loginAdmin(stack.gatewayUrl)).auth;
});
after(async () => {
  await queries?.close();
  await stack?.stop();
});

type Listed = { id: string; name?: string; price?: { amount_minor: string } };
const get = (base: string, path: string, headers: Record<string, string> = {}) => request(`${base}${path}`, { headers });
const productsOf = (response: Awaited<ReturnType<typeof request>>) => response.body.products as Listed[];

/** Sets a product's price as an administrator (the catalog then announces ProductChanged). */
async function changePrice(id: string, amountMinor: string): Promise<void> {
  const current = await get(stack.gatewayUrl, `/v1/products/${id}`);
  const changed = await request(`${stack.gatewayUrl}/v1/products/${id}`, {
    method: "PATCH",
    json: { price: { currency_code: "EUR", amount_minor: amountMinor } },
    headers: { ...admin, "If-Match": String(current.headers.get("etag")) },
  });
  assert.equal(changed.status, 200);
}

describe("cached first pages of GET /v1/products", () => {
  test("a first page is served again from the gateway's cache without a catalog query", async () => {
    const first = await get(stack.gatewayUrl, "/v1/products?category=garden&page_size=7");
    const before = await queries.count(LIST_QUERY);

    const again = await get(stack.gatewayUrl, "/v1/products?page_size=7&category=garden");

    assert.equal(again.status, 200);
    assert.deepEqual(again.body, first.body, "parameter order does not matter");
    assert.equal(await queries.count(LIST_QUERY), before);
  });

  test("carries ETag and Cache-Control, and a matching If-None-Match is a 304", async () => {
    const first = await get(stack.gatewayUrl, "/v1/products?category=office&page_size=6");
    const etag = String(first.headers.get("etag"));

    const cached = await get(stack.gatewayUrl, "/v1/products?category=office&page_size=6", { "If-None-Match": etag });
    const stale = await get(stack.gatewayUrl, "/v1/products?category=office&page_size=6", { "If-None-Match": 'W/"p.other"' });

    assert.match(etag, /^W\/"p\.[\w-]+"$/);
    assert.match(first.headers.get("cache-control") ?? "", /public, max-age=5, stale-while-revalidate=30/);
    assert.match(first.headers.get("vary") ?? "", /Accept-Encoding/i);
    assert.equal(cached.status, 304);
    assert.equal(cached.body, undefined);
    assert.equal(stale.status, 200);
    assert.equal(stale.headers.get("etag"), etag);
  });

  test("page 2 from a cached first page's token is the next page, and later pages are not cached", async () => {
    const whole = productsOf(await get(stack.gatewayUrl, "/v1/products?order_by=price&page_size=20&fields=id"));
    const first = await get(stack.gatewayUrl, "/v1/products?order_by=price&page_size=10&fields=id");
    const cached = await get(stack.gatewayUrl, "/v1/products?order_by=price&page_size=10&fields=id");
    const token = encodeURIComponent(String(cached.body.next_page_token));
    const before = await queries.count(LIST_QUERY);

    const second = await get(stack.gatewayUrl, `/v1/products?order_by=price&page_size=10&fields=id&page_token=${token}`);

    assert.equal(cached.body.next_page_token, first.body.next_page_token);
    assert.deepEqual(
      [...productsOf(cached), ...productsOf(second)].map((p) => p.id),
      whole.map((p) => p.id),
    );
    assert.equal(await queries.count(LIST_QUERY), before + 1, "a page with a token is read from the catalog");
  });

  test("sparse fieldsets stay sparse, and the order of fields shares one cached page", async () => {
    const sparse = await get(stack.gatewayUrl, "/v1/products?category=toys&fields=name,id");
    const before = await queries.count(LIST_QUERY);
    const reordered = await get(stack.gatewayUrl, "/v1/products?category=toys&fields=id,name");
    const full = await get(stack.gatewayUrl, "/v1/products?category=toys");

    for (const product of productsOf(sparse)) assert.deepEqual(Object.keys(product).sort(), ["id", "name"]);
    assert.deepEqual(reordered.body, sparse.body);
    assert.equal(await queries.count(LIST_QUERY), before + 1, "only the full page was read");
    assert.ok(Object.keys(productsOf(full)[0] ?? {}).includes("price"));
    assert.notEqual(full.headers.get("etag"), sparse.headers.get("etag"));
  });

  test("a cached page is compressed as the client accepts, and invalid lists are still 400", async () => {
    await fetch(`${stack.gatewayUrl}/v1/products?page_size=50`);
    const br = await fetch(`${stack.gatewayUrl}/v1/products?page_size=50`, { headers: { "Accept-Encoding": "br" } });
    const gzip = await fetch(`${stack.gatewayUrl}/v1/products?page_size=50`, { headers: { "Accept-Encoding": "gzip" } });
    const repeated = await get(stack.gatewayUrl, "/v1/products?page_size=50&category=a&category=b");

    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.equal(((await br.json()) as { products: unknown[] }).products.length, 50);
    assert.equal(((await gzip.json()) as { products: unknown[] }).products.length, 50);
    assert.equal(repeated.status, 400);
  });

  test("a product change (ProductChanged) drops the cached pages of every gateway", async () => {
    const second = await stack.startExtraGateway();
    try {
      const path = "/v1/products?category=kitchen&page_size=5&fields=id,price";
      const target = productsOf(await get(stack.gatewayUrl, path))[0]?.id ?? "";
      for (const base of [stack.gatewayUrl, second.url]) await get(base, path);
      const before = await queries.count(LIST_QUERY);
      await get(second.url, path);
      assert.equal(await queries.count(LIST_QUERY), before, "both gateways hold the page");

      await changePrice(target, "1");

      for (const base of [stack.gatewayUrl, second.url]) {
        const changed = await stack.waitFor(
          async () => {
            const page = productsOf(await get(base, path));
            return page.find((p) => p.id === target)?.price?.amount_minor === "1" ? page : undefined;
          },
          `${base} to list the new price`,
          10_000,
        );
        assert.equal(changed[0]?.id, target, "name order is unchanged by a price change");
      }
    } finally {
      await second.stop();
    }
  });
});
