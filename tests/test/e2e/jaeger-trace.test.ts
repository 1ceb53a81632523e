import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import type { JaegerSpan, JaegerTrace } from "@emporium/platform/dev/trace-tree";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { startJaeger } from "../../src/harness/jaeger.js";
import { placeOrder, settled } from "../../src/harness/saga.js";
import { repoRoot, type Stack, startStack } from "../../src/harness/stack.js";

const run = promisify(execFile);
const SERVICES = ["gateway", "orders", "catalog", "inventory", "payments"];

let jaeger: Awaited<ReturnType<typeof startJaeger>>;
let stack: Stack;
let customer: SignedIn;
// The first run builds Jaeger from the Go module proxy (minutes on 2 cores).
before(
  async () => {
    jaeger = await startJaeger();
    stack = await startStack({ env: jaeger.env });
    customer = await signUp(stack.gatewayUrl);
  },
  { timeout: 30 * 60_000 },
);
after(async () => {
  await stack?.stop();
  await jaeger?.stop();
});

const tag = (span: JaegerSpan, key: string) => span.tags?.find((t) => t.key === key)?.value;
const serviceOf = (trace: JaegerTrace, span: JaegerSpan) => trace.processes[span.processID]?.serviceName;
const ofKind = (trace: JaegerTrace, kind: string) => trace.spans.filter((s) => tag(s, "span.kind") === kind);

async function orderTrace(orderId: string): Promise<JaegerTrace | undefined> {
  const query = new URLSearchParams({
    service: "orders",
    tags: JSON.stringify({ "emporium.orders.order_id": orderId }),
    start: String((Date.now() - 3600_000) * 1000),
    end: String((Date.now() + 60_000) * 1000),
    limit: "5",
  });
  const response = await fetch(`${jaeger.url}/api/traces?${query}`);
  const body = (await response.json()) as { data: JaegerTrace[] | null };
  return body.data?.[0];
}

test("npm start's Jaeger finds the trace of an order confirmed a moment before, and npm run trace prints it", async () => {
  const orderId = await placeOrder(stack, customer, [{ product_id: "p-000004", quantity: 1 }]);
  await settled(stack, customer, orderId, new Set(["ORDER_STATUS_CONFIRMED"]));

  // Complete once the last hop is in (orders consuming the payment's
  // outcome) and every consumer span's parent has arrived too: each process
  // exports its spans on its own schedule.
  const parentOf = (found: JaegerTrace, span: JaegerSpan) => {
    const parentId = span.references?.find((r) => r.refType === "CHILD_OF")?.spanID;
    return found.spans.find((s) => s.spanID === parentId);
  };
  const trace = await stack.waitFor(async () => {
    const found = await orderTrace(orderId);
    if (!found) return undefined;
    const services = new Set(found.spans.map((s) => serviceOf(found, s)));
    const paymentReply = found.spans.some((s) => serviceOf(found, s) === "orders" && s.operationName.endsWith("payments.v1"));
    const parentsIn = ofKind(found, "consumer").every((consumer) => parentOf(found, consumer) !== undefined);
    return paymentReply && parentsIn && SERVICES.every((s) => services.has(s)) ? found : undefined;
  }, `the trace of order ${orderId} in Jaeger`);

  const consumers = ofKind(trace, "consumer");
  assert.ok(consumers.length >= 3, `expected the Kafka hops to inventory, payments and back; got ${consumers.length} consumer spans`);
  for (const consumer of consumers) {
    const parent = parentOf(trace, consumer);
    assert.equal(parent && tag(parent, "span.kind"), "producer", `${consumer.operationName}'s parent is not a producer span`);
    assert.equal(tag(consumer, "messaging.system"), "kafka");
  }

  // The CLI reads the same API: by order id and by trace id.
  const env = { ...process.env, EMPORIUM_JAEGER_URL: jaeger.url };
  for (const id of [orderId, trace.traceID]) {
    const { stdout } = await run(process.execPath, ["platform/dist/src/dev/trace-cli.js", id], { cwd: repoRoot, env });
    assert.match(stdout, new RegExp(`^trace ${trace.traceID}: \\d+ spans`));
    for (const service of SERVICES) assert.match(stdout, new RegExp(`(^|─ )${service}  `, "m"), `${service} missing from:\n${stdout}`);
    assert.match(stdout, /\[kafka → \S*orders\.v1\]/);
    assert.match(stdout, /[├└]─ inventory {2}process \S*orders\.v1 .*\[kafka ← \S*orders\.v1\]/);
  }
});

test("npm run trace says so when Jaeger has no such trace", async () => {
  const env = { ...process.env, EMPORIUM_JAEGER_URL: jaeger.url };
  const failure = await run(process.execPath, ["platform/dist/src/dev/trace-cli.js", "no-such-order"], { cwd: repoRoot, env }).then(
    () => assert.fail("expected a non-zero exit"),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(failure.code, 1);
  assert.match(failure.stderr, /no trace for no-such-order/);
});
