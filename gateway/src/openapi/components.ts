import type { JsonSchema } from "./json-schema.js";

/** The problem statuses the gateway answers with, and what each means to a client. */
export const ERROR_STATUSES: Record<number, { name: string; description: string }> = {
  400: { name: "BadRequest", description: "Invalid request: `errors` names each field and why (query, path, body or header)." },
  401: { name: "Unauthenticated", description: "No valid access token: sign in, or refresh, and send `Authorization: Bearer <token>`." },
  403: { name: "PermissionDenied", description: "Signed in, but not allowed (administrators only)." },
  404: { name: "NotFound", description: "No such resource, or not yours." },
  409: {
    name: "Conflict",
    description: "Conflicts with the current state, or a request with the same Idempotency-Key is still in flight.",
  },
  412: { name: "PreconditionFailed", description: "If-Match names a version that is no longer current." },
  413: { name: "PayloadTooLarge", description: "The request body is larger than the limit." },
  415: { name: "UnsupportedMediaType", description: "The request body is not `application/json` (or its encoding is not supported)." },
  422: { name: "IdempotencyKeyReused", description: "The Idempotency-Key was used before with a different request." },
  428: { name: "PreconditionRequired", description: "Send If-Match with the ETag of the version you changed." },
  429: { name: "TooManyRequests", description: "The rate limit is used up; retry after Retry-After seconds." },
  503: { name: "Unavailable", description: "A service is unavailable or at capacity; retry after Retry-After seconds." },
  504: { name: "DeadlineExceeded", description: "The request took longer than the gateway's deadline." },
};

export const PROBLEM_MEDIA_TYPE = "application/problem+json";

const problemSchema: JsonSchema = {
  type: "object",
  title: "Problem",
  description: "An RFC 9457 problem details document: every error the API answers with.",
  required: ["type", "title", "status", "detail"],
  properties: {
    type: {
      type: "string",
      format: "uri",
      description: "A stable URI naming the kind of problem.",
      examples: ["https://emporium.dev/problems/not-found"],
    },
    title: { type: "string", description: "A short summary of the kind of problem." },
    status: { type: "integer", minimum: 400, maximum: 599, description: "The HTTP status." },
    detail: { type: "string", description: "What went wrong with this request, for a person." },
    instance: { type: "string", description: "The request's path and query." },
    errors: {
      type: "array",
      description: "For invalid input: each field and why it is not acceptable.",
      items: {
        type: "object",
        required: ["field", "description"],
        properties: {
          field: { type: "string", description: "The field path as sent, e.g. `items[1].quantity`, a query parameter or a header." },
          description: { type: "string", description: "Why the value is not acceptable." },
        },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

const header = (description: string, schema: JsonSchema = { type: "string" }, required = false) => ({
  description,
  schema,
  ...(required ? { required } : {}),
});

/** Response headers, referenced by name from each response. */
export const HEADERS: Record<string, JsonSchema> = {
  RateLimit: header('Where the caller stands in the rate limit (IETF RateLimit header draft), e.g. `"reads";r=599;t=1`.'),
  RateLimitPolicy: header('The rate limit that applies (IETF RateLimit header draft), e.g. `"reads";q=600;w=60`.'),
  RetryAfter: header("Seconds to wait before retrying.", { type: "string", pattern: "^[0-9]+$" }, true),
  RequestId: header("The request's id, as sent in X-Request-Id or made by the gateway; logs and traces carry it."),
  Location: header("Where the created or accepted resource can be read.", { type: "string" }, true),
  ETag: header("The version of the representation; send it in If-None-Match (reads) or If-Match (updates).", { type: "string" }, true),
  CacheControl: header("How long the answer may be cached; `no-store` for private and one-off answers."),
  IdempotentReplayed: header("`true` when this is the stored answer to an earlier request with the same Idempotency-Key.", {
    type: "string",
    enum: ["true"],
  }),
  WWWAuthenticate: header("The authentication scheme (Bearer), and why a token was refused."),
};

const headerRef = (name: string) => ({ $ref: `#/components/headers/${name}` });
const RATE_LIMIT_HEADERS = { RateLimit: headerRef("RateLimit"), "RateLimit-Policy": headerRef("RateLimitPolicy") };

/** The headers every answer may carry. */
export const COMMON_RESPONSE_HEADERS = { "X-Request-Id": headerRef("RequestId"), ...RATE_LIMIT_HEADERS };

function errorResponse(status: number): JsonSchema {
  const { description } = ERROR_STATUSES[status] ?? { description: "An error." };
  const headers: Record<string, unknown> = { ...COMMON_RESPONSE_HEADERS };
  if (status === 401) headers["WWW-Authenticate"] = headerRef("WWWAuthenticate");
  if (status === 429 || status === 503) headers["Retry-After"] = headerRef("RetryAfter");
  return {
    description,
    headers,
    content: {
      [PROBLEM_MEDIA_TYPE]: {
        // The body's status is the response's: a client may read either.
        schema: { allOf: [{ $ref: "#/components/schemas/Problem" }, { properties: { status: { const: status } } }] },
      },
    },
  };
}

/** `#/components/responses/<name>` of an error status. */
export const errorResponseRef = (status: number) => ({ $ref: `#/components/responses/${ERROR_STATUSES[status]?.name}` });

export const BEARER_SCHEME = "bearerAuth";

/** The document's shared components, besides the message schemas. */
export function commonComponents() {
  return {
    schemas: { Problem: problemSchema },
    headers: HEADERS,
    responses: Object.fromEntries(Object.entries(ERROR_STATUSES).map(([status, { name }]) => [name, errorResponse(Number(status))])),
    securitySchemes: {
      [BEARER_SCHEME]: {
        type: "http",
        scheme: "bearer",
        bearerFormat: "JWT",
        description:
          "The `access_token` from `POST /v1/auth/signup`, `/v1/auth/login` or `/v1/auth/refresh`: a short-lived EdDSA JWT, verified with the keys at `/.well-known/jwks.json`.",
      },
    },
  };
}
