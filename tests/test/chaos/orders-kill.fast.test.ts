import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptedIds, describeAttempt, outcomeCounts, settleAndCheck, unexpectedAnswer } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { type Attempt, chaosRate, describeLoad, LOAD_PRODUCTS, startOrderLoad } from "../../src/harness/load.js";

// Fast since D2 was fixed (docs/reliability.md): a restarted orders serves
// RPCs before its consumer group join, which waits for the killed member's
// session to expire (10 s).

const LOAD = { perSecond: chaosRate(10), durationMs: 8_000 };

const chaos = chaosFixture({ customers: 4 });

test("orders killed (SIGKILL) under load and restarted: refusals are 503/504 problems, a retry with the same key makes one order, every accepted order ends once", async () => {
  const started = Date.now();
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });
  await chaos.stack.waitFor(
    async () => (acceptedIds(load.attempts).length >= 10 ? true : undefined),
    "ten orders accepted before the fault",
  );

  chaos.stack.group.signal("orders", "SIGKILL");
  await chaos.stack.group.exited("orders");
  const killedAt = Date.now();
  await chaos.stack.waitFor(
    async () => (load.attempts.some((a) => a.startedAt > killedAt && a.answer) ? true : undefined),
    "an answer while orders is down",
  );
  await chaos.stack.restart("orders");
  const restartedAt = Date.now();
  const attempts = await load.done;

  // The gateway stayed up: no request may hang or lose its connection, and
  // what orders could not take is a problem a client knows to retry.
  const wrong = attempts.filter((a) => a.failure || unexpectedAnswer(a));
  const refused = attempts.filter((a) => a.answer?.status !== 202);
  const { ids, retries, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, attempts, chaos.onHandBefore);
  await recordResult({
    scenario: "1. orders SIGKILL + restart",
    load: describeLoad(LOAD, chaos.customers.length),
    fault: `orders down ${((restartedAt - killedAt) / 1000).toFixed(1)} s (SIGKILL → serving again)`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - restartedAt,
    problems: [...wrong.map((a) => describeAttempt(chaos.stack, a, killedAt)), ...problems],
    notes:
      `${refused.length} refused orders retried with their Idempotency-Key after the restart, one order each ` +
      `(${retries.filter((r) => r.answer?.replayed).length} replayed an order committed before the kill)`,
  });
  assert.deepEqual(
    wrong.map((a) => describeAttempt(chaos.stack, a, killedAt)),
    [],
  );
  assert.ok(refused.length > 0, "some orders were refused while orders was down");
  assert.deepEqual(problems, []);
});

test("a call in flight when orders dies is answered 503 with Retry-After, not 499", async () => {
  // With the catalog frozen, orders has read each call and waits on the catalog's prices when it dies.
  chaos.stack.group.signal("catalog", "SIGSTOP");
  let answers: Attempt[];
  try {
    const inFlight = chaos.customers.map((customer, i) => chaos.client.post(customer, LOAD_PRODUCTS[i] as string));
    await new Promise((resolve) => setTimeout(resolve, 500));
    chaos.stack.group.signal("orders", "SIGKILL");
    answers = await Promise.all(inFlight);
  } finally {
    chaos.stack.group.signal("catalog", "SIGCONT");
  }

  assert.deepEqual(answers.map(unexpectedAnswer).filter(Boolean), []);
});
