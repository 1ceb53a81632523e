import type { K8sObject } from "./k8s-manifests.js";

// A small evaluator of Kubernetes NetworkPolicies between pods of one
// namespace, for the manifest tests: may pod A open a connection to port P
// of pod B? Both ends must allow it: A's egress (when a policy isolates A
// for egress) and B's ingress (when one isolates B for ingress). An ipBlock
// peer is taken to match every pod, the strictest reading (CNIs differ).

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; protocol?: string }[];
}

/** A pod as the policies see it: its labels and its named container ports. */
export interface PodView {
  labels: Record<string, string>;
  namedPorts: Record<string, number>;
}

export function selects(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === "In") return values.includes(labels[key] ?? "");
    if (operator === "NotIn") return !values.includes(labels[key] ?? "");
    if (operator === "Exists") return key in labels;
    return !(key in labels);
  });
  return byLabels && byExpressions;
}

// A peer with a namespaceSelector names pods of other namespaces (the
// Ingress controller, Prometheus), never our own pods here.
const peerMatches = (peer: Peer, pod: PodView) => (peer.ipBlock ? true : !peer.namespaceSelector && selects(peer.podSelector, pod.labels));

const portMatches = (rule: Rule, port: number, target: PodView) =>
  !rule.ports ||
  rule.ports.some(({ port: allowed, protocol = "TCP" }) => {
    if (protocol !== "TCP") return false;
    if (allowed === undefined) return true;
    return typeof allowed === "number" ? allowed === port : target.namedPorts[allowed] === port;
  });

function allows(
  policies: K8sObject[],
  direction: "Ingress" | "Egress",
  self: PodView,
  other: PodView,
  target: PodView,
  port: number,
): boolean {
  const applying = policies.filter(
    (policy) => selects(policy.spec.podSelector, self.labels) && (policy.spec.policyTypes ?? ["Ingress"]).includes(direction),
  );
  if (applying.length === 0) return true;
  const rules: Rule[] = applying.flatMap((policy) => (direction === "Ingress" ? policy.spec.ingress : policy.spec.egress) ?? []);
  return rules.some((rule) => {
    const peers = direction === "Ingress" ? rule.from : rule.to;
    return (!peers || peers.some((peer) => peerMatches(peer, other))) && portMatches(rule, port, target);
  });
}

/** Whether `from` may connect to TCP `port` of `to`, all NetworkPolicies of the namespace considered. */
export function mayConnect(policies: K8sObject[], from: PodView, to: PodView, port: number): boolean {
  return allows(policies, "Egress", from, to, to, port) && allows(policies, "Ingress", to, from, to, port);
}

/** Whether a policy admits `port` of `to` from pods in the namespace with that name (kubernetes.io/metadata.name). */
export function admitsNamespace(policies: K8sObject[], namespace: string, to: PodView, port: number): boolean {
  return policies
    .filter((policy) => selects(policy.spec.podSelector, to.labels) && (policy.spec.policyTypes ?? ["Ingress"]).includes("Ingress"))
    .flatMap((policy): Rule[] => policy.spec.ingress ?? [])
    .some(
      (rule) =>
        rule.from?.some((peer) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === namespace) &&
        portMatches(rule, port, to),
    );
}
