import type { IncomingMessage } from "node:http";

/**
 * How a request speaks, decided from its headers before any other work, so
 * that even the pipeline's own refusals (401, 429, 503, 404…) reach each
 * client in a form it can read: problem+json for REST, a Connect error for
 * Connect, gRPC status trailers for gRPC-Web.
 */
export type Protocol = { name: "rest" } | { name: "connect"; stream: boolean; binary: boolean } | { name: "grpc-web"; contentType: string };

export const REST: Protocol = { name: "rest" };
const CONNECT_UNARY_JSON: Protocol = { name: "connect", stream: false, binary: false };
const CONNECT_UNARY_PROTO: Protocol = { name: "connect", stream: false, binary: true };
const CONNECT_STREAM_JSON: Protocol = { name: "connect", stream: true, binary: false };
const CONNECT_STREAM_PROTO: Protocol = { name: "connect", stream: true, binary: true };

/** `/<package>.<Service>/<Method>`: the shape of an RPC path, never of a REST one (those start with `/v1/` or a plain word). */
const PROCEDURE_PATH = /^\/[A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+\/[A-Za-z_]\w*$/;

export const isProcedurePath = (path: string) => PROCEDURE_PATH.test(path);

/**
 * gRPC-Web by its content type; Connect streaming by `application/connect+…`;
 * Connect unary by a procedure path with a JSON or Protobuf body (or a GET
 * with `connect=v1`, Connect's cacheable form). Anything else is REST.
 */
export function protocolOf(req: IncomingMessage, path: string, search: string): Protocol {
  const contentType = req.headers["content-type"];
  if (contentType === undefined) {
    return req.method === "GET" && search.includes("connect=v1") && isProcedurePath(path) ? CONNECT_UNARY_JSON : REST;
  }
  const mime = contentType.split(";", 1)[0]?.trim().toLowerCase() ?? "";
  if (mime.startsWith("application/grpc-web")) return { name: "grpc-web", contentType: mime };
  if (mime === "application/connect+json") return CONNECT_STREAM_JSON;
  if (mime === "application/connect+proto") return CONNECT_STREAM_PROTO;
  if (!isProcedurePath(path)) return REST;
  if (mime === "application/json") return CONNECT_UNARY_JSON;
  if (mime === "application/proto") return CONNECT_UNARY_PROTO;
  return REST;
}
