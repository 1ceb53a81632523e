import { readdir, readFile } from "node:fs/promises";
import { infraEnv } from "@emporium/tests/harness/infra-env";
import { startReplicas } from "@emporium/tests/harness/replicas-launcher";
import { orderBurst } from "./burst.js";
import { signUpCustomers } from "./customers.js";
import { cpuPer, cpuSnapshot } from "./process-cpu.js";
import { sagaProbe } from "./saga-probe.js";

export interface CopiesResult {
  /** The table's row: the copies, and what else differs ("1, no PgBouncer"). */
  label: string;
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

/** The infrastructure's processes by what they run, for its CPU per order (named `postgres#<pid>` and so on). */
const INFRA = new Map([
  ["postgres", "postgres"],
  ["pgbouncer", "pgbouncer"],
  ["java", "kafka"],
  ["redis-server", "redis"],
]);

const INFRA_KINDS = [...new Set(INFRA.values())];

/** Every process of the shared infrastructure now: Postgres (primary and replica, every backend), PgBouncer, Kafka, Redis. */
async function infraPids(): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const kind = INFRA.get((await readFile(`/proc/${entry}/comm`, "utf8").catch(() => "")).trim());
    if (kind) found.set(`${kind}#${entry}`, Number(entry));
  }
  return found;
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
  options: {
    env: Record<string, string>;
    customers: number;
    connections: number;
    seconds: number;
    /** The burst before anything is measured (bench/src/orders-bench.ts: fresh processes take minutes to reach their pace). */
    warmupSeconds: number;
    products: string[];
    label?: string;
  },
): Promise<CopiesResult> {
  const launcher = await startReplicas(copies, { ...options.env, CATALOG_SEED_PRODUCTS: String(options.products.length) });
  const probe = await sagaProbe({ pool: launcher.data.pool, topicPrefix: launcher.env.KAFKA_TOPIC_PREFIX ?? "" }, infraEnv);
  try {
    const inventory = launcher.data.pool("inventory");
    await inventory.query("UPDATE stock SET available = available + 100000000 WHERE product_id = ANY($1::text[])", [options.products]);
    await inventory.end();
    const customers = await signUpCustomers(launcher.gatewayUrl, options.customers);
    // Warm: every copy has served, every consumer has joined, the JIT has compiled the hot paths.
    await orderBurst(launcher.gatewayUrl, customers, options.products, {
      connections: options.connections,
      seconds: options.warmupSeconds,
    });
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

    // Backends that connect during the burst count from zero; ones that close during it are missed (few: the pools keep theirs).
    const infra = await infraPids();
    const since = new Date();
    const startedAt = performance.now();
    const before = await cpuSnapshot(new Map([...pids, ...infra]));
    const burst = await orderBurst(launcher.gatewayUrl, customers, options.products, {
      connections: options.connections,
      seconds: options.seconds,
    });
    const ids = await probe.idsSince(since);
    await probe.settle(ids);
    const after = await cpuSnapshot(new Map([...pids, ...infra, ...(await infraPids())]));
    const busySeconds = (performance.now() - startedAt) / 1_000;
    const { confirmed } = await probe.outcomes(ids);
    const cpuPerOrder = byKind(cpuPer(before, after, confirmed));
    return {
      label: options.label ?? String(copies),
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

/** The replicas table: throughput and CPU per order by row (number of copies, or a variant), medians of interleaved rounds; the first row is the base. */
export function renderCopiesTable(results: CopiesResult[], ours: string[], median: (values: number[]) => number): string {
  const labels = [...new Set(results.map((r) => r.label))];
  const of = (label: string | undefined) => results.filter((r) => r.label === label);
  const sumOurs = (r: CopiesResult) => ours.reduce((sum, name) => sum + (r.cpuPerOrder.get(name) ?? 0), 0);
  const idleOurs = (r: CopiesResult) => ours.reduce((sum, name) => sum + (r.idlePerSecond.get(name) ?? 0), 0);
  // What an order costs beyond the copies' fixed cost: the idle rate over the busy time, taken out.
  const marginal = (r: CopiesResult) => (r.confirmed > 0 ? sumOurs(r) - (idleOurs(r) * r.busySeconds) / r.confirmed : 0);
  const base = of(labels[0]);
  const versus = (value: number, measure: (r: CopiesResult) => number) => `${(value / median(base.map(measure))).toFixed(2)}×`;
  const row = (label: string) => {
    const rows = of(label);
    const accepted = median(rows.map((r) => r.acceptedPerSecond));
    const cpu = median(rows.map(sumOurs));
    const extra = median(rows.map(marginal));
    const balancer = median(rows.map((r) => r.cpuPerOrder.get("balancer") ?? 0));
    const infra = median(rows.map((r) => INFRA_KINDS.reduce((sum, name) => sum + (r.cpuPerOrder.get(name) ?? 0), 0)));
    return `| ${label} | ${Math.round(accepted)} (${rows.map((r) => Math.round(r.acceptedPerSecond)).join(", ")}) | ${versus(accepted, (r) => r.acceptedPerSecond)} | ${median(rows.map((r) => r.p99)).toFixed(0)} | ${cpu.toFixed(1)} | ${versus(cpu, sumOurs)} | ${median(rows.map(idleOurs)).toFixed(0)} | ${extra.toFixed(1)} | ${versus(extra, marginal)} | ${balancer.toFixed(2)} | ${infra.toFixed(1)} |`;
  };
  const kinds = [...ours, "balancer", "provider", ...INFRA_KINDS];
  const perProcess = (label: string) => kinds.map((name) => median(of(label).map((r) => r.cpuPerOrder.get(name) ?? 0)).toFixed(2));
  return [
    `| copies of each process | accepted/s (rounds) | vs ${labels[0]} | 202 p99 ms | CPU ms per confirmed order, ours summed | vs ${labels[0]} | idle CPU ms/s, ours | per order beyond idle, ms | vs ${labels[0]} | HAProxy ms per order | Postgres + PgBouncer + Kafka + Redis ms per order |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...labels.map(row),
    "",
    "CPU ms per confirmed order by process, all copies of a process together (the provider simulator stands in for an external service; postgres is every backend of the primary and of the replica):",
    "",
    `| copies | ${kinds.join(" | ")} |`,
    `|---|${kinds.map(() => "---:").join("|")}|`,
    ...labels.map((label) => `| ${label} | ${perProcess(label).join(" | ")} |`),
  ].join("\n");
}
