import { AsyncLocalStorage } from "node:async_hooks";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** The deadline of the call a service is handling, for the calls it makes while handling it. */
interface IncomingCall {
  /** Epoch ms; undefined when the caller set no deadline. */
  deadline: number | undefined;
  /** Aborts when the incoming call ends early: deadline passed, client gone, server shutting down. */
  signal: AbortSignal;
}

const incoming = new AsyncLocalStorage<IncomingCall>();

const GRPC_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 0.001, n: 0.000_001 };

/** The caller's budget in ms, from `grpc-timeout` (gRPC) or `connect-timeout-ms` (Connect). */
export function timeoutFromHeaders(header: Headers): number | undefined {
  const grpc = /^(\d{1,8})([HMSmun])$/.exec(header.get("grpc-timeout") ?? "");
  if (grpc) return Number(grpc[1]) * (GRPC_UNITS[grpc[2] as string] ?? 1);
  const connect = Number(header.get("connect-timeout-ms") ?? Number.NaN);
  return Number.isFinite(connect) && connect > 0 ? connect : undefined;
}

/**
 * Server side: remembers the incoming call's deadline and cancellation for
 * everything the handler does (AsyncLocalStorage follows its awaits).
 */
export function deadlineServerInterceptor(): Interceptor {
  return (next) => (req) => {
    const timeoutMs = timeoutFromHeaders(req.header);
    return incoming.run({ deadline: timeoutMs === undefined ? undefined : Date.now() + timeoutMs, signal: req.signal }, () => next(req));
  };
}

/**
 * Client side: a call made while handling another one gets no more time than
 * is left of the incoming deadline (sent on as `grpc-timeout`), and is
 * cancelled when the incoming call is: the edge's budget bounds every hop,
 * and work nobody waits for any more stops.
 */
export function deadlineClientInterceptor(): Interceptor {
  return (next) => async (req) => {
    const call = incoming.getStore();
    if (!call) return next(req);
    const signal = AbortSignal.any([req.signal, call.signal]);
    if (call.deadline === undefined) return next({ ...req, signal });
    const remaining = Math.floor(call.deadline - Date.now());
    if (remaining <= 0) throw new ConnectError("the caller's deadline has passed", Code.DeadlineExceeded);
    const own = timeoutFromHeaders(req.header);
    if (own === undefined || remaining < own) req.header.set("grpc-timeout", `${remaining}m`);
    return next({ ...req, signal: AbortSignal.any([signal, AbortSignal.timeout(Math.min(remaining, own ?? remaining))]) });
  };
}
