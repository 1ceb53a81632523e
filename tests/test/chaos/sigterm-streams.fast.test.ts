import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { retryDelayMsOf } from "@emporium/platform/rpc/retry-hint";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { firstOrderThrough, heldOrder, settled } from "../../src/harness/saga.js";
import { eventsOf, openSse, type SseItem } from "../../src/harness/sse.js";
import { type Stack, startStack } from "../../src/harness/stack.js";
import { ordersAt, steps, watch } from "../../src/harness/watch.js";

// A graceful stop of the process serving a stream ends it with a retry hint,
// and the client, resuming from the last sequence it saw, misses nothing.
const ENV = { ORDERS_WATCH_RETRY_MS: "700", GATEWAY_SSE_RETRY_MS: "900" };
let stack: Stack;
let alice: SignedIn;
before(async () => {
  stack = await startStack({ env: ENV });
  alice = await signUp(stack.gatewayUrl);
  await firstOrderThrough(stack, alice);
});
after(async () => {
  await stack?.stop();
});

const isEvent = (item: SseItem) => item.kind === "event";
const eventsUrl = (base: string, id: string) => `${base}/v1/orders/${id}/events`;

test("SIGTERM to the orders instance serving a watch: Unavailable with a RetryInfo; resumed on another instance, nothing is missed", async () => {
  const second = await stack.startExtraConsumer("orders", ENV);
  const { id, go } = await heldOrder(stack, alice, "p-000002");
  try {
    const stream = watch(ordersAt(second.url), alice, id);
    assert.deepEqual(steps([(await stream.next()) as never]), [[1, "PENDING"]]);
    second.signal("SIGTERM");
    const ended = await stream.next().then(
      () => assert.fail("the stream went on"),
      (error: unknown) => ConnectError.from(error),
    );
    assert.equal(ended.code, Code.Unavailable, ended.message);
    assert.equal(retryDelayMsOf(ended), 700, "the retry hint of ORDERS_WATCH_RETRY_MS");
    await second.exited();
    // The saga goes on while the client is away; it comes back to the other instance.
    go();
    await settled(stack, alice, id);
    assert.deepEqual(steps(await watch(ordersAt(stack.ordersUrl), alice, id, 1).rest()), [
      [2, "AWAITING_PAYMENT"],
      [3, "CONFIRMED"],
    ]);
  } finally {
    go();
    await second.stop();
  }
});

test("SIGTERM to the orders service behind an SSE stream: the gateway ends it with the service's retry hint; a reconnect resumes", async () => {
  const { id, go } = await heldOrder(stack, alice, "p-000003");
  try {
    const stream = await openSse(eventsUrl(stack.gatewayUrl, id), alice.auth);
    assert.equal(stream.status, 200);
    const opened = await stream.until(isEvent);
    stack.group.signal("orders", "SIGTERM");
    const rest = await stream.rest();
    assert.deepEqual(
      eventsOf(opened).map((e) => e.id),
      ["1"],
    );
    assert.deepEqual(
      rest.filter((item) => item.kind === "retry"),
      [{ kind: "retry", ms: 700 }],
      "the orders instance's hint",
    );
    assert.deepEqual(eventsOf(rest), [], "no event after the stop");
    await stack.group.exited("orders");
    await stack.restart("orders");
    go();
    const resumed = await stack.waitFor(async () => {
      const again = await openSse(eventsUrl(stack.gatewayUrl, id), { ...alice.auth, "Last-Event-ID": "1" });
      return again.status === 200 ? again : undefined;
    }, "the stream to open again");
    assert.deepEqual(
      eventsOf(await resumed.rest()).map((e) => [e.id, e.data.status]),
      [
        ["2", "ORDER_STATUS_AWAITING_PAYMENT"],
        ["3", "ORDER_STATUS_CONFIRMED"],
      ],
    );
  } finally {
    go();
  }
});

test("SIGTERM to the gateway serving an SSE stream: it ends with a retry hint; the client resumes at another gateway, missing nothing", async () => {
  const second = await stack.startExtraGateway(ENV);
  const { id, go } = await heldOrder(stack, alice, "p-000004");
  try {
    const stream = await openSse(eventsUrl(second.url, id), alice.auth);
    assert.equal(stream.status, 200);
    assert.deepEqual(
      eventsOf(await stream.until(isEvent)).map((e) => e.id),
      ["1"],
    );
    second.signal("SIGTERM");
    const rest = await stream.rest();
    assert.deepEqual(
      rest.filter((item) => item.kind === "retry"),
      [{ kind: "retry", ms: 900 }],
    );
    assert.ok(rest.some((item) => item.kind === "comment" && /shutting down/.test(item.text)));
    await second.exited();
    // Changes while the client is away are kept for it.
    go();
    await settled(stack, alice, id);
    const resumed = await openSse(eventsUrl(stack.gatewayUrl, id), { ...alice.auth, "Last-Event-ID": "1" });
    assert.deepEqual(
      eventsOf(await resumed.rest()).map((e) => [e.id, e.data.status]),
      [
        ["2", "ORDER_STATUS_AWAITING_PAYMENT"],
        ["3", "ORDER_STATUS_CONFIRMED"],
      ],
    );
  } finally {
    go();
    await second.stop();
  }
});
