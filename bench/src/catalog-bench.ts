// npm run bench:catalog — the catalog read path against its baselines, in
// one run on one machine (ratios, not absolute numbers, are what compare
// across machines). Writes the table into docs/benchmarks.md.
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout } from "node:timers/promises";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { fromJson, type JsonValue, toBinary } from "@bufbuild/protobuf";
import { ListProductsResponseSchema } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { eventually } from "@emporium/tests/harness/eventually";
import { freePort } from "@emporium/tests/harness/free-port";
import { PRODUCT_BY_ID, queryCounter } from "@emporium/tests/harness/query-counter";
import { repoRoot, startStack } from "@emporium/tests/harness/stack";
import { type LoadResult, load } from "./load.js";
import { productionLike } from "./production-like.js";
import { writeReportSection } from "./report-section.js";
import { medianOfRounds, type RoundResult } from "./rounds.js";

interface Scenario {
  name: string;
  url: string;
}

const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SETTLE_MS = 5_000;
const PRODUCT = "p-000042";

// As deployed (bench/src/production-like.ts): logs at info, tracing at the default sampler, exported.
const production = await productionLike();
console.log(`starting the stack (catalog seeded with 10,000 products; ${production.description})…`);
const stack = await startStack({
  env: { ...production.env, ...(process.env.BENCH_NO_OTEL ? { OTEL_SDK_DISABLED: "true" } : {}) },
  catalogSeedProducts: 10_000,
});
const children: ReturnType<typeof spawn>[] = [];
let unlimitedGateway: { url: string; stop: () => Promise<void> } | undefined;
try {
  const productUrl = `${stack.gatewayUrl}/v1/products/${PRODUCT}`;
  const listUrl = `${stack.gatewayUrl}/v1/products?page_size=20`;
  const productBytes = Buffer.from(await (await fetch(productUrl)).arrayBuffer());
  // A second gateway with the read limit off: what the shared rate limiter costs.
  unlimitedGateway = await stack.startExtraGateway({ RATE_LIMIT_READ: "off" });
  const unlimitedProductUrl = `${unlimitedGateway.url}/v1/products/${PRODUCT}`;
  await fetch(unlimitedProductUrl);
  const file = join(tmpdir(), `emporium-bench-product-${process.pid}.json`);
  await writeFile(file, productBytes);

  const baseline = async (kind: "http" | "express") => {
    const port = await freePort();
    children.push(
      spawn(process.execPath, [join(repoRoot, "bench/dist/src/servers/bare-servers.js"), kind, String(port), file], { stdio: "inherit" }),
    );
    const url = `http://127.0.0.1:${port}/v1/products/${PRODUCT}`;
    await eventually(() => fetch(url).then((r) => (r.ok ? true : undefined)), `${kind} baseline to listen`);
    return url;
  };
  const scenarios: Scenario[] = [
    { name: "(a) bare node:http, same bytes", url: await baseline("http") },
    { name: "(b) bare express, same bytes", url: await baseline("express") },
    { name: "(c) gateway GET /v1/products/{id}, warm, rate limits on", url: productUrl },
    { name: "(c′) the same, rate limiting off", url: unlimitedProductUrl },
    { name: "(d) gateway GET /v1/products?page_size=20", url: listUrl },
  ];
  // Let the seeding's after-work (autovacuum, checkpoints) pass before measuring.
  await setTimeout(SETTLE_MS);
  // Rounds interleave the scenarios so that a noisy minute hurts all of them alike.
  const rounds: LoadResult[][] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const results: LoadResult[] = [];
    for (const scenario of scenarios) {
      console.log(`round ${round}/${ROUNDS}: ${scenario.name}`);
      results.push(await load(scenario.name, scenario.url, { connections: CONNECTIONS, seconds: SECONDS }));
    }
    rounds.push(results);
  }
  const results = medianOfRounds(rounds);

  console.log("stampede: 1,000 concurrent requests for one cold product");
  const queries = await queryCounter(stack.databases.catalog);
  const before = await queries.count(PRODUCT_BY_ID);
  const stampede = await Promise.all(
    Array.from({ length: 1_000 }, () => fetch(`${stack.gatewayUrl}/v1/products/p-009999`).then((r) => r.status)),
  );
  const stampedeQueries = (await queries.count(PRODUCT_BY_ID)) - before;
  await queries.close();

  const page = (await (await fetch(`${stack.gatewayUrl}/v1/products?page_size=100`)).json()) as JsonValue;
  const json = Buffer.from(JSON.stringify(page));
  const binary = toBinary(ListProductsResponseSchema, fromJson(ListProductsResponseSchema, page));
  const sizes = {
    json: json.length,
    jsonGzip: gzipSync(json).length,
    jsonBr: brotliCompressSync(json).length,
    protobuf: binary.length,
    protobufGzip: gzipSync(binary).length,
  };

  const report = renderReport(results, {
    stampede: { requests: stampede.length, ok: stampede.filter((s) => s === 200).length, queries: stampedeQueries },
    sizes,
  });
  console.log(report);
  await writeReportSection("catalog", report);
} finally {
  for (const child of children) child.kill();
  await unlimitedGateway?.stop();
  await stack.stop();
  production.stop();
}

function renderReport(
  results: RoundResult[],
  extra: { stampede: { requests: number; ok: number; queries: number }; sizes: Record<string, number> },
): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${Math.round(r.requestsPerSecond).toLocaleString("en")} | ${r.p50} | ${r.p99} | ${r.vsExpress.toFixed(2)}× (${r.vsExpressRange}) | ${r.errors} |`,
  );
  const s = extra.sizes;
  const pct = (n: number) => `${Math.round((n / (s.json ?? 1)) * 100)} %`;
  return [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}, ${CONNECTIONS} connections, ${production.description}, autocannon on the same machine. ${ROUNDS} interleaved rounds of ${SECONDS} s per scenario (each after a 2 s warm-up); medians of the rounds, and the ratio to express is the median of each round's own ratio (range in brackets).`,
    "",
    "| scenario | req/s | p50 ms | p99 ms | vs express (b) | errors + non-2xx |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `(e) cold-cache stampede: ${extra.stampede.requests} concurrent requests for one uncached product, ${extra.stampede.ok} answered 200, **${extra.stampede.queries} Postgres ${extra.stampede.queries === 1 ? "query" : "queries"}** (one catalog process; pg_stat_statements).`,
    "",
    "(f) one page of 100 products:",
    "",
    "| encoding | bytes | vs JSON |",
    "|---|---:|---:|",
    `| JSON | ${s.json} | 100 % |`,
    `| JSON + gzip | ${s.jsonGzip} | ${pct(s.jsonGzip ?? 0)} |`,
    `| JSON + br | ${s.jsonBr} | ${pct(s.jsonBr ?? 0)} |`,
    `| Protobuf binary | ${s.protobuf} | ${pct(s.protobuf ?? 0)} |`,
    `| Protobuf + gzip | ${s.protobufGzip} | ${pct(s.protobufGzip ?? 0)} |`,
  ].join("\n");
}
