import type { LoadResult } from "./load.js";

export interface RoundResult {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  /** Median over the rounds of (this scenario / the baseline scenario) measured in the same round (express in the catalog bench). */
  vsExpress: number;
  vsExpressRange: string;
  /** Errors, timeouts and non-2xx answers over all rounds. */
  errors: number;
}

const EXPRESS = 1;

/**
 * Folds interleaved rounds (each the scenarios in the same order) into medians
 * per scenario, with each scenario's ratio to the one at `baseline` (by
 * default the catalog bench's express scenario, index 1).
 */
export function medianOfRounds(rounds: LoadResult[][], baseline = EXPRESS): RoundResult[] {
  const first = rounds[0] ?? [];
  return first.map((scenario, index) => {
    const runs = rounds.map((round) => round[index] as LoadResult);
    const ratios = rounds.map((round) => (round[index]?.requestsPerSecond ?? 0) / (round[baseline]?.requestsPerSecond ?? 1));
    return {
      name: scenario.name,
      requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
      p50: median(runs.map((r) => r.p50)),
      p99: median(runs.map((r) => r.p99)),
      vsExpress: median(ratios),
      vsExpressRange: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
      errors: runs.reduce((sum, r) => sum + r.errors + r.non2xx, 0),
    };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}
