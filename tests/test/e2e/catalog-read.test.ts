import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { loginAdmin, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { PRODUCT_BY_ID, queryCounter } from "../../src/harness/query-counter.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
let queries: Awaited<ReturnType<typeof queryCounter>>;
before(async () => {
  stack = await startStack();
  queries = await queryCounter(stack.databases.catalog);
});
after(async () => {
  await queries?.close();
  await stack?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => request(`${stack.gatewayUrl}${path}`, { headers });
const problemField = (response: Awaited<ReturnType<typeof request>>) => response.body.errors?.[0]?.field;

describe("GET /v1/products/{id}", () => {
  test("returns the product in snake_case with ETag, Cache-Control and Vary", async () => {
    const response = await get("/v1/products/p-000001");

    assert.equal(response.status, 200);
    assert.equal(response.body.id, "p-000001");
    assert.equal(response.body.sku, "SKU-000001");
    assert.deepEqual(Object.keys(response.body.price as object).sort(), ["amount_minor", "currency_code"]);
    assert.match(response.headers.get("etag") ?? "", /^W\/"1\.[0-9a-f]{12}"$/, "the version, then a hash of the body");
    assert.match(response.headers.get("cache-control") ?? "", /max-age=5, stale-while-revalidate=30/);
    assert.match(response.headers.get("vary") ?? "", /Accept-Encoding/i);
  });

  test("a matching If-None-Match is a 304 that costs no database query", async () => {
    const first = await get("/v1/products/p-000002");
    const before = await queries.count(PRODUCT_BY_ID);

    const again = await get("/v1/products/p-000002", { "If-None-Match": String(first.headers.get("etag")) });

    assert.equal(again.status, 304);
    assert.equal(again.body, undefined);
    assert.equal(await queries.count(PRODUCT_BY_ID), before);
  });

  test("fields= returns only those fields, and names an unknown one", async () => {
    const whole = await get("/v1/products/p-000003");
    const sparse = await get("/v1/products/p-000003?fields=name,price");
    const unknown = await get("/v1/products/p-000003?fields=name,secret_margin");

    assert.deepEqual(Object.keys(sparse.body).sort(), ["name", "price"]);
    assert.notEqual(sparse.headers.get("etag"), whole.headers.get("etag"), "the field set is part of the ETag");
    assert.equal(unknown.status, 400);
    assert.equal(problemField(unknown), "fields");
    assert.match(unknown.body.errors?.[0]?.description ?? "", /secret_margin/);
  });

  test("a missing product is 404 and a malformed id 400", async () => {
    assert.equal((await get("/v1/products/p-999999")).status, 404);
    const malformed = await get("/v1/products/%3Cscript%3E");
    assert.equal(malformed.status, 400);
    assert.equal(problemField(malformed), "product_id");
  });

  test("a stampede of 1,000 concurrent requests for one cold product costs one database query", async () => {
    const before = await queries.count(PRODUCT_BY_ID);

    const responses = await Promise.all(Array.from({ length: 1_000 }, () => fetch(`${stack.gatewayUrl}/v1/products/p-000123`)));

    assert.ok(responses.every((r) => r.status === 200));
    assert.equal((await queries.count(PRODUCT_BY_ID)) - before, 1);
  });

  test("bodies worth it are compressed with br or gzip, as the client accepts", async () => {
    const br = await fetch(`${stack.gatewayUrl}/v1/products?page_size=100`, { headers: { "Accept-Encoding": "br" } });
    const gzip = await fetch(`${stack.gatewayUrl}/v1/products?page_size=100`, { headers: { "Accept-Encoding": "gzip" } });
    const small = await fetch(`${stack.gatewayUrl}/v1/products/p-000001?fields=id`, { headers: { "Accept-Encoding": "br" } });

    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(gzip.headers.get("content-encoding"), "gzip");
    assert.equal(small.headers.get("content-encoding"), null);
    assert.equal(((await br.json()) as { products: unknown[] }).products.length, 100);
  });
});

describe("GET /v1/products", () => {
  test("pages through the whole catalog with opaque tokens, 20 per page by default", async () => {
    const first = await get("/v1/products");
    assert.equal((first.body.products as unknown[]).length, 20);
    assert.ok(first.body.next_page_token);

    const ids: string[] = [];
    let token = "";
    do {
      const page = await get(`/v1/products?page_size=100&fields=id${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
      assert.equal(page.status, 200);
      ids.push(...(page.body.products as { id: string }[]).map((p) => p.id));
      token = String(page.body.next_page_token ?? "");
    } while (token);
    assert.equal(ids.length, 300);
    assert.equal(new Set(ids).size, 300);
  });

  test("filters by category, price range and text, and sorts by price", async () => {
    const response = await get("/v1/products?category=kitchen&min_price=1000&max_price=30000&order_by=price&page_size=100");
    const products = response.body.products as { category_id: string; price: { amount_minor: string } }[];

    assert.ok(products.length > 0);
    const prices = products.map((p) => Number(p.price.amount_minor));
    assert.ok(products.every((p) => p.category_id === "kitchen"));
    assert.ok(prices.every((price) => price >= 1000 && price <= 30000));
    assert.deepEqual(
      prices,
      [...prices].sort((a, b) => a - b),
    );
    const search = await get("/v1/products?q=lamp&fields=name&page_size=100");
    assert.ok((search.body.products as { name: string }[]).every((p) => /lamp/i.test(p.name)));
  });

  test("a tampered or foreign page token is a 400 naming page_token", async () => {
    const { body } = await get("/v1/products?order_by=price");
    const token = String(body.next_page_token);
    const tampered = await get(`/v1/products?order_by=price&page_token=${encodeURIComponent(`x${token}`)}`);
    const foreign = await get(`/v1/products?order_by=name&page_token=${encodeURIComponent(token)}`);

    for (const response of [tampered, foreign]) {
      assert.equal(response.status, 400);
      assert.equal(problemField(response), "page_token");
    }
  });

  for (const [query, field] of [
    ["page_size=0", "page_size"],
    ["page_size=-5", "page_size"],
    ["page_size=1000", "page_size"],
    ["page_size=lots", "page_size"],
    ["order_by=cheapest", "order_by"],
    ["min_price=ten", "min_price"],
    ["colour=red", "colour"],
  ] as const) {
    test(`rejects ${query} with a 400 naming ${field}`, async () => {
      const response = await get(`/v1/products?${query}`);
      assert.equal(response.status, 400);
      assert.equal(problemField(response), field);
    });
  }
});

describe("GET /v1/products:batchGet", () => {
  test("returns many products in the order asked and lists the missing", async () => {
    const response = await get("/v1/products:batchGet?ids=p-000010,p-999999,p-000002&fields=id,name");

    assert.deepEqual(
      (response.body.products as { id: string }[]).map((p) => p.id),
      ["p-000010", "p-000002"],
    );
    assert.deepEqual(response.body.missing_ids, ["p-999999"]);
  });

  test("rejects more than 100 ids and malformed ids", async () => {
    const many = Array.from({ length: 101 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`).join(",");
    assert.equal(problemField(await get(`/v1/products:batchGet?ids=${many}`)), "ids");
    assert.equal(problemField(await get("/v1/products:batchGet?ids=ok,bad%20id")), "ids[1]", "names the offending id");
    assert.equal(problemField(await get("/v1/products:batchGet")), "ids");
  });
});

describe("PATCH /v1/products/{id}", () => {
  const patch = (id: string, body: unknown, headers: Record<string, string>) =>
    request(`${stack.gatewayUrl}/v1/products/${id}`, { method: "PATCH", json: body, headers });
  let admin: { Authorization: string };
  before(async () => {
    admin = (await loginAdmin(stack.gatewayUrl)).auth;
  });

  test("needs administrator credentials", async () => {
    const customer = await signUp(stack.gatewayUrl);
    const anonymous = await patch("p-000050", { name: "x" }, { "If-Match": 'W/"1.all"' });
    const wrong = await patch("p-000050", { name: "x" }, { "If-Match": 'W/"1.all"', Authorization: "Bearer not-the-token-at-all" });
    const notAdmin = await patch("p-000050", { name: "x" }, { "If-Match": 'W/"1.all"', ...customer.auth });
    assert.equal(anonymous.status, 401);
    assert.equal(wrong.status, 401);
    assert.equal(notAdmin.status, 403);
  });

  test("needs If-Match (428), refuses a stale one (412), applies a current one", async () => {
    const current = await get("/v1/products/p-000051");
    const etag = String(current.headers.get("etag"));

    const missing = await patch("p-000051", { name: "Renamed" }, admin);
    const applied = await patch("p-000051", { name: "Renamed Lamp" }, { ...admin, "If-Match": etag });
    const stale = await patch("p-000051", { name: "Lost update" }, { ...admin, "If-Match": etag });

    assert.equal(missing.status, 428);
    assert.equal(applied.status, 200);
    assert.equal(applied.body.name, "Renamed Lamp");
    assert.equal(applied.body.version, "2");
    assert.equal(applied.body.description, current.body.description, "fields not in the body are kept");
    assert.equal(applied.headers.get("etag"), 'W/"2.all"');
    assert.equal(stale.status, 412);
  });

  test("a change reaches readers of the cached product within about a second", async () => {
    const before = await get("/v1/products/p-000052");
    const changed = await patch(
      "p-000052",
      { price: { currency_code: "EUR", amount_minor: "4242" } },
      { ...admin, "If-Match": String(before.headers.get("etag")) },
    );
    assert.equal(changed.status, 200);

    const after = await stack.waitFor(
      async () => {
        const response = await get("/v1/products/p-000052");
        return response.body.version === "2" ? response : undefined;
      },
      "the gateway to serve the new version",
      5_000,
    );

    assert.equal((after.body.price as { amount_minor: string }).amount_minor, "4242");
  });

  test("rejects fields that cannot change and bad values, naming them", async () => {
    const current = await get("/v1/products/p-000053");
    const headers = { ...admin, "If-Match": String(current.headers.get("etag")) };
    assert.equal(problemField(await patch("p-000053", { sku: "NEW" }, headers)), "update_mask");
    assert.equal(
      problemField(await patch("p-000053", { price: { currency_code: "euro", amount_minor: "5" } }, headers)),
      "product.price.currency_code",
    );
    assert.equal(problemField(await patch("p-000053", { category_id: "no-such-category" }, headers)), "product.category_id");
  });

  test("refuses an image URL pointing inside the network (SSRF), naming image_url", async () => {
    const current = await get("/v1/products/p-000054");
    const headers = { ...admin, "If-Match": String(current.headers.get("etag")) };

    const response = await patch("p-000054", { image_url: "http://169.254.169.254/latest/meta-data" }, headers);

    assert.equal(response.status, 400);
    assert.equal(problemField(response), "product.image_url");
    assert.equal((await get("/v1/products/p-000054")).body.image_url, current.body.image_url, "the product is unchanged");
  });
});
