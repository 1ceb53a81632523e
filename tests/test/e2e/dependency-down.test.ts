import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

const DEADLINE_MS = 1_500;

let stack: Stack;
let customer: SignedIn;
before(async () => {
  // Services' own default deadline is far longer than the edge's: only propagation can stop their work in time.
  stack = await startStack({ env: { GATEWAY_DEADLINE_MS: String(DEADLINE_MS), RPC_TIMEOUT_MS: "30000" } });
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

// Bounds each request so a hang fails the test instead of stalling it.
// Signed in as a customer.
const bounded = () => ({
  signal: AbortSignal.timeout(DEADLINE_MS * 4),
  headers: { ...customer.auth, "Idempotency-Key": randomUUID() },
});
const order = { items: [{ product_id: "p-000005", quantity: 1 }] };

test("a hung catalog (prices) makes order creation a 504 problem at the deadline, not a hang", async () => {
  stack.group.signal("catalog", "SIGSTOP");
  try {
    const response = await request(`${stack.gatewayUrl}/v1/orders`, { method: "POST", json: order, ...bounded() });

    assert.equal(response.status, 504);
    assert.equal(response.body.type, "https://emporium.dev/problems/deadline-exceeded");
  } finally {
    stack.group.signal("catalog", "SIGCONT");
  }
});

test("the edge's deadline bounds every hop: the work behind a 504 is cancelled, no order appears later", async () => {
  const before = await request(`${stack.gatewayUrl}/v1/orders`, { headers: customer.auth });
  stack.group.signal("catalog", "SIGSTOP"); // orders waits on the catalog's prices
  let response: Awaited<ReturnType<typeof request>>;
  try {
    response = await request(`${stack.gatewayUrl}/v1/orders`, { method: "POST", json: order, ...bounded() });
  } finally {
    stack.group.signal("catalog", "SIGCONT");
  }
  assert.equal(response.status, 504);
  // Had orders kept waiting (its own deadline is 30 s), the catalog's late answer would now create the order.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const after = await request(`${stack.gatewayUrl}/v1/orders`, { headers: customer.auth });
  assert.equal((after.body.orders as unknown[]).length, (before.body.orders as unknown[]).length);
});

test("catalog stopped: order creation is a 503 problem with Retry-After", async () => {
  stack.group.signal("catalog", "SIGTERM");
  await stack.group.exited("catalog");

  const response = await request(`${stack.gatewayUrl}/v1/orders`, { method: "POST", json: order, ...bounded() });

  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "1");
  assert.equal(response.headers.get("content-type"), "application/problem+json; charset=utf-8");
  assert.doesNotMatch(JSON.stringify(response.body), /127\.0\.0\.1|ECONNREFUSED/, "no internal detail leaks");
});

test("orders stopped by SIGTERM reports NOT_SERVING, exits cleanly; the gateway answers 503 and reports not ready", async () => {
  const health = createClient(Health, createGrpcTransport({ baseUrl: stack.ordersUrl }));
  const watched: string[] = [];
  const watching = (async () => {
    for await (const update of health.watch({})) watched.push(HealthCheckResponse_ServingStatus[update.status] ?? "?");
  })().catch(() => undefined); // the stream ends with the server
  await stack.waitFor(async () => (watched.length > 0 ? true : undefined), "the first health update");
  const exitCode = new Promise<number | null>((resolve) => stack.group.children.get("orders")?.once("exit", (code) => resolve(code)));
  stack.group.signal("orders", "SIGTERM");
  assert.equal(await exitCode, 0);
  await watching;
  assert.deepEqual(watched, ["SERVING", "NOT_SERVING"]);

  const create = await request(`${stack.gatewayUrl}/v1/orders`, { method: "POST", json: order, ...bounded() });
  const read = await request(`${stack.gatewayUrl}/v1/orders/2f1c8f7e-1d2b-4c3a-9e8f-0a1b2c3d4e5f`, bounded());
  const ready = await request(`${stack.gatewayUrl}/readyz`, bounded());
  const readySelf = await request(`${stack.gatewayUrl}/readyz?scope=self`, bounded());

  assert.equal(create.status, 503);
  assert.equal(read.status, 503);
  assert.equal(create.headers.get("retry-after"), "1");
  assert.equal(ready.status, 503);
  assert.equal((ready.body.backends as Record<string, string>).orders, "UNREACHABLE");
  // A balancer in front of several gateways asks about the gateway itself: still ready, and no backend is asked.
  assert.equal(readySelf.status, 200);
  assert.deepEqual(readySelf.body, { status: "ready", accepting: true });
  assert.ok(stack.logs.some((line) => line.startsWith("[orders]") && line.includes('"msg":"stopped"')));
});
