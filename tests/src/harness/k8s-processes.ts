import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { commonConfig, loadConfig } from "@emporium/platform/config/load-config";
import { emporiumProcesses } from "@emporium/platform/dev/stack";
import { serviceConfig } from "@emporium/platform/service/service-runtime";
import { repoRoot } from "./stack.js";

// What the processes really do, read from their code (built dist and
// sources), for the Kubernetes manifest tests to compare against: a drift
// between the code and deploy/k8s fails a test instead of a rollout.

/** The parts of a service definition (platform/src/service/service-runtime.ts) the manifests must match. */
interface ServiceDefinition {
  name: string;
  defaultPort: number;
  serviceNames: string[];
  topics: (prefix: string) => string[];
  usesRedis?: boolean;
  consumer?: { topics: (prefix: string) => string[] };
}

export interface ProcessFacts {
  /** The Deployment's name (and app.kubernetes.io/name). */
  name: string;
  kind: "service" | "gateway" | "simulator";
  /** `node` and its arguments as npm start runs the process (platform/src/dev/stack.ts). */
  command: string[];
  /** The port it serves on by default, and its admin (metrics) port where it has one. */
  port: number;
  metricsPort?: number;
  /** The variables that set the port, the bind address, and the admin port. */
  portVariable: string;
  hostVariable: string;
  /** The default bind address (loopback would make the pod unreachable). */
  defaultHost: string;
  /** Every environment variable its code reads. */
  reads: Set<string>;
  /** Where its code must be told the address of something (URLs, brokers): no default works in a cluster. */
  mustSet: string[];
  shutdownTimeoutMs: number;
  definition?: ServiceDefinition;
}

const SERVICES = {
  orders: "ordersService",
  inventory: "inventoryService",
  catalog: "catalogService",
  identity: "identityService",
  payments: "paymentsService",
};

// A computed specifier: the tests package need not depend on every service to read its definition.
const importModule = (specifier: string): Promise<Record<string, unknown>> => import(specifier);

