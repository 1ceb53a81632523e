import type { Request, Response } from "express";
import { Counter, collectDefaultMetrics, Registry } from "prom-client";

/** The gateway's Prometheus metrics, served at GET /metrics. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

export const rateLimitFallbacks = new Counter({
  name: "emporium_gateway_rate_limit_fallback_total",
  help: "Rate-limit decisions taken by the in-process limiter because Redis did not answer.",
  registers: [registry],
});

export const rateLimited = new Counter({
  name: "emporium_gateway_rate_limited_total",
  help: "Requests answered 429, by limit class.",
  labelNames: ["class"],
  registers: [registry],
});

export async function metricsEndpoint(_req: Request, res: Response): Promise<void> {
  res.type(registry.contentType).send(await registry.metrics());
}
