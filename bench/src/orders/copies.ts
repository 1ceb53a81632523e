import { readFile } from "node:fs/promises";
import { infraEnv } from "@emporium/tests/harness/infra-env";
import { startReplicas } from "@emporium/tests/harness/replicas-launcher";
import { orderBurst } from "./burst.js";
import { signUpCustomers } from "./customers.js";
import { cpuPer, cpuSnapshot } from "./process-cpu.js";
import { sagaProbe } from "./saga-probe.js";

export interface CopiesResult {
  copies: number;
  acceptedPerSecond: number;
  p50: number;
  p99: number;
  confirmed: number;
  /** CPU ms per confirmed order by process kind (`orders` = all its copies together; `balancer` = HAProxy). */
  cpuPerOrder: Map<string, number>;
  /** CPU ms per second by process kind while no order comes in (the copies' fixed cost). */
  idlePerSecond: Map<string, number>;
  /** Seconds from the start of the burst until its orders settled (what the idle cost is charged for). */
  busySeconds: number;
}

/** How long the idle CPU is measured, after the warm-up has settled. */
const IDLE_SECONDS = 10;

const byKind = (perProcess: Map<string, number>) => {
  const kinds = new Map<string, number>();
  for (const [name, value] of perProcess) kinds.set(kindOf(name), (kinds.get(kindOf(name)) ?? 0) + value);
  return kinds;
};

/** The launcher's processes and, one level down, their children (HAProxy runs under the balancer's stop-with-parent wrapper). */
async function withChildren(pids: Map<string, number>): Promise<Map<string, number>> {
  const all = new Map(pids);
  for (const [name, pid] of pids) {
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
    for (const [i, child] of children.trim().split(/\s+/).filter(Boolean).entries()) all.set(`${name}#${i}`, Number(child));
  }
  return all;
}

/** `orders-2` and `orders-2#0` count as `orders`. */
const kindOf = (name: string) => name.replace(/#\d+$/, "").replace(/-\d+$/, "");

/**
 * One measurement of `EMPORIUM_REPLICAS=<copies> npm start` (its launcher,
 * with HAProxy in front when copies > 1): a closed-loop burst at the
 * gateway's address, then the wait until its orders settled, and the CPU
 * every process used for it, per confirmed order.
 */
export async function measureCopies(
  copies: number,
  options: { env: Record<string, string>; customers: number; connections: number; seconds: number; products: string[] },
): Promise<CopiesResult> {
  const launcher = await startReplicas(copies, { ...options.env, CATALOG_SEED_PRODUCTS: String(options.products.length) });
  const probe = await sagaProbe({ pool: launcher.data.pool, topicPrefix: launcher.env.KAFKA_TOPIC_PREFIX ?? "" }, infraEnv);
  try {
    const inventory = launcher.data.pool("inventory");
    await inventory.query("UPDATE stock SET available = available + 100000000 WHERE product_id = ANY($1::text[])", [options.products]);
    await inventory.end();
    const customers = await signUpCustomers(launcher.gatewayUrl, options.customers);
    // Warm: every copy has served, every consumer has joined, the JIT has compiled the hot paths.
    await orderBurst(launcher.gatewayUrl, customers, options.products, { connections: options.connections, seconds: 10 });
    await probe.settle(await probe.idsSince(new Date(Date.now() - 60_000)));

    const lock = JSON.parse(await readFile(launcher.env.EMPORIUM_START_LOCK ?? "", "utf8")) as {
      processes: Record<string, { pid?: number }>;
    };
    const pids = await withChildren(
      new Map(Object.entries(lock.processes).flatMap(([name, entry]) => (entry.pid ? [[name, entry.pid]] : []))),
    );
    const idleFrom = await cpuSnapshot(pids);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1_000));
    const idlePerSecond = byKind(cpuPer(idleFrom, await cpuSnapshot(pids), IDLE_SECONDS));

    const since = new Date();
    const startedAt = performance.now();
    const before = await cpuSnapshot(pids);
    const burst = await orderBurst(launcher.gatewayUrl, customers, options.products, {
      connections: options.connections,
      seconds: options.seconds,
    });
    const ids = await probe.idsSince(since);
    await probe.settle(ids);
    const after = await cpuSnapshot(pids);
    const busySeconds = (performance.now() - startedAt) / 1_000;
    const { confirmed } = await probe.outcomes(ids);
    const cpuPerOrder = byKind(cpuPer(before, after, confirmed));
    return {
      copies,
      acceptedPerSecond: burst.acceptedPerSecond,
      p50: burst.p50,
      p99: burst.p99,
      confirmed,
      cpuPerOrder,
      idlePerSecond,
      busySeconds,
    };
  } finally {
    await probe.close();
    await launcher.stop();
  }
}

/** The replicas table: throughput and CPU per order by number of copies, medians of interleaved rounds. */
export function renderCopiesTable(results: CopiesResult[], ours: string[], median: (values: number[]) => number): string {
  const counts = [...new Set(results.map((r) => r.copies))].sort((a, b) => a - b);
  const sumOurs = (r: CopiesResult) => ours.reduce((sum, name) => sum + (r.cpuPerOrder.get(name) ?? 0), 0);
  const idleOurs = (r: CopiesResult) => ours.reduce((sum, name) => sum + (r.idlePerSecond.get(name) ?? 0), 0);
  // What an order costs beyond the copies' fixed cost: the idle rate over the busy time, taken out.
  const marginal = (r: CopiesResult) => (r.confirmed > 0 ? sumOurs(r) - (idleOurs(r) * r.busySeconds) / r.confirmed : 0);
  const row = (copies: number) => {
    const of = results.filter((r) => r.copies === copies);
    const base = results.filter((r) => r.copies === counts[0]);
    const accepted = median(of.map((r) => r.acceptedPerSecond));
    const cpu = median(of.map(sumOurs));
    const balancer = median(of.map((r) => r.cpuPerOrder.get("balancer") ?? 0));
    const extra = median(of.map(marginal));
    return `| ${copies} | ${Math.round(accepted)} (${of.map((r) => Math.round(r.acceptedPerSecond)).join(", ")}) | ${(accepted / median(base.map((r) => r.acceptedPerSecond))).toFixed(2)}× | ${median(of.map((r) => r.p99)).toFixed(0)} | ${cpu.toFixed(1)} | ${(cpu / median(base.map(sumOurs))).toFixed(2)}× | ${median(of.map(idleOurs)).toFixed(0)} | ${extra.toFixed(1)} | ${(extra / median(base.map(marginal))).toFixed(2)}× | ${balancer.toFixed(2)} |`;
  };
  const kinds = [...ours, "balancer", "provider"];
  const perProcess = (copies: number) =>
    kinds.map((name) => median(results.filter((r) => r.copies === copies).map((r) => r.cpuPerOrder.get(name) ?? 0)).toFixed(2));
  return [
    "| copies of each process | accepted/s (rounds) | vs 1 copy | 202 p99 ms | CPU ms per confirmed order, ours summed | vs 1 copy | idle CPU ms/s, ours | per order beyond idle, ms | vs 1 copy | HAProxy ms per order |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...counts.map(row),
    "",
    "CPU ms per confirmed order by process, all copies of a process together (the provider simulator stands in for an external service):",
    "",
    `| copies | ${kinds.join(" | ")} |`,
    `|---:|${kinds.map(() => "---:").join("|")}|`,
    ...counts.map((copies) => `| ${copies} | ${perProcess(copies).join(" | ")} |`),
  ].join("\n");
}
