import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import { createLogger } from "../src/log/logger.js";
import { createRpcServer } from "../src/rpc/server.js";

/** A health client on a connection of its own (a balancer's check opens one each time). */
const freshClient = (port: number) => createClient(Health, createGrpcTransport({ baseUrl: `http://127.0.0.1:${port}` }));

test("with a drain delay, a stopping server reports NOT_SERVING at once and still answers new connections until the delay is over; then it takes none", async () => {
  const server = createRpcServer({ logger: createLogger("test", "silent"), serviceNames: ["test.v1.Thing"], routes: () => undefined });
  const port = await server.listen(0);
  assert.equal((await freshClient(port).check({ service: "test.v1.Thing" })).status, HealthCheckResponse_ServingStatus.SERVING);

  let stopped = false;
  const stopping = server.shutdown(2_000, 400).then(() => {
    stopped = true;
  });
  // During the delay: a new connection is served, and says the service is going.
  const during = await freshClient(port).check({ service: "test.v1.Thing" });
  assert.equal(during.status, HealthCheckResponse_ServingStatus.NOT_SERVING);
  assert.equal(stopped, false, "still in its drain delay");
  await stopping;
  await assert.rejects(freshClient(port).check({}, { timeoutMs: 1_000 }), /unavailable|ECONNREFUSED/i);
});
