import type { DescField, DescMessage, JsonObject, JsonValue } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { ValidationError } from "@emporium/platform/errors/domain-errors";
import type { RestRoute } from "./rest-routes.js";

export type Query = Record<string, string | string[] | undefined>;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

function fieldByName(message: DescMessage, name: string): DescField | undefined {
  return message.fields.find((field) => field.name === name || field.jsonName === name);
}

/** A query-string value as the JSON the field expects (repeated: comma-separated or repeated keys). */
function queryValue(field: DescField, raw: string | string[]): JsonValue {
  const values = (Array.isArray(raw) ? raw : [raw]).flatMap((value) => (field.fieldKind === "list" ? value.split(",") : [value]));
  const convert = (value: string): JsonValue => {
    if (field.fieldKind === "scalar" || field.fieldKind === "list") {
      if (field.scalar === ScalarType.BOOL) return value === "true" ? true : value === "false" ? false : value;
    }
    return value;
  };
  if (field.fieldKind === "list") return values.map(convert);
  if (values.length > 1) throw new ValidationError([{ field: field.name, description: "must be given once" }]);
  return convert(values[0] ?? "");
}

const isFieldMask = (field: DescField) => field.fieldKind === "message" && field.message.typeName === "google.protobuf.FieldMask";

/**
 * `fields=id,name,image_url` as the proto JSON of a FieldMask (lowerCamel
 * paths joined by commas); protobuf-es turns them back into field names.
 */
function fieldMaskJson(field: DescField, raw: string | string[]): JsonValue {
  const paths = (Array.isArray(raw) ? raw : [raw]).flatMap((value) => value.split(",")).map((path) => path.trim());
  const malformed = paths.find((path) => !/^[a-z][a-z0-9_]*$/.test(path));
  if (malformed !== undefined) throw new ValidationError([{ field: field.name, description: `"${malformed}" is not a field name` }]);
  return paths.map((path) => path.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())).join(",");
}

/**
 * The request message as proto JSON, merged from the body (as the route's
 * `body` says), the query string (fields not bound elsewhere) and the path
 * variables, which win. No body at all is the empty message, as in every
 * google.api.http transcoder (`POST /v1/orders/{id}:cancel` from curl).
 */
export function requestJson(route: RestRoute, body: unknown, query: Query, pathParams: Record<string, string>): JsonObject {
  let json: JsonObject = {};
  if (route.body === "*") {
    if (body !== undefined && !isObject(body)) throw new ValidationError([{ field: "body", description: "must be a JSON object" }]);
    json = { ...(body ?? {}) };
  } else if (route.body !== "" && body !== undefined) {
    json[route.body] = body as JsonValue;
  }
  for (const [name, raw] of Object.entries(query)) {
    if (raw === undefined) continue;
    const field = fieldByName(route.method.input, name);
    if (field && isFieldMask(field)) {
      json[field.name] = fieldMaskJson(field, raw);
      continue;
    }
    if (!field || field.fieldKind === "message" || field.fieldKind === "map" || field.name === route.body) {
      throw new ValidationError([{ field: name, description: "is not a known query parameter" }]);
    }
    json[field.name] = queryValue(field, raw);
  }
  inferUpdateMask(route, body, json);
  return { ...json, ...pathParams };
}

/**
 * PATCH without an explicit `update_mask` changes exactly the fields present
 * in the body (AIP-134), so a partial body never blanks the rest.
 */
function inferUpdateMask(route: RestRoute, body: unknown, json: JsonObject): void {
  const mask = fieldByName(route.method.input, "update_mask");
  if (route.httpMethod !== "PATCH" || !mask || !isFieldMask(mask) || json.update_mask !== undefined || !isObject(body)) return;
  json.update_mask = fieldMaskJson(mask, Object.keys(body).join(","));
}
