import { Gauge, type Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import { sharedMetric } from "../metrics/registry.js";

/** Resolves true when the dependency answers; a rejection or a false is "down". */
export type DependencyCheck = () => Promise<boolean>;

/** How long one check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 1_000;

/**
 * `emporium_dependency_up{dependency}`: 1 when the last check of a
 * dependency (postgres, redis, kafka, a service this process calls) passed,
 * else 0. The checks run when the gauge is scraped, at most every `maxAgeMs`
 * (5 s), all at once and each bounded by a second, so a dead dependency
 * never holds a scrape for long. `report` lets readiness probes that check
 * the same dependencies record what they saw.
 */
export function registerDependencyGauge(options: {
  registry: Registry;
  checks: Record<string, DependencyCheck>;
  logger?: Logger;
  maxAgeMs?: number;
}) {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const entries = Object.entries(options.checks);
  let checkedAt = Number.NEGATIVE_INFINITY;
  let checking: Promise<void> | undefined;
  const gauge: Gauge<"dependency"> = sharedMetric(
    options.registry,
    "emporium_dependency_up",
    () =>
      new Gauge({
        name: "emporium_dependency_up",
        help: "1 when the last check of the dependency passed, else 0.",
        labelNames: ["dependency"],
        registers: [options.registry],
        collect: () => checkAll(),
      }),
  );
  const report = (dependency: string, up: boolean) => gauge.set({ dependency }, up ? 1 : 0);

  function checkAll(): Promise<void> {
    if (performance.now() - checkedAt < maxAgeMs) return Promise.resolve();
    checking ??= Promise.all(entries.map(async ([name, check]) => report(name, await withinTimeout(check))))
      .then(() => undefined)
      .finally(() => {
        checkedAt = performance.now();
        checking = undefined;
      });
    return checking;
  }
  return { report };
}

async function withinTimeout(check: DependencyCheck): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([check().catch(() => false), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
