import type { IncomingMessage, ServerResponse } from "node:http";
import { type Context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, type TextMapGetter, trace } from "@opentelemetry/api";

const tracer = trace.getTracer("@emporium/gateway");

const headerGetter: TextMapGetter<IncomingMessage["headers"]> = {
  keys: (headers) => Object.keys(headers),
  get: (headers, key) => headers[key],
};

/** The route template that answered a response, for its span name (a symbol property: WeakMaps cost GC time per request). */
const ROUTE = Symbol("emporium.route");
type Routed = ServerResponse & { [ROUTE]?: string };

export function setRoute(res: ServerResponse, template: string): void {
  (res as Routed)[ROUTE] = template;
}

/** The route template that answered, when a route did (set by the router or the response cache). */
export function routeOf(res: ServerResponse): string | undefined {
  return (res as Routed)[ROUTE];
}

/**
 * Starts the SERVER span of one public request, continuing the caller's W3C
 * trace, and ends it when the response finishes. Returns the context to run
 * the request in, so the RPC client spans become its children.
 * Our own few lines instead of @opentelemetry/instrumentation-http: the
 * instrumentation halved the gateway's throughput (docs/benchmarks.md).
 */
export function startServerSpan(req: IncomingMessage, res: ServerResponse, path: string): Context {
  const method = req.method ?? "GET";
  const parent = propagation.extract(ROOT_CONTEXT, req.headers, headerGetter);
  const span = tracer.startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { "http.request.method": method, "url.path": path, "url.scheme": "http" } },
    parent,
  );
  res.once("finish", () => {
    const route = routeOf(res);
    if (route) {
      span.updateName(`${method} ${route}`);
      span.setAttribute("http.route", route);
    }
    span.setAttribute("http.response.status_code", res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return trace.setSpan(parent, span);
}
