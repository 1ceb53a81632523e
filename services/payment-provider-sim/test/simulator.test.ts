import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, afterEach, before, test } from "node:test";
import { eventually, type RunningSimulator, startSimulator } from "./simulator-process.js";

interface Charge {
  id: string;
  order_id: string;
  amount_minor: number;
  currency: string;
  status: "captured" | "declined";
  created_at: string;
}

/** A charge, or the problem+json answered instead. */
type ChargeAnswer = Charge & { type?: string; errors?: { field: string; description: string }[] };

interface Stats {
  requests: Record<string, number>;
  charges: number;
  held: number;
}

let sim: RunningSimulator;
before(async () => {
  sim = await startSimulator();
});
afterEach(async () => {
  await sim.call("POST", "/control/reset");
});
after(async () => {
  await sim.stop();
});

const newOrder = () => ({ order_id: `order-${randomUUID()}`, amount_minor: 4_250, currency: "EUR" });
/** Asks for a charge, under a new Idempotency-Key unless given one (`null`: none at all). */
const charge = (body: unknown, key: string | null = randomUUID(), signal?: AbortSignal) =>
  sim.call<ChargeAnswer>("POST", "/v1/charges", {
    body,
    headers: key === null ? {} : { "Idempotency-Key": key },
    ...(signal ? { signal } : {}),
  });
const chargesOf = async (orderId: string) =>
  (await sim.call<{ charges: Charge[] }>("GET", `/v1/charges?order_id=${encodeURIComponent(orderId)}`)).body.charges;
const setKnobs = async (knobs: Record<string, unknown>) => assert.equal((await sim.call("PUT", "/control", { body: knobs })).status, 200);
const stats = async () => (await sim.call<Stats>("GET", "/control/stats")).body;

test("charges once per Idempotency-Key and replays that charge when the key comes again", async () => {
  const order = newOrder();
  const key = randomUUID();

  const first = await charge(order, key);
  const again = await charge({ currency: order.currency, amount_minor: order.amount_minor, order_id: order.order_id }, key);

  assert.equal(first.status, 201);
  assert.equal(first.headers.get("idempotent-replayed"), null);
  assert.deepEqual(
    { ...first.body, id: undefined, created_at: undefined },
    { ...order, status: "captured", id: undefined, created_at: undefined },
  );
  assert.equal(again.status, 200);
  assert.equal(again.headers.get("idempotent-replayed"), "true");
  assert.deepEqual(again.body, first.body);
  assert.deepEqual(await chargesOf(order.order_id), [first.body]);
});

test("a charge can be read back by id; an unknown id is 404", async () => {
  const created = await charge(newOrder());

  const read = await sim.call<Charge>("GET", `/v1/charges/${created.body.id}`);
  const missing = await sim.call("GET", "/v1/charges/ch_nothing_here");

  assert.deepEqual([read.status, read.body], [200, created.body]);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get("content-type") ?? "", /^application\/problem\+json/);
});

test("answers 422 when an Idempotency-Key comes back with a different request, and charges nothing more", async () => {
  const order = newOrder();
  const other = newOrder();
  const key = randomUUID();
  await charge(order, key);

  const reused = await charge({ ...order, amount_minor: order.amount_minor + 1 }, key);
  const reusedForAnotherOrder = await charge(other, key);

  assert.equal(reused.status, 422);
  assert.equal(reused.body.type, "https://emporium.dev/problems/idempotency-key-reused");
  assert.equal(reusedForAnotherOrder.status, 422);
  assert.equal((await chargesOf(order.order_id)).length, 1);
  assert.deepEqual(await chargesOf(other.order_id), []);
});

