import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { parseMetrics, sampleValue } from "../../src/harness/metrics-text.js";
import { placeOrder, settled } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Availability from inventory in the catalog's answers, on the demo data
// exactly as `npm start` seeds it (1,000 products, stock for each). The
// catalog's own availability cache (1 s by default) is made 1 ms here, so
// that every read asks inventory afresh and calls can be counted exactly
// (services/catalog/test/availability.test.ts covers the cache).
interface ProductJson {
  id: string;
  name?: string;
  availability?: { status: string; available_units?: string };
}

let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack({ catalogSeedProducts: 1_000, env: { CATALOG_AVAILABILITY_TTL_MS: "1" } });
  customer = await signUp(stack.gatewayUrl);
  // The first lookups after start-up may go out unknown while the catalog's
  // connection to inventory opens (its deadline is short, by design).
  await stack.waitFor(async () => {
    const batch = await request(`${stack.gatewayUrl}/v1/products:batchGet?ids=p-000999&fields=availability`);
    return (batch.body.products as ProductJson[])[0]?.availability?.status === "STOCK_STATUS_IN_STOCK" || undefined;
  }, "availability to be known");
});
after(async () => {
  await stack?.stop();
});

const get = (path: string, headers: Record<string, string> = {}) => request(`${stack.gatewayUrl}${path}`, { headers });
const productsOf = (response: Awaited<ReturnType<typeof request>>) => response.body.products as ProductJson[];

/** BatchGetStock calls the catalog has made (its RPC client metrics), and inventory has served. */
async function batchGetStockCalls(): Promise<{ made: number; served: number }> {
  const count = async (url: string, name: string) =>
    sampleValue(parseMetrics(await (await fetch(url)).text()), name, { rpc_method: "BatchGetStock", rpc_response_status_code: "OK" }) ?? 0;
  return {
    made: await count(stack.metricsUrls.catalog, "rpc_client_duration_seconds_count"),
    served: await count(stack.metricsUrls.inventory, "rpc_server_duration_seconds_count"),
  };
}

describe("availability in product answers", () => {
  test("a list page, a batch and a product each say whether it is in stock, with the units", async () => {
    const page = await get("/v1/products?page_size=20");
    const batch = await get("/v1/products:batchGet?ids=p-000001,p-000021");
    const one = await get("/v1/products/p-000002");

    assert.equal(page.status, 200);
    assert.equal(productsOf(page).length, 20);
    for (const product of productsOf(page))
      assert.match(product.availability?.status ?? "", /^STOCK_STATUS_(IN_STOCK|OUT_OF_STOCK)$/, JSON.stringify(product));
    assert.deepEqual(
      productsOf(batch).map((p) => [p.id, p.availability]),
      [
        ["p-000001", { status: "STOCK_STATUS_IN_STOCK", available_units: "1000" }],
        ["p-000021", { status: "STOCK_STATUS_IN_STOCK", available_units: "1" }],
      ],
    );
    assert.deepEqual(one.body.availability, { status: "STOCK_STATUS_IN_STOCK", available_units: "1000" });
  });

  test("a page of 20 products costs one BatchGetStock, and so does a page of 100", async () => {
    const before = await batchGetStockCalls();
    const page = await get("/v1/products?category=garden&order_by=price&page_size=20");
    const afterOne = await batchGetStockCalls();
    const big = await get("/v1/products?order_by=price%20desc&page_size=100");

    assert.equal(productsOf(page).length, 20);
    assert.equal(productsOf(big).length, 100);
    assert.deepEqual(afterOne, { made: before.made + 1, served: before.served + 1 });
    assert.deepEqual(await batchGetStockCalls(), { made: before.made + 2, served: before.served + 2 });
  });

  test("a product with no stock is shown out of stock, and an order for it is rejected", async () => {
    const product = await get("/v1/products/p-000050");
    assert.deepEqual(product.body.availability, { status: "STOCK_STATUS_OUT_OF_STOCK", available_units: "0" });

    const id = await placeOrder(stack, customer, [{ product_id: "p-000050", quantity: 1 }]);

    assert.equal((await settled(stack, customer, id)).status, "ORDER_STATUS_REJECTED");
  });

  test("a fieldset without availability leaves it out and makes no inventory call", async () => {
    const before = await batchGetStockCalls();

    const page = await get("/v1/products?category=books&page_size=20&fields=id,name");
    const one = await get("/v1/products/p-000777?fields=name");

    assert.ok(productsOf(page).every((p) => p.availability === undefined && p.name));
    assert.deepEqual(Object.keys(one.body), ["name"]);
    assert.deepEqual(await batchGetStockCalls(), before);
    const only = await get("/v1/products/p-000778?fields=availability");
    assert.deepEqual(Object.keys(only.body), ["availability"]);
  });

  test("a stock change changes the product's ETag, so a revalidating client is not told 304 with a stale level", async () => {
    const first = await get("/v1/products/p-000333");
    const etag = String(first.headers.get("etag"));
    const inventory = stack.pool("inventory");
    await inventory.query("UPDATE stock SET available = available + 1000000 WHERE product_id = 'p-000333'");
    try {
      // Once the gateway's copy (max-age 5 s) has expired, the client's copy no longer matches.
      const changed = await stack.waitFor(async () => {
        const response = await get("/v1/products/p-000333", { "If-None-Match": etag });
        return response.status === 200 ? response : undefined;
      }, "the product to be answered afresh");

      const units = (answer: typeof first) => BigInt((answer.body.availability as { available_units: string }).available_units);
      assert.equal(units(changed) - units(first), 1_000_000n);
      assert.notEqual(changed.headers.get("etag"), etag);
      assert.equal(changed.body.version, first.body.version, "the product itself did not change");
    } finally {
      await inventory.query("UPDATE stock SET available = available - 1000000 WHERE product_id = 'p-000333'");
      await inventory.end();
    }
  });
});

