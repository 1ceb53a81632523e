import { Gauge } from "prom-client";
import { type Registry, sharedMetric } from "./registry.js";

/**
 * A gauge of the long-lived streams a process holds open now (WatchOrder,
 * SSE), read when scraped: against its bound (ORDERS_WATCH_MAX_STREAMS,
 * GATEWAY_SSE_MAX_STREAMS), it says how near refusals are.
 */
export function registerOpenStreams(registry: Registry, name: string, help: string, open: () => number): void {
  sharedMetric(
    registry,
    name,
    () =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(open());
        },
      }),
  );
}
