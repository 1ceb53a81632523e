import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { containerOf, type K8sObject, named, OVERLAYS, type Overlay, ofKind, renderAll } from "../../src/harness/k8s-manifests.js";
import { isOtelVariable, type ProcessFacts, probeSources, processFacts } from "../../src/harness/k8s-processes.js";
import { repoRoot } from "../../src/harness/stack.js";

// The Deployments of deploy/k8s against what each process really does: its
// entry point, ports, bind address, probes, environment and drain, all read
// from the code (tests/src/harness/k8s-processes.ts), not from a copy.

let renders: Map<Overlay, { objects: K8sObject[] }>;
let facts: ProcessFacts[];
before(
  async () => {
    ({ renders } = await renderAll());
    facts = await processFacts();
  },
  { timeout: 60 * 60_000 },
);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string } };
}

/** Each Deployment of an overlay with the process it runs. */
function deployments(overlay: Overlay): { deployment: K8sObject; process: ProcessFacts }[] {
  return ofKind(renders.get(overlay)?.objects ?? [], "Deployment").map((deployment) => {
    const process = facts.find((candidate) => candidate.name === deployment.metadata.name);
    if (!process) throw new Error(`${overlay}: Deployment ${deployment.metadata.name} runs no known process`);
    return { deployment, process };
  });
}

/** The environment a container gets: its env list and every key of the ConfigMaps it takes whole. */
function environment(objects: K8sObject[], deployment: K8sObject): Map<string, EnvVar> {
  const container = containerOf(deployment);
  const variables = new Map<string, EnvVar>();
  for (const source of container.envFrom ?? []) {
    const configMap = named(objects, "ConfigMap", source.configMapRef.name);
    for (const [name, value] of Object.entries(configMap.data ?? {})) variables.set(name, { name, value: String(value) });
  }
  for (const variable of (container.env ?? []) as EnvVar[]) variables.set(variable.name, variable);
  return variables;
}

const portNamed = (deployment: K8sObject, name: string): number | undefined =>
  containerOf(deployment).ports.find((port: { name: string }) => port.name === name)?.containerPort;

test("every overlay runs a Deployment per process, each with the entry point npm start runs", () => {
  for (const overlay of OVERLAYS) {
    const running = deployments(overlay).map(({ process }) => process.name);
    const wanted = facts.filter((process) => process.kind !== "simulator").map((process) => process.name);
    // The simulator stands in for the real provider only where there is none (overlays/dev).
    if (overlay === "overlays/dev") wanted.push("payment-provider-sim");
    assert.deepEqual(running.sort(), wanted.sort(), overlay);
    for (const { deployment, process } of deployments(overlay)) {
      assert.deepEqual(containerOf(deployment).command, process.command, `${overlay}: ${process.name}`);
    }
  }
});

test("container ports are the ports the processes listen on, and they listen on the pod's address", () => {
  for (const overlay of OVERLAYS) {
    for (const { deployment, process } of deployments(overlay)) {
      const where = `${overlay}: ${process.name}`;
      const env = environment(renders.get(overlay)?.objects ?? [], deployment);
      const servingPort = portNamed(deployment, process.kind === "service" ? "grpc" : "http");
      assert.equal(servingPort, Number(env.get(process.portVariable)?.value ?? process.port), where);
      assert.equal(servingPort, process.port, `${where}: the code's default port`);
      if (process.metricsPort !== undefined) {
        assert.equal(portNamed(deployment, "metrics"), Number(env.get("METRICS_PORT")?.value ?? process.metricsPort), where);
        assert.equal(portNamed(deployment, "metrics"), process.metricsPort, `${where}: the code's default admin port`);
      }
      const host = env.get(process.hostVariable)?.value ?? process.defaultHost;
      assert.equal(host, "0.0.0.0", `${where}: ${process.hostVariable} (default ${process.defaultHost})`);
    }
  }
});

