import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import type { Registry } from "prom-client";
import { deadlineClientInterceptor } from "./deadline-propagation.js";
import { guardedSessionManager } from "./guarded-session-manager.js";
import { clientMetricsInterceptor } from "./metrics-interceptors.js";
import { clientTracingInterceptor } from "./tracing-interceptors.js";
import { transportErrorInterceptor } from "./transport-errors.js";

export interface ClientFactoryOptions {
  /** Deadline for calls that do not set `timeoutMs` themselves. */
  defaultTimeoutMs: number;
  interceptors?: Interceptor[];
  /** Where `rpc_client_duration_seconds` goes; no RPC metrics without it. */
  metrics?: Registry | undefined;
}

/**
 * Creates gRPC clients over HTTP/2, one transport (one reused HTTP/2 session)
 * per target, uncompressed, every call traced (and measured, given a
 * registry) and bounded by a default
 * deadline, or by what is left of the deadline of the call being handled. Build one
 * factory per process and keep the clients.
 */
export function createClientFactory(options: ClientFactoryOptions) {
  const transports = new Map<string, Transport>();
  const metrics = options.metrics ? clientMetricsInterceptor(options.metrics) : undefined;
  const transportFor = (baseUrl: string) => {
    let transport = transports.get(baseUrl);
    if (!transport) {
      transport = createGrpcTransport({
        baseUrl,
        // A session's late error after a service's GOAWAY must not crash the caller (guarded-session-manager.ts).
        sessionManager: guardedSessionManager(baseUrl),
        defaultTimeoutMs: options.defaultTimeoutMs,
        // Loopback and in-cluster links: compressing costs both ends more CPU than it saves.
        acceptCompression: [],
        interceptors: [
          clientTracingInterceptor(),
          // Outermost but tracing: the duration the caller waited, transport errors mapped to their codes.
          ...(metrics ? [metrics] : []),
          transportErrorInterceptor(),
          deadlineClientInterceptor(),
          ...(options.interceptors ?? []),
        ],
      });
      transports.set(baseUrl, transport);
    }
    return transport;
  };
  return {
    client<S extends DescService>(service: S, baseUrl: string): Client<S> {
      return createClient(service, transportFor(baseUrl));
    },
  };
}

export type ClientFactory = ReturnType<typeof createClientFactory>;
