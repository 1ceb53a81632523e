import { readFile } from "node:fs/promises";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of each named process, read now. */
export async function cpuSnapshot(pids: Map<string, number>): Promise<Map<string, number>> {
  const entries = await Promise.all([...pids].map(async ([name, pid]) => [name, await cpuSecondsOf(pid).catch(() => 0)] as const));
  return new Map(entries);
}

/** CPU milliseconds each process used between two snapshots, per unit of work. */
export function cpuPer(before: Map<string, number>, after: Map<string, number>, units: number): Map<string, number> {
  return new Map([...after].map(([name, seconds]) => [name, units > 0 ? ((seconds - (before.get(name) ?? 0)) * 1000) / units : 0]));
}
