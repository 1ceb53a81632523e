import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { before, test } from "node:test";
import { deadLetterTopic } from "@emporium/platform/kafka/client";
import { containerOf, type K8sObject, named, OVERLAYS, type Overlay, ofKind, renderAll } from "../../src/harness/k8s-manifests.js";
import { type ProcessFacts, processFacts } from "../../src/harness/k8s-processes.js";
import { mayConnect, selects } from "../../src/harness/network-policy.js";
import { repoRoot } from "../../src/harness/stack.js";

// Autoscalers (CPU, and Kafka consumer lag for the services that consume),
// disruption budgets, the Secrets the pods expect, and the operators'
// resources, against the service definitions and the metric contract.

let renders: Map<Overlay, { objects: K8sObject[] }>;
let facts: ProcessFacts[];
let lagMetric: { labels: string[] } | undefined;
let docs: string;
before(
  async () => {
    ({ renders } = await renderAll());
    facts = await processFacts();
    const contract = JSON.parse(await readFile(join(repoRoot, "deploy/observability/metrics.json"), "utf8"));
    lagMetric = contract.metrics.messaging_kafka_consumer_lag;
    docs = await readFile(join(repoRoot, "docs/kubernetes.md"), "utf8");
  },
  { timeout: 60 * 60_000 },
);

const services = () => facts.filter((process) => process.kind === "service");

for (const overlay of OVERLAYS) {
  test(`${overlay}: every scaled process has a CPU autoscaler, and each consumer one on its group's lag`, () => {
    const objects = renders.get(overlay)?.objects ?? [];
    for (const process of facts.filter((candidate) => candidate.kind !== "simulator")) {
      const hpa = named(objects, "HorizontalPodAutoscaler", process.name);
      assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: process.name });
      assert.ok(hpa.spec.minReplicas >= 1 && hpa.spec.maxReplicas > hpa.spec.minReplicas, process.name);
      assert.equal(named(objects, "Deployment", process.name).spec.replicas, undefined, `${process.name}: the autoscaler owns the count`);
      const cpu = hpa.spec.metrics.find((metric: { type: string }) => metric.type === "Resource");
      assert.equal(cpu?.resource.name, "cpu", process.name);
      assert.ok(
        containerOf(named(objects, "Deployment", process.name)).resources.requests.cpu,
        `${process.name}: utilisation needs a request`,
      );
      const lag = hpa.spec.metrics.filter((metric: { type: string }) => metric.type === "External");
      if (!process.definition?.consumer) {
        assert.deepEqual(lag, [], `${process.name} consumes no events`);
        continue;
      }
      assert.equal(lag.length, 1, process.name);
      assert.equal(lag[0].external.metric.name, "messaging_kafka_consumer_lag");
      // The consumer group is the service's name (service-runtime.ts, no topic prefix in a cluster).
      assert.deepEqual(lag[0].external.metric.selector.matchLabels, { messaging_consumer_group_name: process.definition.name });
      assert.ok(lagMetric?.labels.includes("messaging_consumer_group_name"), "the label is in the metric contract");
    }
  });

  test(`${overlay}: every Deployment has a disruption budget that lets a node drain`, () => {
    const objects = renders.get(overlay)?.objects ?? [];
    for (const deployment of ofKind(objects, "Deployment")) {
      const labels = deployment.spec.template.metadata.labels;
      const budgets = ofKind(objects, "PodDisruptionBudget").filter((pdb) => selects(pdb.spec.selector, labels));
      if (deployment.metadata.name === "payment-provider-sim") continue; // one replica on purpose, a test stand-in
      assert.equal(budgets.length, 1, deployment.metadata.name);
      assert.equal(budgets[0]?.spec.maxUnavailable, 1, deployment.metadata.name);
    }
  });

  test(`${overlay}: every Secret a pod reads is named with its key in docs/kubernetes.md`, () => {
    for (const deployment of ofKind(renders.get(overlay)?.objects ?? [], "Deployment")) {
      for (const { valueFrom } of containerOf(deployment).env ?? []) {
        const ref = valueFrom?.secretKeyRef;
        if (!ref) continue;
        assert.ok(docs.includes(ref.name) && docs.includes(ref.key), `${deployment.metadata.name}: ${ref.name}/${ref.key}`);
      }
    }
  });
}

