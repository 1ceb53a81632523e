import assert from "node:assert/strict";
import { randomBytes, randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { type SignedIn, signUp, TEST_PASSWORD } from "../../src/harness/auth.js";
import { request } from "../../src/harness/http.js";
import { invariantsOnceSettled, settled, stockOf } from "../../src/harness/saga.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Small bounds so that a burst of a few dozen requests is well past capacity,
// and production's scrypt cost so that each sign-up is real work (~0.4 s).
const ENV = {
  IDENTITY_SCRYPT_COST: String(2 ** 17),
  IDENTITY_HASH_MAX_IN_FLIGHT: "2",
  IDENTITY_HASH_MAX_QUEUE: "2",
  ORDERS_CREATE_MAX_IN_FLIGHT: "2",
  ORDERS_CREATE_MAX_QUEUE: "2",
};
const PRODUCTS = ["p-000016", "p-000017", "p-000018", "p-000019", "p-000020"];

let stack: Stack;
before(async () => {
  stack = await startStack({ env: ENV });
});
after(async () => {
  await stack?.stop();
});

type Answer = Awaited<ReturnType<typeof request>>;

/** A refusal as admission control answers it: 503 problem+json of type overloaded, with Retry-After. */
function assertOverloaded(answer: Answer): void {
  assert.equal(answer.status, 503);
  assert.match(answer.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.ok(Number(answer.headers.get("retry-after")) >= 1, `Retry-After: ${answer.headers.get("retry-after")}`);
  assert.equal(answer.body.type, "https://emporium.dev/problems/overloaded");
  assert.equal(answer.body.status, 503);
}

const statusCounts = (answers: Answer[]) =>
  Object.fromEntries(
    [...new Set(answers.map((a) => a.status))].map((status) => [status, answers.filter((a) => a.status === status).length]),
  );

test("a burst of sign-ups past hashing capacity: each is a 200 or a 503 with Retry-After, never a 504, and the refused created no account", async (t) => {
  const emails = Array.from({ length: 30 }, () => `burst-${randomBytes(6).toString("hex")}@example.com`);
  const answers = await Promise.all(
    emails.map((email) => request(`${stack.gatewayUrl}/v1/auth/signup`, { method: "POST", json: { email, password: TEST_PASSWORD } })),
  );

  const counts = statusCounts(answers);
  t.diagnostic(`answers by status: ${JSON.stringify(counts)}`);
  assert.deepEqual(
    Object.keys(counts).filter((status) => status !== "200" && status !== "503"),
    [],
    `answers: ${JSON.stringify(counts)}`,
  );
  assert.ok((counts[200] ?? 0) >= 1, `answers: ${JSON.stringify(counts)}`);
  assert.ok((counts[503] ?? 0) >= 1, `answers: ${JSON.stringify(counts)}`);
  for (const answer of answers) if (answer.status === 503) assertOverloaded(answer);

  const accepted = emails.filter((_, i) => answers[i]?.status === 200);
  const refused = emails.filter((_, i) => answers[i]?.status === 503);
  const pool = stack.pool("identity");
  try {
    const { rows } = await pool.query("SELECT email FROM users WHERE email = ANY($1::text[])", [emails]);
    assert.deepEqual(rows.map((row) => row.email as string).sort(), [...accepted].sort());
  } finally {
    await pool.end();
  }

  // A refusal changed nothing: the same email signs up now that the burst is over.
  const retried = await signUp(stack.gatewayUrl, refused[0]);
  assert.equal(retried.email, refused[0]);
});

test("a burst of orders past CreateOrder's bound: only 202s and 503s with Retry-After, and every accepted order reaches a terminal state", async (t) => {
  const customers: SignedIn[] = [];
  for (let i = 0; i < 4; i++) customers.push(await signUp(stack.gatewayUrl));
  const onHandBefore = new Map([...(await stockOf(stack, PRODUCTS))].map(([id, s]) => [id, s.on_hand]));

  const attempts = Array.from({ length: 60 }, (_, i) => ({
    who: customers[i % customers.length] as SignedIn,
    key: randomUUID(),
    items: [{ product_id: PRODUCTS[i % PRODUCTS.length], quantity: 1 }],
  }));
  const place = (attempt: (typeof attempts)[number]) =>
    request(`${stack.gatewayUrl}/v1/orders`, {
      method: "POST",
      json: { items: attempt.items },
      headers: { ...attempt.who.auth, "Idempotency-Key": attempt.key },
    });
  const answers = await Promise.all(attempts.map(place));

  const counts = statusCounts(answers);
  t.diagnostic(`answers by status: ${JSON.stringify(counts)}`);
  assert.deepEqual(
    Object.keys(counts).filter((status) => status !== "202" && status !== "503"),
    [],
    `answers: ${JSON.stringify(counts)}`,
  );
  assert.ok((counts[202] ?? 0) >= 1, `answers: ${JSON.stringify(counts)}`);
  assert.ok((counts[503] ?? 0) >= 1, `answers: ${JSON.stringify(counts)}`);
  for (const answer of answers) if (answer.status === 503) assertOverloaded(answer);

  // A refused order was never started: its Idempotency-Key is unused, so a retry is a first attempt.
  const refusedAt = answers.findIndex((answer) => answer.status === 503);
  const retry = await place(attempts[refusedAt] as (typeof attempts)[number]);
  assert.equal(retry.status, 202, JSON.stringify(retry.body));
  assert.equal(retry.headers.get("idempotent-replayed"), null);

  const accepted = answers.flatMap((answer, i) => (answer.status === 202 ? [{ id: String(answer.body.id), who: attempts[i]?.who }] : []));
  accepted.push({ id: String(retry.body.id), who: attempts[refusedAt]?.who });
  const orders = stack.pool("orders");
  try {
    const { rows } = await orders.query("SELECT count(*)::int AS n FROM orders WHERE customer_id = ANY($1::text[])", [
      customers.map((c) => c.userId),
    ]);
    assert.equal(rows[0].n, accepted.length, "an order exists for every 202 and for nothing else");
  } finally {
    await orders.end();
  }
  for (const { id, who } of accepted) await settled(stack, who as SignedIn, id);
  assert.deepEqual(
    await invariantsOnceSettled(
      stack,
      accepted.map((a) => a.id),
      onHandBefore,
    ),
    [],
  );
});
