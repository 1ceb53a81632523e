import type { IncomingMessage, ServerResponse } from "node:http";
import { type DescService, type JsonObject, toJson } from "@bufbuild/protobuf";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { toConnectError } from "@emporium/platform/errors/error-mapping";
import { problemFromConnectError } from "@emporium/platform/errors/problem";
import type { Logger } from "@emporium/platform/log/logger";
import { createStreamSlots, type StreamSlotLimits } from "@emporium/platform/resilience/stream-slots";
import type { Caller } from "@emporium/platform/rpc/caller";
import { retryDelayMsOf } from "@emporium/platform/rpc/retry-hint";
import { sendError } from "../problem-response.js";
import type { Query } from "../transcoding/request-json.js";
import type { RestRoute } from "../transcoding/rest-routes.js";
import { endWithRetry, openEventStream, writeComment, writeEvent } from "./sse-writer.js";
import { streamRequest } from "./stream-request.js";

/** Everything one SSE request needs; the router (or a pipeline stage) has matched the route and checked access. */
export interface EventStreamCall {
  route: RestRoute;
  client: Client<DescService>;
  req: IncomingMessage;
  res: ServerResponse;
  pathParams: Record<string, string>;
  query: Query;
  /** Headers for the internal call: the request id and the verified caller (platform/rpc/caller.ts). */
  headers: Headers;
  /** The verified caller, whose open streams are bounded; anonymous callers are bounded by address. */
  caller: Caller | undefined;
}

export interface EventStreamOptions extends StreamSlotLimits {
  /** A comment on every open stream this often, so idle connections and proxies do not time out. */
  heartbeatMs: number;
  /** The `retry:` a client gets: how long to wait before reconnecting when a stream ends early. */
  retryMs: number;
  /** The caller's address, for the bound per caller of anonymous streams (client-address.ts). */
  clientAddress: (req: IncomingMessage) => string;
  logger: Logger;
}

export interface EventStreams {
  /** Serves one SSE request to its end (the client hangs up, the stream ends, or the gateway stops). */
  serve(call: EventStreamCall): Promise<void>;
  /** Graceful shutdown: every open stream ends with a retry hint, to resume elsewhere with Last-Event-ID; new ones get 503. */
  close(): void;
  readonly open: number;
}

type StreamingCall = (input: unknown, options: { timeoutMs: number; signal: AbortSignal; headers: Headers }) => AsyncIterable<unknown>;

interface OpenStream {
  res: ServerResponse;
  hangUp: AbortController;
}

/**
 * Server-streaming RPCs as Server-Sent Events. The first message decides
 * the answer: an error before it is a problem+json like any route's (404
 * for someone else's order), a stream that ends before it is a 204 (nothing
 * after Last-Event-ID: an EventSource stops reconnecting), and the first
 * message opens the 200 event stream. A stream holds no admission slot
 * (pipeline/admit.ts), only its stream slot (per caller and per gateway).
 * Errors after it end the stream: Unavailable (an orders instance shutting
 * down) with its retry hint, anything else with an `error` event carrying
 * the problem.
 */
export function createEventStreams(options: EventStreamOptions): EventStreams {
  const slots = createStreamSlots(options);
  const open = new Set<OpenStream>();
  let closing = false;
  const heartbeat = setInterval(() => {
    for (const stream of open) if (stream.res.headersSent && !stream.res.writableEnded) writeComment(stream.res, "heartbeat");
  }, options.heartbeatMs);
  heartbeat.unref();

  async function serve(call: EventStreamCall): Promise<void> {
    const { route, req, res } = call;
    const instance = req.url ?? "/";
    const eventStream = route.eventStream;
    if (!eventStream) throw new Error(`${route.path.template} is not an event stream`);
    if (closing) return sendError(res, new ConnectError("the gateway is shutting down", Code.Unavailable), instance);
    let release: () => void;
    try {
      release = slots.take(call.caller ? `user:${call.caller.userId}` : `ip:${options.clientAddress(req)}`);
    } catch (error) {
      return sendError(res, error, instance);
    }
    const stream: OpenStream = { res, hangUp: new AbortController() };
    open.add(stream);
    res.once("close", () => {
      open.delete(stream);
      release();
      if (!res.writableFinished) stream.hangUp.abort();
    });
    try {
      const input = streamRequest({ ...route, eventStream }, call.query, call.pathParams, headerValue(req.headers["last-event-id"]));
      const method = (call.client as unknown as Record<string, StreamingCall>)[route.method.localName];
      if (!method) throw new Error(`client has no method ${route.method.localName}`);
      // No deadline: the stream lives as long as the order has changes to come (timeoutMs 0 is none).
      const messages = method
        .call(call.client, input, { timeoutMs: 0, signal: stream.hangUp.signal, headers: call.headers })
        [Symbol.asyncIterator]();
      let next = await messages.next();
      if (next.done) {
        res.writeHead(204, { "Cache-Control": "no-store" }).end();
        return;
      }
      openEventStream(res, options.retryMs);
      for (; !next.done; next = await messages.next()) {
        const body = toJson(route.method.output, next.value as never, { useProtoFieldName: true, alwaysEmitImplicit: true }) as JsonObject;
        const data = route.responseBody === "" ? body : (body[route.responseBody] ?? {});
        writeEvent(res, { id: String(body[eventStream.idField] ?? ""), data: JSON.stringify(data) });
      }
      res.end();
    } catch (error) {
      if (stream.hangUp.signal.aborted || res.writableEnded || res.destroyed) return;
      if (!res.headersSent) return sendError(res, error, instance);
      endAfterError(res, error, options);
    }
  }

  return {
    serve,
    close() {
      closing = true;
      clearInterval(heartbeat);
      for (const stream of open) {
        const { res } = stream;
        if (res.headersSent) endWithRetry(res, options.retryMs, "the gateway is shutting down; reconnect with Last-Event-ID");
        else sendError(res, new ConnectError("the gateway is shutting down", Code.Unavailable), res.req?.url ?? "/");
        stream.hangUp.abort();
      }
    },
    get open() {
      return slots.open;
    },
  };
}

/** A stream that failed after it opened: Unavailable is "reconnect after the hint"; anything else an `error` event. */
function endAfterError(res: ServerResponse, error: unknown, options: EventStreamOptions): void {
  const connectError = toConnectError(error instanceof ConnectError ? error : new ConnectError("internal", Code.Internal));
  if (connectError.code === Code.Unavailable) {
    endWithRetry(res, retryDelayMsOf(connectError) ?? options.retryMs, "the stream's server went away; reconnect with Last-Event-ID");
    return;
  }
  options.logger.warn({ err: error, path: res.req?.url }, "event stream failed after it opened");
  writeEvent(res, { event: "error", data: JSON.stringify(problemFromConnectError(connectError, res.req?.url)) });
  res.end();
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
