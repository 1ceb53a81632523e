import assert from "node:assert/strict";
import { test } from "node:test";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import { validateListRequest } from "../src/domain/list-query.js";
import { selectFieldset, validateIds } from "../src/domain/product.js";

const base = { category: "", q: "", orderBy: "" };
const fieldsOf = (work: () => unknown) => {
  try {
    work();
    return [];
  } catch (error) {
    assert.ok(error instanceof ValidationError);
    return error.violations.map((v) => v.field);
  }
};

test("page size defaults to 20 and must be 1..100 when given", () => {
  assert.equal(validateListRequest(base).pageSize, 20);
  assert.equal(validateListRequest({ ...base, pageSize: 100 }).pageSize, 100);
  for (const pageSize of [0, -1, 101, 1_000_000])
    assert.deepEqual(
      fieldsOf(() => validateListRequest({ ...base, pageSize })),
      ["page_size"],
    );
});

test("order_by accepts the known sort keys only", () => {
  assert.equal(validateListRequest({ ...base, orderBy: "price desc" }).filter.orderBy, "price desc");
  assert.equal(validateListRequest(base).filter.orderBy, "name");
  assert.deepEqual(
    fieldsOf(() => validateListRequest({ ...base, orderBy: "price; DROP TABLE products" })),
    ["order_by"],
  );
});

test("a price range must be non-negative and ordered", () => {
  assert.deepEqual(
    fieldsOf(() => validateListRequest({ ...base, minPrice: 500n, maxPrice: 100n })),
    ["min_price"],
  );
  assert.deepEqual(
    fieldsOf(() => validateListRequest({ ...base, maxPrice: -1n })),
    ["max_price"],
  );
});

test("sparse fieldsets name known fields only", () => {
  assert.deepEqual(selectFieldset(["price", "id"]), { stored: ["id", "price"], availability: false });
  assert.equal(selectFieldset([]).stored.length, 11);
  assert.deepEqual(
    fieldsOf(() => selectFieldset(["id", "password"])),
    ["fields"],
  );
});

test("availability is asked for by name or by an empty fieldset, and is never a stored field", () => {
  assert.deepEqual(selectFieldset(["availability", "name"]), { stored: ["name"], availability: true });
  assert.deepEqual(selectFieldset(["availability"]), { stored: [], availability: true });
  assert.equal(selectFieldset([]).availability, true);
});

test("ids are short slugs, at most 100 of them", () => {
  validateIds(["p-000001", "demo.1_a"], "ids");
  assert.deepEqual(
    fieldsOf(() => validateIds(["../etc/passwd"], "ids")),
    ["ids"],
  );
  assert.deepEqual(
    fieldsOf(() =>
      validateIds(
        Array.from({ length: 101 }, (_, i) => `p${i}`),
        "ids",
      ),
    ),
    ["ids"],
  );
});
