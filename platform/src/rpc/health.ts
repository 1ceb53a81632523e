import { EventEmitter, on } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  type Health,
  type HealthCheckResponse,
  HealthCheckResponseSchema,
  HealthListResponseSchema,
  HealthCheckResponse_ServingStatus as ServingStatus,
} from "@emporium/gen/grpc/health/v1/health_pb";

export { ServingStatus };

/**
 * The standard grpc.health.v1.Health service. "" is the whole server; each
 * registered service name has its own status. Shutdown flips everything to
 * NOT_SERVING first so that balancers stop sending work.
 */
export class HealthRegistry {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly changes = new EventEmitter();

  constructor(serviceNames: string[]) {
    this.statuses.set("", ServingStatus.SERVING);
    for (const name of serviceNames) this.statuses.set(name, ServingStatus.SERVING);
    this.changes.setMaxListeners(0);
  }

  set(service: string, status: ServingStatus): void {
    this.statuses.set(service, status);
    this.changes.emit("change", service);
  }

  setAll(status: ServingStatus): void {
    for (const service of this.statuses.keys()) this.set(service, status);
  }

  status(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  private response(service: string): HealthCheckResponse {
    return create(HealthCheckResponseSchema, { status: this.statuses.get(service) ?? ServingStatus.SERVICE_UNKNOWN });
  }

  impl(): ServiceImpl<typeof Health> {
    const registry = this;
    return {
      check: ({ service }) => {
        if (!this.statuses.has(service)) throw new ConnectError(`unknown service ${service}`, Code.NotFound);
        return this.response(service);
      },
      list: () => {
        const statuses: Record<string, HealthCheckResponse> = {};
        for (const service of this.statuses.keys()) statuses[service] = this.response(service);
        return create(HealthListResponseSchema, { statuses });
      },
      async *watch({ service }, ctx) {
        yield registry.response(service);
        for await (const [changed] of on(registry.changes, "change", { signal: ctx.signal })) {
          if (changed === service) yield registry.response(service);
        }
      },
    };
  }
}
