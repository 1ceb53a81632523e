import { type DescMessage, type DescMethod, type DescService, getOption, hasOption, ScalarType } from "@bufbuild/protobuf";
import { Access, access, http_response, idempotency_key_required } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { http } from "@emporium/gen/google/api/annotations_pb";
import { compilePathTemplate, type PathTemplate } from "./path-template.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One REST route, read from a method's google.api.http annotation. */
export interface RestRoute {
  httpMethod: HttpMethod;
  path: PathTemplate;
  service: DescService;
  method: DescMethod;
  /** "" (no body), "*" (the whole request) or the name of one request field. */
  body: string;
  /** "" (the whole response) or the name of the response field to return. */
  responseBody: string;
  successStatus: number;
  /** e.g. `/v1/orders/{order.id}`, filled from the response. */
  locationTemplate: string;
  /** Who may call it (emporium.api.v1.access): anyone, any signed-in caller, or administrators. */
  access: Access;
  /** The client must send an Idempotency-Key (passed on to the service). */
  idempotencyKeyRequired: boolean;
  /** HTTP caching of the response, when the method allows it. */
  cache?: { maxAgeSeconds: number; staleWhileRevalidateSeconds: number } | undefined;
  /** HTTP caching of list pages, and the gateway's memory of first pages (page_cache_max_age_seconds). */
  pageCache?: { maxAgeSeconds: number; staleWhileRevalidateSeconds: number } | undefined;
  /** A server-streaming method, served as Server-Sent Events (sse/event-streams.ts); undefined for unary ones. */
  eventStream?: EventStreamFields | undefined;
}

/**
 * How a server-streaming method maps onto Server-Sent Events: each response
 * is one event whose `id:` is its `sequence` field, and a reconnecting
 * client's `Last-Event-ID` is the request's `after_sequence` ("send what
 * came after this"). Both fields are required of a streamed GET, checked at
 * start-up, so every SSE route resumes the same way.
 */
export interface EventStreamFields {
  /** The response field whose value is the event id. */
  idField: string;
  /** The request field that Last-Event-ID fills. */
  resumeField: string;
}

const EVENT_STREAM_FIELDS: EventStreamFields = { idField: "sequence", resumeField: "after_sequence" };

const INTEGER_KINDS = new Set([ScalarType.UINT32, ScalarType.UINT64, ScalarType.INT32, ScalarType.INT64]);

const isIntegerField = (message: DescMessage, name: string) =>
  message.fields.some((field) => field.name === name && field.fieldKind === "scalar" && INTEGER_KINDS.has(field.scalar));

/** The SSE mapping of a server-streaming method, or a start-up failure saying what it lacks. */
function eventStreamOf(method: DescMethod, httpMethod: HttpMethod, body: string): EventStreamFields {
  if (method.methodKind !== "server_streaming") return fail(method, "only unary and server-streaming methods are served");
  if (httpMethod !== "GET" || body !== "") fail(method, "a server-streaming method is served as Server-Sent Events: GET without a body");
  const { idField, resumeField } = EVENT_STREAM_FIELDS;
  if (!isIntegerField(method.output, idField)) fail(method, `a streamed response needs an integer ${idField} field (the event id)`);
  if (!isIntegerField(method.input, resumeField))
    fail(method, `a streamed request needs an integer ${resumeField} field (filled from Last-Event-ID)`);
  return EVENT_STREAM_FIELDS;
}

const fail = (method: DescMethod, why: string): never => {
  throw new Error(`cannot serve ${method.parent.typeName}/${method.name} over REST: ${why}`);
};

function routeOf(service: DescService, method: DescMethod): RestRoute | undefined {
  if (!hasOption(method, http)) return undefined;
  const rule = getOption(method, http);
  if (rule.additionalBindings.length > 0) fail(method, "additional_bindings are not supported");
  const { case: verb, value } = rule.pattern;
  if (verb === undefined || verb === "custom") return fail(method, "a get/post/put/patch/delete pattern is required");
  const httpMethod = verb.toUpperCase() as HttpMethod;
  const path = compilePathTemplate(value);
  const eventStream = method.methodKind === "unary" ? undefined : eventStreamOf(method, httpMethod, rule.body);
  const inputFields = new Set(method.input.fields.map((field) => field.name));
  for (const field of path.fields) if (!inputFields.has(field)) fail(method, `path field ${field} is not in the request`);
  if (rule.body !== "" && rule.body !== "*" && !inputFields.has(rule.body)) fail(method, `body field ${rule.body} is not in the request`);
  if (httpMethod !== "GET" && hasOption(method, http_response) && getOption(method, http_response).cacheMaxAgeSeconds > 0) {
    fail(method, "only GET responses can be cached");
  }
  const outputFields = new Set(method.output.fields.map((field) => field.name));
  if (rule.responseBody !== "" && !outputFields.has(rule.responseBody))
    fail(method, `response_body ${rule.responseBody} is not in the response`);
  const response = hasOption(method, http_response) ? getOption(method, http_response) : undefined;
  const routeAccess = hasOption(method, access) ? getOption(method, access) : Access.UNSPECIFIED;
  if (
    eventStream &&
    response &&
    (response.cacheMaxAgeSeconds > 0 || response.pageCacheMaxAgeSeconds > 0 || response.status > 0 || response.location !== "")
  ) {
    fail(method, "an event stream is never cached, answers 200 and has no Location");
  }
  if (response && response.pageCacheMaxAgeSeconds > 0) {
    if (httpMethod !== "GET") fail(method, "only GET responses can be cached");
    if (!inputFields.has("page_token") || !method.output.fields.some((field) => field.fieldKind === "list") || rule.responseBody !== "") {
      fail(method, "page_cache_max_age_seconds needs a list method (page_token in, a repeated field out, the whole response)");
    }
    // The gateway keeps pages for anyone who asks: one caller's page must never be another's.
    if (routeAccess !== Access.UNSPECIFIED) fail(method, "only public list pages can be cached");
  }
  return {
    httpMethod,
    path,
    service,
    method,
    body: rule.body,
    responseBody: rule.responseBody,
    successStatus: response?.status || 200,
    locationTemplate: response?.location ?? "",
    access: routeAccess,
    idempotencyKeyRequired: hasOption(method, idempotency_key_required) && getOption(method, idempotency_key_required),
    cache:
      response && response.cacheMaxAgeSeconds > 0
        ? { maxAgeSeconds: response.cacheMaxAgeSeconds, staleWhileRevalidateSeconds: response.staleWhileRevalidateSeconds }
        : undefined,
    pageCache:
      response && response.pageCacheMaxAgeSeconds > 0
        ? { maxAgeSeconds: response.pageCacheMaxAgeSeconds, staleWhileRevalidateSeconds: response.staleWhileRevalidateSeconds }
        : undefined,
    eventStream,
  };
}

/**
 * The REST routes of the public services: exactly the methods annotated with
 * google.api.http. Unsupported annotations stop the gateway at start-up.
 */
export function restRoutesOf(services: DescService[]): RestRoute[] {
  return services.flatMap((service) => service.methods.flatMap((method) => routeOf(service, method) ?? []));
}
