import { setMaxListeners } from "node:events";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import type { Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import type { AdmissionControl } from "./admission-interceptor.js";
import { deadlineServerInterceptor } from "./deadline-propagation.js";
import { errorInterceptor } from "./error-interceptor.js";
import { HealthRegistry, ServingStatus } from "./health.js";
import { serverMetricsInterceptor } from "./metrics-interceptors.js";
import { registerServerReflection } from "./reflection/server-reflection.js";
import { serverTracingInterceptor } from "./tracing-interceptors.js";
import { unimplementedFallback } from "./unimplemented-fallback.js";
import { validationInterceptor } from "./validation-interceptor.js";

export interface RpcServerOptions {
  logger: Logger;
  /** Fully qualified names of the services registered, for health checks. */
  serviceNames: string[];
  routes: (router: ConnectRouter) => void;
  interceptors?: Interceptor[];
  /** Upper bound on deadlines clients may ask for. */
  maxTimeoutMs?: number;
  /** Bounded concurrency and queues for expensive RPCs (admission-interceptor.ts). */
  admission?: AdmissionControl | undefined;
  /** Where `rpc_server_duration_seconds` goes; no RPC metrics without it. */
  metrics?: Registry | undefined;
  /**
   * Runs when a shutdown begins, once no new calls are taken: the moment to
   * end long-lived streams with a retry hint, so their clients resume
   * elsewhere now instead of being cut when the drain runs out.
   */
  onShutdown?: (() => void) | undefined;
}

export interface RpcServer {
  readonly health: HealthRegistry;
  /** Listening and taking work: false before `listen`, and from the first moment of a shutdown. */
  serving(): boolean;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Reports NOT_SERVING, goes on serving for `drainDelayMs` (while a
   * balancer notices), then stops taking new work, lets in-flight calls
   * finish, and closes.
   */
  shutdown(timeoutMs: number, drainDelayMs?: number): Promise<void>;
}

/**
 * One plaintext HTTP/2 (h2c) server speaking Connect, gRPC and gRPC-Web, with
 * the standard health service, server reflection, tracing, error mapping and
 * request validation (protovalidate rules from the protos) on every call, and
 * UNIMPLEMENTED for a service or method it does not have.
 * Building it opens nothing; `listen` does.
 */
export function createRpcServer(options: RpcServerOptions): RpcServer {
  const health = new HealthRegistry(options.serviceNames);
  const shutdownController = new AbortController();
  // Every call in flight listens on this one signal; many is normal, not a leak.
  setMaxListeners(0, shutdownController.signal);
  const served = new Set<string>();
  const handler = connectNodeAdapter({
    routes: (router) => {
      router.service(Health, health.impl());
      options.routes(router);
      options.admission?.verify(router);
      registerServerReflection(router);
      for (const { service } of router.handlers) served.add(service.typeName);
    },
    fallback: unimplementedFallback(() => served),
    // Innermost last: validation sees the request just before admission
    // control (bad input is a 400 however busy the server is, and takes no
    // slot), which sees it just before the handler.
    interceptors: [
      serverTracingInterceptor(),
      // Inside tracing (exemplars name the call's trace), outside error mapping (it sees the code the caller gets).
      ...(options.metrics ? [serverMetricsInterceptor(options.metrics)] : []),
      errorInterceptor(options.logger),
      deadlineServerInterceptor(),
      ...(options.interceptors ?? []),
      validationInterceptor(),
      ...(options.admission ? [options.admission.interceptor] : []),
    ],
    maxTimeoutMs: options.maxTimeoutMs ?? 30_000,
    shutdownSignal: shutdownController.signal,
  });
  const server = http2.createServer(handler);
  const sessions = new Set<http2.Http2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  return {
    health,
    serving: () => server.listening && health.status("") === ServingStatus.SERVING,
    listen: (port, host = "127.0.0.1") =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    shutdown: async (timeoutMs, drainDelayMs = 0) => {
      health.setAll(ServingStatus.NOT_SERVING);
      if (drainDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // GOAWAY: clients open no new streams here; running ones may finish.
      for (const session of sessions) session.close();
      options.onShutdown?.();
      const halfway = setTimeout(() => shutdownController.abort(), timeoutMs / 2);
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref());
      await Promise.race([closed, deadline]);
      clearTimeout(halfway);
      for (const session of sessions) session.destroy();
      options.logger.info("rpc server closed");
    },
  };
}
