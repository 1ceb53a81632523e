import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type Client, createConnectRouter, createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { compressionBrotli, compressionGzip } from "@connectrpc/connect-node";
import { toConnectError } from "@emporium/platform/errors/error-mapping";
import type { EdgeContext } from "../pipeline/context.js";
import { publicError } from "../pipeline/refusal.js";
import { requiredIdempotencyKey } from "../transcoding/idempotency-key.js";
import type { ConnectProcedure } from "./connect-procedures.js";

/** The pipeline's context of the request a Connect handler serves. */
export const EDGE_CONTEXT = createContextKey<EdgeContext | undefined>(undefined, { description: "emporium gateway request" });

interface CallOptions {
  headers: Headers;
  signal: AbortSignal;
  timeoutMs: number;
  onHeader: (headers: Headers) => void;
}
type Call = (input: unknown, options: CallOptions) => Promise<unknown> | AsyncIterable<unknown>;

export interface ConnectProxyOptions {
  procedures: ReadonlyMap<string, ConnectProcedure>;
  /** The internal client of each public service, by type name. */
  clients: ReadonlyMap<string, Client<DescService>>;
  /** The edge's budget of one request; a client's shorter `connect-timeout-ms` wins. */
  deadlineMs: number;
  /** The request body cap (the same as REST's). */
  readMaxBytes: number;
  /** Headers passed on to the internal call (request id, the verified caller). */
  forwardHeaders: (ctx: EdgeContext) => Headers;
  /** Runs on the decoded request before the call (the per-account sign-in limit); throws to refuse. */
  beforeCall?: (ctx: EdgeContext, method: DescMethod, input: unknown) => Promise<void>;
}

/**
 * One Connect handler (Connect JSON and binary, and gRPC-Web) per public
 * procedure, each forwarding to the internal client of its service: unary
 * calls as one call, server-streaming ones message by message, so a stream
 * ends when either side ends it. The pipeline has already checked access and
 * limits; a handler adds what only the decoded call can give: the
 * Idempotency-Key, the deadline, the client's cancellation (ctx.signal).
 * Errors leave as `publicError` makes them, with their code and safe message.
 */
export function createConnectProxy(options: ConnectProxyOptions): Map<string, UniversalHandler> {
  const router = createConnectRouter({
    connect: true,
    grpcWeb: true,
    // gRPC needs HTTP/2 end to end; the public port is HTTP/1.1 (gRPC is on the services' own ports).
    grpc: false,
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip, compressionBrotli],
  });
  for (const procedure of options.procedures.values()) {
    const service = procedure.method.parent;
    const client = options.clients.get(service.typeName) as unknown as Record<string, Call> | undefined;
    const call = client?.[procedure.method.localName];
    if (!client || !call) throw new Error(`no client for ${procedure.path}`);
    // Refusals made here (Idempotency-Key, the account limit) keep their headers; only the call's errors are masked.
    const prepare = (input: unknown, handler: HandlerContext): Promise<CallOptions> =>
      prepareCall(input, handler).catch((error: unknown) => {
        throw toConnectError(error);
      });
    const prepareCall = async (input: unknown, handler: HandlerContext): Promise<CallOptions> => {
      const edge = handler.values.get(EDGE_CONTEXT);
      if (!edge) throw new Error("a Connect request outside the gateway pipeline");
      const headers = options.forwardHeaders(edge);
      if (procedure.idempotencyKeyRequired) {
        headers.set("idempotency-key", requiredIdempotencyKey(handler.requestHeader.get("idempotency-key")));
      }
      await options.beforeCall?.(edge, procedure.method, input);
      return {
        headers,
        signal: handler.signal,
        timeoutMs: Math.min(handler.timeoutMs() ?? options.deadlineMs, options.deadlineMs),
        onHeader: (answer) => {
          if (answer.get("idempotent-replayed") === "true") handler.responseHeader.set("idempotent-replayed", "true");
        },
      };
    };
    if (procedure.kind === "unary") {
      const unary = async (input: unknown, handler: HandlerContext) => {
        const callOptions = await prepare(input, handler);
        try {
          return await call.call(client, input, callOptions);
        } catch (error) {
          throw publicError(error);
        }
      };
      router.rpc(procedure.method, unary as never);
    } else if (procedure.kind === "server_streaming") {
      router.rpc(procedure.method, async function* (input: unknown, handler: HandlerContext) {
        const callOptions = await prepare(input, handler);
        try {
          yield* call.call(client, input, callOptions) as AsyncIterable<never>;
        } catch (error) {
          throw publicError(error);
        }
      } as never);
    } else {
      throw new Error(`cannot proxy ${procedure.path}: ${procedure.kind} methods do not work in browsers`);
    }
  }
  return new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
}
