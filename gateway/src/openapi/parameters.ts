import type { DescField, DescMessage } from "@bufbuild/protobuf";
import type { RestRoute } from "../transcoding/rest-routes.js";
import type { JsonSchema } from "./json-schema.js";
import type { MessageSchemas } from "./message-schemas.js";
import { answersNotModified, takesExpectedVersion } from "./statuses.js";
import { rulesOf } from "./validate-rules.js";

const isFieldMask = (field: DescField) => field.fieldKind === "message" && field.message.typeName === "google.protobuf.FieldMask";

/**
 * The message whose fields a `fields` mask picks (response-shaping.ts
 * `sparse`): the response body's message, or the messages in the response's
 * list.
 */
function sparseTarget(route: RestRoute): DescMessage | undefined {
  const output = route.method.output;
  if (route.responseBody !== "") {
    const field = output.fields.find((f) => f.name === route.responseBody);
    return field?.fieldKind === "message" ? field.message : undefined;
  }
  return output.fields.find((f) => f.fieldKind === "list" && f.listKind === "message")?.message;
}

/** A FieldMask in the query string: snake_case field names, comma-separated (request-json.ts). */
function fieldMaskSchema(field: DescField, route: RestRoute, allowed: readonly string[] | undefined): JsonSchema {
  const target = field.name === "fields" ? sparseTarget(route) : undefined;
  const names = allowed ?? target?.fields.map((f) => f.name);
  const name = names ? `(${names.join("|")})` : "[a-z][a-z0-9_]*";
  return {
    type: "string",
    pattern: `^${name}(,${name})*$`,
    description: names ? `Comma-separated, any of: ${names.join(", ")}.` : "Comma-separated snake_case field names.",
  };
}

/**
 * The request fields that travel in the query string, as the transcoder maps
 * them (request-json.ts): every field not bound by the path or the body,
 * except messages and maps (FieldMask excepted) and `expected_version`, which
 * comes from If-Match.
 */
export function queryFields(route: RestRoute): DescField[] {
  if (route.body === "*") return [];
  const bound = new Set([...route.path.fields, route.body]);
  return route.method.input.fields.filter((field) => {
    if (bound.has(field.name) || field.name === "expected_version") return false;
    return isFieldMask(field) || (field.fieldKind !== "message" && field.fieldKind !== "map");
  });
}

const headerParameter = (name: string, required: boolean, description: string, schema: JsonSchema = { type: "string" }) => ({
  name,
  in: "header",
  required,
  description,
  schema,
});

/** Path, query and header parameters of a route's operation. */
export function parametersOf(route: RestRoute, schemas: MessageSchemas): JsonSchema[] {
  const byName = new Map(route.method.input.fields.map((field) => [field.name, field]));
  const parameters: JsonSchema[] = route.path.fields.map((name) => {
    const field = byName.get(name) as DescField;
    return { name, in: "path", required: true, schema: schemas.field(field) };
  });
  for (const field of queryFields(route)) {
    if (isFieldMask(field)) {
      const rules = rulesOf(field)?.type;
      const allowed = rules?.case === "fieldMask" && rules.value.in.length > 0 ? rules.value.in : undefined;
      parameters.push({ name: field.name, in: "query", required: false, schema: fieldMaskSchema(field, route, allowed) });
      continue;
    }
    const schema = schemas.field(field);
    // Repeated fields: comma-separated (or the key repeated), like `ids=a,b,c`.
    const style = field.fieldKind === "list" ? { style: "form", explode: false } : {};
    parameters.push({ name: field.name, in: "query", required: schemas.required(field), schema, ...style });
  }
  if (route.idempotencyKeyRequired) {
    parameters.push(
      headerParameter(
        "Idempotency-Key",
        true,
        "A unique key per operation (e.g. a UUID). A retry with the same key and body gets the first answer again (Idempotent-Replayed: true); the same key with another body is a 422.",
        { type: "string", pattern: "^[\\x21-\\x7e]{1,255}$" },
      ),
    );
  }
  if (takesExpectedVersion(route)) {
    // The ETag form the gateway makes (response-cache.ts etagOf); `*` or any other value is a 428.
    const etag = { type: "string", pattern: '^(W/)?"[0-9]{1,18}\\.[0-9a-z]+"$' };
    parameters.push(headerParameter("If-Match", true, "The ETag of the version the change is based on; a stale one is a 412.", etag));
  }
  if (answersNotModified(route)) {
    parameters.push(
      headerParameter("If-None-Match", false, "An ETag you hold; when it is still current the answer is a 304 without a body."),
    );
  }
  if (route.method.methodKind === "server_streaming") {
    parameters.push(headerParameter("Last-Event-ID", false, "The `id` of the last event received, to resume after it."));
  }
  return parameters;
}
