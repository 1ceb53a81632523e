import { type DescField, type DescMessage, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { type ReflectMessage, reflect } from "@bufbuild/protobuf/reflect";
import type { FieldViolation } from "../errors/domain-errors.js";

const DESCRIPTION = "must not contain NUL characters (U+0000)";

const hasNul = (value: unknown) => typeof value === "string" && value.includes("\0");

/**
 * Every string field of a request (nested, repeated and map keys and values
 * included) that holds a NUL character, by proto path (`items[0].product_id`).
 * Postgres cannot store U+0000 in text, so such input is refused here, once
 * for every RPC, as bad input, instead of failing as Internal deep inside a
 * query.
 */
export function nulCharacterViolations<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): FieldViolation[] {
  const violations: FieldViolation[] = [];
  visit(reflect(schema, message), "", violations);
  return violations;
}

function visit(message: ReflectMessage, prefix: string, violations: FieldViolation[]): void {
  for (const field of message.fields) {
    if (!message.isSet(field)) continue;
    const path = prefix + field.name;
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING && hasNul(message.get(field))) violations.push({ field: path, description: DESCRIPTION });
        break;
      case "message":
        visit(message.get(field), `${path}.`, violations);
        break;
      case "list":
        visitList(field, message.get(field), path, violations);
        break;
      case "map":
        for (const [key, value] of message.get(field)) {
          if (hasNul(key)) violations.push({ field: `${path}[key]`, description: DESCRIPTION });
          if (field.mapKind === "scalar" && hasNul(value)) violations.push({ field: `${path}[${String(key)}]`, description: DESCRIPTION });
          if (field.mapKind === "message") visit(value as ReflectMessage, `${path}[${String(key)}].`, violations);
        }
        break;
      default:
        break;
    }
  }
}

function visitList(field: DescField & { fieldKind: "list" }, list: Iterable<unknown>, path: string, violations: FieldViolation[]): void {
  let index = 0;
  for (const item of list) {
    if (field.listKind === "message") visit(item as ReflectMessage, `${path}[${index}].`, violations);
    else if (hasNul(item)) violations.push({ field: `${path}[${index}]`, description: DESCRIPTION });
    index++;
  }
}
