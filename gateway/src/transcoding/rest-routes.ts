import { type DescMethod, type DescService, getOption, hasOption } from "@bufbuild/protobuf";
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
}

const fail = (method: DescMethod, why: string): never => {
  throw new Error(`cannot serve ${method.parent.typeName}/${method.name} over REST: ${why}`);
};

function routeOf(service: DescService, method: DescMethod): RestRoute | undefined {
  if (!hasOption(method, http)) return undefined;
  const rule = getOption(method, http);
  if (method.methodKind !== "unary") fail(method, "only unary methods are transcoded");
  if (rule.additionalBindings.length > 0) fail(method, "additional_bindings are not supported");
  const { case: verb, value } = rule.pattern;
  if (verb === undefined || verb === "custom") return fail(method, "a get/post/put/patch/delete pattern is required");
  const httpMethod = verb.toUpperCase() as HttpMethod;
  const path = compilePathTemplate(value);
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
  };
}

/**
 * The REST routes of the public services: exactly the methods annotated with
 * google.api.http. Unsupported annotations stop the gateway at start-up.
 */
export function restRoutesOf(services: DescService[]): RestRoute[] {
  return services.flatMap((service) => service.methods.flatMap((method) => routeOf(service, method) ?? []));
}
