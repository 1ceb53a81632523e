import assert from "node:assert/strict";
import { test } from "node:test";
import { planReservation } from "../src/domain/reservation.js";

const stock = new Map([
  ["a", 5],
  ["b", 1],
]);

test("reserves every line when all fit", () => {
  const lines = [
    { productId: "a", quantity: 5 },
    { productId: "b", quantity: 1 },
  ];
  assert.deepEqual(planReservation(lines, stock), { ok: true, lines });
});

test("rejects the whole order and lists each short line", () => {
  const plan = planReservation(
    [
      { productId: "a", quantity: 2 },
      { productId: "b", quantity: 3 },
      { productId: "unknown", quantity: 1 },
    ],
    stock,
  );
  assert.deepEqual(plan, {
    ok: false,
    shortages: [
      { productId: "b", requested: 3, available: 1 },
      { productId: "unknown", requested: 1, available: 0 },
    ],
  });
});
