import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { errorReasonOf, fieldViolationsOf } from "@emporium/platform/errors/error-mapping";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { firstOrderThrough, heldOrder, placeOrder, settled } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";
import { asCustomer, ordersAt, steps, watch } from "../../src/harness/watch.js";

// OrderService.WatchOrder on the orders processes themselves, as the gateway (or any internal client) calls it.
let stack: Stack;
let alice: SignedIn;
let orders: ReturnType<typeof ordersAt>;
before(async () => {
  stack = await startStack({ env: { ORDERS_WATCH_MAX_STREAMS_PER_CALLER: "2", ORDERS_WATCH_MAX_STREAMS: "3" } });
  alice = await signUp(stack.gatewayUrl);
  orders = ordersAt(stack.ordersUrl);
  await firstOrderThrough(stack, alice);
});
after(async () => {
  await stack?.stop();
});

const refusal = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  assert.fail("expected the call to be refused");
};

test("WatchOrder sends the order as it stands, then every change with the next sequence, and ends after the terminal one", async () => {
  const { id, go } = await heldOrder(stack, alice, "p-000005");
  const stream = watch(orders, alice, id);
  try {
    const first = await stream.next();
    assert.deepEqual(steps(first ? [first] : []), [[1, "PENDING"]]);
    assert.equal(first?.order?.id, id);
    assert.notEqual(first?.order?.lines[0]?.productName, "", "lines carry product names, as in GetOrder");
    assert.ok((first?.order?.total?.amountMinor ?? 0n) > 0n);
    go();
    assert.deepEqual(steps(await stream.rest()), [
      [2, "AWAITING_PAYMENT"],
      [3, "CONFIRMED"],
    ]);
  } finally {
    go();
    stream.close();
  }
});

test("a watch resumed after a sequence sends only the later changes; after the terminal one it ends at once", async () => {
  const id = await placeOrder(stack, alice, [{ product_id: "p-000006", quantity: 1 }]);
  await settled(stack, alice, id);
  assert.deepEqual(steps(await watch(orders, alice, id).rest()), [[3, "CONFIRMED"]], "a new watch: where it stands");
  assert.deepEqual(steps(await watch(orders, alice, id, 1).rest()), [
    [2, "AWAITING_PAYMENT"],
    [3, "CONFIRMED"],
  ]);
  assert.deepEqual(steps(await watch(orders, alice, id, 2).rest()), [[3, "CONFIRMED"]]);
  assert.deepEqual(steps(await watch(orders, alice, id, 3).rest()), [], "nothing after the last change");
  // 7, and the largest uint32 below the top (the fuzzer's pick: once an int overflow in the query, a 500).
  for (const after of [7, 4_294_967_294]) {
    const past = await refusal(watch(orders, alice, id, after).rest());
    assert.equal(past.code, Code.InvalidArgument, `after_sequence ${after}`);
    assert.equal(fieldViolationsOf(past)[0]?.field, "after_sequence");
  }
});

test("only the owner can watch: someone else's order and an unknown one are NotFound, no caller is Unauthenticated", async () => {
  const id = await placeOrder(stack, alice, [{ product_id: "p-000006", quantity: 1 }]);
  const bob = await signUp(stack.gatewayUrl);
  assert.equal((await refusal(watch(orders, bob, id).rest())).code, Code.NotFound);
  assert.equal((await refusal(watch(orders, alice, randomUUID()).rest())).code, Code.NotFound);
  const anonymous = orders.watchOrder({ orderId: id });
  assert.equal((await refusal(anonymous[Symbol.asyncIterator]().next())).code, Code.Unauthenticated);
  const badId = await refusal(watch(orders, alice, "not-a-uuid").rest());
  assert.equal(badId.code, Code.InvalidArgument);
});

test("open watches are bounded per caller and per instance: ResourceExhausted, saying which", async () => {
  const bob = await signUp(stack.gatewayUrl);
  const carol = await signUp(stack.gatewayUrl);
  const { id, go } = await heldOrder(stack, alice, "p-000005");
  const open: ReturnType<typeof watch>[] = [];
  try {
    const bobs = await placeOrder(stack, bob, [{ product_id: "p-000007", quantity: 1 }]);
    const carols = await placeOrder(stack, carol, [{ product_id: "p-000007", quantity: 1 }]);
    const start = async (who: SignedIn, orderId: string) => {
      const stream = watch(orders, who, orderId);
      open.push(stream);
      await stream.next();
      return stream;
    };
    await start(alice, id);
    await start(alice, id);
    const third = await refusal(start(alice, id));
    assert.equal(third.code, Code.ResourceExhausted);
    assert.equal(errorReasonOf(third), "TOO_MANY_STREAMS");
    assert.match(third.rawMessage, /2 streams open/);

    await start(bob, bobs);
    const full = await refusal(start(carol, carols));
    assert.equal(full.code, Code.ResourceExhausted);
    assert.equal(errorReasonOf(full), "STREAMS_AT_CAPACITY");

    // A closed watch gives its slot back.
    open[0]?.close();
    await stack.waitFor(
      () =>
        start(carol, carols).then(
          () => true,
          () => undefined,
        ),
      "a slot to free up",
    );
  } finally {
    go();
    for (const stream of open) stream.close();
  }
});

test("with two orders instances, a watcher on one sees the change the other applies", async () => {
  const second = await stack.startExtraConsumer("orders", { ORDERS_WATCH_MAX_STREAMS_PER_CALLER: "2", ORDERS_WATCH_MAX_STREAMS: "3" });
  const { id, go } = await heldOrder(stack, alice, "p-000008");
  const onSecond = watch(ordersAt(second.url), alice, id);
  try {
    assert.deepEqual(steps([(await onSecond.next()) as never]), [[1, "PENDING"]]);
    // The first instance cancels it: the second hears of it from the database, not from its own memory.
    const cancelled = await orders.cancelOrder({ orderId: id }, { headers: { ...asCustomer(alice), "idempotency-key": randomUUID() } });
    assert.equal(cancelled.order?.statusReason, "cancelled by the customer");
    assert.deepEqual(steps(await onSecond.rest()), [[2, "CANCELLED"]]);
  } finally {
    go();
    onSecond.close();
    await second.stop();
  }
});
