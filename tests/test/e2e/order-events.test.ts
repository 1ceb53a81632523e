import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { firstOrderThrough, heldOrder, placeOrder, settled } from "../../src/harness/saga.js";
import { eventsOf, openSse, type SseItem } from "../../src/harness/sse.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// GET /v1/orders/{id}/events: the order's status changes as Server-Sent Events.
let stack: Stack;
let alice: SignedIn;
before(async () => {
  stack = await startStack({
    env: {
      GATEWAY_SSE_HEARTBEAT_MS: "200",
      GATEWAY_SSE_RETRY_MS: "1500",
      GATEWAY_SSE_MAX_STREAMS_PER_CALLER: "2",
      GATEWAY_SSE_MAX_STREAMS: "4",
      // Fewer reads in flight than streams allowed: an open stream must not hold a read slot.
      GATEWAY_ADMISSION_READ: "3/0",
    },
  });
  alice = await signUp(stack.gatewayUrl);
  await firstOrderThrough(stack, alice);
});
after(async () => {
  await stack?.stop();
});

const eventsUrl = (id: string, query = "") => `${stack.gatewayUrl}/v1/orders/${id}/events${query}`;
const isEvent = (item: SseItem) => item.kind === "event";

test("an SSE client sees PENDING → AWAITING_PAYMENT → CONFIRMED with increasing ids, then the stream ends", async () => {
  const { id, go } = await heldOrder(stack, alice, "p-000001");
  let items: SseItem[];
  const stream = await openSse(eventsUrl(id), alice.auth);
  try {
    assert.equal(stream.status, 200, stream.body);
    assert.equal(stream.headers.get("content-type"), "text/event-stream; charset=utf-8");
    assert.equal(stream.headers.get("cache-control"), "no-store, no-transform");
    assert.equal(stream.headers.get("content-encoding"), null, "events are never compressed (each is flushed as it comes)");
    const first = await stream.until(isEvent);
    assert.deepEqual(first[0], { kind: "retry", ms: 1500 }, "the stream opens with its retry hint");
    go();
    items = [...first, ...(await stream.rest())];
  } finally {
    go();
    stream.close();
  }
  const events = eventsOf(items);
  assert.deepEqual(
    events.map((e) => [e.id, e.data.status]),
    [
      ["1", "ORDER_STATUS_PENDING"],
      ["2", "ORDER_STATUS_AWAITING_PAYMENT"],
      ["3", "ORDER_STATUS_CONFIRMED"],
    ],
  );
  // The data is the order as GET /v1/orders/{id} gives it: snake_case, product names filled.
  const got = await request(`${stack.gatewayUrl}/v1/orders/${id}`, { headers: alice.auth });
  assert.deepEqual(events.at(-1)?.data, got.body);
  assert.notEqual(events[0]?.data.lines[0].product_name, "", "from the first event on");
});

test("a reconnect with Last-Event-ID (or ?after_sequence=) sends only what came after it; after the last event it is a 204", async () => {
  const id = await placeOrder(stack, alice, [{ product_id: "p-000002", quantity: 1 }]);
  await settled(stack, alice, id);

  const fresh = await openSse(eventsUrl(id), alice.auth);
  assert.deepEqual(
    eventsOf(await fresh.rest()).map((e) => [e.id, e.data.status]),
    [["3", "ORDER_STATUS_CONFIRMED"]],
    "a new watch of a finished order: where it stands, then the end",
  );

  const resumed = await openSse(eventsUrl(id), { ...alice.auth, "Last-Event-ID": "1" });
  assert.deepEqual(
    eventsOf(await resumed.rest()).map((e) => [e.id, e.data.status]),
    [
      ["2", "ORDER_STATUS_AWAITING_PAYMENT"],
      ["3", "ORDER_STATUS_CONFIRMED"],
    ],
  );

  const byQuery = await openSse(eventsUrl(id, "?after_sequence=2"), alice.auth);
  assert.deepEqual(
    eventsOf(await byQuery.rest()).map((e) => e.id),
    ["3"],
  );
  const headerWins = await openSse(eventsUrl(id, "?after_sequence=1"), { ...alice.auth, "Last-Event-ID": "2" });
  assert.deepEqual(
    eventsOf(await headerWins.rest()).map((e) => e.id),
    ["3"],
    "an EventSource reconnects to its first URL with the newer Last-Event-ID",
  );

  const done = await openSse(eventsUrl(id), { ...alice.auth, "Last-Event-ID": "3" });
  assert.equal(done.status, 204, "nothing after the terminal event: an EventSource stops reconnecting");
});

