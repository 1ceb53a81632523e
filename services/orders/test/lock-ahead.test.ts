import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createPool, databaseUrl, withTransaction } from "@emporium/platform/db/pool";
import { letWritesWait } from "@emporium/platform/db/waiting-writes";
import { scratchDatabase, TEST_DATABASE_URL } from "@emporium/platform/testing/scratch-database";
import { statementsSent } from "@emporium/platform/testing/statements-sent";
import { newOrder, priceLines } from "../src/domain/order.js";
import { advanceOrder } from "../src/events/advance.js";
import { orderStore } from "../src/store/order-store.js";

// A consumer's batch locks and reads its orders in one statement (lockAll,
// the orders consumer's readAhead); each lock that follows in the same
// transaction takes its order from there, once, and nothing of it reaches
// the next transaction on the same connection.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("orders_ahead", [{ name: "orders", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
});
after(async () => {
  await db?.drop();
});

async function placed(): Promise<string> {
  const lines = [{ productId: "p-000001", quantity: 2 }];
  const priced = priceLines(lines, new Map([["p-000001", { currency: "EUR", amountMinor: 250n }]]));
  const order = newOrder(randomUUID(), "customer-1", priced, new Date());
  await withTransaction(db.pool, (tx) => orderStore.insert(tx, order));
  return order.id;
}

test("after lockAll, each order's first lock costs no statement; the next one reads again and sees this transaction's change", async () => {
  const [a, b] = [await placed(), await placed()];
  const unknown = randomUUID();
  await withTransaction(db.pool, async (tx) => {
    await orderStore.lockAll(tx, [a, b, unknown, "not-a-uuid"]);
    const sent = statementsSent(tx);
    assert.equal((await orderStore.lock(tx, a))?.id, a);
    assert.equal((await orderStore.lock(tx, b))?.lines[0]?.quantity, 2);
    assert.equal(await orderStore.lock(tx, unknown), undefined);
    assert.deepEqual(sent, [], "the batch's orders came from its one read");

    const advanced = await advanceOrder(tx, { store: orderStore, topic: "unused.orders.v1" }, a, "STOCK_RESERVED", "");
    assert.equal(advanced.applied, true);
    assert.equal((await orderStore.lock(tx, a))?.status, "AWAITING_PAYMENT", "read again, after the change");
  });
});

test("what a batch locked ahead is gone with its transaction, committed or rolled back, though the connection is reused", async () => {
  const one = createPool(databaseUrl(TEST_DATABASE_URL, db.name), "ahead-test", 1);
  try {
    const id = await placed();
    await withTransaction(one, (tx) => orderStore.lockAll(tx, [id]));
    await withTransaction(one, async (tx) => {
      const sent = statementsSent(tx);
      await orderStore.lock(tx, id);
      assert.equal(sent.length, 1, "a new transaction reads for itself");
    });
    await withTransaction(one, async (tx) => {
      await orderStore.lockAll(tx, [id]);
      throw new Error("rolled back");
    }).catch(() => undefined);
    await withTransaction(one, async (tx) => {
      const sent = statementsSent(tx);
      await orderStore.lock(tx, id);
      assert.equal(sent.length, 1);
    });
  } finally {
    await one.end();
  }
});

test("a batch that lets writes wait: its orders' changes are one statement at COMMIT; a second event for an order writes the first before reading it", async () => {
  const [a, b] = [await placed(), await placed()];
  const deps = { store: orderStore, topic: "unused.orders.v1" };
  let sent: string[] = [];
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    await orderStore.lockAll(tx, [a, b]);
    sent = statementsSent(tx);
    assert.equal((await advanceOrder(tx, deps, a, "STOCK_RESERVED", "")).applied, true);
    assert.equal((await advanceOrder(tx, deps, b, "STOCK_RESERVED", "")).applied, true);
    assert.deepEqual(sent, [], "both changes wait");
    // a again: its change so far is written first, so the read sees AWAITING_PAYMENT and the step applies.
    const again = await advanceOrder(tx, deps, a, "PAYMENT_SUCCEEDED", "");
    assert.equal(again.applied && again.order.status, "CONFIRMED");
    assert.equal(sent.length, 2, "the waiting writes, then the read of a");
    assert.match(sent[1] ?? "", /FOR UPDATE/);
  });
  assert.equal(sent.length, 4, "then a's last change, and COMMIT");
  const history = await db.pool.query<{ order_id: string; sequence: string; status: string }>(
    "SELECT order_id, sequence, status FROM order_status_history WHERE order_id = ANY($1::uuid[]) ORDER BY order_id = $2 DESC, sequence",
    [[a, b], a],
  );
  assert.deepEqual(
    history.rows.map((row) => [row.order_id, Number(row.sequence), row.status]),
    [
      [a, 1, "PENDING"],
      [a, 2, "AWAITING_PAYMENT"],
      [a, 3, "CONFIRMED"],
      [b, 1, "PENDING"],
      [b, 2, "AWAITING_PAYMENT"],
    ],
  );
  const { rows } = await db.pool.query<{ id: string; status: string }>("SELECT id, status FROM orders WHERE id = ANY($1::uuid[])", [
    [a, b],
  ]);
  assert.deepEqual(Object.fromEntries(rows.map((row) => [row.id, row.status])), { [a]: "CONFIRMED", [b]: "AWAITING_PAYMENT" });
});
