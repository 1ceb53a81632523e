import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { STOP_WITH_PARENT_ENV } from "../lifecycle/graceful-shutdown.js";

export interface ProcessSpec {
  name: string;
  /** Arguments to `node`. */
  args: string[];
  env: Record<string, string>;
}

export interface ProcessGroupOptions {
  cwd: string;
  /** Where each output line goes, tagged with its process name. */
  onLine?: (name: string, line: string) => void;
  /** Called when a process exits while the group is not stopping. */
  onUnexpectedExit?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

const COLORS = [36, 33, 35, 32, 34, 31];

/** Prints `[name] line` with a colour per process, as `npm start` shows them. */
export function prefixedPrinter(names: string[]) {
  const width = Math.max(...names.map((n) => n.length));
  return (name: string, line: string) => {
    const color = COLORS[names.indexOf(name) % COLORS.length];
    process.stdout.write(`\x1b[${color}m[${name.padEnd(width)}]\x1b[0m ${line}\n`);
  };
}

/**
 * Runs several processes as one: one tagged log stream, and a stop that
 * sends SIGTERM to all, waits for them, and SIGKILLs what outlives the grace.
 *
 * Each child runs in a process group of its own (`detached`), so a
 * terminal's Ctrl-C, which goes to the whole foreground group, reaches only
 * the launcher, and each child hears one stop request (the group's SIGTERM)
 * rather than SIGINT and then SIGTERM. A detached child would outlive a
 * launcher killed with SIGKILL, so its stdin is a pipe from the launcher:
 * when the launcher dies the pipe closes and the child stops
 * (platform/src/lifecycle/graceful-shutdown.ts; other programs, such as
 * Jaeger, run under platform/src/dev/stop-with-parent.ts).
 */
export function startProcessGroup(specs: ProcessSpec[], options: ProcessGroupOptions) {
  const children = new Map<string, ChildProcess>();
  const specsByName = new Map(specs.map((spec) => [spec.name, spec]));
  let stopping = false;
  const launch = (spec: ProcessSpec) => {
    const child = spawn(process.execPath, spec.args, {
      cwd: options.cwd,
      env: { ...process.env, ...spec.env, [STOP_WITH_PARENT_ENV]: "stdin" },
      stdio: ["pipe", "pipe", "pipe"],
      detached: true,
    });
    children.set(spec.name, child);
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on("line", (line) => options.onLine?.(spec.name, line));
    }
    child.once("exit", (code, signal) => {
      if (!stopping) options.onUnexpectedExit?.(spec.name, code, signal);
    });
    // "close" comes after "exit" once its output is read to the end: a stop
    // that waited for "exit" alone could lose a process's last log lines.
    closed.set(child, new Promise<void>((resolve) => child.once("close", () => resolve())));
  };
  const closed = new WeakMap<ChildProcess, Promise<void>>();
  for (const spec of specs) launch(spec);

  const exited = (child: ChildProcess) => closed.get(child) ?? Promise.resolve();

  return {
    children,
    /** Starts one more process in the group (one whose program became available later, e.g. Jaeger after its build). */
    add(spec: ProcessSpec): void {
      if (stopping) throw new Error(`the group is stopping; ${spec.name} is not started`);
      if (children.has(spec.name)) throw new Error(`a process named ${spec.name} is already in this group`);
      specsByName.set(spec.name, spec);
      launch(spec);
    },
    /** The pid of each running process, by name. */
    pids(): Record<string, number> {
      const running = [...children].filter(([, child]) => child.pid !== undefined && child.exitCode === null && child.signalCode === null);
      return Object.fromEntries(running.map(([name, child]) => [name, child.pid as number]));
    },
    /** Sends a signal to one process (for fault tests). */
    signal(name: string, signal: NodeJS.Signals) {
      children.get(name)?.kill(signal);
    },
    exited: (name: string) => {
      const child = children.get(name);
      return child ? exited(child) : Promise.resolve();
    },
    /**
     * Starts a process again, with the same arguments and environment (so the
     * same port), once its previous run has exited (for fault tests: kill it,
     * then bring it back).
     */
    restart(name: string): void {
      const spec = specsByName.get(name);
      const child = children.get(name);
      if (!spec || !child) throw new Error(`no process named ${name} in this group`);
      if (stopping) throw new Error(`the group is stopping; ${name} is not restarted`);
      if (child.exitCode === null && child.signalCode === null) throw new Error(`${name} is still running; stop it first`);
      launch(spec);
    },
    async stop(graceMs = 15_000): Promise<void> {
      stopping = true;
      const all = [...children.values()];
      for (const child of all) child.kill("SIGTERM");
      // The whole group of each child: a program run under stop-with-parent too.
      const killer = setTimeout(() => {
        for (const child of all) if (child.pid !== undefined && child.exitCode === null) killGroup(child.pid);
      }, graceMs);
      await Promise.all(all.map(exited));
      clearTimeout(killer);
    },
  };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

export type ProcessGroup = ReturnType<typeof startProcessGroup>;