test("the operators overlay declares every topic the services use, and its Postgres makes the Secret they read", () => {
  const objects = renders.get("overlays/operators")?.objects ?? [];
  const wanted = new Set<string>();
  for (const { definition } of services()) {
    for (const topic of definition?.topics("") ?? []) wanted.add(topic);
    for (const topic of definition?.consumer?.topics("") ?? []) wanted.add(deadLetterTopic(topic));
  }
  const declared = ofKind(objects, "KafkaTopic").map((topic) => topic.spec.topicName);
  assert.deepEqual(declared.sort(), [...wanted].sort());
  const kafka = ofKind(objects, "Kafka")[0];
  const plain = kafka?.spec.kafka.listeners.find((listener: { tls: boolean }) => !listener.tls);
  const config = ofKind(objects, "ConfigMap").find((configMap) => configMap.metadata.name.startsWith("emporium-config"));
  assert.equal(config?.data.KAFKA_BROKERS, `${kafka?.metadata.name}-kafka-bootstrap:${plain?.port}`);
  // CloudNativePG names the app owner's Secret <cluster>-app, with the URL under "uri".
  const cluster = ofKind(objects, "Cluster")[0];
  for (const { name } of services()) {
    const database = containerOf(named(objects, "Deployment", name)).env.find(
      (variable: { name: string }) => variable.name === "DATABASE_URL",
    );
    assert.deepEqual(database?.valueFrom.secretKeyRef, { name: `${cluster?.metadata.name}-app`, key: "uri" }, name);
  }
});

test("the operators overlay sends every service's pool through a transaction-pooling Pooler, and catalog's lists to the -ro replicas", () => {
  const objects = renders.get("overlays/operators")?.objects ?? [];
  const cluster = ofKind(objects, "Cluster")[0];
  const [pooler, ...others] = ofKind(objects, "Pooler");
  assert.ok(pooler && others.length === 0);
  assert.equal(pooler.spec.cluster.name, cluster?.metadata.name);
  assert.equal(pooler.spec.type, "rw");
  assert.equal(pooler.spec.pgbouncer.poolMode, "transaction");
  const credentials = { name: `${cluster?.metadata.name}-app` };
  for (const { name } of services()) {
    const env = new Map<string, { value?: string; valueFrom?: { secretKeyRef: unknown } }>(
      containerOf(named(objects, "Deployment", name)).env.map((variable: { name: string }) => [variable.name, variable]),
    );
    // CloudNativePG names a Pooler's Service after the Pooler; PgBouncer listens on 5432 in its pods.
    const pooled = new URL(env.get("DATABASE_POOLER_URL")?.value ?? "");
    assert.deepEqual([pooled.hostname, pooled.port, pooled.username, pooled.password], [pooler.metadata.name, "5432", "", ""], name);
    assert.deepEqual(env.get("PGUSER")?.valueFrom?.secretKeyRef, { ...credentials, key: "username" }, name);
    assert.deepEqual(env.get("PGPASSWORD")?.valueFrom?.secretKeyRef, { ...credentials, key: "password" }, name);
    const replica = env.get("DATABASE_READ_REPLICA_URL")?.value;
    if (name === "catalog") assert.equal(new URL(replica ?? "").hostname, `${cluster?.metadata.name}-ro`);
    else assert.equal(replica, undefined, `${name} reads nothing from a replica`);
  }
  // CloudNativePG labels a Pooler's PgBouncer pods with cnpg.io/poolerName.
  const policies = ofKind(objects, "NetworkPolicy");
  const bouncer = { labels: { "cnpg.io/poolerName": pooler.metadata.name }, namedPorts: {} };
  for (const deployment of ofKind(objects, "Deployment")) {
    const pod = { labels: deployment.spec.template.metadata.labels, namedPorts: {} };
    const usesPostgres = services().some((service) => service.name === deployment.metadata.name);
    assert.equal(mayConnect(policies, pod, bouncer, 5432), usesPostgres, `${deployment.metadata.name} -> ${pooler.metadata.name}`);
  }
});