test("a stream sends heartbeat comments while the order waits", async () => {
  const { id, go } = await heldOrder(stack, alice, "p-000001");
  const stream = await openSse(eventsUrl(id), alice.auth);
  try {
    await stream.until(isEvent);
    const beats = await stream.until((item) => item.kind === "comment" && item.text === "heartbeat");
    assert.ok(
      beats.every((item) => item.kind !== "event"),
      "no event while nothing changed",
    );
  } finally {
    go();
    stream.close();
  }
});

test("401 without a token, 404 for another customer's order or an unknown one, 400 for a bad id or Last-Event-ID", async () => {
  const id = await placeOrder(stack, alice, [{ product_id: "p-000003", quantity: 1 }]);
  const bob = await signUp(stack.gatewayUrl);
  const anonymous = await openSse(eventsUrl(id));
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.headers.get("www-authenticate"), "Bearer");
  const problem = (stream: { body: string }) => JSON.parse(stream.body) as { type: string; errors?: { field: string }[] };

  const notHis = await openSse(eventsUrl(id), bob.auth);
  assert.equal(notHis.status, 404);
  assert.equal(notHis.headers.get("content-type"), "application/problem+json; charset=utf-8");
  assert.equal(problem(notHis).type, "https://emporium.dev/problems/not-found");
  assert.equal((await openSse(eventsUrl(randomUUID()), alice.auth)).status, 404);

  const badId = await openSse(eventsUrl("not-a-uuid"), alice.auth);
  assert.equal(badId.status, 400);
  assert.equal(problem(badId).errors?.[0]?.field, "order_id");
  const badResume = await openSse(eventsUrl(id), { ...alice.auth, "Last-Event-ID": "x1" });
  assert.equal(badResume.status, 400);
  assert.equal(problem(badResume).errors?.[0]?.field, "Last-Event-ID");
  const pastTheEnd = await openSse(eventsUrl(id), { ...alice.auth, "Last-Event-ID": "99" });
  assert.equal(pastTheEnd.status, 400);
  assert.equal(problem(pastTheEnd).errors?.[0]?.field, "after_sequence");
});

test("open streams are bounded per caller (429 too-many-streams) and per gateway (503 streams-at-capacity), and hold no read slot", async () => {
  const bob = await signUp(stack.gatewayUrl);
  const carol = await signUp(stack.gatewayUrl);
  const { id: aliceOrder, go } = await heldOrder(stack, alice, "p-000001");
  const opened: Awaited<ReturnType<typeof openSse>>[] = [];
  try {
    const bobOrder = await placeOrder(stack, bob, [{ product_id: "p-000004", quantity: 1 }]);
    const carolOrder = await placeOrder(stack, carol, [{ product_id: "p-000004", quantity: 1 }]);
    const open = async (who: SignedIn, id: string) => {
      const stream = await openSse(eventsUrl(id), who.auth);
      opened.push(stream);
      if (stream.status === 200) await stream.until(isEvent);
      return stream;
    };
    // Four streams with three read slots: each gave its slot back once it was streaming.
    for (const [who, id] of [
      [alice, aliceOrder],
      [alice, aliceOrder],
      [bob, bobOrder],
      [bob, bobOrder],
    ] as const) {
      assert.equal((await open(who, id)).status, 200);
    }
    assert.equal(
      (await request(`${stack.gatewayUrl}/v1/orders/${aliceOrder}`, { headers: alice.auth })).status,
      200,
      "reads still get a slot",
    );
    const metrics = await (await fetch(stack.metricsUrls.gateway)).text();
    assert.match(metrics, /^emporium_gateway_event_streams 4$/m, "the gauge of open streams");

    const third = await open(alice, aliceOrder);
    assert.equal(third.status, 429);
    assert.equal(JSON.parse(third.body).type, "https://emporium.dev/problems/too-many-streams");
    assert.match(JSON.parse(third.body).detail, /2 streams open/);

    const full = await open(carol, carolOrder);
    assert.equal(full.status, 503);
    assert.equal(JSON.parse(full.body).type, "https://emporium.dev/problems/streams-at-capacity");
    assert.ok(full.headers.get("retry-after"), "a 503 says when to retry");

    // Closing a stream frees its slot.
    opened[0]?.close();
    const again = await stack.waitFor(async () => {
      const stream = await open(alice, aliceOrder);
      if (stream.status === 200) return stream;
      stream.close();
      return undefined;
    }, "a slot to free up after a stream closed");
    assert.equal(again.status, 200);
  } finally {
    go();
    for (const stream of opened) stream.close();
  }
});
