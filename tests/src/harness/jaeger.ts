import { buildGoTool } from "@emporium/platform/dev/go-tool";
import { type JaegerPorts, jaegerHealthy, jaegerProcess, jaegerQueryUrl, otlpExportEnv } from "@emporium/platform/dev/jaeger";
import { startProcessGroup } from "@emporium/platform/dev/process-group";
import { eventually } from "./eventually.js";
import { freePort } from "./free-port.js";
import { repoRoot } from "./stack.js";

/** Builds Jaeger unless cached (deploy/local/tool.sh; minutes the first time), as npm start does. */
export const buildJaeger = () => buildGoTool(repoRoot, "jaeger", (line) => console.log(`# ${line}`)).binary;

/**
 * The Jaeger npm start runs (same binary, deploy/local/jaeger/config.yaml)
 * on free ports; resolves once it is healthy.
 */
export async function startJaeger() {
  const binary = await buildJaeger();
  const ports: JaegerPorts = {
    otlpGrpc: await freePort(),
    otlpHttp: await freePort(),
    query: await freePort(),
    queryGrpc: await freePort(),
    health: await freePort(),
  };
  const logs: string[] = [];
  const group = startProcessGroup([jaegerProcess(binary, ports)], { cwd: repoRoot, onLine: (_, line) => logs.push(line) });
  await eventually(() => jaegerHealthy(ports).then((ok) => ok || undefined), "Jaeger to be healthy", 30_000).catch((error: Error) => {
    throw new Error(`${error.message}\n--- jaeger ---\n${logs.join("\n")}`);
  });
  return {
    ports,
    logs,
    url: jaegerQueryUrl(ports),
    /** What a stack's processes need to export to it. */
    env: { ...otlpExportEnv(ports), OTEL_TRACES_EXPORTER: "otlp" },
    stop: () => group.stop(),
  };
}
