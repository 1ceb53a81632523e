import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse } from "yaml";
import { repoRoot } from "../harness/stack.js";
import type { Selector } from "./promql-selectors.js";

const run = promisify(execFile);

/** deploy/observability: scrape configs, rules, their unit tests, dashboards and the metric contract. */
export const observabilityDir = join(repoRoot, "deploy/observability");

export const readYaml = async (path: string): Promise<unknown> => parse(await readFile(path, "utf8"));
export const readJson = async (path: string): Promise<unknown> => JSON.parse(await readFile(path, "utf8"));

/** The files of a folder under deploy/observability with that ending, as full paths, sorted. */
export async function filesIn(folder: string, ending: string): Promise<string[]> {
  const names = await readdir(join(observabilityDir, folder));
  return names
    .filter((name) => name.endsWith(ending))
    .sort()
    .map((name) => join(observabilityDir, folder, name));
}

/** The promtool binary, built once from the Go module proxy by deploy/local/tool.sh (cached afterwards). */
export async function promtool(): Promise<string> {
  const { stdout } = await run("bash", [join(repoRoot, "deploy/local/tool.sh"), "build", "promtool"], {
    timeout: 60 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

/** Runs promtool; resolves with its output when it exits 0, rejects (with the output) otherwise. */
export async function runPromtool(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(binary, args, { cwd: observabilityDir, timeout: 10 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout + stderr;
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`promtool ${args.join(" ")} failed:\n${stdout}${stderr}`);
  }
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Every rule of every file in deploy/observability/rules. */
export async function loadRules(): Promise<Rule[]> {
  const rules: Rule[] = [];
  for (const file of await filesIn("rules", ".yml")) {
    const { groups } = (await readYaml(file)) as { groups: { rules: Rule[] }[] };
    for (const group of groups) rules.push(...group.rules);
  }
  return rules;
}

interface ContractMetric {
  type: "counter" | "gauge" | "histogram";
  labels: string[];
}

/**
 * The series names an expression may read, each with the labels its matchers
 * may use: the contract's metrics (deploy/observability/metrics.json; a
 * histogram as _bucket, _sum and _count), Prometheus' `up`, and the given
 * recording rules (with the labels they set). `job` and `instance` come from
 * the scrape config and are allowed everywhere.
 */
export async function allowedSeries(recordingRules: Rule[]): Promise<Map<string, Set<string>>> {
  const { metrics } = (await readJson(join(observabilityDir, "metrics.json"))) as { metrics: Record<string, ContractMetric> };
  const allowed = new Map<string, Set<string>>();
  const add = (name: string, labels: string[]) => allowed.set(name, new Set([...(allowed.get(name) ?? []), ...labels, "job", "instance"]));
  for (const [name, metric] of Object.entries(metrics)) {
    if (metric.type === "histogram") {
      add(`${name}_bucket`, [...metric.labels, "le"]);
      add(`${name}_sum`, metric.labels);
      add(`${name}_count`, metric.labels);
    } else {
      add(name, metric.labels);
    }
  }
  add("up", []);
  for (const rule of recordingRules) if (rule.record) add(rule.record, Object.keys(rule.labels ?? {}));
  return allowed;
}

/** What is wrong with the selectors of one expression: unknown metrics, or labels the metric does not have. */
export function selectorProblems(where: string, selectors: Selector[], allowed: Map<string, Set<string>>): string[] {
  const problems: string[] = [];
  for (const { metric, labels } of selectors) {
    const known = allowed.get(metric);
    if (!known) {
      problems.push(`${where}: ${metric || "a selector without a metric name"} is not in the metric contract`);
      continue;
    }
    for (const label of labels) if (!known.has(label)) problems.push(`${where}: ${metric} has no label ${label}`);
  }
  return problems;
}
