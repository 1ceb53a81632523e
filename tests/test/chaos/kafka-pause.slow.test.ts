import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptedIds, outcomeCounts, settleAndCheck } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { localBrokerPid, withBrokerPaused } from "../../src/harness/kafka-broker.js";
import { chaosRate, describeLoad, LOAD_PRODUCTS, startOrderLoad } from "../../src/harness/load.js";

const PAUSE_MS = 30_000;
// The load runs inside the pause, which outlasts it by a few seconds.
const LOAD = { perSecond: chaosRate(5), durationMs: 25_000 };
const SETTLE_AFTER_RESUME_MS = 60_000;

const broker = localBrokerPid();
const chaos = chaosFixture({ customers: 3, when: () => broker !== undefined });

test(`Kafka frozen (SIGSTOP) for ${PAUSE_MS / 1000} s under load: orders are still accepted, and all reach a terminal state within ${SETTLE_AFTER_RESUME_MS / 1000} s of its return`, {
  skip: broker === undefined && "the broker is not the local one of deploy/local (KAFKA_BROKERS points elsewhere): not ours to pause",
}, async () => {
  const started = Date.now();
  const warmUp = await Promise.all(chaos.customers.map((customer, i) => chaos.client.post(customer, LOAD_PRODUCTS[i] as string)));
  assert.deepEqual(outcomeCounts(warmUp), { 202: warmUp.length });

  const pausedAt = Date.now();
  const duringPause = await withBrokerPaused(broker as number, async () => {
    const attempts = await startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD }).done;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, pausedAt + PAUSE_MS - Date.now())));
    return attempts;
  });
  const resumedAt = Date.now();

  // The saga's first step is a row and an outbox entry in orders' database: no broker needed.
  assert.deepEqual(outcomeCounts(duringPause), { 202: duringPause.length }, "every order placed during the pause is accepted");
  const attempts = [...warmUp, ...duringPause];
  const { ids, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, attempts, chaos.onHandBefore, {
    settleTimeoutMs: SETTLE_AFTER_RESUME_MS,
  });
  await recordResult({
    scenario: "2. Kafka paused",
    load: `${describeLoad(LOAD, chaos.customers.length)} (inside the pause), after ${warmUp.length} orders before it`,
    fault: `broker SIGSTOP for ${((resumedAt - pausedAt) / 1000).toFixed(1)} s`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - resumedAt,
    problems,
    notes: `${acceptedIds(duringPause).length} orders accepted while the broker was frozen; all terminal ${((settledAt - resumedAt) / 1000).toFixed(1)} s after it resumed`,
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(states, { CONFIRMED: ids.length });
});
