import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { signUp } from "../../src/harness/auth.js";
import { outcomeCounts, settleAndCheck } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { type Attempt, chaosRate, describeLoad, startOrderLoad } from "../../src/harness/load.js";

const CONCURRENT = 50;
const LOAD = { perSecond: chaosRate(10), durationMs: 4_000 };

const chaos = chaosFixture({ customers: 3 });

/** Answers other than "202 with the order's id" and "409 while the key is in flight". */
const unexpected = (answers: Attempt[], id: string | undefined) =>
  answers.filter((a) => !(a.answer?.status === 202 && a.answer.id === id) && a.answer?.status !== 409);

test(`${CONCURRENT} concurrent POST /v1/orders with one Idempotency-Key, twice, under load: one order, every answer 202 with its id or 409`, async () => {
  const started = Date.now();
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });
  const buyer = await signUp(chaos.stack.gatewayUrl);
  const key = randomUUID();
  const storm = () => Promise.all(Array.from({ length: CONCURRENT }, () => chaos.client.post(buyer, "p-000007", key)));

  const first = await storm();
  const id = first.find((a) => a.answer?.status === 202)?.answer?.id;
  // Once the first has committed, the same storm replays it (or meets a replay holding the key: 409).
  const second = await storm();
  const attempts = await load.done;

  assert.ok(id, "one of the first storm's requests was accepted");
  assert.deepEqual(unexpected(first, id), []);
  assert.deepEqual(unexpected(second, id), []);
  assert.ok(
    second.some((a) => a.answer?.replayed),
    "the second storm replays the order",
  );
  const { ids, states, settledAt, problems } = await settleAndCheck(
    chaos.stack,
    chaos.client,
    [...attempts, ...first, ...second],
    chaos.onHandBefore,
  );
  await recordResult({
    scenario: "4. one Idempotency-Key, 50 concurrent POSTs",
    load: `${describeLoad(LOAD, chaos.customers.length)}, plus 2 × ${CONCURRENT} concurrent POSTs with one key`,
    fault: "the same Idempotency-Key sent 50 times at once, twice",
    durationMs: settledAt - started,
    outcomes: outcomeCounts([...attempts, ...first, ...second]),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - Math.max(...[...attempts, ...second].map((a) => a.endedAt)),
    problems,
    notes: `the key's storms: first ${JSON.stringify(outcomeCounts(first))}, second ${JSON.stringify(outcomeCounts(second))} (${second.filter((a) => a.answer?.replayed).length} replays); one order`,
  });
  assert.deepEqual(problems, []);
});