describe("the demo data is coherent", () => {
  test("every demo product has stock or says it is out of stock, and only the deliberate few are out", async () => {
    const statuses = new Map<string, string>();
    let token = "";
    do {
      const page = await get(`/v1/products?page_size=100&fields=id,availability${token ? `&page_token=${token}` : ""}`);
      for (const product of productsOf(page)) statuses.set(product.id, product.availability?.status ?? "missing");
      token = String(page.body.next_page_token ?? "");
    } while (token);

    assert.equal(statuses.size, 1_000);
    const out = [...statuses].filter(([, status]) => status !== "STOCK_STATUS_IN_STOCK").sort(([a], [b]) => a.localeCompare(b));
    assert.deepEqual(
      out,
      Array.from({ length: 20 }, (_, i) => [`p-${String((i + 1) * 50).padStart(6, "0")}`, "STOCK_STATUS_OUT_OF_STOCK"]),
    );
  });

  test("a new user who orders the first product of the first page gets it CONFIRMED", async () => {
    const buyer = await signUp(stack.gatewayUrl);
    const [first] = productsOf(await get("/v1/products"));
    assert.equal(first?.availability?.status, "STOCK_STATUS_IN_STOCK");

    const id = await placeOrder(stack, buyer, [{ product_id: first?.id ?? "", quantity: 1 }]);

    assert.equal((await settled(stack, buyer, id)).status, "ORDER_STATUS_CONFIRMED");
  });
});

// Last: these stop inventory.
describe("inventory unavailable", () => {
  test("hung (SIGSTOP): products are served within the deadline, availability unknown", async () => {
    stack.group.signal("inventory", "SIGSTOP");
    try {
      const page = await get("/v1/products?category=tools&order_by=newest&page_size=10");
      const one = await get("/v1/products/p-000901");

      assert.equal(page.status, 200);
      assert.equal(productsOf(page).length, 10);
      for (const product of productsOf(page)) assert.deepEqual(product.availability, { status: "STOCK_STATUS_UNKNOWN" });
      assert.equal(one.status, 200);
      assert.equal(one.body.id, "p-000901");
      assert.deepEqual(one.body.availability, { status: "STOCK_STATUS_UNKNOWN" });
    } finally {
      stack.group.signal("inventory", "SIGCONT");
    }
  });

  test("stopped: lists, batches and products are still 200, availability unknown, and the breaker shows it", async () => {
    stack.group.signal("inventory", "SIGTERM");
    await stack.group.exited("inventory");

    const responses = [
      await get("/v1/products?category=toys&order_by=price%20desc&page_size=5"),
      await get("/v1/products:batchGet?ids=p-000911,p-000912"),
      await get("/v1/products/p-000913"),
    ];
    for (let i = 0; i < 6; i++) responses.push(await get(`/v1/products/p-00092${i}`));

    for (const response of responses) assert.equal(response.status, 200, JSON.stringify(response.body));
    const products = responses.flatMap((r) => (r.body.products as ProductJson[] | undefined) ?? [r.body as unknown as ProductJson]);
    assert.equal(products.length, 5 + 2 + 7);
    for (const product of products) assert.deepEqual(product.availability, { status: "STOCK_STATUS_UNKNOWN" }, product.id);
    const metrics = parseMetrics(await (await fetch(stack.metricsUrls.catalog)).text());
    assert.equal(sampleValue(metrics, "emporium_circuit_breaker_open", { breaker: "inventory" }), 1);
  });
});
