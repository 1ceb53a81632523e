import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { providerControl } from "../../src/harness/provider.js";
import { invariantsOnceSettled, orderOf, placeOrder, settled, stockOf } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Short clocks so the slow paths (deadline, breaker) show within seconds.
const ENV = {
  ORDERS_PAYMENT_DEADLINE_MS: "6000",
  ORDERS_PAYMENT_SWEEP_MS: "500",
  PAYMENTS_ATTEMPT_TIMEOUT_MS: "500",
  PAYMENTS_BREAKER_FAILURES: "3",
  PAYMENTS_BREAKER_COOLDOWN_MS: "1000",
};
const PRODUCTS = ["p-000011", "p-000012", "p-000013", "p-000014", "p-000015"];

let stack: Stack;
let alice: SignedIn;
let provider: ReturnType<typeof providerControl>;
let onHandBefore: Map<string, number>;
const placed: string[] = [];
before(async () => {
  stack = await startStack({ env: ENV });
  alice = await signUp(stack.gatewayUrl);
  provider = providerControl(stack.providerUrl);
  onHandBefore = new Map([...(await stockOf(stack, PRODUCTS))].map(([id, s]) => [id, s.on_hand]));
});
afterEach(async () => {
  await provider.heal();
});
after(async () => {
  await stack?.stop();
});

const order = async (productId: string, quantity = 1) => {
  const id = await placeOrder(stack, alice, [{ product_id: productId, quantity }]);
  placed.push(id);
  return id;
};
// No body at all, as curl sends it: the empty message (the idempotency test below sends `{}`).
const cancel = (id: string, who = alice) =>
  request(`${stack.gatewayUrl}/v1/orders/${id}:cancel`, {
    method: "POST",
    headers: { ...who.auth, "Idempotency-Key": randomUUID() },
  });

test("paid: PENDING → AWAITING_PAYMENT → CONFIRMED, charged once for the order's total, stock sold", async () => {
  const before = (await stockOf(stack, ["p-000011"])).get("p-000011");
  const id = await order("p-000011", 2);
  const done = await settled(stack, alice, id);
  assert.equal(done.status, "ORDER_STATUS_CONFIRMED", done.status_reason);
  const charges = await provider.charges(id);
  assert.equal(charges.length, 1);
  assert.equal(String((charges[0] as { amount_minor?: unknown }).amount_minor), done.total.amount_minor);
  assert.ok(Number(done.total.amount_minor) > 0);
  const after = (await stockOf(stack, ["p-000011"])).get("p-000011");
  assert.equal(after?.sold, (before?.sold ?? 0) + 2);
  assert.equal(after?.available, (before?.available ?? 0) - 2);
  assert.equal(after?.reserved, before?.reserved);
});

test("declined: the order is CANCELLED with the reason, and its stock released", async () => {
  await provider.set({ decline_rate: 1 });
  const before = (await stockOf(stack, ["p-000012"])).get("p-000012");
  const id = await order("p-000012", 3);
  const done = await settled(stack, alice, id);
  assert.equal(done.status, "ORDER_STATUS_CANCELLED");
  assert.match(done.status_reason, /declined/);
  await stack.waitFor(async () => {
    const now = (await stockOf(stack, ["p-000012"])).get("p-000012");
    return now?.available === before?.available && now?.reserved === before?.reserved ? true : undefined;
  }, "the stock to be released");
});

test("a cancel before payment: CANCELLED, stock released, never charged; then a second cancel is a 409", async () => {
  const before = (await stockOf(stack, ["p-000013"])).get("p-000013");
  stack.group.signal("inventory", "SIGSTOP"); // the order stays PENDING
  let id = "";
  try {
    id = await order("p-000013", 4);
    const cancelled = await cancel(id);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, "ORDER_STATUS_CANCELLED");
    assert.equal(cancelled.body.status_reason, "cancelled by the customer");
  } finally {
    stack.group.signal("inventory", "SIGCONT");
  }
  // Inventory now reserves (OrderPlaced) and releases (OrderCancelled), in that order.
  await stack.waitFor(async () => {
    const now = (await stockOf(stack, ["p-000013"])).get("p-000013");
    return now?.available === before?.available && now?.reserved === before?.reserved ? true : undefined;
  }, "the stock to come back");
  assert.equal((await orderOf(stack, alice, id)).status, "ORDER_STATUS_CANCELLED", "a late StockReserved does not revive it");
  assert.equal((await provider.charges(id)).length, 0);
  assert.equal((await cancel(id)).status, 409);
});

