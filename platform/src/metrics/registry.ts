import { Counter, collectDefaultMetrics, type Metric, Registry } from "prom-client";

/**
 * A process's Prometheus registry, with prom-client's default process and
 * runtime metrics. It is an OpenMetrics registry because prom-client only
 * lets histograms with exemplars onto one; `renderMetrics` (exposition.ts)
 * still answers plain Prometheus text to scrapers that ask for it.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  // prom-client's types bind a registry to the content type it was made with; the runtime allows the switch.
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE as unknown as typeof registry.contentType);
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metric called `name` on the registry, created on first use. Several
 * parts of one process (two client factories, the consumer and the
 * workers) share a metric this way instead of one of them owning it.
 */
export function sharedMetric<M extends Metric>(registry: Registry, name: string, create: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? create();
}

/** A counter shared the same way (`sharedMetric`). */
export function sharedCounter<L extends string>(
  registry: Registry,
  config: { name: string; help: string; labelNames: readonly L[] },
): Counter<L> {
  return sharedMetric(registry, config.name, () => new Counter<L>({ ...config, registers: [registry] }));
}

export type { Registry } from "prom-client";
