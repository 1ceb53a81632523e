import type { ProcessSpec } from "./process-group.js";

/** Where Jaeger listens, all on 127.0.0.1 (deploy/local/jaeger/config.yaml). */
export interface JaegerPorts {
  otlpGrpc: number;
  otlpHttp: number;
  /** The query API (/api/traces) and the UI page. */
  query: number;
  queryGrpc: number;
  health: number;
}

/** Each port's variable and default: Jaeger's standard ports. */
export const JAEGER_PORT_VARIABLES: Record<keyof JaegerPorts, [string, number]> = {
  otlpGrpc: ["EMPORIUM_JAEGER_OTLP_GRPC_PORT", 4317],
  otlpHttp: ["EMPORIUM_JAEGER_OTLP_HTTP_PORT", 4318],
  query: ["EMPORIUM_JAEGER_QUERY_PORT", 16686],
  queryGrpc: ["EMPORIUM_JAEGER_QUERY_GRPC_PORT", 16685],
  health: ["EMPORIUM_JAEGER_HEALTH_PORT", 13133],
};

const entries = Object.entries(JAEGER_PORT_VARIABLES) as [keyof JaegerPorts, [string, number]][];

export function jaegerPortsFromEnv(env: NodeJS.ProcessEnv = process.env): JaegerPorts {
  return Object.fromEntries(
    entries.map(([key, [variable, fallback]]) => [key, Number(env[variable] ?? fallback)]),
  ) as unknown as JaegerPorts;
}

/** Jaeger as a process of a group (paths relative to the repo root), stopped with its launcher. */
export function jaegerProcess(binary: string, ports: JaegerPorts): ProcessSpec {
  return {
    name: "jaeger",
    args: ["platform/dist/src/dev/stop-with-parent.js", binary, "--config", "deploy/local/jaeger/config.yaml"],
    env: Object.fromEntries(entries.map(([key, [variable]]) => [variable, String(ports[key])])),
  };
}

/** What every traced process needs to export to this Jaeger (OTLP over HTTP). */
export const otlpExportEnv = (ports: JaegerPorts) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${ports.otlpHttp}` });

export const jaegerQueryUrl = (ports: JaegerPorts) => `http://127.0.0.1:${ports.query}`;

/** True once Jaeger says it is healthy (healthcheckv2's /status). */
export const jaegerHealthy = (ports: JaegerPorts) =>
  fetch(`http://127.0.0.1:${ports.health}/status`).then(
    (r) => r.ok,
    () => false,
  );
