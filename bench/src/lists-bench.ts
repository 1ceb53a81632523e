// npm run bench:lists — GET /v1/products?page_size=20 through the gateway,
// uncached and cached, against a plain express + pg endpoint, in one run on
// one machine. Writes the table into docs/benchmarks.md.
//
// Production-like: logs at info, tracing on with parent-based 10 % sampling
// of root traces (spans exported over OTLP; dropped when no collector runs).
// BENCH_CPU_PROF=<dir> runs every process of the stack under `node
// --cpu-prof` and leaves the profiles there (bench/dist/src/profile-summary.js
// summarises them). Also prints the plan of the list query (EXPLAIN ANALYZE).
import { availableParallelism, cpus } from "node:os";
import { resolve } from "node:path";
import { setTimeout } from "node:timers/promises";
import { startStack } from "@emporium/tests/harness/stack";
import type pg from "pg";
import { measureLists, renderListsTable } from "./lists.js";
import { productionLike } from "./production-like.js";
import { writeReportSection } from "./report-section.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SETTLE_MS = 5_000;
const PROFILE_DIR = process.env.BENCH_CPU_PROF;
if (PROFILE_DIR) process.env.EMPORIUM_CPU_PROF_DIR = resolve(PROFILE_DIR);

console.log("starting the stack (catalog seeded with 10,000 products)…");
const production = await productionLike();
const stack = await startStack({
  env: {
    ...production.env,
    // The production default the platform moves to; explicit so this bench measures it whatever the default.
    OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
    OTEL_TRACES_SAMPLER_ARG: "0.1",
    // CATALOG_AVAILABILITY_TTL_MS=1 npm run bench:lists: every uncached page asks inventory (docs/availability.md).
    ...(process.env.CATALOG_AVAILABILITY_TTL_MS ? { CATALOG_AVAILABILITY_TTL_MS: process.env.CATALOG_AVAILABILITY_TTL_MS } : {}),
  },
  catalogSeedProducts: 10_000,
});
try {
  // Let the seeding's after-work (autovacuum, checkpoints) pass before measuring.
  await setTimeout(SETTLE_MS);
  const result = await measureLists(stack, { rounds: ROUNDS, seconds: SECONDS, connections: CONNECTIONS });
  const plan = await explainListQuery(stack.pool("catalog"));
  console.log(plan);
  const report = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}, ${CONNECTIONS} connections, autocannon on the same machine; ${production.description}, sampling parentbased_traceidratio 0.1. ${ROUNDS} interleaved rounds of ${SECONDS} s per scenario (each after a 2 s warm-up); medians of the rounds, and the ratio to express + pg is the median of each round's own ratio (range in brackets).`,
    "",
    renderListsTable(result),
    "",
    "The list query's plan on the 10,000-product seed (the first page, as the catalog sends it):",
    "",
    "```",
    plan,
    "```",
  ].join("\n");
  console.log(report);
  if (!process.env.BENCH_NO_WRITE) await writeReportSection("lists", report);
} finally {
  await stack.stop();
  production.stop();
}

/** EXPLAIN ANALYZE of the catalog's first-page query (product-store.ts), timings left out so the report stays stable. */
async function explainListQuery(pool: pg.Pool): Promise<string> {
  try {
    const { rows } = await pool.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS, TIMING OFF, SUMMARY OFF, COSTS OFF)
       SELECT id, sku, name, description, category_id, price_currency, price_amount, image_url, attributes, version, created_at, updated_at, name::text AS sort_key
         FROM products WHERE price_amount <= $1 ORDER BY name ASC, id ASC LIMIT $2`,
      ["1000000000", 21],
    );
    return rows.map((row) => row["QUERY PLAN"]).join("\n");
  } finally {
    await pool.end();
  }
}
