import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { eventually } from "./eventually.js";
import { freePort } from "./free-port.js";

const run = promisify(execFile);

/**
 * A Redis server of the test's own (Debian's redis-server, on a free port, no
 * persistence), so a test can stop and restart it without touching the
 * suite's shared Redis.
 */
export async function startPrivateRedis() {
  const port = await freePort();
  let server: ChildProcess | undefined;
  const cli = (...args: string[]) => run("redis-cli", ["-p", String(port), ...args]).then((r) => r.stdout.trim());
  const start = async () => {
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: "ignore",
    });
    await eventually(() => cli("ping").then((reply) => (reply === "PONG" ? true : undefined)), "redis to answer");
  };
  const stop = async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGKILL");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    /** Keys matching a pattern, right now. */
    keys: async (pattern: string) => (await cli("--scan", "--pattern", pattern)).split("\n").filter(Boolean),
  };
}
