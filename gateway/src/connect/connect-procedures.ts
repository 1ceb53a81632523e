import type { DescMethod } from "@bufbuild/protobuf";
import type { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import type { LimitClass } from "../pipeline/context.js";
import { limitClassOf } from "../ratelimit/edge-limits.js";
import type { RestRoute } from "../transcoding/rest-routes.js";

/** One public RPC as Connect and gRPC-Web clients call it. */
export interface ConnectProcedure {
  /** `/emporium.catalog.v1.CatalogService/GetProduct`: its path, and its `http.route` label. */
  path: string;
  method: DescMethod;
  /** unary or server_streaming: how it is proxied. */
  kind: DescMethod["methodKind"];
  access: Access;
  idempotencyKeyRequired: boolean;
  /** The same rate-limit and admission class as its REST route. */
  limitClass: LimitClass;
}

/**
 * The Connect procedures of the public API: exactly the methods the REST
 * table holds (those with a google.api.http annotation), with the access,
 * idempotency and limit rules read from the same entries, so the two
 * protocols cannot drift apart and an internal RPC (no annotation) is never
 * reachable from outside.
 */
export function connectProceduresOf(routes: readonly RestRoute[]): Map<string, ConnectProcedure> {
  const procedures = new Map<string, ConnectProcedure>();
  for (const route of routes) {
    const path = `/${route.service.typeName}/${route.method.name}`;
    procedures.set(path, {
      path,
      method: route.method,
      kind: route.method.methodKind,
      access: route.access,
      idempotencyKeyRequired: route.idempotencyKeyRequired,
      limitClass: limitClassOf(route.httpMethod, route.path.template),
    });
  }
  return procedures;
}
