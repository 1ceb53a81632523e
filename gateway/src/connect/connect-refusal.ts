import type { ServerResponse } from "node:http";
import { codeToHttpStatus, endStreamFlag, endStreamToJson, errorToJsonBytes } from "@connectrpc/connect/protocol-connect";
import { setTrailerStatus } from "@connectrpc/connect/protocol-grpc";
import type { Protocol } from "../pipeline/protocol.js";
import type { Refusal } from "../pipeline/refusal.js";

/**
 * A refusal of the pipeline (401, 429, 503, an unknown procedure…) in the
 * wire form the client's protocol defines, the same a Connect handler would
 * have written, so a generated client raises it as a ConnectError with its
 * code and message:
 * - Connect unary: the code's HTTP status and the error JSON;
 * - Connect streaming: 200 and one end-of-stream message that carries the error;
 * - gRPC-Web: 200 with `grpc-status` / `grpc-message` as headers ("trailers-only").
 */
export function writeConnectRefusal(
  res: ServerResponse,
  protocol: Exclude<Protocol, { name: "rest" }>,
  headers: string[],
  refusal: Refusal,
): void {
  const { error } = refusal;
  if (protocol.name === "grpc-web") {
    const status = setTrailerStatus(new Headers(), error);
    for (const [name, value] of status) headers.push(name, value);
    res.writeHead(200, [...headers, "Content-Type", protocol.contentType, "Content-Length", "0"]).end();
    return;
  }
  if (protocol.stream) {
    const json = new TextEncoder().encode(JSON.stringify(endStreamToJson(new Headers(), error, undefined)));
    const envelope = Buffer.alloc(5 + json.length);
    envelope.writeUInt8(endStreamFlag, 0);
    envelope.writeUInt32BE(json.length, 1);
    envelope.set(json, 5);
    const contentType = protocol.binary ? "application/connect+proto" : "application/connect+json";
    res.writeHead(200, [...headers, "Content-Type", contentType, "Content-Length", String(envelope.length)]).end(envelope);
    return;
  }
  const body = errorToJsonBytes(error, undefined);
  res
    .writeHead(refusal.connectStatus ?? codeToHttpStatus(error.code), [
      ...headers,
      "Content-Type",
      "application/json",
      "Content-Length",
      String(body.length),
    ])
    .end(body);
}
