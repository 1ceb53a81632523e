import assert from "node:assert/strict";
import { test } from "node:test";
import { createChargeLedger } from "../src/domain/charges.js";
import { chance, createPrng } from "../src/domain/prng.js";

const request = { order_id: "order-1", amount_minor: 1_000, currency: "EUR" };

test("the ledger finds a key's charge again for the same request, and flags the key for another request", () => {
  let n = 0;
  const ledger = createChargeLedger(() => `ch_${++n}`);
  assert.deepEqual(ledger.lookup("key-1", request), { kind: "new" });

  const charge = ledger.create("key-1", request, "captured", new Date("2026-01-02T03:04:05Z"));

  assert.deepEqual(charge, { id: "ch_1", ...request, status: "captured", created_at: "2026-01-02T03:04:05.000Z" });
  assert.deepEqual(ledger.lookup("key-1", { ...request }), { kind: "replay", charge });
  assert.deepEqual(ledger.lookup("key-1", { ...request, currency: "USD" }), { kind: "key-reused" });
  assert.throws(() => ledger.create("key-1", request, "captured"), /already has a charge/);
});

test("the ledger lists charges by order, oldest first, and forgets them all on clear", () => {
  let n = 0;
  const ledger = createChargeLedger(() => `ch_${++n}`);
  ledger.create("a", request, "declined");
  ledger.create("b", { ...request, order_id: "order-2" }, "captured");
  ledger.create("c", request, "captured");

  assert.deepEqual(
    ledger.list("order-1").map((c) => [c.id, c.status]),
    [
      ["ch_1", "declined"],
      ["ch_3", "captured"],
    ],
  );
  assert.equal(ledger.list().length, 3);
  ledger.clear();
  assert.deepEqual([ledger.size, ledger.get("ch_1"), ledger.lookup("a", request).kind], [0, undefined, "new"]);
});

test("the generator repeats its sequence for a seed, and rates of 0 and 1 draw nothing", () => {
  const draws = (seed: number) => Array.from({ length: 5 }, createPrng(seed));
  assert.deepEqual(draws(7), draws(7));
  assert.notDeepEqual(draws(7), draws(8));
  assert.ok(draws(7).every((x) => x >= 0 && x < 1));

  let drawn = 0;
  const counting = () => {
    drawn++;
    return 0.5;
  };
  assert.deepEqual([chance(0, counting), chance(1, counting), drawn], [false, true, 0]);
  assert.deepEqual([chance(0.6, counting), chance(0.4, counting), drawn], [true, false, 2]);
});
