import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { createLogger } from "../src/log/logger.js";
import { renderMetrics } from "../src/metrics/exposition.js";
import { createMetricsRegistry } from "../src/metrics/registry.js";
import { createClientFactory } from "../src/rpc/clients.js";
import { createRpcServer, type RpcServer } from "../src/rpc/server.js";

const serverMetrics = createMetricsRegistry();
const clientMetrics = createMetricsRegistry();
let server: RpcServer;
let port: number;

before(async () => {
  server = createRpcServer({ logger: createLogger("test", "silent"), serviceNames: [], routes: () => undefined, metrics: serverMetrics });
  port = await server.listen(0);
});
after(async () => {
  await server.shutdown(1_000);
});

test("both sides of a call record its duration by service, method and gRPC code name", async () => {
  const health = createClientFactory({ defaultTimeoutMs: 2_000, metrics: clientMetrics }).client(Health, `http://127.0.0.1:${port}`);
  await health.check({});
  await health.check({});
  const refused = await health.check({ service: "no.such.Service" }).catch((error: unknown) => ConnectError.from(error));
  assert.equal((refused as ConnectError).code, Code.NotFound);

  for (const [side, registry] of [
    ["rpc_server_duration_seconds", serverMetrics],
    ["rpc_client_duration_seconds", clientMetrics],
  ] as const) {
    const { text } = await renderMetrics(registry, false);
    const series = (code: string) =>
      `${side}_count{rpc_service="grpc.health.v1.Health",rpc_method="Check",rpc_response_status_code="${code}"}`;
    assert.ok(text.includes(`${series("OK")} 2`), `${side}: two OK calls\n${text}`);
    assert.ok(text.includes(`${series("NOT_FOUND")} 1`), `${side}: one NOT_FOUND`);
  }
});
