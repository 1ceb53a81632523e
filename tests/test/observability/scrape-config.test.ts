import assert from "node:assert/strict";
import { join } from "node:path";
import { before, test } from "node:test";
import { repoRoot } from "../../src/harness/stack.js";
import { observabilityDir, promtool, readYaml, runPromtool } from "../../src/observability/observability-files.js";

// deploy/observability/prometheus.yml (native) and prometheus.compose.yml
// (docker-compose.yml) scrape every process on its admin port, with `job`
// the process name, and compose runs Prometheus with them.

interface ScrapeConfig {
  job_name: string;
  static_configs: { targets: string[] }[];
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
  Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, job.static_configs.flatMap((c) => c.targets)]));

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

test("the native config scrapes each process at 127.0.0.1 on its admin port, job = process name", () => {
  assert.deepEqual(targets(native), {
    gateway: ["127.0.0.1:9080"],
    orders: ["127.0.0.1:51051"],
    inventory: ["127.0.0.1:51052"],
    catalog: ["127.0.0.1:51053"],
    identity: ["127.0.0.1:51054"],
    payments: ["127.0.0.1:51055"],
  });
});

test("the compose config is the native one with the compose service names as hosts", () => {
  const { scrape_configs: nativeJobs, ...nativeRest } = native;
  const { scrape_configs: composeJobs, ...composeRest } = compose;
  assert.deepEqual(composeRest, nativeRest);
  const nativeTargets = targets(native);
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
