// npm run bench:statements — how many Postgres statements one confirmed
// order costs, per service database and per statement, from
// pg_stat_statements (loaded by deploy/local; top-level statements only, the
// round trips, not what triggers and foreign keys run inside them): a burst of orders through the
// production-like stack, then the counts divided by the orders confirmed.
// Round trips were the largest cost the order path's CPU profiles showed
// (pg's socket writes, docs/benchmarks.md); this says where they come from.

import { infraEnv } from "@emporium/tests/harness/infra-env";
import { startStack } from "@emporium/tests/harness/stack";
import pg from "pg";
import { orderBurst } from "./orders/burst.js";
import { signUpCustomers } from "./orders/customers.js";
import { sagaProbe } from "./orders/saga-probe.js";
import { productionLike } from "./production-like.js";

const SECONDS = Number(process.env.BENCH_BURST_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const PRODUCTS = Array.from({ length: 20 }, (_, i) => `p-${String(i + 1).padStart(6, "0")}`);
const SERVICES = ["orders", "inventory", "payments", "catalog", "identity"] as const;

const production = await productionLike();
console.log(`starting the stack (${production.description})…`);
const stack = await startStack({ env: production.env });
const admin = new pg.Client({ connectionString: infraEnv.DATABASE_URL });
const probe = await sagaProbe(stack, infraEnv);
try {
  await admin.connect();
  await admin.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const customers = await signUpCustomers(stack.gatewayUrl, 32);
  // Warm: prices, pools and consumer groups; then count from zero.
  await orderBurst(stack.gatewayUrl, customers, PRODUCTS, { connections: CONNECTIONS, seconds: 3 });
  await probe.settle(await probe.idsSince(new Date(Date.now() - 60_000)));
  await admin.query("SELECT pg_stat_statements_reset()");
  const since = new Date();
  await orderBurst(stack.gatewayUrl, customers, PRODUCTS, { connections: CONNECTIONS, seconds: SECONDS });
  const ids = await probe.idsSince(since);
  await probe.settle(ids);
  const { confirmed } = await probe.outcomes(ids);
  const { rows } = await admin.query<{ datname: string; calls: string; query: string }>(
    `SELECT d.datname, s.calls, s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
      WHERE d.datname = ANY($1::text[]) AND s.toplevel ORDER BY s.calls DESC`,
    [SERVICES.map((service) => stack.databases[service])],
  );
  const perOrder = (calls: number) => (calls / confirmed).toFixed(2);
  console.log(`\n${confirmed} orders confirmed in a ${SECONDS} s burst at ${CONNECTIONS} connections (${production.description})\n`);
  console.log("| service | statements per confirmed order |\n|---|---:|");
  for (const service of SERVICES) {
    const calls = rows.filter((r) => r.datname === stack.databases[service]).reduce((sum, r) => sum + Number(r.calls), 0);
    console.log(`| ${service} | ${perOrder(calls)} |`);
  }
  console.log("\n| service | per order | statement |\n|---|---:|---|");
  for (const row of rows.slice(0, 25)) {
    const service = SERVICES.find((s) => stack.databases[s] === row.datname);
    console.log(`| ${service} | ${perOrder(Number(row.calls))} | \`${row.query.replace(/\s+/g, " ").slice(0, 110)}\` |`);
  }
} finally {
  await admin.end();
  await probe.close();
  await stack.stop();
  production.stop();
}
