import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const register = fileURLToPath(new URL("../src/telemetry/register.js", import.meta.url));

// In a process started as every service is (node --import register.js):
// how many of 2,000 new root spans record, and whether children of a
// remote parent follow that parent's decision.
const PROBE = `
import { context, propagation, trace } from "@opentelemetry/api";
const tracer = trace.getTracer("probe");
let roots = 0;
for (let i = 0; i < 2000; i++) { const span = tracer.startSpan("root"); if (span.isRecording()) roots++; span.end(); }
const child = (flags) => {
  const parent = propagation.extract(context.active(), { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-" + flags }, { keys: Object.keys, get: (c, k) => c[k] });
  const span = tracer.startSpan("child", {}, parent);
  const recording = span.isRecording();
  span.end();
  return recording;
};
console.log(JSON.stringify({ roots, sampledParent: child("01"), unsampledParent: child("00") }));
process.exit(0);
`;

async function probe(env: Record<string, string>) {
  const { stdout } = await run(process.execPath, ["--import", register, "--input-type=module", "-e", PROBE], {
    cwd: fileURLToPath(new URL("../../", import.meta.url)),
    // An exporter is needed (with "none" the SDK installs no tracer at all); nothing listens on port 9.
    env: {
      ...process.env,
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9",
      OTEL_TRACES_SAMPLER: "",
      OTEL_TRACES_SAMPLER_ARG: "",
      ...env,
    },
  });
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as { roots: number; sampledParent: boolean; unsampledParent: boolean };
}

test("by default one root trace in ten is sampled, and later hops follow the caller's decision", async () => {
  const { roots, sampledParent, unsampledParent } = await probe({});
  // 10 % of 2,000 is 200; a binomial spread of ±5 sigma stays well inside 100..300.
  assert.ok(roots > 100 && roots < 300, `${roots} of 2000 root spans recorded`);
  assert.equal(sampledParent, true);
  assert.equal(unsampledParent, false);
});

test("OTEL_TRACES_SAMPLER=parentbased_always_on keeps every trace (tests, local debugging)", async () => {
  const { roots, unsampledParent } = await probe({ OTEL_TRACES_SAMPLER: "parentbased_always_on" });
  assert.equal(roots, 2000);
  assert.equal(unsampledParent, false);
});
