import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type TextMapGetter, trace } from "@opentelemetry/api";
import type { NextFunction, Request, Response } from "express";

const tracer = trace.getTracer("@emporium/gateway");

const headerGetter: TextMapGetter<Request["headers"]> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/**
 * One SERVER span per public request, continuing the caller's W3C trace, with
 * the request handled inside it so the RPC client spans become its children.
 * Our own few lines instead of @opentelemetry/instrumentation-http: the
 * instrumentation halved the gateway's throughput (docs/benchmarks.md).
 * Health and metrics probes are not traced.
 */
export function tracingMiddleware(req: Request, res: Response, next: NextFunction): void {
  if (req.path === "/healthz" || req.path === "/readyz" || req.path === "/metrics") {
    next();
    return;
  }
  const parent = propagation.extract(ROOT_CONTEXT, req.headers, headerGetter);
  const span = tracer.startSpan(
    req.method,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": req.method, "url.path": req.path, "url.scheme": "http" } },
    parent,
  );
  res.once("finish", () => {
    const route = res.locals.route as string | undefined;
    if (route) {
      span.updateName(`${req.method} ${route}`);
      span.setAttribute("http.route", route);
    }
    span.setAttribute("http.response.status_code", res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  context.with(trace.setSpan(parent, span), next);
}
