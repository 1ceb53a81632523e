import { healthz, type Readiness, readyz } from "../operations.js";
import type { Stage } from "./context.js";

/**
 * `/healthz` and `/readyz`, answered before the span, the metrics, the
 * limits: probes are neither traced, measured, logged nor limited.
 */
export function probes(readiness: Readiness): Stage {
  const ready = readyz(readiness);
  return (ctx) => {
    if (ctx.req.method !== "GET" && ctx.req.method !== "HEAD") return undefined;
    if (ctx.path === "/healthz") {
      healthz(ctx);
      return "answered";
    }
    if (ctx.path === "/readyz") return ready(ctx).then(() => "answered" as const);
    return undefined;
  };
}
