import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Code, ConnectError } from "@connectrpc/connect";
import { OrderStatus } from "@emporium/gen/emporium/orders/v1/orders_pb";
import type { WatchOrderResponse } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { type Pool, withTransaction } from "@emporium/platform/db/pool";
import { createLogger } from "@emporium/platform/log/logger";
import { createStreamSlots } from "@emporium/platform/resilience/stream-slots";
import { retryDelayMsOf } from "@emporium/platform/rpc/retry-hint";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import DataLoader from "dataloader";
import { newOrder, priceLines } from "../src/domain/order.js";
import type { OrderEvent } from "../src/domain/order-status.js";
import { advanceOrder } from "../src/events/advance.js";
import { orderStore } from "../src/store/order-store.js";
import { statusHistoryStore } from "../src/store/status-history-store.js";
import { createOrderWatches, type OrderWatches } from "../src/watch/order-watches.js";
import { createStatusFeed } from "../src/watch/status-feed.js";

// A component test on real Postgres: the status history written with every
// change, and watches woken by its NOTIFY (polling set to an hour, so only
// the notification can wake them).
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let pool: Pool;
let watches: OrderWatches;
const customer = { userId: `customer-${randomUUID()}`, role: "customer" as const };

before(async () => {
  db = await scratchDatabase("orders_watch", [{ name: "orders", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
  pool = db.pool;
  watches = createOrderWatches({
    pool,
    reads: { order: orderStore.get, changesAfter: statusHistoryStore.changesAfter, latest: statusHistoryStore.latest },
    feed: createStatusFeed({ sessionPool: pool, logger: createLogger("test", "silent"), pollMs: 3_600_000 }),
    slots: createStreamSlots({ maxOpen: 10, maxPerCaller: 10 }),
    productNames: () => new DataLoader(async (ids) => ids.map((id) => `name of ${id}`)),
    retryMs: 750,
  });
});
after(async () => {
  watches?.close();
  await db?.drop();
});

async function placed(): Promise<string> {
  const lines = [{ productId: "p-000001", quantity: 2 }];
  const order = newOrder(
    randomUUID(),
    customer.userId,
    priceLines(lines, new Map([["p-000001", { currency: "EUR", amountMinor: 250n }]])),
    new Date(),
  );
  await withTransaction(pool, (tx) => orderStore.insert(tx, order));
  return order.id;
}

const advance = (orderId: string, event: OrderEvent) =>
  withTransaction(pool, (tx) => advanceOrder(tx, { store: orderStore, topic: "unused.orders.v1" }, orderId, event, `because ${event}`));

const step = (message: WatchOrderResponse | undefined) => [message?.sequence, OrderStatus[message?.order?.status ?? 0]];

test("every status is recorded with the next sequence, in the transaction of the change; a no-op event records nothing", async () => {
  const id = await placed();
  await advance(id, "STOCK_RESERVED");
  await advance(id, "STOCK_RESERVED"); // repeated: not allowed from AWAITING_PAYMENT, so no change
  await advance(id, "PAYMENT_SUCCEEDED");
  const history = await statusHistoryStore.changesAfter(pool, id, 0);
  assert.deepEqual(
    history.map((change) => [change.sequence, change.status, change.statusReason]),
    [
      [1, "PENDING", ""],
      [2, "AWAITING_PAYMENT", "because STOCK_RESERVED"],
      [3, "CONFIRMED", "because PAYMENT_SUCCEEDED"],
    ],
  );
});

test("a watch is woken by the NOTIFY of a change another connection commits, and ends after the terminal status", async () => {
  const id = await placed();
  const stream = watches.watch(id, 0, customer, new AbortController().signal)[Symbol.asyncIterator]();
  const first = (await stream.next()).value;
  assert.deepEqual(step(first), [1, "PENDING"]);
  assert.equal(first?.order?.lines[0]?.productName, "name of p-000001");
  assert.equal(first?.order?.total?.amountMinor, 500n);
  const next = stream.next();
  await advance(id, "STOCK_REJECTED");
  const rejected = (await next).value;
  assert.deepEqual(step(rejected), [2, "REJECTED"]);
  assert.equal(rejected?.order?.statusReason, "because STOCK_REJECTED");
  assert.equal((await stream.next()).done, true);
  assert.equal(watches.open, 0, "the stream gave its slot back");
});

test("a client that goes away ends its watch as Cancelled and frees its slot", async () => {
  const id = await placed();
  const gone = new AbortController();
  const stream = watches.watch(id, 0, customer, gone.signal)[Symbol.asyncIterator]();
  await stream.next();
  assert.equal(watches.open, 1);
  const ended = stream.next();
  gone.abort();
  const error = await ended.then(
    () => assert.fail("the stream went on"),
    (reason: unknown) => ConnectError.from(reason),
  );
  assert.equal(error.code, Code.Canceled);
  assert.equal(watches.open, 0);
});

test("closing the watches (shutdown) ends an open one with Unavailable and the retry hint, and refuses new ones", async () => {
  const local = createOrderWatches({
    pool,
    reads: { order: orderStore.get, changesAfter: statusHistoryStore.changesAfter, latest: statusHistoryStore.latest },
    feed: createStatusFeed({ sessionPool: pool, logger: createLogger("test", "silent"), pollMs: 3_600_000 }),
    slots: createStreamSlots({ maxOpen: 10, maxPerCaller: 10 }),
    productNames: () => new DataLoader(async (ids) => ids.map(() => "")),
    retryMs: 750,
  });
  const id = await placed();
  const stream = local.watch(id, 0, customer, new AbortController().signal)[Symbol.asyncIterator]();
  await stream.next();
  const ended = stream.next();
  local.close();
  const error = await ended.then(
    () => assert.fail("the stream went on"),
    (reason: unknown) => ConnectError.from(reason),
  );
  assert.equal(error.code, Code.Unavailable);
  assert.equal(retryDelayMsOf(error), 750);
  const refused = await local
    .watch(id, 0, customer, new AbortController().signal)
    [Symbol.asyncIterator]()
    .next()
    .then(
      () => undefined,
      (reason: unknown) => ConnectError.from(reason),
    );
  assert.equal(refused?.code, Code.Unavailable);
});
