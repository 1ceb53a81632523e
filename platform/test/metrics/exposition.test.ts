import assert from "node:assert/strict";
import { test } from "node:test";
import { cacheCounts } from "../../src/cache/cache-metrics.js";
import { durationHistogram } from "../../src/metrics/duration-histogram.js";
import { renderMetrics, wantsOpenMetrics } from "../../src/metrics/exposition.js";
import { createMetricsRegistry } from "../../src/metrics/registry.js";

const sampled = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
const unsampled = { ...sampled, traceId: "1af7651916cd43dd8448eb211c80319c", traceFlags: 0 };

test("OpenMetrics is what Prometheus asks for by default; curl's */* and text/plain get Prometheus text; q=0 refuses", () => {
  const prometheus =
    "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
  assert.equal(wantsOpenMetrics(prometheus), true);
  assert.equal(wantsOpenMetrics("application/openmetrics-text"), true);
  assert.equal(wantsOpenMetrics("*/*"), false);
  assert.equal(wantsOpenMetrics("text/plain;version=0.0.4"), false);
  assert.equal(wantsOpenMetrics(undefined), false);
  assert.equal(wantsOpenMetrics("application/openmetrics-text;q=0, text/plain"), false);
});

test("a sampled observation's trace id is the bucket's exemplar in OpenMetrics, and absent from Prometheus text", async () => {
  const registry = createMetricsRegistry();
  const latency = durationHistogram(registry, { name: "demo_duration_seconds", help: "demo", labelNames: ["route"] });
  const series = latency.recorder("/v1/things/{id}");
  series.observe(0.02, sampled);
  series.observe(0.3, unsampled);

  const open = await renderMetrics(registry, true);
  assert.match(open.contentType, /^application\/openmetrics-text; version=1\.0\.0/);
  assert.match(
    open.text,
    /^demo_duration_seconds_bucket\{le="0\.025",route="\/v1\/things\/\{id\}"\} 1 # \{trace_id="0af7651916cd43dd8448eb211c80319c"\} 0\.02 \d+/m,
  );
  assert.match(
    open.text,
    /^demo_duration_seconds_bucket\{le="0\.5",route="\/v1\/things\/\{id\}"\} 2$/m,
    "an unsampled trace leaves no exemplar",
  );
  assert.match(open.text, /# EOF\n$/);

  const plain = await renderMetrics(registry, false);
  assert.match(plain.contentType, /^text\/plain; version=0\.0\.4/);
  assert.match(plain.text, /^demo_duration_seconds_count\{route="\/v1\/things\/\{id\}"\} 2$/m);
  assert.ok(!plain.text.includes("trace_id"));
});

test("counters are named foo_total in Prometheus text even after an OpenMetrics scrape (prom-client renames them while rendering)", async () => {
  const registry = createMetricsRegistry();
  const product = cacheCounts(registry, "product", "process");
  product.hit();
  product.hit(2);
  product.miss();
  const before = await renderMetrics(registry, false);
  assert.match(before.text, /^emporium_cache_requests_total\{cache="product",layer="process",result="hit"\} 3$/m);

  const open = await renderMetrics(registry, true);
  assert.match(open.text, /^# TYPE emporium_cache_requests counter$/m);
  assert.match(open.text, /^emporium_cache_requests_total\{cache="product",layer="process",result="miss"\} 1$/m);

  product.hit();
  const after = await renderMetrics(registry, false);
  assert.match(after.text, /^# TYPE emporium_cache_requests_total counter$/m);
  assert.match(after.text, /^emporium_cache_requests_total\{cache="product",layer="process",result="hit"\} 4$/m);
  assert.match(after.text, /^process_cpu_seconds_total \d/m, "default counters too");
});

test("two scrapes at once, one of each format, each get their own format", async () => {
  const registry = createMetricsRegistry();
  cacheCounts(registry, "price", "process").miss();
  const [open, plain] = await Promise.all([renderMetrics(registry, true), renderMetrics(registry, false)]);
  assert.match(open.text, /# EOF\n$/);
  assert.match(plain.text, /^emporium_cache_requests_total\{cache="price",layer="process",result="miss"\} 1$/m);
  assert.ok(!plain.text.includes("# EOF"));
});

test("a histogram's buckets are cumulative; a value past the last bound lands in +Inf with its exemplar; sum and count add up", async () => {
  const registry = createMetricsRegistry();
  const latency = durationHistogram(registry, { name: "slow_duration_seconds", help: "demo", labelNames: ["stage"] });
  const series = latency.recorder("confirmed");
  series.observe(0.005, unsampled); // on a bound: counted in that bucket
  series.observe(20, sampled);
  const { text } = await renderMetrics(registry, true);
  assert.match(text, /^slow_duration_seconds_bucket\{le="0\.005",stage="confirmed"\} 1$/m);
  assert.match(text, /^slow_duration_seconds_bucket\{le="10",stage="confirmed"\} 1$/m);
  assert.match(
    text,
    /^slow_duration_seconds_bucket\{le="\+Inf",stage="confirmed"\} 2 # \{trace_id="0af7651916cd43dd8448eb211c80319c"\} 20 /m,
  );
  assert.match(text, /^slow_duration_seconds_sum\{stage="confirmed"\} 20\.005$/m);
  assert.match(text, /^slow_duration_seconds_count\{stage="confirmed"\} 2$/m);
  assert.match(text, /^# TYPE slow_duration_seconds histogram$/m);
});

test("two recorders of the same label values, made by two parts of a process, share one series", async () => {
  const registry = createMetricsRegistry();
  const config = { name: "shared_duration_seconds", help: "demo", labelNames: ["stage"] as const };
  durationHistogram(registry, config).recorder("reserved").observe(0.1, unsampled);
  durationHistogram(registry, config).recorder("reserved").observe(0.2, unsampled);
  const { text } = await renderMetrics(registry, false);
  assert.deepEqual(
    text.split("\n").filter((line) => line.startsWith("shared_duration_seconds_count")),
    ['shared_duration_seconds_count{stage="reserved"} 2'],
  );
});