test("services are probed with the gRPC health protocol, the edge on the paths it serves", async () => {
  for (const overlay of OVERLAYS) {
    for (const { deployment, process } of deployments(overlay)) {
      const where = `${overlay}: ${process.name}`;
      const { startupProbe, livenessProbe, readinessProbe } = containerOf(deployment);
      if (process.kind === "service") {
        for (const probe of [startupProbe, livenessProbe, readinessProbe]) assert.equal(probe.grpc?.port, process.port, where);
        // "" is the whole server (platform/src/rpc/health.ts); readiness asks for the service itself.
        assert.equal(livenessProbe.grpc.service ?? "", "", where);
        assert.ok(process.definition?.serviceNames.includes(readinessProbe.grpc.service), `${where}: ${readinessProbe.grpc.service}`);
        continue;
      }
      const source = await readFile(join(repoRoot, probeSources[process.name as keyof typeof probeSources]), "utf8");
      for (const probe of [startupProbe, livenessProbe, readinessProbe]) {
        assert.equal(probe.httpGet?.port, "http", where);
        const path = String(probe.httpGet.path).split("?")[0] as string;
        assert.ok(source.includes(`${path.replaceAll("/", "\\/")}$`) || source.includes(`"${path}"`), `${where}: ${path} is served`);
      }
      if (process.kind === "gateway") {
        assert.equal(livenessProbe.httpGet.path, "/healthz", where);
        // The gateway's own readiness: a backend that is down must not take every gateway out of the Service.
        assert.equal(readinessProbe.httpGet.path, "/readyz?scope=self", where);
        assert.ok((await readFile(join(repoRoot, "gateway/src/operations.ts"), "utf8")).includes('get("scope") === "self"'), where);
      }
    }
  }
});

test("every variable a pod sets is one its process reads, and every address it needs is set", () => {
  for (const overlay of OVERLAYS) {
    const objects = renders.get(overlay)?.objects ?? [];
    for (const { deployment, process } of deployments(overlay)) {
      const env = environment(objects, deployment);
      const unread = [...env.keys()].filter((name) => !process.reads.has(name) && !isOtelVariable(name));
      assert.deepEqual(unread, [], `${overlay}: ${process.name} sets variables its code never reads`);
      const unset = process.mustSet.filter((name) => !env.has(name));
      assert.deepEqual(unset, [], `${overlay}: ${process.name} would fall back to a loopback default`);
      assert.equal(env.get("OTEL_SERVICE_NAME")?.value ?? process.name, process.name, `${overlay}: ${process.name}`);
    }
  }
});

test("in-cluster URLs name the Service of the process they mean, on the port it serves", () => {
  for (const overlay of OVERLAYS) {
    const objects = renders.get(overlay)?.objects ?? [];
    for (const { deployment, process } of deployments(overlay)) {
      for (const variable of environment(objects, deployment).values()) {
        const url = /^http:\/\/([a-z0-9-]+):(\d+)$/.exec(variable.value ?? "");
        if (!variable.name.endsWith("_URL") || !url) continue;
        const where = `${overlay}: ${process.name} ${variable.name}=${variable.value}`;
        // CATALOG_URL means catalog, PAYMENT_PROVIDER_URL the provider (its simulator here).
        const meant = variable.name.replace(/_URL$/, "").toLowerCase().replaceAll("_", "-");
        assert.ok(url[1]?.startsWith(meant), where);
        const service = named(objects, "Service", url[1] as string);
        const servicePort = service.spec.ports.find((port: { port: number }) => port.port === Number(url[2]));
        assert.ok(servicePort, where);
        const target = named(objects, "Deployment", service.spec.selector["app.kubernetes.io/name"]);
        const targetProcess = facts.find((candidate) => candidate.name === target.metadata.name);
        assert.equal(portNamed(target, servicePort.targetPort), targetProcess?.port, where);
      }
    }
  }
});

test("termination waits for the preStop pause and the process's own drain, with a margin", () => {
  for (const overlay of OVERLAYS) {
    const objects = renders.get(overlay)?.objects ?? [];
    for (const { deployment, process } of deployments(overlay)) {
      const pause = containerOf(deployment).lifecycle?.preStop?.sleep?.seconds ?? 0;
      const drainMs = Number(environment(objects, deployment).get("SHUTDOWN_TIMEOUT_MS")?.value ?? process.shutdownTimeoutMs);
      const grace = deployment.spec.template.spec.terminationGracePeriodSeconds;
      assert.ok(pause >= 1, `${overlay}: ${process.name} pauses before SIGTERM so endpoints drop it first`);
      assert.ok(grace >= pause + drainMs / 1000 + 1, `${overlay}: ${process.name}: ${grace} s < ${pause} s + ${drainMs} ms`);
    }
  }
});
