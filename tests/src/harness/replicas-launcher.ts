import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { balancerStatus, type ServerStatus } from "@emporium/platform/dev/haproxy-stats";
import pg from "pg";
import { eventually } from "./eventually.js";
import { PortBook } from "./free-port.js";
import { infraEnv } from "./infra-env.js";
import type { StackData } from "./saga.js";
import { dropStackData, repoRoot } from "./stack.js";

/** The processes npm start runs copies of. */
export const REPLICATED = ["gateway", "orders", "inventory", "catalog", "identity", "payments"] as const;
/** The services' port variables of npm start (each serves /metrics at its port + 1000). */
export const SERVICE_PORTS = ["ORDERS_PORT", "INVENTORY_PORT", "CATALOG_PORT", "IDENTITY_PORT", "PAYMENTS_PORT"];
const SERVICES = ["orders", "inventory", "catalog", "identity", "payments"] as const;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the launcher colours its prefixes
const plain = (line: string) => line.replace(/\x1b\[[0-9;]*m/g, "");

/**
 * `EMPORIUM_REPLICAS=<copies> npm start` (its launcher, deploy/local/start.mjs)
 * on free ports, with data and a lock file of its own, so it runs beside a
 * developer's npm start on the same infrastructure. Jaeger is off
 * (npm-start.test.ts has it). Resolves once the banner says every copy is up.
 */
export async function startReplicas(copies: number, extraEnv: NodeJS.ProcessEnv = {}) {
  await promisify(execFile)("bash", ["deploy/local/haproxy.sh"], { cwd: repoRoot });
  const id = randomBytes(4).toString("hex");
  const scratch = await mkdtemp(join(tmpdir(), "emporium-replicas-"));
  const { OTEL_EXPORTER_OTLP_ENDPOINT, ...inherited } = process.env;
  const book = new PortBook();
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    ...infraEnv,
    EMPORIUM_REPLICAS: String(copies),
    EMPORIUM_JAEGER: "off",
    EMPORIUM_START_LOCK: join(scratch, "start.json"),
    // Its Prometheus targets, never a developer's (scripts/start.sh writes those to deploy/observability/targets).
    EMPORIUM_PROMETHEUS_TARGETS_DIR: join(scratch, "targets"),
    EMPORIUM_DATABASE_SUFFIX: `_t${id}`,
    KAFKA_TOPIC_PREFIX: `t${id}.`,
    CATALOG_SEED_PRODUCTS: "20",
    GATEWAY_PORT: String(await book.take({ copies })),
    METRICS_PORT: String(await book.take({ copies })),
    PAYMENT_PROVIDER_PORT: String(await book.take()),
    ...extraEnv,
  };
  // A service's copies serve on port + 100·k and /metrics 1000 above that.
  for (const variable of SERVICE_PORTS) env[variable] = String(await book.take({ copies, admin: true }));

  const lines: string[] = [];
  const launcher: ChildProcess = spawn(process.execPath, ["deploy/local/start.mjs"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  for (const stream of [launcher.stdout, launcher.stderr])
    if (stream) createInterface({ input: stream }).on("line", (line) => lines.push(plain(line)));

  const stop = async () => {
    if (launcher.exitCode === null && launcher.pid) {
      const exited = new Promise((resolve) => launcher.once("exit", resolve));
      process.kill(-launcher.pid, "SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 30_000))]);
      if (launcher.exitCode === null) process.kill(-launcher.pid, "SIGKILL");
    }
    await dropStackData(id, Object.fromEntries(SERVICES.map((s) => [s, `emporium_${s}_t${id}`])), `t${id}.`);
    await rm(scratch, { recursive: true, force: true });
  };

  const exitedEarly = new Promise<never>((_, reject) =>
    launcher.once("exit", (code) => reject(new Error(`the launcher exited (${code}) before its banner`))),
  );
  try {
    await Promise.race([
      eventually(async () => lines.some((l) => l.includes("Emporium is up")) || undefined, "the launcher's banner", 180_000),
      exitedEarly,
    ]);
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n--- launcher ---\n${lines.slice(-80).join("\n")}`);
  }
  exitedEarly.catch(() => undefined);
  const statsSocket = /socat stdio ([^\s)]+)/.exec(lines.join("\n"))?.[1] ?? "";

  /** The launcher's databases and provider, for the saga's invariant checks. */
  const data: StackData = {
    pool: (service) => {
      const url = new URL(infraEnv.DATABASE_URL);
      url.pathname = `/emporium_${service}_t${id}`;
      return new pg.Pool({ connectionString: url.toString(), max: 2 });
    },
    providerUrl: `http://127.0.0.1:${env.PAYMENT_PROVIDER_PORT}`,
    waitFor: eventually,
  };

  return {
    env,
    lines,
    gatewayUrl: `http://127.0.0.1:${env.GATEWAY_PORT}`,
    data,
    stop,
    /** Every copy as the balancer sees it (HAProxy's runtime API). */
    servers: (): Promise<ServerStatus[]> => balancerStatus(statsSocket),
    /** One copy as the balancer sees it. */
    copy: async (name: string) => (await balancerStatus(statsSocket)).find((server) => server.server === name),
    /** The pid of a process of the launcher (its lock file), e.g. `orders-1`. */
    pidOf: (name: string) =>
      (JSON.parse(readFileSync(join(scratch, "start.json"), "utf8")) as { processes: Record<string, { pid?: number }> }).processes[name]
        ?.pid,
    /** Resolves once a copy runs again under a new pid and the balancer has it UP. */
    async backAfter(name: string, previousPid: number | undefined, timeoutMs = 90_000) {
      await eventually(
        async () => {
          const pid = this.pidOf(name);
          const status = (await this.copy(name))?.status ?? "";
          return pid !== undefined && pid !== previousPid && status.startsWith("UP") ? true : undefined;
        },
        `${name} to be started again and back in the balancer`,
        timeoutMs,
      );
    },
  };
}

export type ReplicasLauncher = Awaited<ReturnType<typeof startReplicas>>;
