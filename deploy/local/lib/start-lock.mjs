// Which `npm start` runs from this checkout: a small JSON file under .infra
// with the launcher's pid and each process's pid and ports. Plain JavaScript
// with no dependencies, so that scripts/start.sh can ask before it builds:
//
//   node deploy/local/lib/start-lock.mjs check   exit 1 with a message when one runs
//
// The file is created exclusively (one launcher wins a race) and removed when
// its launcher stops; a file whose launcher is gone is stale and replaced.
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../../", import.meta.url));

/** The lock file; EMPORIUM_START_LOCK moves it (tests run a launcher beside a developer's). */
export const lockPath = () => process.env.EMPORIUM_START_LOCK ?? join(root, ".infra/start.json");

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
};

/** The running launcher's record, or undefined (a stale file is removed). */
export function running(path = lockPath()) {
  let record;
  try {
    record = JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return undefined;
  }
  if (Number.isInteger(record?.pid) && alive(record.pid)) return record;
  try {
    unlinkSync(path);
  } catch {
    // Another launcher removed it first.
  }
  return undefined;
}

/** Takes the lock for this process; returns the other launcher's record instead when one runs. */
export function acquire(record, path = lockPath()) {
  mkdirSync(dirname(path), { recursive: true });
  for (;;) {
    try {
      writeFileSync(path, JSON.stringify({ ...record, pid: process.pid }), { flag: "wx" });
      return undefined;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      const other = running(path);
      if (other) return other;
    }
  }
}

/** Rewrites our record (pids change as processes start). */
export function update(record, path = lockPath()) {
  writeFileSync(path, JSON.stringify({ ...record, pid: process.pid }));
}

/** Removes the lock if it is ours. */
export function release(path = lockPath()) {
  if (running(path)?.pid === process.pid) unlinkSync(path);
}

/** What to tell someone who starts a second one. */
export function describe(record) {
  const since = record.startedAt ? `, since ${new Date(record.startedAt).toLocaleTimeString()}` : "";
  const names = Object.keys(record.processes ?? {});
  const width = Math.max(0, ...names.map((n) => n.length));
  const lines = names.map((name) => {
    const { pid, ports = [] } = record.processes[name];
    const where = ports.length ? `  port${ports.length > 1 ? "s" : ""} ${ports.join(", ")}` : "";
    return `  ${name.padEnd(width)}  ${pid ? `pid ${pid}` : "(not started)"}${where}`;
  });
  return [
    `Emporium is already running from this checkout (npm start, pid ${record.pid}${since}):`,
    ...lines,
    `Stop it with Ctrl-C in its terminal, or: kill ${record.pid}`,
  ].join("\n");
}

if (import.meta.main && process.argv[2] === "check") {
  const record = running();
  if (record) {
    console.error(`[emporium] ${describe(record)}`);
    process.exit(1);
  }
}
