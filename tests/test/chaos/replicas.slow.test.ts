import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type SignedIn, signUp } from "../../src/harness/auth.js";
import { acceptedIds, onHand, outcomeCounts, untilTerminal } from "../../src/harness/chaos.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { eventually } from "../../src/harness/eventually.js";
import { type Attempt, chaosRate, LOAD_PRODUCTS, orderClient } from "../../src/harness/load.js";
import { REPLICATED, type ReplicasLauncher, startReplicas } from "../../src/harness/replicas-launcher.js";
import { invariantsOnceSettled } from "../../src/harness/saga.js";

// Copies of every process behind HAProxy (EMPORIUM_REPLICAS=2 npm start)
// under a steady order load: one killed with SIGKILL, and every copy
// restarted one at a time. Nothing accepted may be lost, nothing charged
// twice, stock conserved.
const COPIES = 2;
/** Orders per second (npm run test:chaos sets half the sustained rate, CHAOS_ORDERS_PER_SECOND). */
const RATE = chaosRate(10);
let launcher: ReplicasLauncher;
let customers: SignedIn[];
before(
  async () => {
    // The steady load comes from three customers: their write limit is raised.
    launcher = await startReplicas(COPIES, { RATE_LIMIT_WRITE: "100000/60" });
    customers = await Promise.all([1, 2, 3].map(() => signUp(launcher.gatewayUrl)));
  },
  { timeout: 5 * 60_000 },
);
after(async () => {
  await launcher?.stop();
});

/** The answers that were not 202, by status and problem type, for a failure message. */
const refusals = (attempts: Attempt[]) =>
  outcomeCounts(
    attempts
      .filter((a) => a.answer?.status !== 202)
      .map((a) => ({
        ...a,
        answer: a.answer && { ...a.answer, status: `${a.answer.status} ${a.answer.type ?? ""}` as unknown as number },
      })),
  );

/** Orders at RATE per second from the customers until `during` resolves; then every attempt, answered. */
async function steadyLoadDuring(during: () => Promise<void>): Promise<{ attempts: Attempt[]; loadMs: number }> {
  const client = orderClient(launcher.gatewayUrl);
  const pending: Promise<Attempt>[] = [];
  const started = Date.now();
  let sent = 0;
  const load = setInterval(() => {
    pending.push(client.post(customers[sent % customers.length] as SignedIn, LOAD_PRODUCTS[sent % LOAD_PRODUCTS.length] as string));
    sent++;
  }, 1000 / RATE);
  try {
    await during();
  } finally {
    clearInterval(load);
  }
  const loadMs = Date.now() - started;
  const attempts = await Promise.all(pending);
  client.close();
  return { attempts, loadMs };
}

