import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { newOrder, priceLines, rejectUnknownProducts, validateLines } from "../src/domain/order.js";
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
  const order = newOrder(
    "id",
    "customer",
    { lines: [{ productId: "a", quantity: 1, unitPriceMinor: 250n }], currency: "EUR", totalMinor: 250n },
    new Date(0),
  );
  assert.equal(order.status, "PENDING");
});

describe("priceLines", () => {
  const prices = new Map([
    ["a", { currency: "EUR", amountMinor: 250n }],
    ["b", { currency: "EUR", amountMinor: 1_000n }],
    ["usd", { currency: "USD", amountMinor: 5n }],
  ]);

  test("prices every line and totals them", () => {
    const priced = priceLines(
      [
        { productId: "a", quantity: 2 },
        { productId: "b", quantity: 3 },
      ],
      prices,
    );
    assert.equal(priced.currency, "EUR");
    assert.equal(priced.totalMinor, 3_500n);
    assert.deepEqual(
      priced.lines.map((line) => line.unitPriceMinor),
      [250n, 1_000n],
    );
  });

  test("names unknown products and refuses mixed currencies", () => {
    assert.deepEqual(
      violationsOf(() =>
        priceLines(
          [
            { productId: "a", quantity: 1 },
            { productId: "nope", quantity: 1 },
          ],
          prices,
        ),
      ),
      ["items[1].product_id"],
    );
    assert.deepEqual(
      violationsOf(() =>
        priceLines(
          [
            { productId: "a", quantity: 1 },
            { productId: "usd", quantity: 1 },
          ],
          prices,
        ),
      ),
      ["items[1].product_id"],
    );
  });
});

describe("cancel and payment transitions", () => {
  test("a cancel applies before payment only", () => {
    assert.equal(nextStatus("PENDING", "CANCEL_REQUESTED"), "CANCELLED");
    assert.equal(nextStatus("AWAITING_PAYMENT", "CANCEL_REQUESTED"), "CANCELLED");
    for (const status of ["CONFIRMED", "REJECTED", "CANCELLED"] as const) assert.equal(nextStatus(status, "CANCEL_REQUESTED"), undefined);
  });

  test("payment outcomes apply to orders awaiting payment only", () => {
    assert.equal(nextStatus("AWAITING_PAYMENT", "PAYMENT_SUCCEEDED"), "CONFIRMED");
    assert.equal(nextStatus("AWAITING_PAYMENT", "PAYMENT_FAILED"), "CANCELLED");
    assert.equal(nextStatus("CANCELLED", "PAYMENT_SUCCEEDED"), undefined, "a late success does not revive a cancelled order");
    assert.equal(nextStatus("PENDING", "PAYMENT_DEADLINE_PASSED"), undefined);
  });
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
