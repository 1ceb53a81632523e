import assert from "node:assert/strict";
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { eventually } from "../../src/harness/eventually.js";
import { PortBook } from "../../src/harness/free-port.js";
import { infraEnv } from "../../src/harness/infra-env.js";
import { buildJaeger } from "../../src/harness/jaeger.js";
import { SERVICE_PORTS } from "../../src/harness/replicas-launcher.js";
import { dropStackData, repoRoot } from "../../src/harness/stack.js";

// npm start's launcher (deploy/local/start.mjs, what scripts/start.sh runs
// once the infrastructure is up and the build is done), with Jaeger, on free
// ports, with data and a lock file of its own so it runs beside a
// developer's npm start on the same infrastructure.
const SERVICES = ["inventory", "orders", "provider", "payments", "catalog", "identity", "gateway"];
const PORT_VARIABLES = ["GATEWAY_PORT", ...SERVICE_PORTS, "PAYMENT_PROVIDER_PORT", "METRICS_PORT"];
const JAEGER_PORT_VARIABLES = [
  "EMPORIUM_JAEGER_OTLP_GRPC_PORT",
  "EMPORIUM_JAEGER_OTLP_HTTP_PORT",
  "EMPORIUM_JAEGER_QUERY_PORT",
  "EMPORIUM_JAEGER_QUERY_GRPC_PORT",
  "EMPORIUM_JAEGER_HEALTH_PORT",
];
const id = randomBytes(4).toString("hex");
// biome-ignore lint/suspicious/noControlCharactersInRegex: the launcher colours its prefixes
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, "");

let scratch: string;
let env: NodeJS.ProcessEnv;
let launcher: ChildProcess;
const lines: string[] = [];
const lockFile = () => join(scratch, "start.json");
const lock = () =>
  JSON.parse(readFileSync(lockFile(), "utf8")) as { pid: number; processes: Record<string, { pid?: number; ports: number[] }> };

const launch = (extraEnv: NodeJS.ProcessEnv = {}) =>
  spawn(process.execPath, ["deploy/local/start.mjs"], {
    cwd: repoRoot,
    env: { ...env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group, as a terminal runs a foreground job.
    detached: true,
  });

const outputOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; output: string }>((resolve) => {
    let output = "";
    child.stdout?.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      output += chunk;
    });
    child.once("close", (code) => resolve({ code, output: plain(output) }));
  });

