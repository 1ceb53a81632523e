import { createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { type AccessTokenProvider, bearerTokenInterceptor } from "./bearer-token.js";
import { PUBLIC_API, type PublicClient, pickMethods } from "./public-api.js";

export interface EmporiumClientOptions {
  /** The gateway's origin (e.g. `http://localhost:8080`); in a page it serves, `location.origin`. */
  baseUrl: string;
  /** The access token for each call (a session's `accessToken`); none: anonymous calls only. */
  accessToken?: AccessTokenProvider;
  /** Renews the token when a call is refused as Unauthenticated (a session's `renewAccessToken`). */
  renewAccessToken?: () => Promise<string | undefined>;
  /** More interceptors, run after the bearer token is set. */
  interceptors?: Interceptor[];
  /** A fetch of your own (tests, instrumentation); the global fetch by default. */
  fetch?: typeof globalThis.fetch;
}

export interface EmporiumClient {
  catalog: PublicClient<"catalog">;
  orders: PublicClient<"orders">;
  identity: PublicClient<"identity">;
  transport: Transport;
}

/**
 * Typed clients of the gateway's public RPCs over the Connect protocol
 * (JSON, so calls are readable in the browser's network panel), through
 * connect-web's fetch transport: the same code runs in browsers and Node.
 */
export function createEmporiumClient(options: EmporiumClientOptions): EmporiumClient {
  const interceptors = [...(options.interceptors ?? [])];
  if (options.accessToken) {
    interceptors.unshift(bearerTokenInterceptor({ accessToken: options.accessToken, renewAccessToken: options.renewAccessToken }));
  }
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    interceptors,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { ...clientsOver(transport), transport };
}

/** The public clients over any transport (an in-memory one in tests). */
export function clientsOver(transport: Transport): Omit<EmporiumClient, "transport"> {
  const { catalog, orders, identity } = PUBLIC_API;
  return {
    catalog: pickMethods(createClient(catalog.service, transport), catalog.methods),
    orders: pickMethods(createClient(orders.service, transport), orders.methods),
    identity: pickMethods(createClient(identity.service, transport), identity.methods),
  };
}
