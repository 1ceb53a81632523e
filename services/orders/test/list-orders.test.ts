import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { createLogger } from "@emporium/platform/log/logger";
import { createPageTokens } from "@emporium/platform/paging/page-token";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import { errorInterceptor } from "@emporium/platform/rpc/error-interceptor";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { newOrder, priceLines } from "../src/domain/order.js";
import { orderTopics } from "../src/events/topics.js";
import { createOrderHandlers } from "../src/handlers.js";
import { createIdempotency } from "../src/idempotency.js";
import { productNameLoaders } from "../src/product-names.js";
import { idempotencyStore } from "../src/store/idempotency-store.js";
import { orderStore } from "../src/store/order-store.js";

// A component test: the real orders handlers and Postgres, a fake catalog
// (a neighbouring service) that counts the calls it gets.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
const customer = `customer-${randomUUID()}`;
let pool: Pool;
const catalogCalls: string[][] = [];
let catalogDown = false;

const catalog = createClient(
  CatalogService,
  createRouterTransport(({ service }) =>
    service(CatalogService, {
      batchGetProducts(request) {
        if (catalogDown) throw new ConnectError("down", Code.Unavailable);
        catalogCalls.push([...request.ids]);
        return { products: request.ids.map((id) => ({ id, name: `Name of ${id}` })) };
      },
    }),
  ),
);

const handlers = () =>
  createOrderHandlers({
    pool,
    idempotency: createIdempotency(idempotencyStore, { retentionHours: 48, logger: createLogger("test", "silent") }),
    store: orderStore,
    products: { pricesOf: async (ids) => new Map(ids.map((id) => [id, { currency: "EUR", amountMinor: 100n, name: `name of ${id}` }])) },
    payments: { cancel: async () => undefined },
    topics: orderTopics("unused."),
    productNames: productNameLoaders(catalog, createLogger("test", "silent")),
    pageTokens: createPageTokens("orders-test-secret-123"),
  });
// The server's own error mapping runs here too (the in-memory transport needs it passed).
const orders = () =>
  createClient(
    OrderService,
    createRouterTransport(({ service }) => service(OrderService, handlers()), {
      router: { interceptors: [errorInterceptor(createLogger("test", "silent"))] },
    }),
  );
/** Lines at 1.00 EUR each. */
const priced = (lines: { productId: string; quantity: number }[]) =>
  priceLines(lines, new Map(lines.map((line) => [line.productId, { currency: "EUR", amountMinor: 100n }])));
const asCustomer = { headers: callerHeaders({ userId: customer, role: "customer" }) };

before(async () => {
  db = await scratchDatabase("orders", [{ name: "orders", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
  pool = db.pool;
  // 50 orders of 5 lines each over 20 products, one second apart.
  for (let n = 0; n < 50; n++) {
    const lines = Array.from({ length: 5 }, (_, i) => ({ productId: `p-${String(((n + i) % 20) + 1).padStart(6, "0")}`, quantity: 1 }));
    const order = newOrder(randomUUID(), customer, priced(lines), new Date(Date.UTC(2026, 0, 1, 0, 0, n)));
    await withTransaction(pool, (tx) => orderStore.insert(tx, order));
  }
  await withTransaction(pool, (tx) =>
    orderStore.insert(tx, newOrder(randomUUID(), "someone-else", priced([{ productId: "p-000001", quantity: 1 }]), new Date())),
  );
});
after(() => db.drop());

test("a page of 50 orders with 5 lines each costs one BatchGetProducts call", async () => {
  catalogCalls.length = 0;

  const { orders: page } = await orders().listOrders({ pageSize: 50 }, asCustomer);

  assert.equal(page.length, 50);
  assert.equal(catalogCalls.length, 1);
  assert.equal(catalogCalls[0]?.length, 20, "each product asked for once");
  for (const line of page.flatMap((order) => order.lines)) assert.equal(line.productName, `Name of ${line.productId}`);
});

test("pages are the caller's own orders, newest first, without repeats", async () => {
  const seen: string[] = [];
  let pageToken = "";
  const times: number[] = [];
  do {
    const page = await orders().listOrders({ pageSize: 20, pageToken }, asCustomer);
    seen.push(...page.orders.map((order) => order.id));
    times.push(...page.orders.map((order) => Number(order.createTime?.seconds)));
    pageToken = page.nextPageToken;
  } while (pageToken);

  assert.equal(seen.length, 50);
  assert.equal(new Set(seen).size, 50);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
  );
});

test("with the catalog down, orders are still listed, without names", async () => {
  catalogDown = true;
  try {
    const { orders: page } = await orders().listOrders({ pageSize: 5 }, asCustomer);
    assert.equal(page.length, 5);
    assert.ok(page.flatMap((order) => order.lines).every((line) => line.productName === ""));
  } finally {
    catalogDown = false;
  }
});

test("a page size out of range is rejected naming page_size", async () => {
  for (const pageSize of [0, 101]) {
    const error = await orders()
      .listOrders({ pageSize }, asCustomer)
      .catch((e: ConnectError) => e);
    assert.ok(error instanceof ConnectError);
    assert.equal(error.code, Code.InvalidArgument);
    assert.match(error.rawMessage, /page_size/);
  }
});