before(
  async () => {
    await buildJaeger();
    scratch = await mkdtemp(join(tmpdir(), "emporium-start-"));
    const { OTEL_EXPORTER_OTLP_ENDPOINT, EMPORIUM_JAEGER, ...rest } = process.env;
    env = {
      ...rest,
      ...infraEnv,
      EMPORIUM_START_LOCK: lockFile(),
      EMPORIUM_DATABASE_SUFFIX: `_t${id}`,
      KAFKA_TOPIC_PREFIX: `t${id}.`,
      CATALOG_SEED_PRODUCTS: "20",
    };
    // The services serve /metrics at their port + 1000: one book keeps those free too.
    const book = new PortBook();
    for (const variable of [...PORT_VARIABLES, ...JAEGER_PORT_VARIABLES])
      env[variable] = String(await book.take({ admin: SERVICE_PORTS.includes(variable) }));
    launcher = launch();
    for (const stream of [launcher.stdout, launcher.stderr])
      if (stream) createInterface({ input: stream }).on("line", (line) => lines.push(plain(line)));
    const tracesUp = `traces: http://localhost:${env.EMPORIUM_JAEGER_QUERY_PORT}`;
    await eventually(
      async () => (lines.some((l) => l.includes("Emporium is up")) && lines.some((l) => l.includes(tracesUp))) || undefined,
      "the launcher's banner and Jaeger",
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n--- launcher ---\n${lines.slice(-60).join("\n")}`);
    });
  },
  { timeout: 30 * 60_000 },
);
after(async () => {
  if (launcher?.exitCode === null && launcher.pid) process.kill(-launcher.pid, "SIGKILL");
  await dropStackData(
    id,
    Object.fromEntries(["orders", "inventory", "catalog", "identity", "payments"].map((s) => [s, `emporium_${s}_t${id}`])),
    `t${id}.`,
  );
  await rm(scratch, { recursive: true, force: true });
});

test("a second npm start says what is already running (pids, ports) and exits 1 without a stack trace", async () => {
  const first = lock();
  const second = await outputOf(launch());
  assert.equal(second.code, 1);
  assert.match(second.output, new RegExp(`Emporium is already running from this checkout \\(npm start, pid ${launcher.pid}`));
  assert.match(
    second.output,
    new RegExp(`gateway\\s+pid ${first.processes.gateway?.pid}\\s+ports ${env.GATEWAY_PORT}, ${env.METRICS_PORT}`),
  );
  assert.match(second.output, new RegExp(`jaeger\\s+pid ${first.processes.jaeger?.pid}\\s+ports ${env.EMPORIUM_JAEGER_OTLP_GRPC_PORT}, `));
  assert.match(second.output, new RegExp(`kill ${launcher.pid}`));
  assert.doesNotMatch(second.output, /EADDRINUSE|\n\s+at /);

  // The check scripts/start.sh makes before it builds says the same.
  const check = await promisify(execFile)(process.execPath, ["deploy/local/lib/start-lock.mjs", "check"], { cwd: repoRoot, env }).then(
    () => assert.fail("expected exit 1"),
    (error: { code: number; stderr: string }) => error,
  );
  assert.equal(check.code, 1);
  assert.match(check.stderr, /already running/);
});

test("an npm start onto ports another program holds names them and exits 1", async () => {
  const other = await outputOf(launch({ EMPORIUM_START_LOCK: join(scratch, "other.json") }));
  assert.equal(other.code, 1);
  const named = (name: string, variable: string) => new RegExp(`${env[variable]} {2}\\(${name}; set ${variable}=<port> to use another\\)`);
  assert.match(other.output, named("gateway", "GATEWAY_PORT"));
  assert.match(other.output, named("gateway", "METRICS_PORT"));
  assert.match(other.output, named("orders", "ORDERS_PORT"));
  assert.match(other.output, named("provider", "PAYMENT_PROVIDER_PORT"));
  assert.doesNotMatch(other.output, /EADDRINUSE|\n\s+at /);
  assert.equal(existsSync(join(scratch, "other.json")), false, "the refused launcher left its lock behind");
});

test("Ctrl-C (SIGINT to the whole process group) drains every process once and exits 0", async () => {
  const { processes } = lock();
  const pids = Object.values(processes).map((p) => p.pid);
  const exited = outputOf(launcher);
  const from = lines.length;
  process.kill(-(launcher.pid as number), "SIGINT");
  const { code } = await exited;
  const stopLines = lines.slice(from);

  assert.equal(code, 0, stopLines.join("\n"));
  for (const service of SERVICES) {
    const own = stopLines.filter((l) => l.startsWith(`[${service}`));
    assert.equal(own.filter((l) => l.includes('"msg":"shutting down"')).length, 1, `${service} drains once:\n${own.join("\n")}`);
    assert.ok(
      own.some((l) => l.includes('"signal":"SIGTERM"')),
      `${service} hears the launcher's SIGTERM, not the terminal's SIGINT`,
    );
    assert.equal(own.filter((l) => l.includes('"msg":"stopped"')).length, 1, `${service} stops once:\n${own.join("\n")}`);
  }
  assert.equal(stopLines.filter((l) => /second signal/.test(l)).length, 0, stopLines.join("\n"));
  assert.ok(stopLines.some((l) => l.includes("[emporium") && l.endsWith("stopped")));
  // Jaeger (under stop-with-parent) and every service are gone, and so is the lock.
  await eventually(async () => pids.every((pid) => !alive(pid)) || undefined, "every process of the launcher to be gone", 10_000);
  assert.equal(existsSync(lockFile()), false);
});

function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test("a launcher killed with SIGKILL leaves no process behind, and its stale lock does not block the next start", async () => {
  const again = launch();
  const output = outputOf(again);
  await eventually(
    async () => (existsSync(lockFile()) && Object.values(lock().processes).every((p) => p.pid)) || undefined,
    "the launcher to start every process",
    60_000,
  );
  const pids = Object.entries(lock().processes).map(([name, p]) => ({ name, pid: p.pid }));

  process.kill(again.pid as number, "SIGKILL");
  await output;

  // Their stdin pipe from the launcher closes: each one stops on its own.
  const running = () => pids.filter(({ pid }) => alive(pid)).map(({ name }) => name);
  await eventually(async () => running().length === 0 || undefined, "the launcher's processes to stop without it", 30_000).catch(
    (error: Error) => assert.fail(`${error.message}; still running: ${running().join(", ")}`),
  );
  const check = await promisify(execFile)(process.execPath, ["deploy/local/lib/start-lock.mjs", "check"], { cwd: repoRoot, env });
  assert.equal(check.stderr, "");
  assert.equal(existsSync(lockFile()), false, "the stale lock is removed");
});
