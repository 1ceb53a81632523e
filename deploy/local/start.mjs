// `npm start`: runs every Emporium process with one tagged log stream, and
// Jaeger beside them (built once, joining when its first build is done),
// prints where things are once the gateway is ready, and stops everything
// cleanly on Ctrl-C / SIGTERM. Infrastructure and the build are done by
// scripts/start.sh. One per checkout: a second one says what runs and exits.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { haproxyConfig } from "@emporium/platform/dev/balancer";
import { buildGoTool } from "@emporium/platform/dev/go-tool";
import { balancerStatus } from "@emporium/platform/dev/haproxy-stats";
import { JAEGER_PORT_VARIABLES, jaegerHealthy, jaegerPortsFromEnv, jaegerProcess, otlpExportEnv } from "@emporium/platform/dev/jaeger";
import { describeTakenPorts, portClash, takenPorts } from "@emporium/platform/dev/port-check";
import { prefixedPrinter, startProcessGroup } from "@emporium/platform/dev/process-group";
import { launcherTargets, writeTargetFiles } from "@emporium/platform/dev/prometheus-targets";
import { replicaLayout } from "@emporium/platform/dev/replica-layout";
import { replicaCounts, replicated } from "@emporium/platform/dev/replicas";
import { restartPolicy } from "@emporium/platform/dev/restart-policy";
import { emporiumProcesses } from "@emporium/platform/dev/stack";
import { acquire, describe, release, update } from "./lib/start-lock.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));
const env = (name, fallback) => Number(process.env[name] ?? fallback);
const APP_PORTS = [
  ["gateway", "GATEWAY_PORT", 8080],
  ["orders", "ORDERS_PORT", 50051],
  ["inventory", "INVENTORY_PORT", 50052],
  ["catalog", "CATALOG_PORT", 50053],
  ["identity", "IDENTITY_PORT", 50054],
  ["payments", "PAYMENTS_PORT", 50055],
  ["provider", "PAYMENT_PROVIDER_PORT", 50060],
].map(([name, variable, fallback]) => ({ name, variable, port: env(variable, fallback) }));
const portOf = (name) => APP_PORTS.find((p) => p.name === name).port;
// Admin ports (/metrics): the gateway's own, each service's at its RPC port + 1000 (moved with it).
const METRICS_PORTS = [
  { name: "gateway", variable: "METRICS_PORT", port: env("METRICS_PORT", 9080) },
  ...APP_PORTS.filter((p) => p.name !== "gateway" && p.name !== "provider").map((p) => ({ ...p, port: p.port + 1000 })),
];

// Where traces go: our Jaeger unless told otherwise, or unless its ports
// are taken (another Jaeger or collector, which then gets the spans).
const externalOtlp = process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
const jaegerPorts = jaegerPortsFromEnv();
const JAEGER_WANTED = Object.entries(JAEGER_PORT_VARIABLES).map(([key, [variable]]) => ({
  name: "jaeger",
  variable,
  port: jaegerPorts[key],
}));
const jaegerWanted = !externalOtlp && process.env.EMPORIUM_JAEGER !== "off";
const jaegerPortsTaken = jaegerWanted ? await takenPorts(JAEGER_WANTED) : [];
const jaegerOn = jaegerWanted && jaegerPortsTaken.length === 0;

// Copies of every process (EMPORIUM_REPLICAS, EMPORIUM_REPLICAS_<NAME>): behind
// HAProxy on the ports above, each copy 100 ports higher per copy.
let counts;
try {
  counts = replicaCounts(process.env);
} catch (error) {
  console.error(`[emporium] ${error.message}`);
  process.exit(1);
}
const withReplicas = replicated(counts);
const HAPROXY = "/usr/sbin/haproxy";
if (withReplicas && !existsSync(HAPROXY)) {
  console.error("[emporium] replicas need HAProxy: run bash deploy/local/haproxy.sh (npm start does when EMPORIUM_REPLICAS is set)");
  process.exit(1);
}

const singleSpecs = emporiumProcesses({
  gatewayPort: portOf("gateway"),
  gatewayMetricsPort: METRICS_PORTS[0].port,
  ordersPort: portOf("orders"),
  inventoryPort: portOf("inventory"),
  catalogPort: portOf("catalog"),
  identityPort: portOf("identity"),
  paymentsPort: portOf("payments"),
  paymentProviderPort: portOf("provider"),
  catalogSeedProducts: env("CATALOG_SEED_PRODUCTS", 1000),
  seedDemoStock: true,
  // Tests run a launcher beside a developer's on the same infrastructure, with data of its own.
  databaseSuffix: process.env.EMPORIUM_DATABASE_SUFFIX,
  topicPrefix: process.env.KAFKA_TOPIC_PREFIX,
  // Profiling under load (bench/src/orders/copies.ts): every process writes a V8 CPU profile there when it stops.
  cpuProfileDir: process.env.EMPORIUM_CPU_PROF_DIR,
  env: jaegerOn ? otlpExportEnv(jaegerPorts) : {},
});
const layout = withReplicas
  ? replicaLayout(
      singleSpecs,
      counts,
      Object.fromEntries(
        APP_PORTS.filter((p) => p.name !== "provider").map((p) => [
          p.name,
          { port: p.port, metricsPort: METRICS_PORTS.find((m) => m.name === p.name).port },
        ]),
      ),
    )
  : { specs: singleSpecs, balanced: [] };
