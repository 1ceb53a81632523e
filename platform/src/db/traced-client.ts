import { type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_OPERATION_NAME,
  ATTR_DB_QUERY_TEXT,
  ATTR_DB_RESPONSE_STATUS_CODE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_ERROR_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  DB_SYSTEM_NAME_VALUE_POSTGRESQL,
} from "@opentelemetry/semantic-conventions";
import pg from "pg";

const tracer = trace.getTracer("@emporium/platform/db");

type Callback = (error: Error | null, result?: unknown) => void;
/** pg's `Client.query(config, values?, callback?)`, where `values` may be the callback. */
type Query = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * A pg client whose statements are CLIENT spans of the trace they run in, and
 * only of a sampled (recording) one. Every other statement costs one check of
 * the active span: most requests are not sampled (register.ts), and a query
 * outside any request (a relay's poll, a worker's claim) is not a trace of its
 * own. The pools use it as their `Client` (pool.ts); both `pool.query` (which
 * calls the client with a callback) and a checked-out client's promise
 * queries pass through it.
 *
 * It replaces @opentelemetry/instrumentation-pg, which patches pg through an
 * ES module loader hook (every module import of the process goes through the
 * hook, the larger part of a service's start-up) and builds a span, even a
 * non-recording one, with its attributes for every statement.
 */
export class TracedClient extends pg.Client {}

const plainQuery = pg.Client.prototype.query as unknown as Query;

(TracedClient.prototype as unknown as { query: Query }).query = function tracedQuery(
  this: pg.Client,
  config: unknown,
  values?: unknown,
  callback?: unknown,
) {
  // The fixed arity (no rest arguments) keeps this check as cheap as it can be: it runs for every statement.
  if (!trace.getActiveSpan()?.isRecording()) return plainQuery.call(this, config, values, callback);
  const text = queryText(config);
  if (text === undefined) return plainQuery.call(this, config, values, callback); // a Submittable (cursor, stream): not traced
  const operation = firstWord(text);
  const span = tracer.startSpan(`${operation} ${this.database ?? ""}`.trimEnd(), {
    kind: SpanKind.CLIENT,
    attributes: {
      [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_POSTGRESQL,
      [ATTR_DB_NAMESPACE]: this.database,
      [ATTR_DB_OPERATION_NAME]: operation,
      // The text only: values are bound parameters and never reach the span.
      [ATTR_DB_QUERY_TEXT]: text,
      [ATTR_SERVER_ADDRESS]: this.host,
      [ATTR_SERVER_PORT]: this.port,
    },
  });
  const done = typeof callback === "function" ? callback : typeof values === "function" ? values : undefined;
  if (done) {
    const ended: Callback = (error, result) => {
      end(span, error);
      (done as Callback)(error, result);
    };
    return done === callback ? plainQuery.call(this, config, values, ended) : plainQuery.call(this, config, ended);
  }
  const result = plainQuery.call(this, config, values) as Promise<unknown>;
  return result.then(
    (rows) => {
      end(span, null);
      return rows;
    },
    (error: Error) => {
      end(span, error);
      throw error;
    },
  );
};

function queryText(first: unknown): string | undefined {
  if (typeof first === "string") return first;
  if (first !== null && typeof first === "object" && "text" in first && typeof first.text === "string") return first.text;
  return undefined;
}

function firstWord(text: string): string {
  const match = /^\s*([A-Za-z]+)/.exec(text);
  return match?.[1] ? match[1].toUpperCase() : "QUERY";
}

function end(span: Span, error: Error | null): void {
  if (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") span.setAttributes({ [ATTR_DB_RESPONSE_STATUS_CODE]: code, [ATTR_ERROR_TYPE]: code });
    else span.setAttribute(ATTR_ERROR_TYPE, error.name);
    span.recordException(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
}
