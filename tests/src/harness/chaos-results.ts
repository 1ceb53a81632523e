import { appendFile, readFile, writeFile } from "node:fs/promises";

/** What one chaos scenario measured in its run; one JSON line each in the results file. */
export interface ChaosResult {
  /** "1. orders SIGKILL + restart": the number orders the table. */
  scenario: string;
  /** The load generated, e.g. "10 orders/s × 8 s, 4 customers". */
  load: string;
  /** The fault and how long it lasted. */
  fault: string;
  /** From the start of the load until every accepted order was terminal. */
  durationMs: number;
  /** Answers and failures of the clients' first attempts, by status or socket error. */
  outcomes: Record<string, number>;
  /** Distinct orders accepted (202), retries included. */
  accepted: number;
  /** Terminal states of the accepted orders. */
  terminal: Record<string, number>;
  /** From the end of the fault (or of the load) until every accepted order was terminal. */
  settleMs: number;
  /** What checkInvariants (and the scenario's own checks) found; empty when they hold. */
  problems: string[];
  notes?: string;
}

/**
 * Appends a scenario's result to the file named by CHAOS_RESULTS, when set
 * (`npm run test:chaos` sets it and renders docs/reliability.md from it);
 * a plain `npm test` records nothing.
 */
export async function recordResult(result: ChaosResult): Promise<void> {
  const file = process.env.CHAOS_RESULTS;
  if (!file) return;
  await appendFile(file, `${JSON.stringify({ ...result, recordedAt: new Date().toISOString() })}\n`);
}

export const RESULTS_START = "<!-- chaos-results:start -->";
export const RESULTS_END = "<!-- chaos-results:end -->";

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([kind, n]) => `${kind} ${n}`)
    .join(", ");

/** The results as a markdown table, one row per scenario in scenario order (the last run of each). */
export function renderTable(results: (ChaosResult & { recordedAt?: string })[]): string {
  const latest = new Map(results.map((result) => [result.scenario, result]));
  const rows = [...latest.values()].sort((a, b) => a.scenario.localeCompare(b.scenario, "en", { numeric: true }));
  const cells = (r: ChaosResult) => [
    r.scenario,
    r.load,
    r.fault,
    counts(r.outcomes),
    String(r.accepted),
    counts(r.terminal),
    seconds(r.settleMs),
    seconds(r.durationMs),
    r.problems.length === 0
      ? "hold"
      : `**${r.problems.length} problem${r.problems.length === 1 ? "" : "s"}**: ${r.problems.map((p) => p.split("\n")[0]).join("; ")}`,
  ];
  const lines = [
    "| Scenario | Load | Fault | Client outcomes (first attempts) | Orders accepted | Terminal states | Time to settle | Whole run | Invariants |",
    "|---|---|---|---|---|---|---|---|---|",
    ...rows.map(
      (r) =>
        `| ${cells(r)
          .map((cell) => cell.replaceAll("|", "\\|").replaceAll("\n", " "))
          .join(" | ")} |`,
    ),
  ];
  const when = rows
    .map((r) => r.recordedAt)
    .filter(Boolean)
    .sort()
    .at(-1);
  const notes = rows.filter((r) => r.notes).map((r) => `- ${r.scenario}: ${r.notes}`);
  return [
    `Last run: ${when ?? "unknown"} (Node ${process.version}, ${process.platform}/${process.arch}).`,
    "",
    ...lines,
    "",
    ...notes,
  ].join("\n");
}

/** Replaces what is between the result markers of a markdown file with the table of a results file. */
export async function renderInto(resultsFile: string, markdownFile: string): Promise<number> {
  const results = (await readFile(resultsFile, "utf8"))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ChaosResult);
  const doc = await readFile(markdownFile, "utf8");
  const start = doc.indexOf(RESULTS_START);
  const end = doc.indexOf(RESULTS_END);
  if (start === -1 || end < start) throw new Error(`${markdownFile} has no ${RESULTS_START} … ${RESULTS_END} markers`);
  const table = renderTable(results);
  await writeFile(markdownFile, `${doc.slice(0, start + RESULTS_START.length)}\n${table}\n${doc.slice(end)}`);
  return results.length;
}
