import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "@emporium/platform/log/logger";
import { secondsSince } from "@emporium/platform/metrics/duration-histogram";
import { type Context, isSpanContextValid, type SpanContext, TraceFlags, trace } from "@opentelemetry/api";
import { type HttpRequestDurations, methodLabel, UNMATCHED } from "./request-metrics.js";
import { routeOf } from "./tracing.js";

/** Requests at least this slow are always logged. */
const SLOW_SECONDS = 1;

export interface RequestObserver {
  durations: HttpRequestDurations;
  logger: Logger;
  /**
   * The template of the route whose path matches, for requests answered
   * before routing (401, 429, 503 at the edge, 405): a match against the
   * route table, made only for those.
   */
  templateOfPath: (path: string) => string | undefined;
}

/**
 * When the response finishes, one listener records its duration in
 * `http_server_request_duration_seconds` (the exemplar is the request's
 * trace when sampled) and writes the access log line when the request is
 * logged (`accessLogs`, see below).
 *
 * The access log: every failed (4xx, 5xx) or slow request, and every
 * request whose trace is sampled, so each line of a successful request
 * leads to its trace. A line per request cost the warm read path about a
 * third of its throughput (docs/benchmarks.md); the request rate and
 * latency of all requests are what the histogram is for. With every trace
 * sampled (tests, local debugging), or tracing off, every request is logged.
 * Each line has the route template, the status, the duration and the trace id.
 */
export function observeWhenFinished(
  observer: RequestObserver,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requestId: string,
  requestContext: Context,
  accessLogs: boolean,
): void {
  const started = performance.now();
  const span = trace.getSpan(requestContext)?.spanContext();
  res.once("finish", () => {
    const seconds = secondsSince(started);
    const status = res.statusCode;
    const route = routeOf(res) ?? (status === 404 ? UNMATCHED : (observer.templateOfPath(path) ?? UNMATCHED));
    const method = methodLabel(req.method);
    observer.durations(method, route, status, seconds, span);
    if (!accessLogs || (status < 400 && seconds < SLOW_SECONDS && !isSampled(span))) return;
    observer.logger.info(
      {
        method,
        route,
        path,
        status,
        duration_ms: Math.round(seconds * 10_000) / 10,
        requestId,
        ...(span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {}),
      },
      "request",
    );
  });
}

/** Whether the request's trace is kept (the sampler's decision, made at the root); true when tracing is off (no decision). */
function isSampled(span: SpanContext | undefined): boolean {
  if (!span || !isSpanContextValid(span)) return true;
  return (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}
