import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
let alice: SignedIn;
let bob: SignedIn;
before(async () => {
  stack = await startStack();
  [alice, bob] = await Promise.all([signUp(stack.gatewayUrl), signUp(stack.gatewayUrl)]);
});
after(async () => {
  await stack?.stop();
});

const order = (productId = "p-000006") => ({ items: [{ product_id: productId, quantity: 1 }] });
/** POST /v1/orders keeping the raw body, to compare replays byte for byte. */
const post = async (who: SignedIn, key: string | undefined, body: unknown) => {
  const response = await fetch(`${stack.gatewayUrl}/v1/orders`, {
    method: "POST",
    headers: { ...who.auth, "content-type": "application/json", ...(key === undefined ? {} : { "Idempotency-Key": key }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
};
const ordersOf = async (who: SignedIn) =>
  (await request(`${stack.gatewayUrl}/v1/orders?page_size=100`, { headers: who.auth })).body.orders as { id: string }[];

test("a missing Idempotency-Key is a 400 naming it", async () => {
  const response = await post(alice, undefined, order());
  assert.equal(response.status, 400);
  assert.equal(JSON.parse(response.text).errors[0].field, "Idempotency-Key");
});

test("the same key and body replay the first response byte for byte, saying so; one order exists", async () => {
  const key = randomUUID();
  const before = (await ordersOf(alice)).length;
  const first = await post(alice, key, order());
  const second = await post(alice, key, order());

  assert.equal(first.status, 202);
  assert.equal(second.status, 202);
  assert.equal(second.text, first.text);
  assert.equal(second.headers.get("location"), first.headers.get("location"));
  assert.equal(first.headers.get("idempotent-replayed"), null);
  assert.equal(second.headers.get("idempotent-replayed"), "true");
  assert.equal((await ordersOf(alice)).length, before + 1);
});

test("the same key with a different body is a 422", async () => {
  const key = randomUUID();
  assert.equal((await post(alice, key, order("p-000006"))).status, 202);
  const reused = await post(alice, key, order("p-000007"));
  assert.equal(reused.status, 422);
  assert.equal(JSON.parse(reused.text).type, "https://emporium.dev/problems/idempotency-key-reused");
});

test("keys are scoped to the caller: another customer's same key is their own order", async () => {
  const key = randomUUID();
  const mine = await post(alice, key, order());
  const theirs = await post(bob, key, order());
  assert.equal(theirs.status, 202);
  assert.equal(theirs.headers.get("idempotent-replayed"), null);
  assert.notEqual(JSON.parse(theirs.text).id, JSON.parse(mine.text).id);
});

test("a retry while the first request is still in flight is a 409, and once the first has finished it is a replay", async () => {
  const key = randomUUID();
  // The first request's statement holds the key's lock while it runs (a few ms: CreateOrder is one
  // statement); a test connection holds it the same way, for as long as the test needs.
  const orders = stack.pool("orders");
  const first = await orders.connect();
  try {
    await first.query("BEGIN");
    await first.query("SELECT idempotency_key_lock($1)", [`${alice.userId}:${key}`]);
    const retry = await post(alice, key, order());
    assert.equal(retry.status, 409);
    assert.equal(JSON.parse(retry.text).type, "https://emporium.dev/problems/conflict");
    await first.query("ROLLBACK");
  } finally {
    first.release();
    await orders.end();
  }
  // The lock is gone with its transaction: the key is free again, then recorded.
  const taken = await post(alice, key, order());
  assert.equal(taken.status, 202);
  assert.equal((await post(alice, key, order())).headers.get("idempotent-replayed"), "true");
});

test("50 concurrent POSTs with one key create one order", async () => {
  const customer = await signUp(stack.gatewayUrl);
  const key = randomUUID();
  const answers = await Promise.all(Array.from({ length: 50 }, () => post(customer, key, order())));
  const statuses = new Set(answers.map((a) => a.status));
  assert.ok(
    [...statuses].every((s) => s === 202 || s === 409),
    JSON.stringify([...statuses]),
  );
  const ids = new Set(answers.filter((a) => a.status === 202).map((a) => JSON.parse(a.text).id));
  assert.equal(ids.size, 1, "every accepted answer is the same order");
  assert.equal((await ordersOf(customer)).length, 1);
});
