import assert from "node:assert/strict";
import { test } from "node:test";
import { fromJson } from "@bufbuild/protobuf";
import { CreateOrderRequestSchema, ListOrdersRequestSchema } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { violationFromJsonError } from "../src/transcoding/json-errors.js";

const violationOf = (schema: Parameters<typeof fromJson>[0], json: unknown) => {
  try {
    fromJson(schema, json as never);
  } catch (error) {
    return violationFromJsonError(error, schema);
  }
  assert.fail("expected the JSON to be refused");
};

test("an enum value that is not one names the field holding the enum, and its values", () => {
  for (const status of ["BOGUS", "\u0000"]) {
    const violation = violationOf(ListOrdersRequestSchema, { status });
    assert.equal(violation.field, "status");
    assert.match(violation.description, /^must be one of ORDER_STATUS_PENDING, .*ORDER_STATUS_CONFIRMED/);
  }
});

test("a bad number and an unknown key name their fields", () => {
  assert.equal(violationOf(CreateOrderRequestSchema, { items: [{ product_id: "p-1", quantity: "two" }] }).field, "quantity");
  assert.deepEqual(violationOf(CreateOrderRequestSchema, { items: [], colour: "red" }), {
    field: "colour",
    description: "is not a known field",
  });
});
