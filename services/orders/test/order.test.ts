import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { newOrder, rejectUnknownProducts, validateLines } from "../src/domain/order.js";
import { nextStatus } from "../src/domain/order-status.js";

const violationsOf = (work: () => void) => {
  try {
    work();
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.violations.map((v) => v.field);
  }
  return [];
};

describe("validateLines", () => {
  test("accepts lines with distinct products and positive quantities", () => {
    assert.deepEqual(
      violationsOf(() =>
        validateLines([
          { productId: "a", quantity: 1 },
          { productId: "b", quantity: 1000 },
        ]),
      ),
      [],
    );
  });

  test("names every bad line at once", () => {
    const fields = violationsOf(() =>
      validateLines([
        { productId: "", quantity: 1 },
        { productId: "a", quantity: 0 },
        { productId: "a", quantity: 1001 },
      ]),
    );
    assert.deepEqual(fields, ["items[0].product_id", "items[1].quantity", "items[2].product_id", "items[2].quantity"]);
  });

  test("rejects an empty order and one with too many lines", () => {
    assert.deepEqual(
      violationsOf(() => validateLines([])),
      ["items"],
    );
    const many = Array.from({ length: 101 }, (_, i) => ({ productId: `p${i}`, quantity: 1 }));
    assert.deepEqual(
      violationsOf(() => validateLines(many)),
      ["items"],
    );
  });
});

test("rejectUnknownProducts names the lines whose product is missing", () => {
  const lines = [
    { productId: "known", quantity: 1 },
    { productId: "gone", quantity: 1 },
  ];
  assert.deepEqual(
    violationsOf(() => rejectUnknownProducts(lines, new Set(["gone"]))),
    ["items[1].product_id"],
  );
});

test("a new order starts PENDING", () => {
  const order = newOrder("id", "customer", [{ productId: "a", quantity: 1 }], new Date(0));
  assert.equal(order.status, "PENDING");
});

describe("nextStatus", () => {
  test("reserved stock moves a pending order to AWAITING_PAYMENT", () => {
    assert.equal(nextStatus("PENDING", "STOCK_RESERVED"), "AWAITING_PAYMENT");
  });

  test("rejected stock moves a pending order to REJECTED", () => {
    assert.equal(nextStatus("PENDING", "STOCK_REJECTED"), "REJECTED");
  });

  test("a late or repeated event does not move an order that already moved on", () => {
    assert.equal(nextStatus("AWAITING_PAYMENT", "STOCK_RESERVED"), undefined);
    assert.equal(nextStatus("REJECTED", "STOCK_RESERVED"), undefined);
    assert.equal(nextStatus("AWAITING_PAYMENT", "STOCK_REJECTED"), undefined);
  });
});
