// npm run bench:replicas — the order path with one copy of every process
// and with two behind HAProxy (EMPORIUM_REPLICAS), in the production-like
// configuration, interleaved rounds, each on a fresh launcher. Prints the
// table and writes it into docs/benchmarks.md (bench:orders' replicas column).
import { availableParallelism, cpus } from "node:os";
import { type CopiesResult, measureCopies, renderCopiesTable } from "./orders/copies.js";
import { productionLike } from "./production-like.js";
import { writeReportSection } from "./report-section.js";
import { median } from "./rounds.js";

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const settings = {
  rounds: env("BENCH_ROUNDS", 3),
  customers: env("BENCH_CUSTOMERS", 32),
  connections: env("BENCH_CONNECTIONS", 64),
  seconds: env("BENCH_BURST_SECONDS", 15),
  /** As bench:orders (bench/src/orders-bench.ts): fresh processes take minutes to reach their pace. */
  warmupSeconds: env("BENCH_WARMUP_SECONDS", 60),
  copies: (process.env.BENCH_COPIES ?? "1,2").split(",").map(Number),
  /** Also one copy with the services connecting to Postgres directly: what PgBouncer's hop costs. */
  poolerAB: process.env.BENCH_POOLER_AB === "1",
};
const rows = [
  ...settings.copies.map((copies) => ({ label: String(copies), copies, env: {} })),
  ...(settings.poolerAB ? [{ label: "1, no PgBouncer", copies: 1, env: { DATABASE_POOLER_URL: "" } }] : []),
];
const PRODUCTS = Array.from({ length: 20 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`);
const OURS = ["gateway", "orders", "inventory", "payments", "catalog", "identity"];

const production = await productionLike();
const results: CopiesResult[] = [];
try {
  for (let round = 1; round <= settings.rounds; round++) {
    for (const { label, copies, env: variant } of rows) {
      console.log(`round ${round}/${settings.rounds}: ${label} (copies of each process)`);
      const result = await measureCopies(copies, { ...settings, env: { ...production.env, ...variant }, products: PRODUCTS, label });
      results.push(result);
      const ours = OURS.reduce((sum, name) => sum + (result.cpuPerOrder.get(name) ?? 0), 0);
      console.log(`  ${Math.round(result.acceptedPerSecond)} accepted/s, p99 ${result.p99} ms, ${ours.toFixed(1)} ms CPU per order (ours)`);
    }
  }
} finally {
  production.stop();
}
const report = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}; configuration: ${production.description}.`,
  `\`EMPORIUM_REPLICAS=<n> npm start\`'s launcher, fresh for each measurement, rounds interleaved (1, 2, 1, 2, …), medians: a ${settings.seconds} s burst at ${settings.connections} connections from ${settings.customers} customers after a 10 s warm-up and 10 s idle (the idle CPU rate: what the copies cost with no order coming in), CPU from /proc from the burst until its orders settled; "beyond idle" takes the idle rate over that time out. With 2 copies, HAProxy stands in front of the gateways and of every service (h2c); with 1 there is no balancer. PgBouncer and the read replica are there in both.`,
  "",
  renderCopiesTable(results, OURS, median),
].join("\n");
console.log(report);
await writeReportSection("replicas", report);
