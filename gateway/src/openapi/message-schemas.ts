import { type DescEnum, type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import type { FieldRules } from "@bufbuild/protovalidate/gen/buf/validate/validate_pb.js";
import { type JsonSchema, schemaRef, withKeywords } from "./json-schema.js";
import { celMessages, ignoresZero, repeatedKeywords, rulesOf, valueKeywords } from "./validate-rules.js";
import { wellKnownSchema } from "./well-known.js";
import { rejectsZero } from "./zero-values.js";

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const UINT32 = new Set([ScalarType.UINT32, ScalarType.FIXED32]);

/** A scalar as proto3 JSON writes it: 64-bit integers as decimal strings, bytes as base64, floats may be "NaN". */
export function scalarSchema(scalar: ScalarType): JsonSchema {
  if (scalar === ScalarType.STRING) return { type: "string" };
  if (scalar === ScalarType.BOOL) return { type: "boolean" };
  if (scalar === ScalarType.BYTES) return { type: "string", contentEncoding: "base64" };
  if (INT64.has(scalar)) {
    const unsigned = scalar === ScalarType.UINT64 || scalar === ScalarType.FIXED64;
    return { type: "string", format: unsigned ? "uint64" : "int64", pattern: unsigned ? "^[0-9]+$" : "^-?[0-9]+$" };
  }
  if (scalar === ScalarType.FLOAT || scalar === ScalarType.DOUBLE) {
    return { anyOf: [{ type: "number" }, { type: "string", enum: ["NaN", "Infinity", "-Infinity"] }] };
  }
  if (UINT32.has(scalar)) return { type: "integer", format: "uint32", minimum: 0, maximum: 4294967295 };
  return { type: "integer", format: "int32", minimum: -2147483648, maximum: 2147483647 };
}

/** An enum as proto3 JSON writes it: the value's name. */
function enumSchema(desc: DescEnum, rules: FieldRules | undefined): JsonSchema {
  let values = desc.values;
  if (rules?.type.case === "enum" && !ignoresZero(rules)) {
    const { in: allowed, notIn } = rules.type.value;
    if (allowed.length > 0) values = values.filter((value) => allowed.includes(value.number));
    if (notIn.length > 0) values = values.filter((value) => !notIn.includes(value.number));
  }
  return { type: "string", enum: values.map((value) => value.name) };
}

/**
 * JSON Schemas of protobuf messages as the REST API speaks them (proto3 JSON
 * with the proto field names), collected as components by type name: a
 * message is described once and referenced wherever it is used.
 */
export function createMessageSchemas() {
  const components = new Map<string, JsonSchema>();

  function message(desc: DescMessage): JsonSchema {
    const wellKnown = wellKnownSchema(desc);
    if (wellKnown) return wellKnown;
    if (!components.has(desc.typeName)) {
      components.set(desc.typeName, {}); // reserved first: a message may contain itself
      components.set(desc.typeName, objectOf(desc, desc.fields));
    }
    return schemaRef(desc.typeName);
  }

  /** An object of some of a message's fields, closed: the gateway refuses unknown fields. */
  function objectOf(desc: DescMessage, fields: readonly DescField[]): JsonSchema {
    const required = fields.filter((field) => rejectsZero(field, rulesOf(field))).map((field) => field.name);
    return {
      type: "object",
      title: desc.name,
      properties: Object.fromEntries(fields.map((field) => [field.name, fieldSchema(field)])),
      ...(required.length > 0 ? { required } : {}),
      additionalProperties: false,
    };
  }

  function single(field: DescField, kind: "scalar" | "enum" | "message", rules: FieldRules | undefined): JsonSchema {
    if (kind === "message" && field.message) return message(field.message);
    if (kind === "enum" && field.enum) return enumSchema(field.enum, rules);
    const base = scalarSchema(field.scalar ?? ScalarType.STRING);
    const keywords = valueKeywords(rules);
    const constrained = withKeywords(base, keywords);
    // Rules that skip the empty value still let it through (IGNORE_IF_ZERO_VALUE).
    if (ignoresZero(rules) && Object.keys(keywords).length > 0 && base.type === "string") {
      return { anyOf: [{ type: "string", const: "" }, constrained] };
    }
    return constrained;
  }

  function fieldSchema(field: DescField): JsonSchema {
    const rules = rulesOf(field);
    const cel = celMessages(rules);
    const note = cel.length > 0 ? { description: `${cel.map((text) => `${text[0]?.toUpperCase()}${text.slice(1)}.`).join(" ")}` } : {};
    switch (field.fieldKind) {
      case "scalar":
        return withKeywords(single(field, "scalar", rules), note);
      case "enum":
        return withKeywords(single(field, "enum", rules), note);
      case "message":
        return withKeywords(single(field, "message", rules), note);
      case "list": {
        const { array, items } = repeatedKeywords(rules);
        const kind = field.listKind;
        const item =
          kind === "message" ? message(field.message) : kind === "enum" ? enumSchema(field.enum, items) : itemScalar(field, items);
        return { type: "array", items: item, ...array, ...note };
      }
      case "map": {
        const value =
          field.mapKind === "message"
            ? message(field.message)
            : field.mapKind === "enum"
              ? enumSchema(field.enum, undefined)
              : scalarSchema(field.scalar);
        const keys =
          field.mapKey === ScalarType.STRING
            ? {}
            : { propertyNames: { pattern: field.mapKey === ScalarType.BOOL ? "^(true|false)$" : "^-?[0-9]+$" } };
        return { type: "object", additionalProperties: value, ...keys, ...note };
      }
    }
  }

  function itemScalar(field: DescField, items: FieldRules | undefined): JsonSchema {
    return withKeywords(scalarSchema(field.scalar ?? ScalarType.STRING), valueKeywords(items));
  }

  return {
    /** A `$ref` to the message's component (added on first use), or the inline schema of a well-known type. */
    message,
    /** The schema of one field of a message, with its protovalidate rules as keywords. */
    field: fieldSchema,
    /** An inline object of only some fields of a message (a request body without its path fields). */
    partial: objectOf,
    /** Whether a client must send the field: its rules refuse the value an absent field has. */
    required: (field: DescField) => rejectsZero(field, rulesOf(field)),
    /** Every component so far, sorted by name (a stable document). */
    components: (): Record<string, JsonSchema> => Object.fromEntries([...components.entries()].sort(([a], [b]) => a.localeCompare(b))),
  };
}

export type MessageSchemas = ReturnType<typeof createMessageSchemas>;
