import type { DescMessage } from "@bufbuild/protobuf";
import type { JsonSchema } from "./json-schema.js";

/**
 * The well-known types have their own proto3 JSON forms (a Timestamp is an
 * RFC 3339 string, a FieldMask one comma-separated string), so they are
 * described inline, never as objects of their fields.
 */
const WELL_KNOWN: Record<string, JsonSchema> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time", description: "An RFC 3339 time in UTC, e.g. 2026-12-01T15:04:05Z." },
  "google.protobuf.Duration": {
    type: "string",
    pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$",
    description: "Seconds with an `s` suffix, e.g. 1.5s.",
  },
  "google.protobuf.FieldMask": { type: "string", description: "Field paths, comma-separated." },
  "google.protobuf.Empty": { type: "object", additionalProperties: false },
  "google.protobuf.Struct": { type: "object" },
  "google.protobuf.ListValue": { type: "array" },
  "google.protobuf.Value": {},
  "google.protobuf.Any": { type: "object", required: ["@type"], properties: { "@type": { type: "string" } } },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BytesValue": { type: "string", contentEncoding: "base64" },
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.Int32Value": { type: "integer", format: "int32" },
  "google.protobuf.UInt32Value": { type: "integer", format: "uint32", minimum: 0 },
  "google.protobuf.Int64Value": { type: "string", format: "int64", pattern: "^-?[0-9]+$" },
  "google.protobuf.UInt64Value": { type: "string", format: "uint64", pattern: "^[0-9]+$" },
  "google.protobuf.FloatValue": { type: "number" },
  "google.protobuf.DoubleValue": { type: "number" },
};

/** The inline schema of a well-known type, or undefined for any other message. */
export function wellKnownSchema(desc: DescMessage): JsonSchema | undefined {
  const schema = WELL_KNOWN[desc.typeName];
  return schema && structuredClone(schema);
}
