import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, test } from "node:test";
import { copyPorts } from "@emporium/platform/dev/balancer";
import { launcherTargets, targetFiles, writeTargetFiles } from "@emporium/platform/dev/prometheus-targets";
import { repoRoot } from "../../src/harness/stack.js";
import { observabilityDir, promtool, readYaml, runPromtool } from "../../src/observability/observability-files.js";

// deploy/observability/prometheus.yml (native) and prometheus.compose.yml
// (docker-compose.yml) scrape every process on its admin port, with `job`
// the process name, and compose runs Prometheus with them. The native one
// reads its targets from the files npm start's launcher writes, every copy.

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[] }[];
  file_sd_configs?: { files: string[] }[];
}
interface PrometheusConfig {
  rule_files: string[];
  scrape_configs: ScrapeConfig[];
}
interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  expose?: string[];
  volumes?: string[];
  ports?: string[];
}

const PROCESSES = ["gateway", "orders", "inventory", "catalog", "identity", "payments"];

let binary: string;
let native: PrometheusConfig;
let compose: PrometheusConfig;
let services: Record<string, ComposeService>;
before(
  async () => {
    binary = await promtool();
    native = (await readYaml(join(observabilityDir, "prometheus.yml"))) as PrometheusConfig;
    compose = (await readYaml(join(observabilityDir, "prometheus.compose.yml"))) as PrometheusConfig;
    services = ((await readYaml(join(repoRoot, "docker-compose.yml"))) as { services: Record<string, ComposeService> }).services;
  },
  { timeout: 60 * 60_000 }, // the first build of promtool on a fresh clone: 29 min on a loaded 2-core machine (scripts/test.sh builds it before the tests)
);

const targets = (config: PrometheusConfig) =>
  Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, (job.static_configs ?? []).flatMap((c) => c.targets)]));

/** The launcher's admin ports by default (deploy/local/start.mjs): the gateway's METRICS_PORT, each service's RPC port + 1000. */
const DEFAULT_METRICS_PORTS = [
  { name: "gateway", port: 9080 },
  { name: "orders", port: 51051 },
  { name: "inventory", port: 51052 },
  { name: "catalog", port: 51053 },
  { name: "identity", port: 51054 },
  { name: "payments", port: 51055 },
];

/** What the native config scrapes when the launcher runs one copy of each process with its defaults. */
const nativeOneCopy = (): Record<string, string[]> =>
  Object.fromEntries(
    [...targetFiles(launcherTargets(DEFAULT_METRICS_PORTS, []))].map(([job, groups]) => [job, groups.flatMap((g) => g.targets)]),
  );

/** The RPC port of each service, from the URLs the compose services call each other on. */
function composeRpcPorts(): Record<string, number> {
  const ports: Record<string, number> = {};
  for (const service of Object.values(services)) {
    for (const value of Object.values(service.environment ?? {})) {
      const url = /^http:\/\/([a-z-]+):(\d+)$/.exec(String(value));
      if (url?.[1] && url[2]) ports[url[1]] = Number(url[2]);
    }
  }
  return ports;
}

test("promtool check config accepts both scrape configs and the rule files they load", async () => {
  const output = await runPromtool(binary, ["check", "config", "--lint=all", "--lint-fatal", "prometheus.yml", "prometheus.compose.yml"]);
  assert.equal(output.match(/valid prometheus config file syntax/g)?.length, 2, output);
  assert.match(output, /SUCCESS: [4-9] rule files found/);
});

test("the native config reads each job's targets from the file the launcher writes for it", () => {
  assert.deepEqual(
    native.scrape_configs.map((job) => [job.job_name, job.file_sd_configs, job.static_configs]),
    PROCESSES.map((job) => [job, [{ files: [`targets/${job}.json`] }], undefined]),
  );
});

test("one copy of each process: the launcher's targets are each process at 127.0.0.1 on its admin port", () => {
  assert.deepEqual(nativeOneCopy(), {
    gateway: ["127.0.0.1:9080"],
    orders: ["127.0.0.1:51051"],
    inventory: ["127.0.0.1:51052"],
    catalog: ["127.0.0.1:51053"],
    identity: ["127.0.0.1:51054"],
    payments: ["127.0.0.1:51055"],
  });
});

