import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createPool, databaseUrl, type PoolClient, withTransaction } from "@emporium/platform/db/pool";
import { scratchDatabase, TEST_DATABASE_URL } from "@emporium/platform/testing/scratch-database";
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

/** Counts the statements sent on a transaction's connection (the real one, counted on the way). */
function counted(tx: PoolClient) {
  const texts: string[] = [];
  const query = tx.query.bind(tx) as (...args: unknown[]) => unknown;
  (tx as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    texts.push(typeof args[0] === "string" ? args[0] : String((args[0] as { text?: string }).text));
    return query(...args);
  };
  return texts;
}

test("after lockAll, each order's first lock costs no statement; the next one reads again and sees this transaction's change", async () => {
  const [a, b] = [await placed(), await placed()];
  const unknown = randomUUID();
  await withTransaction(db.pool, async (tx) => {
    await orderStore.lockAll(tx, [a, b, unknown, "not-a-uuid"]);
    const sent = counted(tx);
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
      const sent = counted(tx);
      await orderStore.lock(tx, id);
      assert.equal(sent.length, 1, "a new transaction reads for itself");
    });
    await withTransaction(one, async (tx) => {
      await orderStore.lockAll(tx, [id]);
      throw new Error("rolled back");
    }).catch(() => undefined);
    await withTransaction(one, async (tx) => {
      const sent = counted(tx);
      await orderStore.lock(tx, id);
      assert.equal(sent.length, 1);
    });
  } finally {
    await one.end();
  }
});
