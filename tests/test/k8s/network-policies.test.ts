import assert from "node:assert/strict";
import { before, test } from "node:test";
import { containerOf, type K8sObject, OVERLAYS, type Overlay, ofKind, renderAll } from "../../src/harness/k8s-manifests.js";
import { admitsNamespace, mayConnect, type PodView } from "../../src/harness/network-policy.js";

// Only the gateway reaches services from outside them, and each process
// reaches exactly the processes its code calls: the calls come from the
// *_URL settings of each Deployment (processes.test.ts checks those against
// the code), the allowed connections from evaluating every NetworkPolicy.

let renders: Map<Overlay, { objects: K8sObject[] }>;
before(
  async () => {
    ({ renders } = await renderAll());
  },
  { timeout: 60 * 60_000 },
);

interface Pod extends PodView {
  name: string;
  /** The ports its process serves on (not the admin port). */
  serving: number[];
  metrics?: number;
  /** The processes it calls (host names of its http:// *_URL settings). */
  calls: Set<string>;
}

function pods(objects: K8sObject[]): Pod[] {
  return ofKind(objects, "Deployment").map((deployment) => {
    const container = containerOf(deployment);
    const namedPorts: Record<string, number> = Object.fromEntries(
      container.ports.map((port: { name: string; containerPort: number }) => [port.name, port.containerPort]),
    );
    const calls = new Set<string>();
    for (const { name, value } of container.env ?? []) {
      const host = /^http:\/\/([a-z0-9-]+):\d+$/.exec(value ?? "")?.[1];
      if (name.endsWith("_URL") && host) calls.add(host);
    }
    const { metrics, ...serving } = namedPorts;
    return {
      name: deployment.metadata.name,
      labels: deployment.spec.template.metadata.labels,
      namedPorts,
      serving: Object.values(serving),
      metrics,
      calls,
    };
  });
}

for (const overlay of OVERLAYS) {
  test(`${overlay}: a process reaches another exactly when its code calls it`, () => {
    const objects = renders.get(overlay)?.objects ?? [];
    const policies = ofKind(objects, "NetworkPolicy");
    const all = pods(objects);
    const problems: string[] = [];
    for (const from of all) {
      for (const to of all) {
        if (from === to) continue;
        for (const port of [...to.serving, ...(to.metrics ? [to.metrics] : [])]) {
          const wanted = from.calls.has(to.name) && port !== to.metrics;
          if (mayConnect(policies, from, to, port) !== wanted)
            problems.push(`${from.name} -> ${to.name}:${port} should be ${wanted ? "allowed" : "denied"}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  test(`${overlay}: from outside, the Ingress controller reaches only the gateway's public port, Prometheus only admin ports`, () => {
    const objects = renders.get(overlay)?.objects ?? [];
    const policies = ofKind(objects, "NetworkPolicy");
    for (const pod of pods(objects)) {
      for (const port of pod.serving) {
        assert.equal(admitsNamespace(policies, "ingress-nginx", pod, port), pod.name === "gateway", `${pod.name}:${port}`);
        assert.equal(admitsNamespace(policies, "monitoring", pod, port), false, `${pod.name}:${port}`);
      }
      if (pod.metrics) {
        assert.equal(admitsNamespace(policies, "monitoring", pod, pod.metrics), true, `${pod.name}:${pod.metrics}`);
        assert.equal(admitsNamespace(policies, "ingress-nginx", pod, pod.metrics), false, `${pod.name}:${pod.metrics}`);
      }
    }
    const [ingress] = ofKind(objects, "Ingress");
    assert.deepEqual(
      ingress?.spec.rules.flatMap((rule: { http: { paths: { backend: unknown }[] } }) => rule.http.paths.map((path) => path.backend)),
      [{ service: { name: "gateway", port: { name: "http" } } }],
    );
  });
}
