/**
 * Loaded before the application with `node --import`: the tracer provider
 * exists before any span is made. No library is patched (no loader hook, no
 * instrumentations): RPC, Kafka and gateway spans are ours, and so are SQL
 * spans (db/traced-client.ts). Exporting follows the standard OTEL_* variables (OTLP over HTTP
 * to localhost:4318 by default); with no collector listening the process runs
 * on and the spans are dropped.
 */
import { NodeSDK } from "@opentelemetry/sdk-node";

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

// No instrumentation packages: http's cost the gateway half of its
// throughput (docs/benchmarks.md), and pg's patches through a loader hook
// that every import of the process then goes through. The gateway makes its
// own server span (gateway/src/tracing.ts); RPC, Kafka and SQL spans are ours.
const sdk = new NodeSDK({ instrumentations: [] });
sdk.start();

/** How long the last flush of spans may take. */
const FLUSH_BUDGET_MS = 2_000;

/**
 * Flushes and stops the SDK; called last in graceful shutdown. Gives up
 * after 2 s and drops what is left: with the collector unreachable, the
 * exporter retries each batch for up to 10 s (its timeout), which ran the
 * copies of a rolling restart past SHUTDOWN_TIMEOUT_MS into exit code 1.
 */
export async function shutdownTelemetry(budgetMs = FLUSH_BUDGET_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const givenUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, budgetMs);
    timer.unref();
  });
  await Promise.race([sdk.shutdown().catch(() => undefined), givenUp]);
  clearTimeout(timer);
}
