import assert from "node:assert/strict";
import { before, test } from "node:test";
import {
  type K8sObject,
  KUBERNETES_VERSION,
  OVERLAYS,
  type Overlay,
  ofKind,
  renderAll,
  validate,
} from "../../src/harness/k8s-manifests.js";

// deploy/k8s renders with kustomize and every object validates against the
// Kubernetes schemas of the named version, offline (kubernetes-validate
// bundles them). No cluster: none can run on these machines.

let validator: string;
let renders: Map<Overlay, { text: string; objects: K8sObject[] }>;
before(
  async () => {
    ({ validator, renders } = await renderAll());
  },
  { timeout: 60 * 60_000 }, // the first build of kustomize on a fresh clone (scripts/test.sh builds it before the tests)
);

// The operators' own kinds, which the Kubernetes schemas do not describe.
const OPERATOR_GROUPS = ["postgresql.cnpg.io/", "kafka.strimzi.io/"];

for (const overlay of OVERLAYS) {
  test(`${overlay} validates strictly against Kubernetes ${KUBERNETES_VERSION}, the operators' kinds aside`, async () => {
    const rendered = renders.get(overlay);
    assert.ok(rendered && rendered.objects.length > 0);
    const warnings = await validate(validator, overlay, rendered.text);
    const unknown = warnings.filter((line) => !OPERATOR_GROUPS.some((group) => line.includes(`api version ${group}`)));
    assert.deepEqual(unknown, []);
    const operatorObjects = rendered.objects.filter((object) => OPERATOR_GROUPS.some((group) => object.apiVersion.startsWith(group)));
    assert.equal(warnings.length, operatorObjects.length, "one warning per operator object, none for anything else");
  });
}

test("every overlay but the base sets a namespace that enforces the restricted Pod Security Standard", () => {
  for (const overlay of OVERLAYS.filter((name) => name !== "base")) {
    const objects = renders.get(overlay)?.objects ?? [];
    const [namespace, ...others] = ofKind(objects, "Namespace");
    assert.ok(namespace && others.length === 0, overlay);
    assert.equal(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"], "restricted", overlay);
    for (const object of objects.filter((o) => o.kind !== "Namespace")) {
      assert.equal(object.metadata.namespace, namespace.metadata.name, `${overlay}: ${object.kind} ${object.metadata.name}`);
    }
  }
});

test("no overlay carries a Secret: they are created in the cluster, never kept in git", () => {
  for (const [overlay, { objects }] of renders) assert.deepEqual(ofKind(objects, "Secret"), [], overlay);
});
