import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { startOtlpReceiver } from "../../src/harness/otlp-receiver.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// The production sampler (one trace in ten) with tracing exported: the
// gateway logs every failed or slow request, and the successful ones whose
// trace is kept.
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let stack: Stack;
before(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ env: { ...receiver.env, OTEL_TRACES_EXPORTER: "otlp", OTEL_TRACES_SAMPLER: "" } });
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
});

const accessLines = (requestIds: string[]) =>
  stack.logs.filter(
    (line) => line.startsWith("[gateway]") && line.includes('"msg":"request"') && requestIds.some((id) => line.includes(id)),
  );

test("every failed request is in the access log; of the successful ones, those whose trace is sampled", async () => {
  const get = async (path: string) => {
    const requestId = randomUUID();
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: { "x-request-id": requestId } });
    await response.arrayBuffer();
    return { requestId, status: response.status };
  };
  const found: { requestId: string; status: number }[] = [];
  for (let i = 0; i < 60; i++) found.push(await get("/v1/products/p-000001"));
  const missing: { requestId: string; status: number }[] = [];
  for (let i = 0; i < 3; i++) missing.push(await get("/v1/products/p-999999"));
  assert.ok(found.every((r) => r.status === 200));
  assert.ok(missing.every((r) => r.status === 404));

  await stack.waitFor(
    async () => (accessLines(missing.map((r) => r.requestId)).length === missing.length ? true : undefined),
    "every 404 in the access log",
  );
  for (const line of accessLines(missing.map((r) => r.requestId))) {
    const entry = JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>;
    assert.equal(entry.route, "/v1/products/{product_id}", line);
    assert.equal(entry.status, 404, line);
    assert.equal(typeof entry.duration_ms, "number", line);
    assert.match(String(entry.trace_id), /^[0-9a-f]{32}$/, line);
    assert.equal(entry.level, "info", line);
  }
  // At one trace in ten, all 60 being sampled has a chance of 1e-60.
  const logged = accessLines(found.map((r) => r.requestId)).length;
  assert.ok(logged < found.length, `${logged} of ${found.length} successful requests logged`);
});
