// Where Prometheus finds the processes of `npm start`: one file_sd file per
// job (deploy/observability/prometheus.yml reads targets/<job>.json), written
// by the launcher for whatever runs, one copy of each process or several
// (EMPORIUM_REPLICAS). A static list could not know how many copies run.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Balanced } from "./balancer.js";

/** A process's admin (/metrics) endpoint: its job (the process name), the copy, and the port. */
export interface ScrapeTarget {
  job: string;
  /** `orders-2` for a copy; the process name when it runs alone. */
  copy: string;
  metricsPort: number;
}

/**
 * What the launcher runs, as scrape targets: every copy of a balanced
 * process (job = the process, copy = `<process>-k`), and each process that
 * runs alone on its admin port of `metricsPorts`.
 */
export function launcherTargets(metricsPorts: { name: string; port: number }[], balanced: Balanced[]): ScrapeTarget[] {
  const copied = new Set(balanced.map((process) => process.name));
  return [
    ...metricsPorts.filter(({ name }) => !copied.has(name)).map(({ name, port }) => ({ job: name, copy: name, metricsPort: port })),
    ...balanced.flatMap((process) => process.copies.map((copy) => ({ job: process.name, copy: copy.name, metricsPort: copy.metricsPort }))),
  ];
}

/** Prometheus's file_sd format: target groups, each with its labels. One group per copy, labelled with the copy's name. */
export type TargetGroups = { targets: string[]; labels: { copy: string } }[];

/** Each job's target groups, by job name (every process listens on loopback). */
export function targetFiles(targets: ScrapeTarget[]): Map<string, TargetGroups> {
  const files = new Map<string, TargetGroups>();
  for (const target of targets) {
    const groups = files.get(target.job) ?? [];
    if (groups.length === 0) files.set(target.job, groups);
    groups.push({ targets: [`127.0.0.1:${target.metricsPort}`], labels: { copy: target.copy } });
  }
  return files;
}

/**
 * Writes `<dir>/<job>.json` for every job. Each file is written aside and
 * renamed into place: Prometheus watches them and must never read half of one.
 */
export function writeTargetFiles(dir: string, targets: ScrapeTarget[]): void {
  mkdirSync(dir, { recursive: true });
  for (const [job, groups] of targetFiles(targets)) {
    const file = join(dir, `${job}.json`);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(groups, null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }
}
