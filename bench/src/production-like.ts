import { spawn } from "node:child_process";
import { join } from "node:path";
import { eventually } from "@emporium/tests/harness/eventually";
import { freePort } from "@emporium/tests/harness/free-port";
import { repoRoot } from "@emporium/tests/harness/stack";

/**
 * The settings benchmarks run the stack with, as deployed: logs at info,
 * and tracing on with the platform's default sampler (the production
 * default, see docs/operations.md), exporting over OTLP/HTTP to a collector
 * stand-in that discards what it gets. Rate limits stay on, raised so that
 * the load generator's few addresses are not refused.
 */
export async function productionLike() {
  const port = await freePort();
  const sink = spawn(process.execPath, [join(repoRoot, "bench/dist/src/servers/otlp-sink.js"), String(port)], { stdio: "inherit" });
  const endpoint = `http://127.0.0.1:${port}`;
  await eventually(() => fetch(`${endpoint}/stats`).then((r) => (r.ok ? true : undefined)), "the OTLP sink to listen");
  return {
    env: {
      LOG_LEVEL: "info",
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      // The harness samples every trace for its tests; benchmarks use the platform default.
      OTEL_TRACES_SAMPLER: "",
      OTEL_TRACES_SAMPLER_ARG: "",
      RATE_LIMIT_AUTH: "100000/60",
      RATE_LIMIT_ACCOUNT: "100000/60",
      RATE_LIMIT_READ: "10000000/60",
      RATE_LIMIT_WRITE: "10000000/60",
    },
    /** What the sink received so far. */
    stats: async () => (await (await fetch(`${endpoint}/stats`)).json()) as { exports: number; bytes: number },
    description: "logs at info; tracing on at the default sampler, exported over OTLP/HTTP to a local sink; rate limits on (raised)",
    stop: () => void sink.kill(),
  };
}
