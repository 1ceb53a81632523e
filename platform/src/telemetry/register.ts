/**
 * Loaded before the application with `node --import` so that the
 * instrumented library (pg) is patched before anything
 * imports them; in an ES module app instrumentations silently do nothing
 * otherwise. Exporting follows the standard OTEL_* variables (OTLP over HTTP
 * to localhost:4318 by default); with no collector listening the process runs
 * on and the spans are dropped.
 */
import { register } from "node:module";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { NodeSDK } from "@opentelemetry/sdk-node";

register("@opentelemetry/instrumentation/hook.mjs", import.meta.url);

// The production default: keep one request's trace in ten, decided once at
// the edge (the root) and followed by every hop after it (parent-based), so
// a trace is whole or absent. Unsampled spans are non-recording: no
// attributes, no export, almost no CPU (docs/benchmarks.md, order path).
// OTEL_TRACES_SAMPLER=parentbased_always_on keeps every trace (tests, local
// debugging). `||=`: an empty variable means unset, as in the OTel spec.
if (!process.env.OTEL_TRACES_SAMPLER) {
  process.env.OTEL_TRACES_SAMPLER = "parentbased_traceidratio";
  process.env.OTEL_TRACES_SAMPLER_ARG ||= "0.1";
}

// Export smaller batches more often than the SDK's 5 s / 512 spans: turning
// a batch into protobuf runs in one go on the event loop, and a big one shows
// up in the tail latency of the requests behind it.
process.env.OTEL_BSP_SCHEDULE_DELAY ||= "1000";
process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ||= "128";

// Traces only: metrics and logs have their own paths (/metrics, stdout).
process.env.OTEL_METRICS_EXPORTER ??= "none";
process.env.OTEL_LOGS_EXPORTER ??= "none";

// No http/express instrumentation: they cost the gateway half of its
// throughput (docs/benchmarks.md); the gateway makes its own server span
// (gateway/src/tracing.ts), and RPC and Kafka spans are ours anyway.
const sdk = new NodeSDK({
  // requireParentSpan: a query outside any request or event (a relay's poll,
  // a worker's claim, a pool's housekeeping) is not a trace of its own.
  instrumentations: [new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true })],
});
sdk.start();

/** Flushes and stops the SDK; called last in graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk.shutdown().catch(() => undefined);
}
