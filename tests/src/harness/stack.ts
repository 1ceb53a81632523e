import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import { startProcessGroup } from "@emporium/platform/dev/process-group";
import { emporiumProcesses, type StackOptions } from "@emporium/platform/dev/stack";
import { createSilentKafka } from "@emporium/platform/kafka/client";
import pg from "pg";
import { eventually } from "./eventually.js";
import { PortBook } from "./free-port.js";
import { infraEnv } from "./infra-env.js";

/** The administrator every test stack's identity service creates at start-up. */
export const ADMIN = { email: "admin@emporium.test", password: "correct-horse-battery-staple-42" };

/** Encrypts the test identity's signing keys; tests read the key to forge tokens with it. */
export const KEY_ENCRYPTION_SECRET = "test-key-encryption-secret-0123456789abcdef";

export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * A whole Emporium (every service and the gateway as real processes) on free
 * ports, with its own databases and Kafka topics, so test files never see
 * each other's data. `stop` ends the processes and drops what it created.
 */
/** A service's port: it serves /metrics at that port + 1000. */
const SERVICE_PORT = { admin: true };

export async function startStack(options: { env?: Record<string, string>; catalogSeedProducts?: number } = {}) {
  const id = randomBytes(4).toString("hex");
  const book = new PortBook();
  const ports = {
    gatewayPort: await book.take(),
    ordersPort: await book.take(SERVICE_PORT),
    inventoryPort: await book.take(SERVICE_PORT),
    catalogPort: await book.take(SERVICE_PORT),
    identityPort: await book.take(SERVICE_PORT),
    paymentsPort: await book.take(SERVICE_PORT),
    paymentProviderPort: await book.take(),
    gatewayMetricsPort: await book.take(),
  };
  const stackOptions: StackOptions = {
    ...ports,
    databaseSuffix: `_t${id}`,
    topicPrefix: `t${id}.`,
    seedDemoStock: true,
    catalogSeedProducts: options.catalogSeedProducts ?? 300,
    // EMPORIUM_CPU_PROF_DIR=<dir>: every process writes a CPU profile there when the stack stops (benchmarks' profiling).
    cpuProfileDir: process.env.EMPORIUM_CPU_PROF_DIR,
    env: {
      ...infraEnv,
      KAFKAJS_NO_PARTITIONER_WARNING: "1",
      LOG_LEVEL: "info",
      OTEL_TRACES_EXPORTER: "none",
      // Tests look at whole traces; production samples a share of them (platform/src/telemetry/register.ts).
      OTEL_TRACES_SAMPLER: "parentbased_always_on",
      IDENTITY_KEY_ENCRYPTION_SECRET: KEY_ENCRYPTION_SECRET,
      IDENTITY_ADMIN_EMAIL: ADMIN.email,
      IDENTITY_ADMIN_PASSWORD: ADMIN.password,
      // A cheaper scrypt than production's 2^17 keeps sign-ups in tests fast.
      IDENTITY_SCRYPT_COST: "16384",
      // Tests fire many requests from one address; the rate-limit tests set their own limits.
      RATE_LIMIT_AUTH: "100000/60",
      RATE_LIMIT_ACCOUNT: "100000/60",
      RATE_LIMIT_READ: "1000000/60",
      RATE_LIMIT_WRITE: "100000/60",
      ...options.env,
    },
  };
  const logs: string[] = [];
  let died: string | undefined;
  const group = startProcessGroup(emporiumProcesses(stackOptions), {
    cwd: repoRoot,
    onLine: (name, line) => logs.push(`[${name}] ${line}`),
    // Noted for the readiness wait, which then fails at once with the logs.
    onUnexpectedExit: (name, code, signal) => {
      died ??= `${name} exited (${signal ?? `code ${code}`})`;
    },
  });
  /** A second process of one of the stack's kinds on a port of its own, logging into the same log. */
  const startExtra = async (
    name: "catalog" | "gateway" | "orders" | "inventory" | "payments",
    portKey: "catalogPort" | "gatewayPort" | "ordersPort" | "inventoryPort" | "paymentsPort",
    env: Record<string, string>,
  ) => {
    const port = await book.take({ admin: name !== "gateway" });
    const options = { ...stackOptions, [portKey]: port, gatewayMetricsPort: await book.take(), env: { ...stackOptions.env, ...env } };
    const spec = emporiumProcesses(options).find((p) => p.name === name);
    if (!spec) throw new Error(`no ${name} in the stack definition`);
    const extra = startProcessGroup([{ ...spec, name: `${name}-2` }], { cwd: repoRoot, onLine: (n, line) => logs.push(`[${n}] ${line}`) });
    return {
      url: `http://127.0.0.1:${port}`,
      stop: () => extra.stop(),
      /** Sends a signal to the extra process (SIGTERM: a graceful stop). */
      signal: (signal: NodeJS.Signals) => extra.signal(`${name}-2`, signal),
      /** Resolves when the extra process has exited. */
      exited: () => extra.exited(`${name}-2`),
    };
  };
  /** The extra process once `started` resolves; stopped (not left running, holding the test process open) if it rejects. */
  const startedOrStopped = async <T extends { stop(): Promise<void> }>(extra: T, started: () => Promise<unknown>): Promise<T> => {
    try {
      await started();
      return extra;
    } catch (error) {
      await extra.stop();
      throw error;
    }
  };
  const gatewayUrl = `http://127.0.0.1:${ports.gatewayPort}`;
  const stack = {
    id,
    ...ports,
    gatewayUrl,
    /** Each process's admin port serving GET /metrics: the services' RPC port + 1000, the gateway's own. */
    metricsUrls: {
      gateway: `http://127.0.0.1:${ports.gatewayMetricsPort}/metrics`,
      orders: `http://127.0.0.1:${ports.ordersPort + 1000}/metrics`,
      inventory: `http://127.0.0.1:${ports.inventoryPort + 1000}/metrics`,
      catalog: `http://127.0.0.1:${ports.catalogPort + 1000}/metrics`,
      identity: `http://127.0.0.1:${ports.identityPort + 1000}/metrics`,
      payments: `http://127.0.0.1:${ports.paymentsPort + 1000}/metrics`,
    },
    ordersUrl: `http://127.0.0.1:${ports.ordersPort}`,
    inventoryUrl: `http://127.0.0.1:${ports.inventoryPort}`,
    catalogUrl: `http://127.0.0.1:${ports.catalogPort}`,
    identityUrl: `http://127.0.0.1:${ports.identityPort}`,
    paymentsUrl: `http://127.0.0.1:${ports.paymentsPort}`,
    providerUrl: `http://127.0.0.1:${ports.paymentProviderPort}`,
    topicPrefix: stackOptions.topicPrefix ?? "",
    databases: {
      orders: `emporium_orders_t${id}`,
      inventory: `emporium_inventory_t${id}`,
      catalog: `emporium_catalog_t${id}`,
      identity: `emporium_identity_t${id}`,
      payments: `emporium_payments_t${id}`,
    },
    group,
    logs,
    /** A pool on one of this stack's databases (closed by the caller). */
    pool: (service: "orders" | "inventory" | "catalog" | "identity" | "payments") => {
      const url = new URL(infraEnv.DATABASE_URL);
      url.pathname = `/${stack.databases[service]}`;
      return new pg.Pool({ connectionString: url.toString(), max: 2 });
    },
    /** Starts one more catalog instance on the same database and topics; resolves once it serves. */
    async startExtraCatalog(env: Record<string, string> = {}) {
      const extra = await startExtra("catalog", "catalogPort", env);
      return startedOrStopped(extra, () => waitUntilServing(extra.url));
    },
    /**
     * Starts one more instance of a consuming service on the same database,
     * topics and consumer group; resolves once it has started completely:
     * it serves, and its consumer has joined (its /metrics has the
     * consumer's lag), so it takes its share of the partitions from then on.
     */
    async startExtraConsumer(name: "orders" | "inventory" | "payments", env: Record<string, string> = {}) {
      const extra = await startExtra(name, `${name}Port`, env);
      const metricsUrl = `http://127.0.0.1:${Number(new URL(extra.url).port) + 1000}/metrics`;
      return startedOrStopped({ ...extra, metricsUrl }, async () => {
        await waitUntilServing(extra.url);
        await stack.waitFor(
          () => fetch(metricsUrl).then(async (r) => ((await r.text()).includes("messaging_kafka_consumer_lag") ? true : undefined)),
          `the second ${name} instance's consumer to join`,
          60_000,
        );
      });
    },
    /** Starts one more gateway on the same services, Redis and topics; resolves once it is ready. */
    async startExtraGateway(env: Record<string, string> = {}) {
      const extra = await startExtra("gateway", "gatewayPort", env);
      const ready = () =>
        fetch(`${extra.url}/readyz`).then(
          (r) => (r.ok ? true : undefined),
          () => undefined,
        );
      return startedOrStopped(extra, () => eventually(ready, "the second gateway to be ready", 60_000));
    },
    /**
     * Starts a process of the stack again after it exited (killed or stopped
     * by a test), with the same environment and port; resolves once it
     * serves again (a service: health SERVING; the gateway: ready).
     */
    async restart(name: "gateway" | "orders" | "inventory" | "catalog" | "identity" | "payments") {
      group.restart(name);
      if (name === "gateway") {
        await stack.waitFor(() => fetch(`${gatewayUrl}/readyz`).then((r) => (r.ok ? true : undefined)), "the gateway to be ready again");
      } else {
        await waitUntilServing(stack[`${name}Url`]);
      }
    },
    /** `eventually`, with the processes' recent logs attached when it times out. */
    waitFor: <T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 45_000) =>
      eventually(probe, what, timeoutMs).catch((error: Error) => {
        throw new Error(`${error.message}\n--- process logs ---\n${stack.recentLogs()}`);
      }),
    /** The last process log lines, to attach to a failure. */
    recentLogs: (lines = 80) =>
      logs
        .filter((line) => !line.includes('"msg":"request"'))
        .slice(-lines)
        .join("\n"),
    async stop() {
      await group.stop();
      await dropStackData(id, stack.databases, stack.topicPrefix);
    },
  };
  try {
    const ready = () => fetch(`${gatewayUrl}/readyz`).then((r) => (r.ok ? true : undefined));
    await eventually(async () => (died ? true : ready()), "the gateway to be ready", 60_000);
    if (died) throw new Error(`${died} while the stack was starting`);
    // The gateway only checks its direct backends; every service must serve.
    for (const url of [stack.ordersUrl, stack.inventoryUrl, stack.catalogUrl, stack.identityUrl, stack.paymentsUrl]) {
      await waitUntilServing(url);
    }
  } catch (error) {
    await group.stop();
    throw new Error(`${(error as Error).message}\n--- process logs ---\n${stack.recentLogs()}`);
  }
  return stack;
}

export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Waits until a service's grpc.health.v1 says SERVING. */
async function waitUntilServing(url: string): Promise<void> {
  const health = createClient(Health, createGrpcTransport({ baseUrl: url }));
  await eventually(
    () => health.check({}, { timeoutMs: 500 }).then((r) => (r.status === HealthCheckResponse_ServingStatus.SERVING ? true : undefined)),
    `${url} to serve`,
    60_000,
  );
}

/** Drops the databases and topics of one stack (or launcher) run. */
export async function dropStackData(id: string, databases: Record<string, string>, topicPrefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: infraEnv.DATABASE_URL });
  await admin.connect();
  for (const database of Object.values(databases)) await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
  const kafka = createSilentKafka({ clientId: `test-cleanup-${id}`, brokers: infraEnv.KAFKA_BROKERS.split(",") });
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  const topics = (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
  if (topics.length > 0) await kafkaAdmin.deleteTopics({ topics });
  await kafkaAdmin.disconnect();
}
