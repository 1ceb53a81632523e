import assert from "node:assert/strict";
import { test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import { createLogger } from "../src/log/logger.js";
import { createMetricsRegistry } from "../src/metrics/registry.js";
import { createRpcServer } from "../src/rpc/server.js";
import { createAdminServer } from "../src/service/admin-server.js";

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

test("a service's admin /readyz (what the balancer checks) is 503 from the first moment of a drain, while the RPC port still serves; /metrics answers throughout", async () => {
  const logger = createLogger("test", "silent");
  const server = createRpcServer({ logger, serviceNames: ["test.v1.Thing"], routes: () => undefined });
  // As service-runtime.ts wires it.
  const admin = createAdminServer(createMetricsRegistry(), logger, () => server.serving());
  const adminPort = await admin.listen(0, "127.0.0.1");
  const readyz = () => fetch(`http://127.0.0.1:${adminPort}/readyz`).then(async (r) => ({ status: r.status, text: await r.text() }));
  try {
    assert.deepEqual(await readyz(), { status: 503, text: "draining\n" }, "not listening yet: not ready");
    const port = await server.listen(0);
    assert.deepEqual(await readyz(), { status: 200, text: "ready\n" });

    const stopping = server.shutdown(2_000, 400);
    assert.deepEqual(await readyz(), { status: 503, text: "draining\n" });
    assert.equal((await freshClient(port).check({})).status, HealthCheckResponse_ServingStatus.NOT_SERVING, "the RPC port still answers");
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).status, 200);
    await stopping;
    assert.equal((await readyz()).status, 503, "stopped: still not ready");
  } finally {
    await admin.close();
  }
});

test("an admin port given no readiness (the gateway's) has no /readyz", async () => {
  const admin = createAdminServer(createMetricsRegistry(), createLogger("test", "silent"));
  const adminPort = await admin.listen(0, "127.0.0.1");
  try {
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/readyz`)).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${adminPort}/metrics`)).status, 200);
  } finally {
    await admin.close();
  }
});