test("a cancel is idempotent: the same Idempotency-Key replays the first answer", async () => {
  stack.group.signal("inventory", "SIGSTOP");
  try {
    const id = await order("p-000014");
    const key = randomUUID();
    const again = () =>
      request(`${stack.gatewayUrl}/v1/orders/${id}:cancel`, {
        method: "POST",
        json: {},
        headers: { ...alice.auth, "Idempotency-Key": key },
      });
    const first = await again();
    const second = await again();
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    assert.equal((await cancel(id)).status, 409, "a new key is a new cancel, of an order already cancelled");
  } finally {
    stack.group.signal("inventory", "SIGCONT");
  }
});

test("a paid order cannot be cancelled (409); someone else's order is a 404", async () => {
  const id = await order("p-000014");
  await settled(stack, alice, id);
  const response = await cancel(id);
  assert.equal(response.status, 409);
  assert.equal(response.body.type, "https://emporium.dev/problems/conflict");
  const bob = await signUp(stack.gatewayUrl);
  assert.equal((await cancel(id, bob)).status, 404);
});

test("provider failing every call: the breaker opens and calls fail fast; it recovers when the provider does", async () => {
  await provider.set({ error_rate: 1 });
  const id = await order("p-000015");
  await stack.waitFor(
    async () => (stack.logs.some((l) => l.startsWith("[payments]") && l.includes("circuit breaker open")) ? true : undefined),
    "the breaker to open",
  );
  const callsWhenOpen = await provider.requests("POST /v1/charges");
  await new Promise((resolve) => setTimeout(resolve, 600)); // inside the 1 s cool-down
  assert.equal(await provider.requests("POST /v1/charges"), callsWhenOpen, "no calls while open");
  // After the cool-down check: a scrape reads the broker and the database, which can take a while on a busy machine.
  // The provider still fails, so the breaker is open or probing (half-open): 1 either way.
  const paymentsMetrics = await (await fetch(stack.metricsUrls.payments)).text();
  assert.match(paymentsMetrics, /^emporium_circuit_breaker_open\{breaker="payment_provider"\} 1$/m, "the breaker's state is a metric");

  await provider.set({ error_rate: 0 });
  const done = await settled(stack, alice, id);
  assert.equal(done.status, "ORDER_STATUS_CONFIRMED");
  assert.ok(stack.logs.some((l) => l.startsWith("[payments]") && l.includes("circuit breaker closed")));
  assert.equal((await provider.charges(id)).filter((c) => c.status === "captured").length, 1);
});

test("a reservation never paid expires: past the payment deadline the order is CANCELLED and its stock released", async () => {
  await provider.set({ error_rate: 1 });
  const before = (await stockOf(stack, ["p-000011"])).get("p-000011");
  const id = await order("p-000011");
  const done = await settled(stack, alice, id, undefined, 30_000);
  assert.equal(done.status, "ORDER_STATUS_CANCELLED");
  assert.match(done.status_reason, /payment not completed within 6 s/);
  await stack.waitFor(async () => {
    const now = (await stockOf(stack, ["p-000011"])).get("p-000011");
    return now?.available === before?.available ? true : undefined;
  }, "the stock to be released");
});

test("the invariants hold for every order of this file, and the outbox has drained (its lag is a metric)", async () => {
  for (const id of placed) await settled(stack, alice, id);
  assert.deepEqual(await invariantsOnceSettled(stack, placed, onHandBefore), []);
  const metrics = await (await fetch(stack.metricsUrls.orders)).text();
  assert.match(metrics, /^emporium_outbox_unpublished_events 0$/m);
  assert.match(metrics, /^emporium_outbox_oldest_unpublished_age_seconds 0$/m);
});
