import type { BurstResult } from "./burst.js";
import type { StepResult } from "./sustained.js";

export interface OrdersReportInput {
  when: Date;
  machine: string;
  configuration: string;
  settings: {
    rounds: number;
    customers: number;
    connections: number;
    burstSeconds: number;
    warmupSeconds: number;
    pgbenchSeconds: number;
    stepSeconds: number;
  };
  ceiling: number[];
  ratios: number[];
  bursts: (BurstResult & { cpuPerOrder: Map<string, number>; confirmed: number; unsettled: number })[];
  steps: StepResult[];
  /** (e), as bench/src/lists.ts renders it. */
  lists: string;
  /** (g), as bench/src/orders/copies.ts renders it; absent when skipped. */
  copies?: string | undefined;
  /** A burst at 4× the connections of (b). */
  overload: BurstResult;
  /** Our processes, in table order (others, like the provider simulator, are shown apart). */
  ours: string[];
  median: (values: number[]) => number;
}

const GOAL = { ratio: 0.4, sustained: 150, cpuMs: 8, goodput: 0.9 };
/** Answers that count as a graceful refusal under overload. */
const REFUSALS = new Set(["429", "503"]);
const mark = (ok: boolean) => (ok ? "met" : "**not met**");
const n = (value: number) => Math.round(value).toLocaleString("en");
const range = (values: number[], digits = 0) => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
const sumOf = (cpu: Map<string, number>, names: string[]) => names.reduce((sum, name) => sum + (cpu.get(name) ?? 0), 0);

