import type { FieldViolation } from "@emporium/platform/errors/domain-errors";

/**
 * protobuf-es reports JSON it cannot read as e.g.
 *   cannot decode field emporium.orders.v1.OrderLine.quantity from JSON: "x"
 *   cannot decode message emporium.orders.v1.CreateOrderRequest from JSON: key "foo" is unknown
 * We turn that into a field violation a client can act on.
 */
export function violationFromJsonError(error: unknown): FieldViolation {
  const message = error instanceof Error ? error.message : String(error);
  const unknownKey = /key "([^"]+)" is unknown/.exec(message);
  if (unknownKey?.[1]) return { field: unknownKey[1], description: "is not a known field" };
  const badField = /cannot decode field [\w.]+\.(\w+) from JSON: (.*)$/.exec(message);
  if (badField?.[1]) return { field: badField[1], description: `has an invalid value: ${badField[2] ?? ""}`.trim() };
  return { field: "body", description: "does not match the request schema" };
}
