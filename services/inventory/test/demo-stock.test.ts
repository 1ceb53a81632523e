import assert from "node:assert/strict";
import { test } from "node:test";
import { demoStock } from "../src/demo-stock.js";

test("the demo stock covers every demo product: the tests' twenty with plenty, one single unit, a few deliberately out", () => {
  const stock = new Map(demoStock(1_000).map((s) => [s.productId, s.quantity]));

  assert.equal(stock.size, 1_000);
  assert.equal(stock.get("p-001000"), 0);
  for (let n = 1; n <= 20; n++) assert.equal(stock.get(`p-${String(n).padStart(6, "0")}`), 1_000);
  assert.equal(stock.get("p-000021"), 1);
  const outOfStock = [...stock].filter(([, quantity]) => quantity === 0).map(([id]) => id);
  assert.deepEqual(
    outOfStock,
    Array.from({ length: 20 }, (_, i) => `p-${String((i + 1) * 50).padStart(6, "0")}`),
  );
  assert.deepEqual(demoStock(1_000), demoStock(1_000), "the same on every run");
});
