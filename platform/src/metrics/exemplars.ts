import { isSpanContextValid, type SpanContext, TraceFlags, trace } from "@opentelemetry/api";

/** Exemplar labels naming one trace, as Prometheus and Grafana expect them. */
export interface TraceExemplar {
  trace_id: string;
}

// Observations of one trace (a request's RPCs, its retries) come in a row: one label object serves them.
let last: TraceExemplar = { trace_id: "" };

/**
 * The exemplar of a span's trace when that trace is sampled (kept by the
 * tracing backend, so the exemplar leads somewhere); undefined otherwise,
 * and then an observation costs nothing more than without exemplars.
 */
export function traceExemplar(span: SpanContext | undefined = trace.getActiveSpan()?.spanContext()): TraceExemplar | undefined {
  if (!span || (span.traceFlags & TraceFlags.SAMPLED) === 0) return undefined;
  if (span.traceId === last.trace_id) return last;
  // Checked once per trace (a regular expression on the ids), not per observation.
  if (!isSpanContextValid(span)) return undefined;
  last = { trace_id: span.traceId };
  return last;
}