test("with copies, every copy is a target of its process's job, labelled with its name, and promtool reads the files", async () => {
  const balanced = DEFAULT_METRICS_PORTS.filter(({ name }) => name !== "catalog").map(({ name, port }) => ({
    name,
    port: 0,
    protocol: "h2c" as const,
    copies: [1, 2, 3].map((k) => ({ name: `${name}-${k}`, port: 0, metricsPort: copyPorts(0, port, k).metricsPort })),
  }));
  const scratch = await mkdtemp(join(tmpdir(), "emporium-prometheus-"));
  try {
    // prometheus.yml in a folder of its own, with the rules it loads, and the launcher's files for 3 copies (catalog alone).
    await cp(join(observabilityDir, "prometheus.yml"), join(scratch, "prometheus.yml"));
    await cp(join(observabilityDir, "rules"), join(scratch, "rules"), { recursive: true });
    writeTargetFiles(join(scratch, "targets"), launcherTargets(DEFAULT_METRICS_PORTS, balanced));
    const orders = JSON.parse(await readFile(join(scratch, "targets/orders.json"), "utf8"));
    assert.deepEqual(orders, [
      { targets: ["127.0.0.1:51151"], labels: { copy: "orders-1" } },
      { targets: ["127.0.0.1:51251"], labels: { copy: "orders-2" } },
      { targets: ["127.0.0.1:51351"], labels: { copy: "orders-3" } },
    ]);
    const catalog = JSON.parse(await readFile(join(scratch, "targets/catalog.json"), "utf8"));
    assert.deepEqual(catalog, [{ targets: ["127.0.0.1:51053"], labels: { copy: "catalog" } }]);
    const output = await runPromtool(binary, ["check", "config", join(scratch, "prometheus.yml")]);
    assert.match(output, /valid prometheus config file syntax/, output);
    assert.doesNotMatch(output, /does not exist|WARNING|FAILED/i, output);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
});

test("the compose config is the native one with the compose service names as hosts", () => {
  const { scrape_configs: nativeJobs, ...nativeRest } = native;
  const { scrape_configs: composeJobs, ...composeRest } = compose;
  assert.deepEqual(composeRest, nativeRest);
  const nativeTargets = nativeOneCopy();
  assert.deepEqual(
    targets(compose),
    Object.fromEntries(PROCESSES.map((job) => [job, (nativeTargets[job] ?? []).map((t) => t.replace("127.0.0.1", job))])),
  );
  assert.equal(composeJobs.length, nativeJobs.length);
});

test("every compose target is a compose service exposing that port: RPC port + 1000, the gateway's METRICS_PORT", () => {
  const rpcPorts = composeRpcPorts();
  for (const [job, [target = ""]] of Object.entries(targets(compose))) {
    const [host = "", port = ""] = target.split(":");
    const service = services[host];
    assert.ok(service, `${target}: no compose service ${host}`);
    assert.ok(service.expose?.includes(port), `${host} exposes ${port} (expose: ${service.expose})`);
    if (job === "gateway") assert.equal(service.environment?.METRICS_PORT, port);
    else assert.equal(Number(port), (rpcPorts[host] ?? Number.NaN) + 1000, `${host}: metrics on its RPC port + 1000`);
  }
});

test("compose runs the official Prometheus image with these files", () => {
  const prometheus = services.prometheus;
  assert.ok(prometheus, "a prometheus service in docker-compose.yml");
  assert.match(prometheus.image ?? "", /^prom\/prometheus:v3\.\d+\.\d+$/);
  assert.ok(prometheus.volumes?.includes("./deploy/observability:/etc/prometheus:ro"), String(prometheus.volumes));
  assert.ok(prometheus.command?.includes("--config.file=/etc/prometheus/prometheus.compose.yml"), String(prometheus.command));
  assert.deepEqual(native.rule_files, ["rules/*.yml"]);
});