const balancerDir = withReplicas ? mkdtempSync(join(tmpdir(), "emporium-balancer-")) : undefined;
const statsSocket = balancerDir && join(balancerDir, "haproxy.sock");
if (balancerDir) {
  const configFile = join(balancerDir, "haproxy.cfg");
  writeFileSync(configFile, haproxyConfig(layout.balanced, { host: process.env.GATEWAY_HOST ?? "0.0.0.0", statsSocket }));
  layout.specs.push({ name: "balancer", args: ["platform/dist/src/dev/stop-with-parent.js", HAPROXY, "-db", "-f", configFile], env: {} });
}
const specs = layout.specs;
const copyNames = new Set(layout.balanced.flatMap((b) => b.copies.map((c) => c.name)));
const mayRestart = restartPolicy();
const COPY_PORTS = layout.balanced.flatMap((b) =>
  b.copies.flatMap((c) => [
    { name: c.name, variable: `copy of ${b.name}`, port: c.port },
    { name: c.name, variable: `copy of ${b.name} (metrics)`, port: c.metricsPort },
  ]),
);
const print = prefixedPrinter([...specs.map((s) => s.name), "jaeger", "emporium"]);

// One launcher per checkout, and only onto free ports.
const lock = {
  startedAt: new Date().toISOString(),
  processes: Object.fromEntries([
    ...(withReplicas
      ? [
          ["balancer", { ports: layout.balanced.map((b) => b.port) }],
          ...layout.balanced.flatMap((b) => b.copies.map((c) => [c.name, { ports: [c.port, c.metricsPort] }])),
          ["provider", { ports: [portOf("provider")] }],
        ]
      : APP_PORTS.map((p) => [p.name, { ports: [p.port, ...METRICS_PORTS.filter((m) => m.name === p.name).map((m) => m.port)] }])),
    ...(jaegerOn ? [["jaeger", { ports: JAEGER_WANTED.map((p) => p.port) }]] : []),
  ]),
};
const other = acquire(lock);
if (other) {
  print("emporium", describe(other));
  process.exit(1);
}
// Copies take ports 100 apart: two settings too close together would give two processes one port.
const clash = portClash([...APP_PORTS, ...METRICS_PORTS, ...COPY_PORTS]);
if (clash) {
  print("emporium", clash);
  release();
  if (balancerDir) rmSync(balancerDir, { recursive: true, force: true });
  process.exit(1);
}
const taken = await takenPorts([...APP_PORTS, ...METRICS_PORTS, ...COPY_PORTS]);
if (taken.length > 0) {
  print("emporium", describeTakenPorts(taken));
  release();
  if (balancerDir) rmSync(balancerDir, { recursive: true, force: true });
  process.exit(1);
}

// Prometheus's targets (deploy/observability/prometheus.yml reads them): every copy's /metrics.
const targetsDir = process.env.EMPORIUM_PROMETHEUS_TARGETS_DIR;
if (targetsDir) writeTargetFiles(targetsDir, launcherTargets(METRICS_PORTS, layout.balanced));

let stopping = false;
// Jaeger's state, for the banner: starting, building, up, or why it is not there.
let jaeger = "starting";
let jaegerBuild;
let bannerShown = false;
const group = startProcessGroup(specs, {
  cwd: root,
  onLine: print,
  onUnexpectedExit: (name, code, signal) => {
    const how = signal ?? `code ${code}`;
    // With copies, one that dies is started again while the balancer sends its share to the others.
    if (copyNames.has(name) && mayRestart(name)) {
      print("emporium", `${name} exited (${how}); starting it again (the balancer sends its share to the other copies meanwhile)`);
      setTimeout(() => {
        if (stopping) return;
        group.restart(name);
        recordPids();
      }, 1_000);
      return;
    }
    print("emporium", `${name} exited (${how}); stopping the others`);
    void stop(1);
  },
});
const traces = startProcessGroup([], {
  cwd: root,
  onLine: print,
  onUnexpectedExit: (name, code, signal) => {
    jaeger = `exited (${signal ?? `code ${code}`}); traces are not collected any more`;
    print("emporium", `traces: ${name} ${jaeger}`);
  },
});
const recordPids = () => {
  const pids = { ...group.pids(), ...traces.pids() };
  for (const [name, entry] of Object.entries(lock.processes)) entry.pid = pids[name];
  update(lock);
};
recordPids();

