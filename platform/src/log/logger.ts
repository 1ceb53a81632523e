import { isSpanContextValid, trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";

export type { Logger } from "pino";

/**
 * One JSON line per event on stdout, each carrying the trace and span id of
 * the active span so that a log line leads to its trace in Jaeger.
 */
export function createLogger(service: string, level = "info"): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        if (!context || !isSpanContextValid(context)) return {};
        const { traceId, spanId } = context;
        return { trace_id: traceId, span_id: spanId };
      },
    },
    // Asynchronous writes: lines logged while a write is under way go out
    // together in the next one, instead of one write(2) per line (the
    // gateway's access log is a line per request). Pino flushes what is
    // buffered when the process exits; a kill -9 can lose the last lines.
    stdoutDestination(),
  );
}

type Destination = ReturnType<typeof pino.destination>;
const destinations = new Set<Destination>();

function stdoutDestination(): Destination {
  const destination = pino.destination({ dest: 1, sync: false });
  destinations.add(destination);
  return destination;
}

/**
 * Stops writing logs, for a process whose stdout nobody reads any more (its
 * launcher died). Pino flushes synchronously on exit, and sonic-boom retries
 * a write that fails with EPIPE every 100 ms forever, so the process would
 * hang in its exit; pino does the same as this only once an asynchronous
 * write has failed.
 */
export function dropLogOutput(): void {
  const noop = () => true;
  for (const destination of destinations) Object.assign(destination, { write: noop, flushSync: noop, end: noop, destroy: noop });
}
