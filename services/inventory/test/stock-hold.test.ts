import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { stockStore } from "../src/store/stock-store.js";
import { hold, stocked } from "./stock-fixtures.js";

// An order's hold is one statement (migration 0002): all or nothing, the
// StockReserved row only with the hold, the short lines back otherwise.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("inventory_hold", [{ name: "inventory", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
});
after(async () => {
  await db?.drop();
});

async function state(orderId: string, productIds: string[]) {
  const stock = await stockStore.getMany(db.pool, productIds);
  const { rows: reservations } = await db.pool.query(
    "SELECT product_id, quantity, status FROM reservations WHERE order_id = $1 ORDER BY product_id",
    [orderId],
  );
  const { rows: events } = await db.pool.query("SELECT event_type FROM outbox WHERE message_key = $1", [orderId]);
  return { stock: Object.fromEntries(stock.map((s) => [s.product_id, [Number(s.available), Number(s.reserved)]])), reservations, events };
}

test("every line fits: the units move to reserved, the reservation is HELD, and StockReserved is written with it", async () => {
  const ids = await stocked(db.pool, { a: 5, b: 1 });
  const orderId = randomUUID();
  const lines = [
    { productId: ids.a as string, quantity: 5 },
    { productId: ids.b as string, quantity: 1 },
  ];
  assert.deepEqual(await hold(db.pool, orderId, lines), []);
  const after = await state(orderId, Object.values(ids));
  assert.deepEqual(after.stock, { [ids.a as string]: [0, 5], [ids.b as string]: [0, 1] });
  assert.deepEqual(
    after.reservations.map((r) => [r.product_id, r.quantity, r.status]),
    [
      [ids.a, 5, "HELD"],
      [ids.b, 1, "HELD"],
    ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
  );
  assert.deepEqual(
    after.events.map((e) => e.event_type),
    ["emporium.inventory.v1.StockReserved"],
  );
});

test("a line short: nothing is held and no event is written; every short line comes back in the order's order, an unknown product as none available", async () => {
  const ids = await stocked(db.pool, { a: 5, b: 1 });
  const orderId = randomUUID();
  const unknown = `unknown-${randomUUID()}`;
  const shortages = await hold(db.pool, orderId, [
    { productId: ids.b as string, quantity: 3 },
    { productId: ids.a as string, quantity: 2 },
    { productId: unknown, quantity: 1 },
  ]);
  assert.deepEqual(shortages, [
    { productId: ids.b, requested: 3, available: 1 },
    { productId: unknown, requested: 1, available: 0 },
  ]);
  const after = await state(orderId, Object.values(ids));
  assert.deepEqual(after.stock, { [ids.a as string]: [5, 0], [ids.b as string]: [1, 0] });
  assert.deepEqual(after.reservations, []);
  assert.deepEqual(after.events, []);
});

test("concurrent holds for the last units: one is held, the other is short, and stock is never oversold", async () => {
  const ids = await stocked(db.pool, { last: 5 });
  const orders = Array.from({ length: 4 }, () => randomUUID());
  const results = await Promise.all(orders.map((orderId) => hold(db.pool, orderId, [{ productId: ids.last as string, quantity: 3 }])));
  assert.equal(results.filter((shortages) => shortages.length === 0).length, 1);
  for (const shortages of results.filter((s) => s.length > 0))
    assert.deepEqual(shortages, [{ productId: ids.last, requested: 3, available: 2 }]);
  const [row] = await stockStore.getMany(db.pool, [ids.last as string]);
  assert.deepEqual([Number(row?.available), Number(row?.reserved), Number(row?.on_hand)], [2, 3, 5]);
});
