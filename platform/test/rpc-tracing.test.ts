import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { SpanKind } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { createLogger } from "../src/log/logger.js";
import { createClientFactory } from "../src/rpc/clients.js";
import { createRpcServer, type RpcServer } from "../src/rpc/server.js";

// Every trace sampled (the SDK's default sampler with no OTEL_TRACES_SAMPLER set).
const spans = new InMemorySpanExporter();
const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], instrumentations: [] });
sdk.start();

let server: RpcServer;
let url: string;

before(async () => {
  server = createRpcServer({
    logger: createLogger("test", "silent"),
    serviceNames: [CatalogService.typeName],
    routes: (router) => router.service(CatalogService, { listProducts: () => ({}) }),
  });
  url = `http://127.0.0.1:${await server.listen(0)}`;
});
after(async () => {
  await server.shutdown(1_000);
  await sdk.shutdown();
});

const serverSpans = () => spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);

test("a call is a SERVER span, a health check is none (balancers and kubelets ask all the time; one in ten would be a trace of its own)", async () => {
  const clients = createClientFactory({ defaultTimeoutMs: 2_000 });
  spans.reset();
  await clients.client(CatalogService, url).listProducts({});
  assert.deepEqual(
    serverSpans().map((span) => span.name),
    ["emporium.catalog.v1.CatalogService/ListProducts"],
  );

  spans.reset();
  const health = clients.client(Health, url);
  assert.equal((await health.check({})).status, 1); // SERVING
  assert.equal((await health.check({ service: CatalogService.typeName })).status, 1);
  assert.deepEqual(serverSpans(), []);
});
