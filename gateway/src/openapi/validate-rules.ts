import { type DescField, getOption, hasOption, isFieldSet } from "@bufbuild/protobuf";
import {
  type FieldRules,
  field as fieldRules,
  Ignore,
  RepeatedRulesSchema,
  StringRulesSchema,
} from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import type { JsonSchema } from "./json-schema.js";

/** The protovalidate rules declared on a field, if any. */
export function rulesOf(field: DescField): FieldRules | undefined {
  return hasOption(field, fieldRules) ? getOption(field, fieldRules) : undefined;
}

type Bound = { case: "gt" | "gte" | "lt" | "lte"; value: number | bigint } | { case: undefined };
interface NumberRules {
  lessThan: Bound;
  greaterThan: Bound;
  in: (number | bigint)[];
  notIn: (number | bigint)[];
}

const WELL_KNOWN_FORMATS: Record<string, string> = {
  email: "email",
  hostname: "hostname",
  ipv4: "ipv4",
  ipv6: "ipv6",
  uri: "uri",
  uriRef: "uri-reference",
  uuid: "uuid",
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

/** JSON Schema keywords of a 32-bit number or float: they compare as JSON numbers. */
function numberKeywords(rules: NumberRules): JsonSchema {
  const out: JsonSchema = {};
  const { lessThan, greaterThan } = rules;
  if (greaterThan.case === "gte") out.minimum = Number(greaterThan.value);
  if (greaterThan.case === "gt") out.exclusiveMinimum = Number(greaterThan.value);
  if (lessThan.case === "lte") out.maximum = Number(lessThan.value);
  if (lessThan.case === "lt") out.exclusiveMaximum = Number(lessThan.value);
  if (rules.in.length > 0) out.enum = rules.in.map(Number);
  if (rules.notIn.length > 0) out.not = { enum: rules.notIn.map(Number) };
  return out;
}

/**
 * A 64-bit integer is a JSON string in proto3 JSON, so a range cannot be a
 * numeric keyword; a non-negative one can still be a pattern, and the range
 * is said in words.
 */
function int64Keywords(rules: NumberRules): JsonSchema {
  const words: string[] = [];
  const { lessThan, greaterThan } = rules;
  if (greaterThan.case !== undefined) words.push(`${greaterThan.case === "gte" ? "at least" : "above"} ${greaterThan.value}`);
  if (lessThan.case !== undefined) words.push(`${lessThan.case === "lte" ? "at most" : "below"} ${lessThan.value}`);
  const nonNegative = greaterThan.case !== undefined && BigInt(greaterThan.value) >= (greaterThan.case === "gte" ? 0n : -1n);
  const out: JsonSchema = nonNegative ? { pattern: "^[0-9]+$" } : {};
  if (words.length > 0) out.description = `An integer ${words.join(" and ")}.`;
  if (rules.in.length > 0) out.enum = rules.in.map(String);
  return out;
}

function stringKeywords(rules: FieldRules): JsonSchema {
  if (rules.type.case !== "string") return {};
  const r = rules.type.value;
  const out: JsonSchema = {};
  const patterns: string[] = [];
  if (isFieldSet(r, StringRulesSchema.field.len)) out.minLength = out.maxLength = Number(r.len);
  if (isFieldSet(r, StringRulesSchema.field.minLen)) out.minLength = Number(r.minLen);
  if (isFieldSet(r, StringRulesSchema.field.maxLen)) out.maxLength = Number(r.maxLen);
  if (isFieldSet(r, StringRulesSchema.field.const)) out.const = r.const;
  // ECMA-262 regexps read RE2's simple patterns alike; RE2-only syntax ((?i), \pN…) is said in words instead.
  if (r.pattern !== "") {
    if (/\(\?|\\[pPQEz]/.test(r.pattern)) out.description = `Must match the RE2 pattern ${r.pattern}.`;
    else patterns.push(r.pattern);
  }
  if (r.prefix !== "") patterns.push(`^${escapeRegExp(r.prefix)}`);
  if (r.suffix !== "") patterns.push(`${escapeRegExp(r.suffix)}$`);
  if (r.contains !== "") patterns.push(escapeRegExp(r.contains));
  if (r.in.length > 0) out.enum = [...r.in];
  if (r.notIn.length > 0) out.not = { enum: [...r.notIn] };
  const format = r.wellKnown.case && WELL_KNOWN_FORMATS[r.wellKnown.case];
  if (format) out.format = format;
  if (r.wellKnown.case === "uuid") patterns.push("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (patterns.length === 1) out.pattern = patterns[0];
  if (patterns.length > 1) out.allOf = patterns.map((pattern) => ({ pattern }));
  if (isFieldSet(r, StringRulesSchema.field.maxBytes)) out.description = `At most ${r.maxBytes} bytes of UTF-8.`;
  return out;
}

/** The keywords for one value of the field (an item, for a repeated field). */
export function valueKeywords(rules: FieldRules | undefined): JsonSchema {
  if (!rules || rules.ignore === Ignore.ALWAYS) return {};
  const keywords = ruleKeywords(rules);
  // protovalidate's `example` values are JSON Schema's `examples` (docs show them, fuzzers start from them).
  const examples = (rules.type.value as { example?: unknown[] } | undefined)?.example ?? [];
  if (examples.length > 0 && rules.type.case !== "enum" && rules.type.case !== "fieldMask") {
    const int64 = typeof examples[0] === "bigint";
    keywords.examples = examples.map((example) => (int64 ? String(example) : example));
  }
  return keywords;
}

function ruleKeywords(rules: FieldRules): JsonSchema {
  const { type } = rules;
  switch (type.case) {
    case "string":
      return stringKeywords(rules);
    case "int64":
    case "uint64":
    case "sint64":
    case "fixed64":
    case "sfixed64":
      return int64Keywords(type.value as unknown as NumberRules);
    case "int32":
    case "uint32":
    case "sint32":
    case "fixed32":
    case "sfixed32":
    case "float":
    case "double":
      return numberKeywords(type.value as unknown as NumberRules);
    case "enum":
      return {}; // enum names are handled with the enum itself (enumValues)
    case "fieldMask":
      return type.value.in.length > 0 ? { description: `Only these fields: ${type.value.in.join(", ")}.` } : {};
    default:
      return {};
  }
}

/** The keywords of the array itself, and the rules of each item, for a repeated field. */
export function repeatedKeywords(rules: FieldRules | undefined): { array: JsonSchema; items: FieldRules | undefined } {
  if (rules?.type.case !== "repeated" || rules.ignore === Ignore.ALWAYS) return { array: {}, items: undefined };
  const r = rules.type.value;
  const array: JsonSchema = {};
  if (isFieldSet(r, RepeatedRulesSchema.field.minItems)) array.minItems = Number(r.minItems);
  if (isFieldSet(r, RepeatedRulesSchema.field.maxItems)) array.maxItems = Number(r.maxItems);
  if (r.unique) array.uniqueItems = true;
  return { array, items: r.items };
}

/** Whether rules skip the zero value (an unset implicit field, or one explicitly ignored when empty). */
export const ignoresZero = (rules: FieldRules | undefined) => rules?.ignore === Ignore.IF_ZERO_VALUE || rules?.ignore === Ignore.ALWAYS;

/** The CEL rules' messages, which JSON Schema cannot say but a reader should see. */
export function celMessages(rules: FieldRules | undefined): string[] {
  return (rules?.cel ?? []).map((rule) => rule.message || rule.id).filter((text) => text !== "");
}
