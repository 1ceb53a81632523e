import type { SignedIn } from "@emporium/tests/harness/auth";
import { type OrderClient, startOrderLoad } from "@emporium/tests/harness/load";
import { percentile } from "./burst.js";
import { cpuPer, cpuSnapshot } from "./process-cpu.js";
import type { Backlog, SagaProbe } from "./saga-probe.js";

export interface StepResult {
  rate: number;
  accepted: number;
  refused: number;
  failed: number;
  p50: number;
  p99: number;
  confirmed: number;
  confirmP50: number;
  confirmP99: number;
  /** Orders still not terminal two minutes after the step. */
  unsettled: number;
  /** Backlog (outbox + consumer lag + payments waiting) sampled every 5 s. */
  backlog: Backlog[];
  /** The backlog at the end of the step in seconds of the step's own traffic at those hops. */
  secondsBehind: number;
  /** CPU ms per confirmed order, per process, from the step's start until its orders settled. */
  cpuPerOrder: Map<string, number>;
  held: boolean;
  why: string;
}

export const GOALS = { p99Ms: 100, confirmP99Ms: 1_000 };

/**
 * One step of the open-loop load: `rate` orders per second for `seconds`,
 * sent on schedule whatever the answers. Held means: every order accepted,
 * 202 p99 ≤ 100 ms, placed→CONFIRMED p99 ≤ 1 s, and the backlog behind the
 * API at the end of the step under one second of the traffic it counts (it
 * stopped growing rather than piling up). The backlog counts messages (an
 * order makes several at each hop) and payments; one second of it is what
 * those hops carried per second during the step, not the order rate.
 */
export async function sustainedStep(
  client: OrderClient,
  customers: SignedIn[],
  products: string[],
  probe: SagaProbe,
  pids: Map<string, number>,
  rate: number,
  seconds: number,
): Promise<StepResult> {
  const cpuBefore = await cpuSnapshot(pids);
  const carriedBefore = await probe.carried();
  const load = startOrderLoad(client, { customers, perSecond: rate, durationMs: seconds * 1000, products });
  const backlog: Backlog[] = [];
  const sampler = setInterval(() => void probe.backlog().then((b) => backlog.push(b)), 5_000);
  const attempts = await load.done;
  clearInterval(sampler);
  backlog.push(await probe.backlog());
  const carriedDuring = (await probe.carried()) - carriedBefore;
  const accepted = attempts.filter((a) => a.answer?.status === 202);
  const ids = accepted.flatMap((a) => (a.answer?.id ? [a.answer.id] : []));
  const unsettled = await probe.settle(ids);
  const cpuAfter = await cpuSnapshot(pids);
  const outcome = await probe.outcomes(ids);
  const cpuPerOrder = cpuPer(cpuBefore, cpuAfter, outcome.confirmed);
  const latencies = accepted.map((a) => a.endedAt - a.startedAt).sort((a, b) => a - b);
  const result = {
    rate,
    accepted: accepted.length,
    refused: attempts.filter((a) => a.answer && a.answer.status !== 202).length,
    failed: attempts.filter((a) => !a.answer).length,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    confirmed: outcome.confirmed,
    confirmP50: outcome.confirmP50,
    confirmP99: outcome.confirmP99,
    unsettled,
    backlog,
    cpuPerOrder,
  };
  const end = backlog.at(-1)?.total ?? 0;
  const secondsBehind = end / Math.max(1, (carriedDuring + accepted.length) / seconds);
  const why = [
    result.refused + result.failed > 0 ? `${result.refused + result.failed} not accepted` : "",
    result.p99 > GOALS.p99Ms ? `202 p99 ${result.p99} ms` : "",
    result.confirmP99 > GOALS.confirmP99Ms ? `confirm p99 ${result.confirmP99} ms` : "",
    secondsBehind > 1 ? `backlog ${end} (${secondsBehind.toFixed(1)} s) at the end` : "",
    unsettled > 0 ? `${unsettled} unsettled` : "",
  ].filter(Boolean);
  return { ...result, secondsBehind, held: why.length === 0, why: why.join(", ") || "held" };
}
