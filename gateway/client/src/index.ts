/**
 * @emporium/client: a typed client of Emporium's public API for apps, over
 * Connect with connect-web (browsers and Node). Start with
 * `createEmporiumClient({ baseUrl })`; add a `createSession` for signed-in
 * calls. Messages and enums are the generated ones from @emporium/gen.
 */
export { type AccessTokenProvider, type BearerTokenOptions, bearerTokenInterceptor } from "./bearer-token.js";
export { clientsOver, createEmporiumClient, type EmporiumClient, type EmporiumClientOptions } from "./client.js";
export { type FollowOrderOptions, followOrder } from "./follow-order.js";
export { IDEMPOTENCY_KEY_HEADER, newIdempotencyKey, withIdempotencyKey } from "./idempotency-key.js";
export { PUBLIC_API, type PublicClient, publicMethodsOf } from "./public-api.js";
export { createSession, type Session, type SessionOptions } from "./session.js";
export { createSignedInClient } from "./signed-in-client.js";
