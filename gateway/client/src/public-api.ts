import { type DescService, hasOption } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { IdentityService } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { http } from "@emporium/gen/google/api/annotations_pb";

/**
 * The services an app can reach through the gateway, and the RPCs of each
 * that are public: those with a `google.api.http` annotation, the same rule
 * the gateway routes by. The names are spelled out so that the client's
 * types carry only these methods (TypeScript cannot read proto options);
 * `publicMethodsOf` reads the annotations, and a test holds the two equal,
 * so a new RPC cannot become callable here without being public there.
 */
export const PUBLIC_API = {
  catalog: publicRpcs(CatalogService, ["getProduct", "batchGetProducts", "listProducts", "updateProduct"]),
  orders: publicRpcs(OrderService, ["createOrder", "listOrders", "cancelOrder", "getOrder", "watchOrder"]),
  identity: publicRpcs(IdentityService, ["signUp", "login", "refresh", "logout", "getJwks"]),
};

type Api = typeof PUBLIC_API;

/** A client of one service that has only its public RPCs. */
export type PublicClient<K extends keyof Api> = PublicClientOf<Api[K]>;
type PublicClientOf<R extends { service: DescService; methods: readonly unknown[] }> = Pick<
  Client<R["service"]>,
  Extract<R["methods"][number], keyof Client<R["service"]>>
>;

/** Ties the method names to the service's own, so a typo or a renamed RPC fails to compile. */
function publicRpcs<S extends DescService, const M extends readonly (keyof Client<S>)[]>(service: S, methods: M) {
  return { service, methods };
}

/** The local names (e.g. `getProduct`) of a service's RPCs that carry a google.api.http annotation. */
export function publicMethodsOf(service: DescService): string[] {
  return service.methods.filter((method) => hasOption(method, http)).map((method) => method.localName);
}

/** Copies only the named methods of a full client, so the rest are not even there at run time. */
export function pickMethods<C extends object, M extends keyof C>(client: C, methods: readonly M[]): Pick<C, M> {
  const picked = {} as Pick<C, M>;
  for (const name of methods) picked[name] = client[name];
  return picked;
}