test("answers 400 problem+json naming the missing Idempotency-Key and each bad field", async () => {
  const order = newOrder();

  const noKey = await charge(order, null);
  const badFields = await charge({ order_id: "", amount_minor: 12.5, currency: "eur" });
  const notJson = await sim.call("POST", "/v1/charges", { body: "{not json", headers: { "Idempotency-Key": randomUUID() } });

  assert.equal(noKey.status, 400);
  assert.match(noKey.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.deepEqual(noKey.body.errors, [{ field: "Idempotency-Key", description: "is required" }]);
  assert.equal(badFields.status, 400);
  assert.deepEqual(
    badFields.body.errors?.map((e) => e.field),
    ["order_id", "amount_minor", "currency"],
  );
  assert.equal(notJson.status, 400);
  assert.deepEqual(notJson.body.errors, [{ field: "body", description: "is not valid JSON" }]);
  assert.deepEqual(await chargesOf(order.order_id), []);
});

test("with error_rate 1 every provider call fails with 500 and nothing is charged", async () => {
  await setKnobs({ error_rate: 1 });
  const order = newOrder();

  const attempts = [await charge(order), await charge(order)];

  assert.deepEqual(
    attempts.map((a) => a.status),
    [500, 500],
  );
  assert.deepEqual(await chargesOf(order.order_id), []);
});

test("with timeout_rate 1 the call is never answered: a client with a 300 ms timeout gives up, and the simulator lets go", async () => {
  await setKnobs({ timeout_rate: 1 });
  const order = newOrder();

  await assert.rejects(charge(order, randomUUID(), AbortSignal.timeout(300)), { name: "TimeoutError" });

  assert.equal((await stats()).requests["POST /v1/charges"], 1);
  await eventually(async () => ((await stats()).held === 0 ? true : undefined), "the held request to be released");
  assert.deepEqual(await chargesOf(order.order_id), []);
});

test("with decline_rate 1 new charges are declined, a business answer rather than an error", async () => {
  await setKnobs({ decline_rate: 1 });
  const order = newOrder();

  const declined = await charge(order);

  assert.equal(declined.status, 201);
  assert.equal(declined.body.status, "declined");
  assert.deepEqual(await chargesOf(order.order_id), [declined.body]);
});

test("with faults_after_charge a 500 hides a charge that was made, and a retry with the same key replays it", async () => {
  await setKnobs({ error_rate: 1, faults_after_charge: true });
  const order = newOrder();
  const key = randomUUID();

  const lost = await charge(order, key);
  const [charged] = await chargesOf(order.order_id);
  await setKnobs({ error_rate: 0 });
  const retried = await charge(order, key);

  assert.equal(lost.status, 500);
  assert.ok(charged, "the provider charged although it answered 500");
  assert.equal(retried.status, 200);
  assert.equal(retried.headers.get("idempotent-replayed"), "true");
  assert.deepEqual(retried.body, charged);
  assert.equal((await chargesOf(order.order_id)).length, 1);
});

test("the same seed draws the same faults", async () => {
  const run = async () => {
    await setKnobs({ error_rate: 0.5, seed: 42 });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await charge(newOrder())).status);
    return statuses;
  };

  const first = await run();
  const second = await run();

  assert.deepEqual(second, first);
  assert.ok(first.includes(500) && first.includes(201), `a mix of outcomes: ${first.join(", ")}`);
});

test("PUT /control changes only the knobs it names and rejects unknown or out-of-range ones", async () => {
  const changed = await sim.call("PUT", "/control", { body: { latency_ms: 5, decline_rate: 0.25 } });
  const rejected = await sim.call<{ errors: { field: string }[] }>("PUT", "/control", { body: { errorRate: 1, timeout_rate: 2 } });
  const current = await sim.call("GET", "/control");

  assert.equal(changed.status, 200);
  assert.deepEqual(current.body, {
    latency_ms: 5,
    error_rate: 0,
    timeout_rate: 0,
    decline_rate: 0.25,
    seed: 1,
    faults_after_charge: false,
  });
  assert.equal(rejected.status, 400);
  assert.deepEqual(rejected.body.errors.map((e) => e.field).sort(), ["errorRate", "timeout_rate"]);
});

test("counts requests per route, and a reset restores the knobs and forgets charges and counts", async () => {
  const order = newOrder();
  const created = await charge(order);
  await charge(newOrder());
  await sim.call("GET", `/v1/charges/${created.body.id}`);
  await setKnobs({ error_rate: 1, latency_ms: 10 });
  const before = await stats();

  const reset = await sim.call("POST", "/control/reset");
  const after = await stats();

  assert.equal(before.requests["POST /v1/charges"], 2);
  assert.equal(before.requests["GET /v1/charges/{id}"], 1);
  assert.ok(before.charges >= 2);
  assert.deepEqual(reset.body, { latency_ms: 0, error_rate: 0, timeout_rate: 0, decline_rate: 0, seed: 1, faults_after_charge: false });
  assert.deepEqual(after, { requests: { "GET /control/stats": 1 }, charges: 0, held: 0 });
  assert.deepEqual(await chargesOf(order.order_id), []);
  assert.equal((await sim.call("GET", "/healthz")).status, 200);
});

test("on SIGTERM finishes the request in flight, answers held ones, and exits 0", async () => {
  const own = await startSimulator();
  try {
    await own.call("PUT", "/control", { body: { latency_ms: 300 } });
    const inFlight = own.call<Charge>("POST", "/v1/charges", { body: newOrder(), headers: { "Idempotency-Key": randomUUID() } });
    await eventually(
      async () => ((await own.call<Stats>("GET", "/control/stats")).body.requests["POST /v1/charges"] ? true : undefined),
      "the charge to arrive",
    );

    own.process.kill("SIGTERM");

    assert.equal((await inFlight).status, 201);
    assert.equal(await own.exited, 0);
  } finally {
    await own.stop();
  }
});

test("on SIGTERM a request held by timeout_rate gets 503 at once, so the shutdown does not wait for the hold cap", async () => {
  const own = await startSimulator();
  try {
    await own.call("PUT", "/control", { body: { timeout_rate: 1 } });
    const held = own.call("POST", "/v1/charges", { body: newOrder(), headers: { "Idempotency-Key": randomUUID() } });
    await eventually(
      async () => ((await own.call<Stats>("GET", "/control/stats")).body.held === 1 ? true : undefined),
      "the charge to be held",
    );

    own.process.kill("SIGTERM");

    assert.equal((await held).status, 503);
    assert.equal(await own.exited, 0);
  } finally {
    await own.stop();
  }
});
