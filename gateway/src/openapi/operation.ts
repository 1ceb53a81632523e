import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import type { RestRoute } from "../transcoding/rest-routes.js";
import { BEARER_SCHEME, COMMON_RESPONSE_HEADERS, errorResponseRef } from "./components.js";
import type { JsonSchema } from "./json-schema.js";
import { linksOf } from "./links.js";
import type { MessageSchemas } from "./message-schemas.js";
import { parametersOf } from "./parameters.js";
import { answersNotModified, errorStatusesOf, takesExpectedVersion } from "./statuses.js";

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });

/** `GetProduct` -> `Get product`. */
const summaryOf = (name: string) => name.replace(/(?<=[a-z0-9])([A-Z])/g, (_, c: string) => ` ${c.toLowerCase()}`);

/** What the request body is (body "*": the request without its path fields; a field name: that field). */
function requestBodyOf(route: RestRoute, schemas: MessageSchemas): JsonSchema | undefined {
  if (route.body === "") return undefined;
  const input = route.method.input;
  let schema: JsonSchema;
  let required: boolean;
  if (route.body === "*") {
    const fields = input.fields.filter((field) => !route.path.fields.includes(field.name));
    schema = fields.length === input.fields.length ? schemas.message(input) : schemas.partial(input, fields);
    required = fields.some((field) => schemas.required(field));
  } else {
    const field = input.fields.find((f) => f.name === route.body);
    if (!field) throw new Error(`no body field ${route.body} in ${input.typeName}`);
    schema = schemas.field(field);
    required = schemas.required(field);
  }
  // No body at all is the empty message (request-json.ts), so a body is optional unless a field must be sent.
  return { required, content: { "application/json": { schema } } };
}

/** The success body: the whole response message, or the field named by response_body. */
function responseSchemaOf(route: RestRoute, schemas: MessageSchemas): JsonSchema {
  if (route.responseBody === "") return schemas.message(route.method.output);
  const field = route.method.output.fields.find((f) => f.name === route.responseBody);
  if (!field) throw new Error(`no response field ${route.responseBody} in ${route.method.output.typeName}`);
  return schemas.field(field);
}

/**
 * One Server-Sent Event, as OpenAPI 3.1 readers (schemathesis among them)
 * take the `schema` of an event stream: the parsed event's fields, its
 * `data` a JSON text of the response message (contentMediaType /
 * contentSchema), or of a problem in an `error` event (sse/event-streams.ts
 * sends one when a stream fails after it opened). Every parsed event has a
 * type: an event without an `event:` line is a "message" (the SSE
 * standard), so `event` is required and tells the two apart.
 */
export function eventSchemaOf(message: JsonSchema): JsonSchema {
  const data = (schema: JsonSchema) => ({ type: "string", contentMediaType: "application/json", contentSchema: schema });
  return {
    oneOf: [
      {
        type: "object",
        required: ["event", "data"],
        properties: {
          event: { const: "message" },
          id: { type: "string", pattern: "^[0-9]+$", description: "The sequence number, to resume after with Last-Event-ID." },
          retry: { type: "integer", minimum: 0 },
          data: data(message),
        },
      },
      {
        type: "object",
        required: ["event", "data"],
        properties: {
          event: { const: "error" },
          retry: { type: "integer", minimum: 0 },
          data: data({ $ref: "#/components/schemas/Problem" }),
        },
      },
    ],
  };
}

function successResponses(route: RestRoute, routes: readonly RestRoute[], schemas: MessageSchemas): Record<string, JsonSchema> {
  const body = responseSchemaOf(route, schemas);
  if (route.method.methodKind === "server_streaming") {
    return {
      "200": {
        description:
          "Server-Sent Events: each `data:` line is one response message as JSON (this schema), its `id:` a sequence number to resume from with Last-Event-ID.",
        headers: { ...COMMON_RESPONSE_HEADERS },
        content: { "text/event-stream": { schema: eventSchemaOf(body) } },
      },
      // sse/event-streams.ts: the stream ended before any event, e.g. nothing came after Last-Event-ID; an EventSource stops reconnecting.
      "204": {
        description: "No events: the stream has nothing after the resume position (its last event was already sent).",
        headers: { ...COMMON_RESPONSE_HEADERS },
      },
    };
  }
  const headers: Record<string, unknown> = { ...COMMON_RESPONSE_HEADERS, "Cache-Control": headerRef("CacheControl") };
  if (route.locationTemplate) headers.Location = headerRef("Location");
  if (answersNotModified(route) || takesExpectedVersion(route)) headers.ETag = headerRef("ETag");
  if (route.idempotencyKeyRequired) headers["Idempotent-Replayed"] = headerRef("IdempotentReplayed");
  const status = String(route.successStatus);
  const links = linksOf(route, routes);
  const responses: Record<string, JsonSchema> = {
    [status]: {
      description: route.successStatus === 202 ? "Accepted: the work goes on asynchronously; Location says where to follow it." : "OK",
      headers,
      content: { "application/json": { schema: body } },
      ...(links ? { links } : {}),
    },
  };
  if (answersNotModified(route)) {
    responses["304"] = {
      description: "Not modified: the If-None-Match ETag is still current.",
      headers: { ...COMMON_RESPONSE_HEADERS, ETag: headerRef("ETag"), "Cache-Control": headerRef("CacheControl") },
    };
  }
  return responses;
}

/** The OpenAPI operation of one REST route. */
export function operationOf(route: RestRoute, routes: readonly RestRoute[], schemas: MessageSchemas): JsonSchema {
  const responses = successResponses(route, routes, schemas);
  for (const status of errorStatusesOf(route)) responses[String(status)] = errorResponseRef(status);
  const requestBody = requestBodyOf(route, schemas);
  const parameters = parametersOf(route, schemas);
  return {
    operationId: `${route.service.name}_${route.method.name}`,
    summary: summaryOf(route.method.name),
    tags: [route.service.name],
    // A token is checked wherever it is sent; public routes need none (an empty requirement).
    security: route.access === Access.UNSPECIFIED ? [{}, { [BEARER_SCHEME]: [] }] : [{ [BEARER_SCHEME]: [] }],
    ...(route.access === Access.ADMIN ? { description: "For administrators only." } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    "x-rpc": `${route.service.typeName}/${route.method.name}`,
  };
}
