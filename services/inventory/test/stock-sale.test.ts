import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { withTransaction } from "@emporium/platform/db/pool";
import { letWritesWait } from "@emporium/platform/db/waiting-writes";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { statementsSent } from "@emporium/platform/testing/statements-sent";
import { stockStore } from "../src/store/stock-store.js";
import { hold, stocked } from "./stock-fixtures.js";

// Sales wait for the end of a consumer's batch and are one statement for all
// its orders; a release sees them; a sale is never counted twice.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("inventory_sale", [{ name: "inventory", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
});
after(async () => {
  await db?.drop();
});

/** [available, reserved, sold] per product. */
async function units(productIds: string[]) {
  const rows = await stockStore.getMany(db.pool, productIds);
  return Object.fromEntries(rows.map((row) => [row.product_id, [Number(row.available), Number(row.reserved), Number(row.sold)]]));
}
const statusOf = async (orderId: string) =>
  (await db.pool.query("SELECT DISTINCT status FROM reservations WHERE order_id = $1", [orderId])).rows.map((row) => row.status);

test("a batch's sales wait until COMMIT, then are one statement: a product two orders bought moves by the sum", async () => {
  const ids = await stocked(db.pool, { a: 10, b: 10 });
  const [first, second, third] = [randomUUID(), randomUUID(), randomUUID()];
  await hold(db.pool, first, [{ productId: ids.a as string, quantity: 2 }]);
  await hold(db.pool, second, [
    { productId: ids.a as string, quantity: 3 },
    { productId: ids.b as string, quantity: 1 },
  ]);
  await hold(db.pool, third, [{ productId: ids.b as string, quantity: 4 }]);

  let sent: string[] = [];
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    sent = statementsSent(tx);
    for (const orderId of [first, second, third]) await stockStore.sell(tx, orderId as string);
    assert.deepEqual(sent, [], "nothing sent before COMMIT");
  });

  assert.equal(sent.length, 2, "the sales, then COMMIT");
  assert.equal(sent[1], "COMMIT");
  assert.deepEqual(await units(Object.values(ids)), { [ids.a as string]: [5, 0, 5], [ids.b as string]: [5, 0, 5] });
  for (const orderId of [first, second, third]) assert.deepEqual(await statusOf(orderId as string), ["SOLD"]);
});

test("an order sold twice, in one batch and again in a later one, is sold once", async () => {
  const ids = await stocked(db.pool, { a: 10 });
  const orderId = randomUUID();
  await hold(db.pool, orderId, [{ productId: ids.a as string, quantity: 4 }]);
  for (let batch = 0; batch < 2; batch++)
    await withTransaction(db.pool, async (tx) => {
      letWritesWait(tx);
      await stockStore.sell(tx, orderId);
      await stockStore.sell(tx, orderId);
    });
  assert.deepEqual(await units([ids.a as string]), { [ids.a as string]: [6, 0, 4] });
});

test("a release after a waiting sale of the same order runs the sale first and then finds nothing held", async () => {
  const ids = await stocked(db.pool, { a: 10 });
  const [sold, released] = [randomUUID(), randomUUID()];
  await hold(db.pool, sold, [{ productId: ids.a as string, quantity: 2 }]);
  await hold(db.pool, released, [{ productId: ids.a as string, quantity: 3 }]);
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    await stockStore.sell(tx, sold);
    assert.deepEqual(await stockStore.release(tx, sold), [], "sold: nothing held to release");
    assert.deepEqual(await stockStore.release(tx, released), [{ productId: ids.a, quantity: 3 }]);
  });
  assert.deepEqual(await units([ids.a as string]), { [ids.a as string]: [8, 0, 2] });
  assert.deepEqual(await statusOf(sold), ["SOLD"]);
  assert.deepEqual(await statusOf(released), ["RELEASED"]);
});

test("outside a batch a sale runs at once", async () => {
  const ids = await stocked(db.pool, { a: 10 });
  const orderId = randomUUID();
  await hold(db.pool, orderId, [{ productId: ids.a as string, quantity: 1 }]);
  await withTransaction(db.pool, async (tx) => {
    await stockStore.sell(tx, orderId);
    assert.equal((await tx.query("SELECT sold FROM stock WHERE product_id = $1", [ids.a])).rows[0]?.sold, "1");
  });
});

test("two transactions selling one order at the same time: the second waits for the first and sells nothing", async () => {
  const ids = await stocked(db.pool, { a: 10 });
  const orderId = randomUUID();
  await hold(db.pool, orderId, [{ productId: ids.a as string, quantity: 4 }]);
  const firstTx = await db.pool.connect();
  try {
    await firstTx.query("BEGIN");
    await stockStore.sell(firstTx, orderId);
    // The second one blocks on the reservation's row lock until the first commits.
    const second = withTransaction(db.pool, async (tx) => {
      letWritesWait(tx);
      await stockStore.sell(tx, orderId);
    });
    await sleep(200);
    await firstTx.query("COMMIT");
    await second;
  } finally {
    firstTx.release();
  }
  assert.deepEqual(await units([ids.a as string]), { [ids.a as string]: [6, 0, 4] });
});
