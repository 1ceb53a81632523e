import assert from "node:assert/strict";
import { signUp } from "./auth.js";
import { acceptedIds, describeAttempt, onHand, outcomeCounts, settleAndCheck, unansweredButAccepted } from "./chaos.js";
import { recordResult } from "./chaos-results.js";
import { type Attempt, chaosRate, describeLoad, LOAD_PRODUCTS, type OrderClient, startOrderLoad } from "./load.js";
import type { Stack } from "./stack.js";

export const SIGTERM_LOAD = { perSecond: chaosRate(10), durationMs: 6_000 };

/**
 * Steady order load; SIGTERM to one process once ten orders are in; the
 * process must exit 0; it is started again while the load goes on. Resolves
 * the clients' first attempts, when the process was signalled and when it
 * was back, and the unanswered attempts the server had nevertheless taken.
 */
export async function sigtermUnderLoad(stack: Stack, client: OrderClient, name: "gateway" | "orders" | "catalog") {
  const customers = await Promise.all(Array.from({ length: 3 }, () => signUp(stack.gatewayUrl)));
  const onHandBefore = await onHand(stack, LOAD_PRODUCTS);
  const started = Date.now();
  const load = startOrderLoad(client, { customers, ...SIGTERM_LOAD });
  await stack.waitFor(async () => (acceptedIds(load.attempts).length >= 10 ? true : undefined), "ten orders accepted before the SIGTERM");

  const exitCode = new Promise<number | null>((resolve) => stack.group.children.get(name)?.once("exit", (code) => resolve(code)));
  stack.group.signal(name, "SIGTERM");
  const stoppedAt = Date.now();
  assert.equal(await exitCode, 0, `${name} exits cleanly on SIGTERM`);
  await stack.restart(name);
  const backAt = Date.now();
  const attempts = await load.done;
  return { customers, onHandBefore, started, stoppedAt, backAt, attempts, accepted: await unansweredButAccepted(stack, attempts) };
}

export type SigtermRun = Awaited<ReturnType<typeof sigtermUnderLoad>>;

/**
 * Settles and checks a SIGTERM run (settleAndCheck), records it, and
 * resolves every problem: the `wrong` attempts the scenario found, then the
 * invariants'.
 */
export async function finishSigterm(stack: Stack, client: OrderClient, scenario: string, run: SigtermRun, wrong: Attempt[], notes: string) {
  const { ids, states, settledAt, problems } = await settleAndCheck(stack, client, run.attempts, run.onHandBefore);
  const all = [...wrong.map((a) => describeAttempt(stack, a, run.stoppedAt)), ...problems];
  await recordResult({
    scenario,
    load: describeLoad(SIGTERM_LOAD, run.customers.length),
    fault: `SIGTERM (exit 0), started again: ${((run.backAt - run.stoppedAt) / 1000).toFixed(1)} s without it`,
    durationMs: settledAt - run.started,
    outcomes: outcomeCounts(run.attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - run.backAt,
    problems: all,
    notes,
  });
  return all;
}
