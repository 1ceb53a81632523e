// npm run bench:orders — the order path against its ceiling, in one run on
// one machine: (a) pgbench running CreateOrder's transaction, (b) a burst of
// orders, (c) an open-loop load stepping up, (d) CPU per confirmed order,
// in the production-like configuration (bench/src/production-like.ts).
// Prints the table and writes it into docs/benchmarks.md.
import { writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { infraEnv } from "@emporium/tests/harness/infra-env";
import { orderClient } from "@emporium/tests/harness/load";
import { startStack } from "@emporium/tests/harness/stack";
import { measureLists, renderListsTable } from "./lists.js";
import { type BurstResult, orderBurst } from "./orders/burst.js";
import { type CopiesResult, measureCopies, renderCopiesTable } from "./orders/copies.js";
import { signUpCustomers } from "./orders/customers.js";
import { preparePgbench } from "./orders/pgbench.js";
import { cpuPer, cpuSnapshot } from "./orders/process-cpu.js";
import { renderOrdersReport } from "./orders/report.js";
import { sagaProbe } from "./orders/saga-probe.js";
import { type StepResult, sustainedStep } from "./orders/sustained.js";
import { productionLike } from "./production-like.js";
import { writeReportSection } from "./report-section.js";
import { median } from "./rounds.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  rounds: env("BENCH_ROUNDS", 3),
  customers: env("BENCH_CUSTOMERS", 128),
  connections: env("BENCH_CONNECTIONS", 64),
  burstSeconds: env("BENCH_BURST_SECONDS", 20),
  /**
   * Orders before the first measurement, on the stack and on each launcher of
   * (g). Fresh processes take minutes of load to reach their pace: bursts
   * after a 5 s warm-up rose from about 210 to 370 accepted/s over six rounds
   * (docs/benchmarks.md), and a deployment runs long past that.
   */
  warmupSeconds: env("BENCH_WARMUP_SECONDS", 60),
  pgbenchSeconds: env("BENCH_PGBENCH_SECONDS", 10),
  stepSeconds: env("BENCH_STEP_SECONDS", 60),
  steps: (process.env.BENCH_STEPS ?? "50,100,150,200,250,300").split(",").filter(Boolean).map(Number),
  /** The replicas column: bursts with this many copies of every process (npm start's launcher); empty skips it. */
  copies: (process.env.BENCH_COPIES ?? "1,2").split(",").filter(Boolean).map(Number),
};
/** The demo's products, restocked so that no load runs them out. */
const PRODUCTS = Array.from({ length: 20 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`);
/** Our processes; the provider simulator stands in for an external service and is shown apart. */
const OURS = ["gateway", "orders", "inventory", "payments", "catalog", "identity"];

const production = await productionLike();
console.log(`starting the stack (${production.description})…`);
const stack = await startStack({ env: production.env, catalogSeedProducts: 1_000 });
const probe = await sagaProbe(stack, infraEnv);
const pgbench = await preparePgbench();
let stackStopped = false;
try {
  const inventory = stack.pool("inventory");
  await inventory.query("UPDATE stock SET available = available + 100000000 WHERE product_id = ANY($1::text[])", [PRODUCTS]);
  await inventory.end();
  console.log(`signing up ${settings.customers} customers…`);
  const customers = await signUpCustomers(stack.gatewayUrl, settings.customers);
  const pids = new Map([...stack.group.children].map(([name, child]) => [name, child.pid ?? 0]));

  /** A burst, then the wait until its orders settled: the CPU of both is the burst's. */
  const burst = async (
    connections: number,
  ): Promise<BurstResult & { cpuPerOrder: Map<string, number>; confirmed: number; unsettled: number }> => {
    const since = new Date();
    const before = await cpuSnapshot(pids);
    const result = await orderBurst(stack.gatewayUrl, customers, PRODUCTS, { connections, seconds: settings.burstSeconds });
    const ids = await probe.idsSince(since);
    const unsettled = await probe.settle(ids);
    const after = await cpuSnapshot(pids);
    const { confirmed } = await probe.outcomes(ids);
    return { ...result, cpuPerOrder: cpuPer(before, after, confirmed), confirmed, unsettled };
  };

  console.log(`warm-up: ${settings.warmupSeconds} s of orders`);
  await orderBurst(stack.gatewayUrl, customers, PRODUCTS, { connections: settings.connections, seconds: settings.warmupSeconds });
  // A saga that does not run would make every number below a burst without its saga (seen once: consumers that never joined).
  const stuck = await probe.settle(await probe.idsSince(new Date(Date.now() - 60_000)));
  if (stuck > 0) {
    const logFile = join(tmpdir(), `emporium-bench-orders-${process.pid}.log`);
    writeFileSync(logFile, `${stack.logs.join("\n")}\n`);
    throw new Error(
      `the saga did not settle the warm-up: ${stuck} orders still open after 120 s; nothing measured (the processes' logs: ${logFile})`,
    );
  }

  const ceiling: number[] = [];
  const bursts: Awaited<ReturnType<typeof burst>>[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    console.log(`round ${round}/${settings.rounds}: (a) pgbench, ${settings.connections} clients`);
    ceiling.push(await pgbench.run(settings.connections, settings.pgbenchSeconds));
    console.log(`round ${round}/${settings.rounds}: (b) burst, ${settings.connections} connections`);
    bursts.push(await burst(settings.connections));
    console.log(`  (a) ${Math.round(ceiling.at(-1) ?? 0)} tps, (b) ${Math.round(bursts.at(-1)?.acceptedPerSecond ?? 0)} accepted/s`);
  }

  const client = orderClient(stack.gatewayUrl, { maxSockets: 512, timeoutMs: 30_000 });
  const steps: StepResult[] = [];
  for (const rate of settings.steps) {
    console.log(`(c) sustained: ${rate} orders/s for ${settings.stepSeconds} s`);
    const step = await sustainedStep(client, customers, PRODUCTS, probe, pids, rate, settings.stepSeconds);
    steps.push(step);
    console.log(`  ${step.why}; 202 p99 ${step.p99} ms, confirm p99 ${step.confirmP99} ms`);
    console.log(`  backlog every 5 s: ${step.backlog.map((b) => JSON.stringify(b)).join(" ")}`);
    if (!step.held) break;
    await sleep(2_000);
  }
  client.close();

  console.log(`(f) overload: a burst at ${4 * settings.connections} connections`);
  const overload = await burst(4 * settings.connections);
  console.log(
    `  ${Math.round(overload.acceptedPerSecond)} accepted/s; answers ${JSON.stringify(overload.statuses)}; errors ${overload.errors}`,
  );

  console.log("(e) lists: the gateway against express + pg on the same table");
  const lists = await measureLists(stack, { rounds: settings.rounds, seconds: 5, connections: settings.connections });
  await probe.close();
  await stack.stop();
  stackStopped = true;

  // The replicas column, each measurement on a launcher of its own (the stack above is stopped first).
  const copies: CopiesResult[] = [];
  for (let round = 1; round <= (settings.copies.length > 0 ? settings.rounds : 0); round++) {
    for (const count of settings.copies) {
      console.log(`(g) replicas, round ${round}/${settings.rounds}: ${count} of every process`);
      copies.push(
        await measureCopies(count, {
          env: production.env,
          products: PRODUCTS,
          customers: 32,
          connections: settings.connections,
          seconds: 15,
          warmupSeconds: settings.warmupSeconds,
        }),
      );
    }
  }

  const report = renderOrdersReport({
    when: new Date(),
    machine: `${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}`,
    configuration: production.description,
    settings,
    ceiling,
    ratios: bursts.map((b, i) => b.acceptedPerSecond / (ceiling[i] ?? 1)),
    bursts,
    steps,
    overload,
    lists: renderListsTable(lists),
    copies: copies.length > 0 ? renderCopiesTable(copies, OURS, median) : undefined,
    ours: OURS,
    median,
  });
  console.log(report);
  await writeReportSection("orders", report);
} finally {
  await pgbench.drop().catch(() => undefined);
  if (!stackStopped) {
    await probe.close().catch(() => undefined);
    await stack.stop();
  }
  production.stop();
}