const tracesLine = () => {
  if (externalOtlp) return `traces: exported to ${externalOtlp} (OTEL_EXPORTER_OTLP_ENDPOINT; no local Jaeger)`;
  if (jaegerPortsTaken.length > 0) {
    const ports = jaegerPortsTaken.map((p) => `${p.port} (${p.variable})`).join(", ");
    return `traces: no local Jaeger: its ports ${ports} are in use by another program; spans go to http://localhost:4318, whatever listens there`;
  }
  if (!jaegerOn) return "traces: no local Jaeger (EMPORIUM_JAEGER=off); exported to the OTLP default http://localhost:4318";
  if (jaeger === "up")
    return `traces: http://localhost:${jaegerPorts.query}  (Jaeger API /api/traces; npm run trace -- <order-id | trace-id>)`;
  if (jaeger === "building")
    return "traces: building Jaeger (first start only; progress as [jaeger] lines); it joins when built, and spans exported before then are lost";
  if (jaeger === "starting") return "traces: Jaeger starting; spans exported before it is up are lost";
  return `traces: Jaeger ${jaeger}`;
};

async function runJaeger() {
  jaegerBuild = buildGoTool(root, "jaeger", (line) => {
    jaeger = "building";
    print("jaeger", line);
  });
  let binary;
  try {
    binary = await jaegerBuild.binary;
  } catch (error) {
    if (!stopping) {
      jaeger = `not running: ${error.message}`;
      print("emporium", tracesLine());
    }
    return;
  }
  if (stopping) return;
  const wasBuilding = jaeger === "building";
  jaeger = "starting";
  traces.add(jaegerProcess(binary, jaegerPorts));
  recordPids();
  while (!stopping && jaeger === "starting") {
    if (await jaegerHealthy(jaegerPorts)) jaeger = "up";
    else await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (jaeger === "up" && (bannerShown || wasBuilding)) print("emporium", tracesLine());
}

async function stop(exitCode) {
  if (stopping) return;
  stopping = true;
  print("emporium", "stopping all processes…");
  jaegerBuild?.cancel();
  await group.stop();
  // Last, so that the services' final spans still reach it.
  await traces.stop();
  release();
  if (balancerDir) rmSync(balancerDir, { recursive: true, force: true });
  print("emporium", "stopped");
  process.exit(exitCode);
}
// The terminal's Ctrl-C reaches only this process (the children run in
// process groups of their own); npm may pass the same signal on again.
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

/** With replicas: every copy is UP in the balancer (its health checks passed). */
const allCopiesUp = async () => {
  if (!statsSocket) return true;
  const servers = await balancerStatus(statsSocket).catch(() => []);
  return servers.length === COPY_PORTS.length / 2 && servers.every((s) => s.status.startsWith("UP"));
};

async function waitForGateway() {
  for (let i = 0; i < 120 && !stopping; i++) {
    const ready = await fetch(`http://127.0.0.1:${portOf("gateway")}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready && (await allCopiesUp())) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

if (jaegerOn) void runJaeger();
const gatewayPort = portOf("gateway");
if (await waitForGateway()) {
  recordPids();
  bannerShown = true;
  print(
    "emporium",
    [
      "Emporium is up.",
      `  gateway    http://localhost:${gatewayPort}  (REST /v1, /healthz, /readyz)`,
      `  orders     h2c://127.0.0.1:${portOf("orders")}  (gRPC, Connect, gRPC-Web)`,
      `  inventory  h2c://127.0.0.1:${portOf("inventory")}`,
      `  catalog    h2c://127.0.0.1:${portOf("catalog")}  (GET /v1/products on the gateway)`,
      `  payments   h2c://127.0.0.1:${portOf("payments")}  (internal; charges through the provider simulator)`,
      `  provider   http://127.0.0.1:${portOf("provider")}  (payment-provider simulator; knobs: PUT /control)`,
      `  identity   h2c://127.0.0.1:${portOf("identity")}  (/v1/auth/*, /.well-known/jwks.json on the gateway)`,
      withReplicas
        ? `  metrics    each copy's own: copy k of a process on its port + 100·k, /metrics likewise (${layout.balanced[0].copies.map((c) => `${c.name} http://127.0.0.1:${c.metricsPort}/metrics`).join(", ")}, …)`
        : `  metrics    http://127.0.0.1:${METRICS_PORTS[0].port}/metrics (gateway); each service's at its RPC port + 1000`,
      ...(withReplicas
        ? [
            `  replicas   ${layout.balanced.map((b) => `${b.name} ×${b.copies.length}`).join(", ")}, behind HAProxy on the ports above`,
            `             (health-checked; its runtime API: echo 'show stat' | socat stdio ${statsSocket})`,
          ]
        : []),
      `  ${tracesLine()}`,
      `  try: curl -s -X POST localhost:${gatewayPort}/v1/auth/signup -H 'content-type: application/json' -d '{"email":"me@example.com","password":"a-long-passphrase-1"}'`,
      `       then: curl -i -X POST localhost:${gatewayPort}/v1/orders -H "authorization: Bearer <access_token>" -H "idempotency-key: $(cat /proc/sys/kernel/random/uuid)" -H 'content-type: application/json' -d '{"items":[{"product_id":"p-000001","quantity":2}]}'`,
      "  Ctrl-C stops everything.",
    ].join("\n"),
  );
} else if (!stopping) {
  print("emporium", `the gateway${withReplicas ? " and every copy" : ""} did not become ready within 60 s; see the logs above`);
  await stop(1);
}