/** The markdown section of docs/benchmarks.md for the order path. */
export function renderOrdersReport(input: OrdersReportInput): string {
  const { settings: s, median } = input;
  const accepted = input.bursts.map((b) => b.acceptedPerSecond);
  const ratio = median(input.ratios);
  const held = input.steps.filter((step) => step.held);
  const best = held.at(-1);
  const burstCpu = new Map(
    [...(input.bursts[0]?.cpuPerOrder.keys() ?? [])].map((name) => [name, median(input.bursts.map((b) => b.cpuPerOrder.get(name) ?? 0))]),
  );
  const others = [...burstCpu.keys()].filter((name) => !input.ours.includes(name));
  const burstSum = sumOf(burstCpu, input.ours);
  const peak = median(accepted);
  const goodput = peak > 0 ? input.overload.acceptedPerSecond / peak : 0;
  const refusals = Object.entries(input.overload.latencyByStatus).filter(([code]) => REFUSALS.has(code));
  const unexpected = Object.entries(input.overload.statuses).filter(([code]) => code !== "202" && !REFUSALS.has(code));
  const graceful = unexpected.length === 0 && input.overload.errors === 0;
  const statuses = input.bursts.flatMap((b) => Object.entries(b.statuses).filter(([code]) => code !== "202"));
  return [
    `Measured ${input.when.toISOString().slice(0, 10)} on ${input.machine}; Postgres, Kafka, Redis and the load generator on the same cores. Configuration: ${input.configuration}. ${s.customers} signed-in customers; ${s.warmupSeconds} s of orders to warm up; ${s.rounds} interleaved rounds of (a) and (b), medians (range in brackets).`,
    "",
    "| measure | result | goal | |",
    "|---|---:|---:|---|",
    `| (a) ceiling: pgbench, CreateOrder's statements in one transaction, ${s.connections} clients, ${s.pgbenchSeconds} s | ${n(median(input.ceiling))} tps (${range(input.ceiling)}) | | |`,
    `| (b) burst: \`POST /v1/orders\` at ${s.connections} connections for ${s.burstSeconds} s | ${n(median(accepted))} accepted/s (${range(accepted)}); 202 p50 ${n(median(input.bursts.map((b) => b.p50)))} ms, p99 ${n(median(input.bursts.map((b) => b.p99)))} ms | | |`,
    `| (b) ÷ (a) | ${ratio.toFixed(2)}× (${range(input.ratios, 2)}) | ≥ ${GOAL.ratio}× | ${mark(ratio >= GOAL.ratio)} |`,
    `| (c) highest open-loop rate held for ${s.stepSeconds} s | ${best ? `${best.rate} orders/s` : "none"} | ≥ ${GOAL.sustained} orders/s | ${mark((best?.rate ?? 0) >= GOAL.sustained)} |`,
    `| (d) CPU per confirmed order, our processes summed, burst (b) | ${burstSum.toFixed(1)} ms | ≤ ${GOAL.cpuMs} ms | ${mark(burstSum <= GOAL.cpuMs)} |`,
    ...(best
      ? [
          `| (d) the same at ${best.rate} orders/s (c) | ${sumOf(best.cpuPerOrder, input.ours).toFixed(1)} ms | ≤ ${GOAL.cpuMs} ms | ${mark(sumOf(best.cpuPerOrder, input.ours) <= GOAL.cpuMs)} |`,
        ]
      : []),
    `| (f) overload: ${4 * s.connections} connections for ${s.burstSeconds} s, goodput vs the peak of (b) | ${n(input.overload.acceptedPerSecond)} accepted/s = ${goodput.toFixed(2)}× | ≥ ${GOAL.goodput}× | ${mark(goodput >= GOAL.goodput)} |`,
    `| (f) every refusal a quick 503 or 429 | ${refusals.map(([code, l]) => `${input.overload.statuses[code]}× ${code} (p99 ${n(l.p99)} ms, max ${n(l.max)} ms)`).join(", ") || "no refusals"}${unexpected.length > 0 ? `; other answers: ${unexpected.map(([code, count]) => `${count}× ${code}`).join(", ")}` : ""}${input.overload.errors > 0 ? `; ${input.overload.errors} connection errors/timeouts` : ""} | only 503/429 | ${mark(graceful)} |`,
    "",
    statuses.length > 0
      ? `Answers other than 202 in the bursts: ${statuses.map(([code, count]) => `${count}× ${code}`).join(", ")}.`
      : "Every order of the bursts was accepted (202).",
    ...(input.bursts.some((b) => b.unsettled > 0)
      ? [
          "",
          `**Orders not terminal 120 s after a burst** (the saga fell behind or stopped; those rounds are not comparable): ${input.bursts.map((b) => b.unsettled).join(", ")}.`,
        ]
      : []),
    "",
    `(c) open-loop steps (orders sent on schedule whatever the answers). Held = every order accepted, 202 p99 ≤ 100 ms, placed→CONFIRMED p99 ≤ 1 s, and a backlog (unpublished outbox rows + consumer lag + payments waiting) at the end of the step under one second of what those hops carried per second in the step (messages, several per order, plus one payment per order):`,
    "",
    "| rate /s | accepted | 202 p50 / p99 ms | placed→CONFIRMED p50 / p99 ms | backlog max / end (s) | CPU ms per order (ours) | |",
    "|---:|---:|---:|---:|---:|---:|---|",
    ...input.steps.map(
      (step) =>
        `| ${step.rate} | ${n(step.accepted)} | ${step.p50} / ${step.p99} | ${step.confirmP50} / ${step.confirmP99} | ${Math.max(...step.backlog.map((b) => b.total))} / ${step.backlog.at(-1)?.total ?? 0} (${step.secondsBehind.toFixed(2)}) | ${sumOf(step.cpuPerOrder, input.ours).toFixed(1)} | ${step.held ? "held" : step.why} |`,
    ),
    "",
    "(d) CPU per confirmed order by process, ms (from /proc/<pid>/stat, from the start of the load until its orders settled):",
    "",
    `| process | burst (b), median | ${best ? `${best.rate} orders/s (c)` : "(c)"} |`,
    "|---|---:|---:|",
    ...[...input.ours, ...others].map(
      (name) =>
        `| ${name}${others.includes(name) ? " (not ours)" : ""} | ${(burstCpu.get(name) ?? 0).toFixed(2)} | ${best ? (best.cpuPerOrder.get(name) ?? 0).toFixed(2) : ""} |`,
    ),
    `| **ours, summed** | **${burstSum.toFixed(1)}** | **${best ? sumOf(best.cpuPerOrder, input.ours).toFixed(1) : ""}** |`,
    "",
    "(e) `GET /v1/products?page_size=20` at 64 connections, in interleaved rounds of 5 s (`bench/src/lists.ts`, also `npm run bench:lists`):",
    "",
    input.lists,
    ...(input.copies
      ? [
          "",
          `(g) replicas: a 15 s burst (after ${s.warmupSeconds} s of warm-up and 10 s idle) at the same connections from 32 customers with 1 and with 2 copies of every process (\`EMPORIUM_REPLICAS\`; 2 behind HAProxy), each on a fresh launcher, rounds interleaved (\`bench/src/orders/copies.ts\`, also \`npm run bench:replicas\`):`,
          "",
          input.copies,
        ]
      : []),
  ].join("\n");
}
