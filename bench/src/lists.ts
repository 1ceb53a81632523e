// Lists: GET /v1/products?page_size=20 through the gateway, uncached and
// cached, against a plain express + pg endpoint serving the same page from
// the same table. Used by `npm run bench:lists` and as row (e) of
// `npm run bench:orders`.
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { eventually } from "@emporium/tests/harness/eventually";
import { freePort } from "@emporium/tests/harness/free-port";
import { infraEnv } from "@emporium/tests/harness/infra-env";
import { repoRoot, type Stack } from "@emporium/tests/harness/stack";
import { type LoadResult, load } from "./load.js";
import { medianOfRounds, type RoundResult } from "./rounds.js";

export interface ListsOptions {
  rounds: number;
  /** Length of each scenario's run in a round (after a 2 s warm-up). */
  seconds: number;
  connections: number;
}

export interface ListsMeasurement {
  /** Baseline, uncached, cached first page: medians of the rounds, ratios to the baseline. */
  rows: RoundResult[];
  /** Median of each round's uncached / baseline. Goal: at least 0.6. */
  uncachedVsBaseline: number;
  /** Median of each round's cached first page / baseline. Goal: at least 2. */
  cachedVsBaseline: number;
  options: ListsOptions;
}

export const LIST_SCENARIOS = {
  baseline: "express + pg, same page, same SQL (distinct max_price per request)",
  uncached: "gateway, uncached: a distinct max_price per request misses every cache",
  cached: "gateway, cached first page GET /v1/products?page_size=20",
} as const;

/**
 * A max_price above every seeded price (they are below 50,000 minor units),
 * different on every request: each request is a query no cache has seen, and
 * its answer is the same first page as the unfiltered list.
 */
const distinctQuery = () => `/v1/products?page_size=20&max_price=${50_000 + Math.floor(Math.random() * 1e12)}`;

/**
 * Runs interleaved rounds of (baseline, gateway uncached, gateway cached first
 * page) against a running stack whose catalog holds the products to list
 * (the bench seeds 10,000), and returns the medians and ratios. Starts and
 * stops its own baseline process.
 */
export async function measureLists(stack: Stack, options: ListsOptions): Promise<ListsMeasurement> {
  const baseline = await startExpressPgBaseline(stack.databases.catalog);
  try {
    const cachedUrl = `${stack.gatewayUrl}/v1/products?page_size=20`;
    const first = await fetch(cachedUrl);
    if (!first.ok) throw new Error(`the gateway answered the list with ${first.status}`);
    const scenarios = [
      { name: LIST_SCENARIOS.baseline, url: `${baseline.url}/v1/products?page_size=20`, nextPath: distinctQuery },
      { name: LIST_SCENARIOS.uncached, url: cachedUrl, nextPath: distinctQuery },
      { name: LIST_SCENARIOS.cached, url: cachedUrl },
    ];
    const rounds: LoadResult[][] = [];
    for (let round = 1; round <= options.rounds; round++) {
      const results: LoadResult[] = [];
      for (const scenario of scenarios) {
        console.log(`lists round ${round}/${options.rounds}: ${scenario.name}`);
        results.push(
          await load(scenario.name, scenario.url, {
            connections: options.connections,
            seconds: options.seconds,
            ...(scenario.nextPath ? { nextPath: scenario.nextPath } : {}),
          }),
        );
      }
      rounds.push(results);
    }
    const rows = medianOfRounds(rounds, 0);
    return { rows, uncachedVsBaseline: rows[1]?.vsExpress ?? 0, cachedVsBaseline: rows[2]?.vsExpress ?? 0, options };
  } finally {
    await baseline.stop();
  }
}

/** The measurement as a markdown table with the goals. */
export function renderListsTable(result: ListsMeasurement): string {
  const goal = (ratio: number, wanted: number) => `${ratio >= wanted ? "met" : "**not met**"} (goal ≥ ${wanted}×)`;
  const rows = result.rows.map(
    (r, i) =>
      `| ${String.fromCharCode(97 + i)}. ${r.name} | ${Math.round(r.requestsPerSecond).toLocaleString("en")} | ${r.p50} | ${r.p99} | ${r.vsExpress.toFixed(2)}× (${r.vsExpressRange}) | ${r.errors} |`,
  );
  return [
    "| scenario | req/s | p50 ms | p99 ms | vs express + pg | errors + non-2xx |",
    "|---|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    `Uncached lists: ${result.uncachedVsBaseline.toFixed(2)}× of express + pg, ${goal(result.uncachedVsBaseline, 0.6)}. Cached first page: ${result.cachedVsBaseline.toFixed(2)}× of express + pg, ${goal(result.cachedVsBaseline, 2)}.`,
  ].join("\n");
}

/** The plain express + pg endpoint (servers/express-pg-list.ts) on the catalog's database. */
async function startExpressPgBaseline(database: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const databaseUrl = new URL(infraEnv.DATABASE_URL);
  databaseUrl.pathname = `/${database}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [join(repoRoot, "bench/dist/src/servers/express-pg-list.js"), String(port), databaseUrl.toString()],
    { stdio: "inherit" },
  );
  const url = `http://127.0.0.1:${port}`;
  await eventually(
    () =>
      fetch(`${url}/v1/products?page_size=20`).then(
        (r) => (r.ok ? true : undefined),
        () => undefined,
      ),
    "the express + pg baseline to listen",
  );
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill();
      }),
  };
}
