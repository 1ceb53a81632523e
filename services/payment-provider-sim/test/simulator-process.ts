import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../src/main.js", import.meta.url));

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface RunningSimulator {
  baseUrl: string;
  process: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Calls the simulator and returns the parsed JSON answer. */
  call<T = Record<string, unknown>>(method: string, path: string, options?: CallOptions): Promise<ApiResponse<T>>;
  stop(): Promise<void>;
}

/**
 * Starts the real simulator process on a port the OS picks (port 0), and
 * learns the port from its "listening" log line: no window in which another
 * process could take a port we chose.
 */
export async function startSimulator(env: Record<string, string> = {}): Promise<RunningSimulator> {
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PAYMENT_PROVIDER_PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const output: string[] = [];
  createInterface({ input: child.stderr }).on("line", (line) => output.push(line));
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      output.push(line);
      const port = (JSON.parse(line) as { port?: number }).port;
      if (port) resolve(port);
    });
    void exited.then((code) => reject(new Error(`simulator exited with ${code} before listening:\n${output.join("\n")}`)));
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  return {
    baseUrl,
    process: child,
    exited,
    async call<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResponse<T>> {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { "content-type": "application/json", ...options.headers },
        ...(options.body === undefined ? {} : { body: typeof options.body === "string" ? options.body : JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as T };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Polls `probe` until it returns something other than undefined; the timeout only bounds a hang. */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}
