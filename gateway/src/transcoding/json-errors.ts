import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { FieldViolation } from "@emporium/platform/errors/domain-errors";

/**
 * protobuf-es reports JSON it cannot read as e.g.
 *   cannot decode field emporium.orders.v1.OrderLine.quantity from JSON: "x"
 *   cannot decode message emporium.orders.v1.CreateOrderRequest from JSON: key "foo" is unknown
 *   cannot decode enum emporium.orders.v1.OrderStatus from JSON: "BOGUS"
 * We turn that into a field violation a client can act on. The enum message
 * names only the enum, so the request's schema says which field holds it.
 */
export function violationFromJsonError(error: unknown, schema?: DescMessage): FieldViolation {
  const message = error instanceof Error ? error.message : String(error);
  const unknownKey = /key "([^"]+)" is unknown/.exec(message);
  if (unknownKey?.[1]) return { field: unknownKey[1], description: "is not a known field" };
  const badField = /cannot decode field [\w.]+\.(\w+) from JSON: (.*)$/.exec(message);
  if (badField?.[1]) return { field: badField[1], description: `has an invalid value: ${badField[2] ?? ""}`.trim() };
  const badEnum = /cannot decode enum ([\w.]+) from JSON/.exec(message);
  const holders = badEnum?.[1] && schema ? enumFields(schema, badEnum[1]) : [];
  const [holder] = holders;
  if (holder && holders.length === 1) {
    const values = holder.field.enum?.values.map((value) => value.name).filter((name) => !name.endsWith("_UNSPECIFIED")) ?? [];
    return { field: holder.path, description: `must be one of ${values.join(", ")}` };
  }
  return { field: "body", description: "does not match the request schema" };
}

/** The fields (by proto path) of a message and its sub-messages whose type is the named enum. */
function enumFields(
  schema: DescMessage,
  enumName: string,
  prefix = "",
  seen = new Set<DescMessage>(),
): { path: string; field: DescField }[] {
  if (seen.has(schema)) return [];
  seen.add(schema);
  return schema.fields.flatMap((field) => {
    const path = `${prefix}${field.name}`;
    if (field.enum?.typeName === enumName) return [{ path, field }];
    return field.message ? enumFields(field.message, enumName, `${path}.`, seen) : [];
  });
}
