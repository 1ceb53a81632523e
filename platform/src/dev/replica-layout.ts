import { type Balanced, copyPorts } from "./balancer.js";
import type { ProcessSpec } from "./process-group.js";
import { REPLICATED, type Replicated } from "./replicas.js";

/** OTEL_RESOURCE_ATTRIBUTES plus service.instance.id, so that a span says which copy made it. */
function withInstanceId(env: Record<string, string>, id: string): string {
  const given = env.OTEL_RESOURCE_ATTRIBUTES ?? process.env.OTEL_RESOURCE_ATTRIBUTES ?? "";
  return [given, `service.instance.id=${id}`].filter((part) => part !== "").join(",");
}

const isReplicated = (name: string): name is Replicated => (REPLICATED as readonly string[]).includes(name);

/**
 * The processes of `npm start` with replicas: every replicated process
 * (gateway and services) as `counts[name]` copies named `<name>-1`,
 * `<name>-2`…, each on its own ports (balancer.ts, copyPorts), and what the
 * balancer puts in front of them on the ports of `ports` (where a single
 * copy would listen, and where every *_URL already points). The gateway's
 * copies believe X-Forwarded-For from the balancer (127.0.0.1, where it connects from) alone.
 */
export function replicaLayout(
  specs: ProcessSpec[],
  counts: Record<Replicated, number>,
  ports: Record<Replicated, { port: number; metricsPort: number }>,
): { specs: ProcessSpec[]; balanced: Balanced[] } {
  const balanced: Balanced[] = [];
  const copies = specs.flatMap((spec): ProcessSpec[] => {
    if (!isReplicated(spec.name)) return [spec];
    const name = spec.name;
    const { port, metricsPort } = ports[name];
    const copied = Array.from({ length: counts[name] }, (_, i) => {
      const own = copyPorts(port, metricsPort, i + 1);
      const env: Record<string, string> =
        name === "gateway"
          ? { GATEWAY_PORT: String(own.port), METRICS_PORT: String(own.metricsPort), GATEWAY_TRUSTED_PROXIES: "127.0.0.1" }
          : { RPC_PORT: String(own.port), METRICS_PORT: String(own.metricsPort) };
      const copyName = `${name}-${i + 1}`;
      // Serving on for three of the balancer's checks after SIGTERM, reporting not ready, so that it stops sending first.
      env.SHUTDOWN_DRAIN_DELAY_MS = spec.env.SHUTDOWN_DRAIN_DELAY_MS ?? process.env.SHUTDOWN_DRAIN_DELAY_MS ?? "1500";
      return {
        name: copyName,
        args: spec.args,
        env: { ...spec.env, ...env, OTEL_RESOURCE_ATTRIBUTES: withInstanceId(spec.env, copyName) },
        ...own,
      };
    });
    balanced.push({
      name,
      port,
      protocol: name === "gateway" ? "http" : "h2c",
      copies: copied.map(({ name, port, metricsPort }) => ({ name, port, metricsPort })),
    });
    return copied.map(({ name, args, env }) => ({ name, args, env }));
  });
  return { specs: copies, balanced };
}
