import { type DescField, isFieldSet } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import { type FieldRules, StringRulesSchema } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { ignoresZero } from "./validate-rules.js";

type Bound = { case: "gt" | "gte" | "lt" | "lte" | undefined; value?: number | bigint };

/** Whether a numeric range leaves 0 out. */
function zeroOutOfRange(rules: { greaterThan: Bound; lessThan: Bound; in: (number | bigint)[]; notIn: (number | bigint)[] }): boolean {
  const { greaterThan: low, lessThan: high } = rules;
  const n = (value: number | bigint | undefined) => Number(value ?? 0);
  if (low.case === "gt" && n(low.value) >= 0) return true;
  if (low.case === "gte" && n(low.value) > 0) return true;
  if (high.case === "lt" && n(high.value) <= 0) return true;
  if (high.case === "lte" && n(high.value) < 0) return true;
  if (rules.in.length > 0 && !rules.in.some((value) => n(value) === 0)) return true;
  return rules.notIn.some((value) => n(value) === 0);
}

/** Whether the empty string breaks the string rules. */
function emptyStringRefused(rules: FieldRules): boolean {
  if (rules.type.case !== "string") return false;
  const r = rules.type.value;
  if (r.minLen > 0n || r.len > 0n || r.minBytes > 0n || r.wellKnown.case !== undefined) return true;
  if (r.prefix !== "" || r.suffix !== "" || r.contains !== "") return true;
  if (isFieldSet(r, StringRulesSchema.field.const) && r.const !== "") return true;
  if ((r.in.length > 0 && !r.in.includes("")) || r.notIn.includes("")) return true;
  if (r.pattern === "") return false;
  try {
    return !new RegExp(r.pattern).test("");
  } catch {
    return false; // RE2-only syntax: not known here, so not claimed
  }
}

/**
 * Whether a client must send the field. An absent proto3 field is its zero
 * value, and protovalidate checks zero values of fields without presence,
 * so a field whose rules refuse "" or 0 or [] is required in effect, as is
 * one marked `required`. Fields with presence (optional, oneof members,
 * messages) are checked only when set.
 */
export function rejectsZero(field: DescField, rules: FieldRules | undefined): boolean {
  if (!rules || ignoresZero(rules)) return false;
  if (rules.required) return true;
  const { type } = rules;
  if (field.fieldKind === "list") return type.case === "repeated" && type.value.minItems > 0n;
  if (field.fieldKind === "map") return type.case === "map" && type.value.minPairs > 0n;
  if (field.fieldKind === "message" || field.oneof !== undefined || field.presence !== FeatureSet_FieldPresence.IMPLICIT) return false;
  switch (type.case) {
    case "string":
      return emptyStringRefused(rules);
    case "enum": {
      const { in: allowed, notIn } = type.value;
      return (allowed.length > 0 && !allowed.includes(0)) || notIn.includes(0);
    }
    case "int32":
    case "int64":
    case "uint32":
    case "uint64":
    case "sint32":
    case "sint64":
    case "fixed32":
    case "fixed64":
    case "sfixed32":
    case "sfixed64":
    case "float":
    case "double":
      return zeroOutOfRange(type.value as unknown as Parameters<typeof zeroOutOfRange>[0]);
    default:
      return false;
  }
}
