import type { Client } from "@connectrpc/connect";
import type { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import type { EdgeContext } from "./pipeline/context.js";

export interface Readiness {
  /** False once shutdown began: balancers must stop sending traffic. */
  accepting: boolean;
  backends: Record<string, Client<typeof Health>>;
  /** Told what each check found (`emporium_dependency_up`). */
  report?: (backend: string, up: boolean) => void;
}

/** A backend's health status name, or UNREACHABLE when it does not answer in time. */
export function backendStatus(health: Client<typeof Health>): Promise<string> {
  return health
    .check({}, { timeoutMs: 500 })
    .then((r) => HealthCheckResponse_ServingStatus[r.status] ?? "UNKNOWN")
    .catch(() => "UNREACHABLE");
}

function writeJson(ctx: EdgeContext, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  ctx.res
    .writeHead(status, [...ctx.headers, "Content-Type", "application/json; charset=utf-8", "Content-Length", String(body.length)])
    .end(body);
}

/** Liveness: the process answers. */
export const healthz = (ctx: EdgeContext) => writeJson(ctx, 200, { status: "ok" });

/**
 * Readiness: not shutting down, and every backend reports SERVING. With
 * `scope=self` (what a balancer in front of several gateways asks), only
 * the first: a backend that is down is down for every gateway, and taking
 * them all out of the balancer would only turn the backend's 503 problems
 * into the balancer's bare 503s (the kill -9 test with copies showed that
 * cascade). So `scope=self` asks no backend at all: a balancer checks each
 * copy every 500 ms, and three health RPCs per check were the larger part
 * of an idle gateway's work. The full answer lists the backends' statuses.
 */
export function readyz(readiness: Readiness) {
  return async (ctx: EdgeContext): Promise<void> => {
    if (new URLSearchParams(ctx.search).get("scope") === "self") {
      const ready = readiness.accepting;
      writeJson(ctx, ready ? 200 : 503, { status: ready ? "ready" : "not ready", accepting: ready });
      return;
    }
    const checks = await Promise.all(
      Object.entries(readiness.backends).map(async ([name, health]) => {
        const status = await backendStatus(health);
        readiness.report?.(name, status === "SERVING");
        return [name, status] as const;
      }),
    );
    const ready = readiness.accepting && checks.every(([, status]) => status === "SERVING");
    writeJson(ctx, ready ? 200 : 503, {
      status: ready ? "ready" : "not ready",
      accepting: readiness.accepting,
      backends: Object.fromEntries(checks),
    });
  };
}
