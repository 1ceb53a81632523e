import assert from "node:assert/strict";
import { test } from "node:test";
import { acceptedIds, describeAttempt, outcomeCounts, settleAndCheck, unexpectedAnswer } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { chaosRate, describeLoad, startOrderLoad } from "../../src/harness/load.js";
import { parseMetrics } from "../../src/harness/metrics-text.js";

// Consumer instances join and leave their groups while orders come in: the
// partitions move (a rebalance), and whatever a leaving or joining member
// had read but not committed is delivered again to the member that takes
// the partition over. processed_events makes each event apply once.

const LOAD = { perSecond: chaosRate(10), durationMs: 30_000 };
const CONSUMERS = ["inventory", "payments"] as const;

const chaos = chaosFixture({ customers: 4 });

/** Messages an instance settled, by outcome (processed, duplicate, …), from its /metrics. */
async function settled(metricsUrl: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of parseMetrics(await (await fetch(metricsUrl)).text())) {
    if (sample.name !== "messaging_process_duration_seconds_count") continue;
    const outcome = sample.labels.outcome ?? "";
    counts[outcome] = (counts[outcome] ?? 0) + sample.value;
  }
  return counts;
}

test("a second inventory and payments instance joins under load and leaves again: no event is lost or applied twice", async () => {
  const started = Date.now();
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });
  await chaos.stack.waitFor(
    async () => (acceptedIds(load.attempts).length >= 10 ? true : undefined),
    "ten orders accepted before the first rebalance",
  );

  const joinedAt = Date.now();
  const extras = await Promise.all(CONSUMERS.map((name) => chaos.stack.startExtraConsumer(name)));
  // Each joined member got partitions: it applies events of its own.
  const byExtra = await Promise.all(
    extras.map((extra, i) =>
      chaos.stack.waitFor(
        async () => {
          const counts = await settled(extra.metricsUrl);
          return (counts.processed ?? 0) > 0 ? counts : undefined;
        },
        `the second ${CONSUMERS[i]} instance to apply events of its partitions`,
        30_000,
      ),
    ),
  );
  // Some more load with both members, then each extra leaves (SIGTERM: a graceful stop, leaving the group).
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const finalByExtra = await Promise.all(extras.map((extra) => settled(extra.metricsUrl)));
  const leftAt = Date.now();
  await Promise.all(extras.map((extra) => extra.stop()));
  const attempts = await load.done;

  const wrong = attempts.filter((a) => a.failure || unexpectedAnswer(a));
  const { ids, retries, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, attempts, chaos.onHandBefore);
  const originals = await Promise.all(CONSUMERS.map((name) => settled(chaos.stack.metricsUrls[name])));
  const duplicates = [...originals, ...finalByExtra].reduce((sum, counts) => sum + (counts.duplicate ?? 0), 0);
  await recordResult({
    scenario: "rebalance: inventory and payments +1 instance, then −1",
    load: describeLoad(LOAD, chaos.customers.length),
    fault: `second instances joined at ${((joinedAt - started) / 1000).toFixed(0)} s, left at ${((leftAt - started) / 1000).toFixed(0)} s`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - leftAt,
    problems: [...wrong.map((a) => describeAttempt(chaos.stack, a, joinedAt)), ...problems],
    notes:
      `the second instances applied ${CONSUMERS.map((name, i) => `${name} ${finalByExtra[i]?.processed ?? 0}`).join(", ")} events; ` +
      `${duplicates} redelivered events were recognised as already applied; ${retries.length} refused orders retried`,
  });
  assert.deepEqual(
    wrong.map((a) => describeAttempt(chaos.stack, a, joinedAt)),
    [],
  );
  assert.deepEqual(problems, [], "every accepted order ended once, stock is conserved and nothing was charged twice");
  for (const [i, counts] of byExtra.entries()) assert.ok((counts.processed ?? 0) > 0, `${CONSUMERS[i]}'s second instance took partitions`);
  for (const [i, counts] of originals.entries())
    assert.equal(counts.dead_lettered ?? 0, 0, `${CONSUMERS[i]} parked no event: a rebalance is not a failure`);
});
