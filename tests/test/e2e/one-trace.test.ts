import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { eventually } from "../../src/harness/eventually.js";
import { request } from "../../src/harness/http.js";
import { type ReceivedSpan, startOtlpReceiver } from "../../src/harness/otlp-receiver.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

const INTERNAL = 1;
const SERVER = 2;
const CLIENT = 3;
const PRODUCER = 4;
const CONSUMER = 5;

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let stack: Stack;
let customer: SignedIn;
before(async () => {
  receiver = await startOtlpReceiver();
  stack = await startStack({ env: { ...receiver.env, OTEL_TRACES_EXPORTER: "otlp" } });
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
  await receiver?.close();
});

const has = (spans: ReceivedSpan[], service: string, kind: number, name: RegExp) =>
  spans.find((s) => s.service === service && s.kind === kind && name.test(s.name));

test("one POST /v1/orders yields one trace across gateway, orders, catalog, Kafka, inventory and payments", async () => {
  const { body } = await request(`${stack.gatewayUrl}/v1/orders`, {
    method: "POST",
    headers: { ...customer.auth, "Idempotency-Key": randomUUID() },
    json: { items: [{ product_id: "p-000003", quantity: 1 }] },
  });
  const orderId = String(body.id);

  const expected: [string, number, RegExp][] = [
    ["gateway", SERVER, /^POST/],
    ["gateway", CLIENT, /^emporium\.orders\.v1\.OrderService\/CreateOrder$/],
    ["orders", SERVER, /^emporium\.orders\.v1\.OrderService\/CreateOrder$/],
    ["orders", CLIENT, /^emporium\.catalog\.v1\.CatalogService\/BatchGetProducts$/],
    ["catalog", SERVER, /^emporium\.catalog\.v1\.CatalogService\/BatchGetProducts$/],
    ["orders", PRODUCER, /^publish .*orders\.v1$/],
    ["inventory", CONSUMER, /^process .*orders\.v1$/],
    ["inventory", PRODUCER, /^publish .*inventory\.v1$/],
    ["orders", CONSUMER, /^process .*inventory\.v1$/],
    ["payments", CONSUMER, /^process .*orders\.v1$/],
    ["payments", INTERNAL, /^charge payment$/],
    ["payments", CLIENT, /^POST \/v1\/charges$/],
    ["payments", PRODUCER, /^publish .*payments\.v1$/],
    ["orders", CONSUMER, /^process .*payments\.v1$/],
  ];
  const trace = await eventually(
    async () => {
      const createSpan = receiver.spans.find((s) => s.attributes["emporium.orders.order_id"] === orderId);
      if (!createSpan) return undefined;
      const spans = receiver.spans.filter((s) => s.traceId === createSpan.traceId);
      // Complete once every hop's span is exported, down to the database work of the last one.
      const reply = has(spans, "orders", CONSUMER, /payments\.v1/);
      const replyDb = reply && spans.some((s) => s.service === "orders" && s.parentSpanId === reply.spanId);
      const allHops = expected.every(([service, kind, name]) => has(spans, service, kind, name));
      return replyDb && allHops ? spans : undefined;
    },
    "the spans of the whole saga step",
    60_000,
  ).catch((error: Error) => {
    const seen = receiver.spans.map((s) => `${s.traceId.slice(0, 8)} ${s.service} ${s.kind} ${s.name}`).join("\n");
    throw new Error(`${error.message}\n--- spans ---\n${seen}\n--- logs ---\n${stack.recentLogs()}`);
  });

  for (const [service, kind, name] of expected) {
    assert.ok(
      has(trace, service, kind, name),
      `missing ${service} span ${name} (kind ${kind}); got:\n${trace.map((s) => `${s.service} ${s.kind} ${s.name}`).join("\n")}`,
    );
  }
  for (const service of ["orders", "inventory", "payments"]) {
    assert.ok(
      trace.some((s) => s.service === service && (s.attributes["db.system.name"] ?? s.attributes["db.system"]) === "postgresql"),
      `no Postgres span from ${service}`,
    );
  }

  // One tree: a single root (the gateway's HTTP span), every other span's parent in the trace.
  const ids = new Set(trace.map((s) => s.spanId));
  const roots = trace.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
  assert.equal(roots.length, 1, `expected one root, got ${roots.map((s) => `${s.service}:${s.name}`).join(", ")}`);
  assert.equal(roots[0]?.service, "gateway");

  // Kafka hops are parent/child: the consumer's parent is the producer's span.
  const publish = has(trace, "orders", PRODUCER, /orders\.v1/);
  const consume = has(trace, "inventory", CONSUMER, /orders\.v1/);
  assert.equal(consume?.parentSpanId, publish?.spanId);
});
