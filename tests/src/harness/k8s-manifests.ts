import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";
import { repoRoot } from "./stack.js";

const run = promisify(execFile);

/** The Kubernetes version the manifests are written for and validated against (docs/kubernetes.md). */
export const KUBERNETES_VERSION = "1.33.0";

/** The overlays of deploy/k8s, each a complete deployment; the base on its own too. */
export const OVERLAYS = ["base", "overlays/dev", "overlays/production", "overlays/operators"] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** One rendered Kubernetes object; only the parts the tests read are typed. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are free-form; each test narrows what it reads.
  spec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above.
  data?: any;
}

const tool = async (script: string, verb: string, name: string): Promise<string> => {
  const { stdout } = await run("bash", [join(repoRoot, "deploy/local", script), verb, name], {
    timeout: 60 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
};

/** kustomize, built once from the Go module proxy (deploy/local/tool.sh), and kubernetes-validate from PyPI (python-tool.sh). */
export async function k8sTools(): Promise<{ kustomize: string; validator: string }> {
  return {
    kustomize: await tool("tool.sh", "build", "kustomize"),
    validator: await tool("python-tool.sh", "install", "kubernetes-validate"),
  };
}

/** `kustomize build` of one overlay: the YAML text and its objects. */
export async function render(kustomize: string, overlay: Overlay): Promise<{ text: string; objects: K8sObject[] }> {
  const { stdout } = await run(kustomize, ["build", join(repoRoot, "deploy/k8s", overlay)], { maxBuffer: 64 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((doc) => doc.toJS() as K8sObject);
  return { text: stdout, objects };
}

/**
 * Runs kubernetes-validate --strict on rendered YAML (offline: the schemas
 * come with the package). Resolves with its warnings (kinds it has no schema
 * for); rejects with its output when anything fails validation.
 */
export async function validate(validator: string, overlay: string, text: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), "emporium-k8s-"));
  const file = join(dir, `${overlay.replaceAll("/", "-")}.yaml`);
  await writeFile(file, text);
  try {
    const { stdout, stderr } = await run(validator, ["--strict", "--quiet", "-k", KUBERNETES_VERSION, file], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return `${stdout}${stderr}`.split("\n").filter((line) => line.startsWith("WARN"));
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`kubernetes-validate failed for ${overlay}:\n${stdout}${stderr}`);
  }
}

export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((object) => object.kind === kind);

export function named(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found;
}

/** Every overlay rendered once, with the tools built or installed first when missing. */
export async function renderAll(): Promise<{ validator: string; renders: Map<Overlay, { text: string; objects: K8sObject[] }> }> {
  const { kustomize, validator } = await k8sTools();
  const renders = new Map<Overlay, { text: string; objects: K8sObject[] }>();
  for (const overlay of OVERLAYS) renders.set(overlay, await render(kustomize, overlay));
  return { validator, renders };
}

/** The first container of a Deployment's pods. */
// biome-ignore lint/suspicious/noExplicitAny: see K8sObject.
export const containerOf = (deployment: K8sObject): any => deployment.spec.template.spec.containers[0];