/** Config keys (`NAME: z…`, `NAME: port(…)`, `NAME: commaList()` and the like) and `process.env.NAME` reads in the .ts files under a folder. */
async function variablesIn(folder: string): Promise<Set<string>> {
  const names = new Set<string>();
  const entries = await readdir(join(repoRoot, folder), { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
    const source = await readFile(join(entry.parentPath, entry.name), "utf8");
    for (const match of source.matchAll(
      /\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\s*:\s*(?=z\s*\.|port\(|millis\(|commonConfig\.|rateLimit\(|admissionLimit\(|commaList\(|optionalUrl\()/g,
    )) {
      names.add(match[1] as string);
    }
    for (const match of source.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1] as string);
  }
  return names;
}

/** Config keys declared `NAME: optionalUrl()`: no loopback default, so leaving one out turns it off (PgBouncer, the read replica). */
async function optionalUrlsIn(folders: string[]): Promise<Set<string>> {
  const names = new Set<string>();
  for (const folder of folders) {
    for (const entry of await readdir(join(repoRoot, folder), { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
      const source = await readFile(join(entry.parentPath, entry.name), "utf8");
      for (const match of source.matchAll(/\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\s*:\s*optionalUrl\(/g)) names.add(match[1] as string);
    }
  }
  return names;
}

const defaultShutdownMs = () => loadConfig({ SHUTDOWN_TIMEOUT_MS: commonConfig.SHUTDOWN_TIMEOUT_MS }, {}).SHUTDOWN_TIMEOUT_MS;

/** Every Emporium process: the gateway, the services, and the payment provider simulator. */
export async function processFacts(): Promise<ProcessFacts[]> {
  const launched = emporiumProcesses({
    gatewayPort: 0,
    ordersPort: 0,
    inventoryPort: 0,
    catalogPort: 0,
    identityPort: 0,
    paymentsPort: 0,
    paymentProviderPort: 0,
  });
  const commandOf = (name: string) => {
    const spec = launched.find((process) => process.name === name);
    if (!spec) throw new Error(`npm start runs no process ${name}`);
    return ["node", ...spec.args];
  };
  const platformReads = new Set([...Object.keys(serviceConfig), ...(await variablesIn("platform/src/service"))]);
  const facts: ProcessFacts[] = [];
  for (const [name, exported] of Object.entries(SERVICES)) {
    const definition = (await importModule(`@emporium/${name}/app`))[exported] as ServiceDefinition;
    const reads = new Set([...platformReads, ...NODE_POSTGRES_VARIABLES, ...(await variablesIn(`services/${name}/src`))]);
    const optional = await optionalUrlsIn(["platform/src/service", `services/${name}/src`]);
    const urls = [...reads].filter(
      (variable) => variable.endsWith("_URL") && !optional.has(variable) && (variable !== "REDIS_URL" || definition.usesRedis),
    );
    facts.push({
      name,
      kind: "service",
      command: commandOf(name),
      port: definition.defaultPort,
      // platform/src/service/service-runtime.ts: by default the RPC port + 1000.
      metricsPort: definition.defaultPort + 1000,
      portVariable: "RPC_PORT",
      hostVariable: "RPC_HOST",
      defaultHost: loadConfig({ RPC_HOST: serviceConfig.RPC_HOST }, {}).RPC_HOST,
      reads,
      mustSet: [...urls, "KAFKA_BROKERS"],
      shutdownTimeoutMs: defaultShutdownMs(),
      definition,
    });
  }
  const { gatewayConfig } = (await importModule("@emporium/gateway/config")) as { gatewayConfig: (env: object) => Record<string, unknown> };
  const gateway = gatewayConfig({});
  const gatewayReads = await variablesIn("gateway/src");
  facts.push({
    name: "gateway",
    kind: "gateway",
    command: commandOf("gateway"),
    port: gateway.GATEWAY_PORT as number,
    metricsPort: gateway.METRICS_PORT as number,
    portVariable: "GATEWAY_PORT",
    hostVariable: "GATEWAY_HOST",
    defaultHost: gateway.GATEWAY_HOST as string,
    reads: gatewayReads,
    mustSet: [...[...gatewayReads].filter((variable) => variable.endsWith("_URL")), "KAFKA_BROKERS"],
    shutdownTimeoutMs: gateway.SHUTDOWN_TIMEOUT_MS as number,
  });
  const { simulatorConfig } = (await importModule("@emporium/payment-provider-sim/config")) as {
    simulatorConfig: () => Record<string, unknown>;
  };
  const simulator = simulatorConfig();
  facts.push({
    name: "payment-provider-sim",
    kind: "simulator",
    command: commandOf("provider"),
    port: simulator.PAYMENT_PROVIDER_PORT as number,
    portVariable: "PAYMENT_PROVIDER_PORT",
    hostVariable: "PAYMENT_PROVIDER_HOST",
    defaultHost: simulator.PAYMENT_PROVIDER_HOST as string,
    reads: await variablesIn("services/payment-provider-sim/src"),
    mustSet: [],
    shutdownTimeoutMs: simulator.SHUTDOWN_TIMEOUT_MS as number,
  });
  return facts;
}

/**
 * What node-postgres itself reads (pg's connection defaults) for the parts a
 * connection URL leaves out: the operators overlay gives the pooler's and
 * the replica's URLs without credentials, and the app owner's through these.
 */
export const NODE_POSTGRES_VARIABLES = ["PGUSER", "PGPASSWORD"];

/** The standard OpenTelemetry SDK variables (STYLE.md: telemetry is configured through OTEL_*), read by every process. */
export const isOtelVariable = (name: string) => name.startsWith("OTEL_");

/** The source file that answers a probe path (for the tests to check the path is really served). */
export const probeSources = {
  gateway: "gateway/src/pipeline/probes.ts",
  "payment-provider-sim": "services/payment-provider-sim/src/routes/control.ts",
};
