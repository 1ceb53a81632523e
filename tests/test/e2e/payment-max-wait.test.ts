import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { providerControl } from "../../src/harness/provider.js";
import { invariantsOnceSettled, placeOrder, settled, stockOf } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Payments gives up on an unavailable provider after 3 s; the orders-side payment deadline is far away.
let stack: Stack;
let customer: SignedIn;
before(async () => {
  stack = await startStack({
    env: {
      PAYMENTS_MAX_WAIT_MS: "3000",
      PAYMENTS_ATTEMPT_TIMEOUT_MS: "300",
      PAYMENTS_BREAKER_COOLDOWN_MS: "500",
      ORDERS_PAYMENT_DEADLINE_MS: "600000",
    },
  });
  customer = await signUp(stack.gatewayUrl);
});
after(async () => {
  await stack?.stop();
});

test("a provider unavailable past the maximum wait: the order is CANCELLED with the reason, stock released, nothing charged", async () => {
  const provider = providerControl(stack.providerUrl);
  await provider.set({ timeout_rate: 0.5, error_rate: 1 });
  const before = (await stockOf(stack, ["p-000016"])).get("p-000016");
  const id = await placeOrder(stack, customer, [{ product_id: "p-000016", quantity: 2 }]);

  const done = await settled(stack, customer, id, undefined, 30_000);
  assert.equal(done.status, "ORDER_STATUS_CANCELLED");
  assert.equal(done.status_reason, "payment failed: payment provider unavailable");
  await stack.waitFor(async () => {
    const now = (await stockOf(stack, ["p-000016"])).get("p-000016");
    return now?.available === before?.available && now?.reserved === before?.reserved ? true : undefined;
  }, "the stock to be released");
  assert.equal((await provider.charges(id)).filter((c) => c.status === "captured").length, 0);
  assert.deepEqual(await invariantsOnceSettled(stack, [id], new Map([["p-000016", before?.on_hand ?? 0]])), []);
});
