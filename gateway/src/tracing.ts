import type { IncomingMessage } from "node:http";
import {
  type Context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from "@opentelemetry/api";
import type { EdgeContext } from "./pipeline/context.js";

const tracer = trace.getTracer("@emporium/gateway");

const headerGetter: TextMapGetter<IncomingMessage["headers"]> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/**
 * Starts the SERVER span of one public request, continuing the caller's W3C
 * trace. Returns the context to run the request in, so the RPC client spans
 * become its children, and the span, ended by `endServerSpan`.
 * Our own few lines instead of @opentelemetry/instrumentation-http: the
 * instrumentation halved the gateway's throughput (docs/benchmarks.md).
 */
export function startServerSpan(ctx: EdgeContext): { context: Context; span: Span } {
  const method = ctx.req.method ?? "GET";
  const parent = propagation.extract(ROOT_CONTEXT, ctx.req.headers, headerGetter);
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": ctx.path, "url.scheme": "http" } },
    parent,
  );
  return { context: trace.setSpan(parent, span), span };
}

/** Names the span after the route the request reached (REST template or Connect procedure), and ends it. */
export function endServerSpan(span: Span, ctx: EdgeContext, route: string | undefined, status: number): void {
  if (route) {
    span.updateName(`${ctx.req.method ?? "GET"} ${route}`);
    span.setAttribute("http.route", route);
  }
  if (ctx.target.kind === "connect") {
    const { method } = ctx.target.procedure;
    span.setAttributes({ "rpc.system": "connect_rpc", "rpc.service": method.parent.typeName, "rpc.method": method.name });
  }
  span.setAttribute("http.response.status_code", status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
