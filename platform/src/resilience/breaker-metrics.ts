import { Gauge, type Registry } from "prom-client";
import { sharedMetric } from "../metrics/registry.js";
import type { BreakerState } from "./circuit-breaker.js";

/**
 * `emporium_circuit_breaker_open{breaker}`: 1 while the named breaker is
 * open or half-open (calls are refused or only probed), 0 while closed.
 * Returns the setter to call from the breaker's `onStateChange`; the series
 * starts at 0 so a breaker that never opened is visible too.
 */
export function breakerStateGauge(registry: Registry, breaker: string): (state: BreakerState) => void {
  const gauge: Gauge<"breaker"> = sharedMetric(
    registry,
    "emporium_circuit_breaker_open",
    () =>
      new Gauge({
        name: "emporium_circuit_breaker_open",
        help: "1 while the circuit breaker is open or half-open, 0 while closed.",
        labelNames: ["breaker"],
        registers: [registry],
      }),
  );
  const series = gauge.labels({ breaker });
  series.set(0);
  return (state) => series.set(state === "closed" ? 0 : 1);
}
