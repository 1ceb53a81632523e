import type { Interceptor } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import {
  type Attributes,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";

const tracer = trace.getTracer("@emporium/platform/rpc");

const headerSetter: TextMapSetter<Headers> = { set: (headers, key, value) => headers.set(key, value) };
const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

function rpcAttributes(service: string, method: string): Attributes {
  return { "rpc.system": "grpc", "rpc.service": service, "rpc.method": method };
}

function endWithError(span: Span, error: unknown): void {
  const connectError = ConnectError.from(error);
  span.setAttribute("rpc.grpc.status_code", connectError.code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: connectError.rawMessage });
  span.end();
}

/** Ends the span when a streamed response is fully consumed, fails, or is abandoned by its reader (CANCELLED). */
async function* endWhenDrained<T>(stream: AsyncIterable<T>, span: Span): AsyncIterable<T> {
  let ended = false;
  try {
    yield* stream;
    span.setAttribute("rpc.grpc.status_code", 0);
    span.end();
    ended = true;
  } catch (error) {
    endWithError(span, error);
    ended = true;
    throw error;
  } finally {
    if (!ended) {
      span.setAttribute("rpc.grpc.status_code", Code.Canceled);
      span.end();
    }
  }
}

/** Runs the call and ends the span with its outcome: now for unary, when drained for streams. */
async function callEndingSpan<R extends { stream: boolean; message: unknown }>(span: Span, call: () => Promise<R>): Promise<R> {
  try {
    const res = await call();
    if (res.stream) return { ...res, message: endWhenDrained(res.message as AsyncIterable<unknown>, span) };
    span.setAttribute("rpc.grpc.status_code", 0);
    span.end();
    return res;
  } catch (error) {
    endWithError(span, error);
    throw error;
  }
}

/**
 * Client side: a CLIENT span per call, its context injected as W3C
 * traceparent into the request headers (no auto-instrumentation covers
 * connect-es over HTTP/2).
 */
export function clientTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    const span = tracer.startSpan(`${req.service.typeName}/${req.method.name}`, {
      kind: SpanKind.CLIENT,
      attributes: rpcAttributes(req.service.typeName, req.method.name),
    });
    propagation.inject(trace.setSpan(context.active(), span), req.header, headerSetter);
    return callEndingSpan(span, () => next(req));
  };
}

/**
 * Services whose calls are not traced: health checks. A balancer asks every
 * copy twice a second and a kubelet every few seconds; each check was a root
 * span, so one in ten became a trace of its own in Jaeger, among the
 * requests an operator looks for. Their rate and latency stay in the RPC
 * metrics.
 */
const UNTRACED_SERVICES = new Set([Health.typeName]);

/**
 * Server side: continues the caller's trace from the request headers and runs
 * the handler inside a SERVER span, so its database calls and outgoing RPCs
 * become children. Health checks run without a span.
 */
export function serverTracingInterceptor(): Interceptor {
  return (next) => async (req) => {
    if (UNTRACED_SERVICES.has(req.service.typeName)) return next(req);
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const span = tracer.startSpan(
      `${req.service.typeName}/${req.method.name}`,
      { kind: SpanKind.SERVER, attributes: rpcAttributes(req.service.typeName, req.method.name) },
      parent,
    );
    return context.with(trace.setSpan(parent, span), () => callEndingSpan(span, () => next(req)));
  };
}
