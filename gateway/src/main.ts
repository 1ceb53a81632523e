import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ProductChangedSchema } from "@emporium/gen/emporium/catalog/v1/catalog_events_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { createBroadcastListener, onBroadcast } from "@emporium/platform/kafka/broadcast-listener";
import { createKafka, ensureTopics, topicName } from "@emporium/platform/kafka/client";
import { onShutdownSignal } from "@emporium/platform/lifecycle/graceful-shutdown";
import { createLogger } from "@emporium/platform/log/logger";
import { createClientFactory } from "@emporium/platform/rpc/clients";
import { shutdownTelemetry } from "@emporium/platform/telemetry/register";
import { createGatewayApp } from "./app.js";
import { gatewayConfig } from "./config.js";
import { edgeListener } from "./edge.js";
import type { Readiness } from "./operations.js";
import { createResponseCache } from "./transcoding/response-cache.js";

const config = gatewayConfig();
const logger = createLogger("gateway", config.LOG_LEVEL);
const clients = createClientFactory({ defaultTimeoutMs: config.GATEWAY_DEADLINE_MS });
const readiness: Readiness = {
  accepting: true,
  backends: { orders: clients.client(Health, config.ORDERS_URL), catalog: clients.client(Health, config.CATALOG_URL) },
};
const responseCache = createResponseCache();
const { app, routes } = createGatewayApp({
  logger,
  responseCache,
  adminToken: config.GATEWAY_ADMIN_TOKEN,
  readiness,
  deadlineMs: config.GATEWAY_DEADLINE_MS,
  bodyLimit: config.GATEWAY_BODY_LIMIT,
  services: [
    { service: OrderService, client: clients.client(OrderService, config.ORDERS_URL) },
    { service: CatalogService, client: clients.client(CatalogService, config.CATALOG_URL) },
  ],
});

// Every gateway hears every product change and drops its cached responses.
const kafka = createKafka({ clientId: "gateway", brokers: config.KAFKA_BROKERS, logger });
const catalogTopic = topicName(config.KAFKA_TOPIC_PREFIX, "catalog.v1");
const changes = createBroadcastListener({
  kafka,
  logger,
  groupPrefix: `${config.KAFKA_TOPIC_PREFIX}gateway`,
  topics: [catalogTopic],
  handlers: [onBroadcast(ProductChangedSchema, (event) => responseCache.invalidate(event.product?.id ?? ""))],
});
await ensureTopics(kafka, [catalogTopic])
  .then(() => changes.start())
  .catch((error: unknown) => logger.warn({ err: error }, "cannot hear catalog changes; cached responses expire by max-age only"));

const server = createServer(edgeListener(app, { logger, responseCache }));
server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info({ port, routes: routes.map((r) => `${r.httpMethod} ${r.path.template}`) }, `gateway listening on http://localhost:${port}`);
});
server.keepAliveTimeout = 65_000;

onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, [
  {
    name: "http",
    run: async () => {
      readiness.accepting = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS / 2);
      await closed;
      clearTimeout(forced);
    },
  },
  { name: "change listener", run: () => changes.stop() },
  { name: "telemetry", run: shutdownTelemetry },
]);