/** Every accepted order terminal, then the saga's invariants; records the scenario for docs/reliability.md. */
async function settleAndRecord(
  scenario: string,
  fault: string,
  run: { attempts: Attempt[]; loadMs: number },
  onHandBefore: Map<string, number>,
) {
  const ids = acceptedIds(run.attempts);
  const faultEnded = Date.now();
  const { states, settledAt } = await untilTerminal(launcher.data, ids, 180_000);
  const problems = await invariantsOnceSettled(launcher.data, ids, onHandBefore);
  await recordResult({
    scenario,
    load: `${RATE} orders/s × ${(run.loadMs / 1000).toFixed(0)} s, ${customers.length} customers, ${COPIES} copies of every process`,
    fault,
    durationMs: settledAt - faultEnded + run.loadMs,
    outcomes: outcomeCounts(run.attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - faultEnded,
    problems,
  });
  return { states, problems };
}

test("kill -9 of one copy of every process at once: calls go to the other copies, each killed one is started again and rejoins, and every accepted order is CONFIRMED", async (t) => {
  const onHandBefore = await onHand(launcher.data, LOAD_PRODUCTS);
  const killed = new Map(REPLICATED.map((name) => [`${name}-1`, launcher.pidOf(`${name}-1`)]));
  const run = await steadyLoadDuring(async () => {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    for (const pid of killed.values()) process.kill(pid as number, "SIGKILL");
    for (const [name, pid] of killed) await launcher.backAfter(name, pid);
    // Then a little more load with every copy back.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  });
  for (const name of killed.keys())
    assert.ok(
      launcher.lines.some((line) => line.includes(`${name} exited (SIGKILL); starting it again`)),
      `${name} restarted`,
    );

  // Requests in flight at a killed copy at that moment may get no answer or a 502/503; the balancer retries only refused connections.
  const failed = run.attempts.filter((a) => a.answer?.status !== 202);
  t.diagnostic(`answers: ${JSON.stringify(outcomeCounts(run.attempts))}; refused or unanswered: ${JSON.stringify(refusals(run.attempts))}`);
  const { states, problems } = await settleAndRecord(
    "R1. kill -9 of one copy of every process",
    "SIGKILL of gateway-1, orders-1, inventory-1, catalog-1, identity-1, payments-1 together; each restarted by the launcher",
    run,
    onHandBefore,
  );
  assert.deepEqual(problems, []);
  assert.equal(states.CONFIRMED, acceptedIds(run.attempts).length, JSON.stringify(states));
  assert.ok(failed.length < run.attempts.length / 4, `most orders are accepted: ${JSON.stringify(refusals(run.attempts))}`);
  await eventually(async () => ((await launcher.servers()).every((s) => s.status.startsWith("UP")) ? true : undefined), "every copy UP");
});

// Twelve copies one after another, each drained, started and checked back in: past the 3-minute default per test.
test("a rolling restart of every copy, one at a time, under a steady load: every order is accepted, none fails at the client, and the saga's invariants hold", {
  timeout: 10 * 60_000,
}, async (t) => {
  const onHandBefore = await onHand(launcher.data, LOAD_PRODUCTS);
  const restartsBefore = launcher.lines.filter((line) => / exited \(.*\); starting it again/.test(line)).length;
  const run = await steadyLoadDuring(async () => {
    for (const name of REPLICATED)
      for (let k = 1; k <= COPIES; k++) {
        const copy = `${name}-${k}`;
        const pid = launcher.pidOf(copy);
        process.kill(pid as number, "SIGTERM");
        await launcher.backAfter(copy, pid);
      }
  });
  const restartLines = launcher.lines.filter((line) => / exited \(.*\); starting it again/.test(line)).slice(restartsBefore);
  t.diagnostic(restartLines.join("\n"));
  // A copy that did not drain within SHUTDOWN_TIMEOUT_MS exits 1 and names the step that held it ("stopping: …").
  t.diagnostic(
    launcher.lines.filter((line) => /shutdown timed out|shutdown step failed|stopping: /.test(line)).join("\n") ||
      "every copy drained within its shutdown timeout",
  );
  t.diagnostic(`answers: ${JSON.stringify(outcomeCounts(run.attempts))} over ${(run.loadMs / 1000).toFixed(0)} s`);
  assert.equal(restartLines.length, REPLICATED.length * COPIES, "every copy stopped and was started again");
  // A drain that runs into SHUTDOWN_TIMEOUT_MS exits 1 (an unreachable collector's span export did, until its flush got a budget).
  assert.deepEqual(
    restartLines.filter((line) => !line.includes("(code 0)")),
    [],
    "every copy drained and exited 0",
  );
  assert.deepEqual(
    outcomeCounts(run.attempts),
    { 202: run.attempts.length },
    `every order accepted, no error at the client: ${JSON.stringify(refusals(run.attempts))}`,
  );

  const { states, problems } = await settleAndRecord(
    "R2. rolling restart of every copy",
    "SIGTERM to each of the 12 copies in turn, the next once the last is back in the balancer",
    run,
    onHandBefore,
  );
  assert.deepEqual(problems, []);
  assert.equal(states.CONFIRMED, acceptedIds(run.attempts).length, JSON.stringify(states));
});
