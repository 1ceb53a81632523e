import type { Logger } from "@emporium/platform/log/logger";
import { secondsSince } from "@emporium/platform/metrics/duration-histogram";
import { isSpanContextValid, type SpanContext, TraceFlags } from "@opentelemetry/api";
import type { EdgeContext } from "./pipeline/context.js";
import { type HttpRequestDurations, methodLabel, UNMATCHED } from "./request-metrics.js";

/** Requests at least this slow are always logged. */
const SLOW_SECONDS = 1;

export interface RequestObserver {
  durations: HttpRequestDurations;
  logger: Logger;
  /** Whether access log lines are wanted at all (the logger's level). */
  accessLogs: boolean;
}

/**
 * The route label of a finished request: the route or procedure it reached,
 * or `unmatched` for a 404 no route served (never the raw path, which carries ids).
 */
export function routeLabel(ctx: EdgeContext, status: number): string {
  return ctx.target.kind === "none" && status === 404 ? UNMATCHED : ctx.route;
}

/**
 * Records a finished request: its duration in
 * `http_server_request_duration_seconds` (the exemplar is the request's
 * trace when sampled), and the access log line when the request is logged.
 *
 * The access log: every failed (4xx, 5xx) or slow request, and every
 * request whose trace is sampled, so each line of a successful request
 * leads to its trace. A line per request cost the warm read path about a
 * third of its throughput (docs/benchmarks.md); the request rate and
 * latency of all requests are what the histogram is for. With every trace
 * sampled (tests, local debugging), or tracing off, every request is logged.
 * Each line has the route label, the status, the duration and the trace id.
 */
export function recordRequest(
  observer: RequestObserver,
  ctx: EdgeContext,
  started: number,
  span: SpanContext | undefined,
  status: number,
): void {
  const seconds = secondsSince(started);
  const route = routeLabel(ctx, status);
  const method = methodLabel(ctx.req.method);
  observer.durations(method, route, status, seconds, span);
  if (!observer.accessLogs || (status < 400 && seconds < SLOW_SECONDS && !isSampled(span))) return;
  observer.logger.info(
    {
      method,
      route,
      path: ctx.path,
      status,
      ...(ctx.protocol.name === "rest" ? {} : { protocol: ctx.protocol.name }),
      duration_ms: Math.round(seconds * 10_000) / 10,
      requestId: ctx.requestId,
      ...(span && isSpanContextValid(span) ? { trace_id: span.traceId, span_id: span.spanId } : {}),
    },
    "request",
  );
}

/** Whether the request's trace is kept (the sampler's decision, made at the root); true when tracing is off (no decision). */
function isSampled(span: SpanContext | undefined): boolean {
  if (!span || !isSpanContextValid(span)) return true;
  return (span.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
}
