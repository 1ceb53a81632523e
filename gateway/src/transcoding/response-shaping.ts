import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** Fills `{order.id}`-style placeholders from the response JSON. */
export function fillLocation(template: string, json: JsonObject): string {
  return template.replace(/\{([\w.]+)\}/g, (_, path: string) => encodeURIComponent(String(valueAt(json, path) ?? "")));
}

/** The value at a dotted path of a JSON object. */
export function valueAt(json: JsonValue, path: string): JsonValue | undefined {
  return path
    .split(".")
    .reduce<JsonValue | undefined>((node, key) => (node && typeof node === "object" && !Array.isArray(node) ? node[key] : undefined), json);
}

/** The sparse fieldset a request asked for (a `fields` FieldMask), if any. */
export function requestedFields(input: unknown): string[] {
  const mask = (input as { fields?: { paths?: string[] } }).fields;
  return mask?.paths ?? [];
}

/**
 * Keeps only the asked-for fields: of the response body itself when the route
 * returns one message, else of each message in the response's lists. (With
 * defaults emitted, fields the service did not read would show as zeros.)
 */
export function sparse(payload: JsonValue, single: boolean, fields: string[]): JsonValue {
  if (fields.length === 0 || typeof payload !== "object" || payload === null || Array.isArray(payload)) return payload;
  const keep = new Set(fields);
  const prune = (item: JsonValue) =>
    typeof item === "object" && item !== null && !Array.isArray(item)
      ? Object.fromEntries(Object.entries(item).filter(([key]) => keep.has(key)))
      : item;
  if (single) return prune(payload);
  return Object.fromEntries(Object.entries(payload).map(([key, value]) => [key, Array.isArray(value) ? value.map(prune) : value]));
}
