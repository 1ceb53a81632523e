import { Registry } from "prom-client";

/**
 * Whether a scraper's Accept header asks for OpenMetrics (Prometheus does by
 * default, with text/plain as its fallback; curl and older scrapers do not).
 * A media range with q=0 is a refusal, not a request.
 */
export function wantsOpenMetrics(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(",").some((range) => {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    if (type !== "application/openmetrics-text") return false;
    const q = params.find((param) => param.startsWith("q="));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

// One rendering at a time: the registry's content type is switched for a
// plain-text scrape, and prom-client renames counters while it renders
// OpenMetrics (below), so two renderings must never overlap.
const queues = new WeakMap<Registry, Promise<unknown>>();

/**
 * The registry's metrics as OpenMetrics (with exemplars) or as Prometheus
 * text 0.0.4 (without), and the content type to answer with.
 *
 * prom-client 15.1.3 strips `_total` from every counter's name in place
 * while it renders OpenMetrics, so a later plain-text scrape would show
 * `foo` instead of `foo_total` (prometheus/client_js#829, unreleased). The
 * names are put back after each rendering.
 */
export function renderMetrics(registry: Registry, openMetrics: boolean): Promise<{ contentType: string; text: string }> {
  const previous = queues.get(registry) ?? Promise.resolve();
  const rendering = previous.catch(() => undefined).then(() => renderNow(registry, openMetrics));
  queues.set(registry, rendering);
  return rendering;
}

async function renderNow(registry: Registry, openMetrics: boolean): Promise<{ contentType: string; text: string }> {
  const original = registry.contentType;
  const metrics = registry.getMetricsAsArray() as unknown as { name: string }[];
  const names = metrics.map((metric) => metric.name);
  const contentType = openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE;
  registry.setContentType(contentType as typeof original);
  try {
    return { contentType, text: await registry.metrics() };
  } finally {
    metrics.forEach((metric, index) => {
      metric.name = names[index] as string;
    });
    registry.setContentType(original);
  }
}
