import { durationHistogram, recorderTable } from "@emporium/platform/metrics/duration-histogram";
import type { SpanContext } from "@opentelemetry/api";
import type { Registry } from "prom-client";

/** The route label of requests that matched no route (404s); never the raw path, which carries ids. */
export const UNMATCHED = "unmatched";

const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/** `2xx`, `4xx`, ... for a status code; anything out of range counts as a server error. */
export function statusClass(status: number): string {
  return STATUS_CLASSES[Math.floor(status / 100) - 1] ?? "5xx";
}

const KNOWN_METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/** The request method as a label: one of the standard ones, or `_OTHER` (OpenTelemetry's bound on made-up methods). */
export function methodLabel(method: string | undefined): string {
  return method !== undefined && KNOWN_METHODS.has(method) ? method : "_OTHER";
}

/**
 * `http_server_request_duration_seconds` by method, route template and
 * status class. Returns the function that records one finished request;
 * each series is made the first time it is seen and kept.
 */
export function httpRequestDurations(registry: Registry) {
  const recorder = recorderTable(
    durationHistogram(registry, {
      name: "http_server_request_duration_seconds",
      help: "Duration of public HTTP requests, from arrival to the last byte written, by method, route template and status class.",
      labelNames: ["http_request_method", "http_route", "http_response_status_class"],
    }),
  );
  return (method: string, route: string, status: number, seconds: number, span: SpanContext | undefined): void => {
    recorder(method, route, statusClass(status)).observe(seconds, span);
  };
}

export type HttpRequestDurations = ReturnType<typeof httpRequestDurations>;
