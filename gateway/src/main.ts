import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ProductChangedSchema } from "@emporium/gen/emporium/catalog/v1/catalog_events_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { IdentityService } from "@emporium/gen/emporium/identity/v1/identity_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { createRedis } from "@emporium/platform/cache/redis";
import { createBroadcastListener, onBroadcast } from "@emporium/platform/kafka/broadcast-listener";
import { createKafka, ensureTopics, topicName } from "@emporium/platform/kafka/client";
import { onShutdownSignal } from "@emporium/platform/lifecycle/graceful-shutdown";
import { createLogger } from "@emporium/platform/log/logger";
import { registerOpenStreams } from "@emporium/platform/metrics/open-streams";
import { createRateLimiter } from "@emporium/platform/ratelimit/rate-limiter";
import { admissionsWithMetrics } from "@emporium/platform/resilience/admission-metrics";
import { createClientFactory } from "@emporium/platform/rpc/clients";
import { shareDefaultAbortReason } from "@emporium/platform/rpc/shared-abort-reason";
import { createAdminServer } from "@emporium/platform/service/admin-server";
import { registerDependencyGauge } from "@emporium/platform/service/dependency-gauge";
import { refuseUnsupportedNode } from "@emporium/platform/service/supported-node";
import { shutdownTelemetry } from "@emporium/platform/telemetry/register";
import { createEdgeAdmission } from "./admission.js";
import { createAccessTokenVerifier } from "./auth/access-tokens.js";
import { clientAddressOf } from "./client-address.js";
import { byteSize, gatewayConfig } from "./config.js";
import { createCors } from "./cors.js";
import { createDrain } from "./drain.js";
import { rateLimitFallbacks, registry } from "./metrics.js";
import { backendStatus, type Readiness } from "./operations.js";
import { createGatewayPipeline } from "./pipeline/gateway-pipeline.js";
import { accountLimit } from "./ratelimit/edge-limits.js";
import { httpRequestDurations } from "./request-metrics.js";
import { createEventStreams } from "./sse/event-streams.js";
import { storefrontFiles } from "./storefront/static-files.js";
import { createResponseCache } from "./transcoding/response-cache.js";

refuseUnsupportedNode("gateway");
// Every RPC ends with reasonless aborts; one shared AbortError serves them (platform/src/rpc/shared-abort-reason.ts).
shareDefaultAbortReason();
const config = gatewayConfig();
const logger = createLogger("gateway", config.LOG_LEVEL);
const clients = createClientFactory({ defaultTimeoutMs: config.GATEWAY_DEADLINE_MS, metrics: registry });
const backends = {
  orders: clients.client(Health, config.ORDERS_URL),
  catalog: clients.client(Health, config.CATALOG_URL),
  identity: clients.client(Health, config.IDENTITY_URL),
};
const responseCache = createResponseCache();
const drain = createDrain();
const redis = createRedis(config.REDIS_URL, logger, config.REDIS_KEY_PREFIX);
const dependencies = registerDependencyGauge({
  registry,
  logger,
  checks: {
    ...Object.fromEntries(
      Object.entries(backends).map(([name, health]) => [name, async () => (await backendStatus(health)) === "SERVING"]),
    ),
    redis: async () => redis.status === "ready" && (await redis.ping()) === "PONG",
  },
});
const readiness: Readiness = { accepting: true, backends, report: dependencies.report };
const limiter = createRateLimiter({ redis, logger, onFallback: () => rateLimitFallbacks.inc() });
const limits = {
  auth: config.RATE_LIMIT_AUTH,
  account: config.RATE_LIMIT_ACCOUNT,
  read: config.RATE_LIMIT_READ,
  write: config.RATE_LIMIT_WRITE,
};
const identity = clients.client(IdentityService, config.IDENTITY_URL);
const clientAddress = clientAddressOf(config.GATEWAY_TRUSTED_PROXIES);
const eventStreams = createEventStreams({
  heartbeatMs: config.GATEWAY_SSE_HEARTBEAT_MS,
  retryMs: config.GATEWAY_SSE_RETRY_MS,
  maxOpen: config.GATEWAY_SSE_MAX_STREAMS,
  maxPerCaller: config.GATEWAY_SSE_MAX_STREAMS_PER_CALLER,
  clientAddress,
  logger,
});
registerOpenStreams(registry, "emporium_gateway_event_streams", "Server-Sent Event streams open on this gateway.", () => eventStreams.open);
const tokens = createAccessTokenVerifier({
  issuer: config.GATEWAY_TOKEN_ISSUER,
  audience: config.GATEWAY_TOKEN_AUDIENCE,
  unknownKidCooldownMs: config.GATEWAY_JWKS_COOLDOWN_MS,
  logger,
  fetchKeys: async () => ({ keys: (await identity.getJwks({})).keys.map((key) => ({ ...key })) }),
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

const { listener, routes, procedures } = createGatewayPipeline({
  logger,
  services: [
    { service: OrderService, client: clients.client(OrderService, config.ORDERS_URL) },
    { service: CatalogService, client: clients.client(CatalogService, config.CATALOG_URL) },
    { service: IdentityService, client: identity },
  ],
  readiness,
  cors: createCors(config.GATEWAY_CORS_ORIGINS),
  drain,
  observer: { logger, durations: httpRequestDurations(registry), accessLogs: logger.isLevelEnabled("info") },
  tokens,
  limiter,
  limits,
  clientAddress,
  accountLimit: accountLimit(limiter, limits.account),
  responseCache,
  admission: createEdgeAdmission(
    { auth: config.GATEWAY_ADMISSION_AUTH, read: config.GATEWAY_ADMISSION_READ, write: config.GATEWAY_ADMISSION_WRITE },
    { deadlineMs: config.GATEWAY_DEADLINE_MS, create: admissionsWithMetrics(registry) },
  ),
  deadlineMs: config.GATEWAY_DEADLINE_MS,
  bodyLimit: config.GATEWAY_BODY_LIMIT,
  bodyLimitBytes: byteSize(config.GATEWAY_BODY_LIMIT),
  eventStreams,
  storefront: storefrontFiles({
    onMissing: (dir) => logger.warn({ dir }, "storefront not built (npm run build:storefront); / is a 404"),
  }),
});
const server = createServer(listener);
server.keepAliveTimeout = 65_000;
// Only /metrics there: the gateway answers its probes on its own port (/healthz, /readyz).
const metricsServer = createAdminServer(registry, logger);

// Before listening: from the moment the gateway can answer /readyz, a stop
// request drains it (rather than the default action killing it).
onShutdownSignal(logger, config.SHUTDOWN_TIMEOUT_MS, [
  {
    name: "http",
    run: async () => {
      // From now on answers carry `Connection: close` (drain.ts); connections that
      // finish a response and fall idle are closed as they do, so no client sends
      // a request on a connection the gateway is about to cut.
      readiness.accepting = false;
      // Goes on serving while a balancer sees /readyz turn 503 (SHUTDOWN_DRAIN_DELAY_MS).
      if (config.SHUTDOWN_DRAIN_DELAY_MS > 0) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_DELAY_MS));
      drain.start();
      // Open event streams end now with a retry hint; their clients reconnect (elsewhere) with Last-Event-ID.
      eventStreams.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), config.SHUTDOWN_TIMEOUT_MS / 2);
      await closed;
      clearInterval(sweep);
      clearTimeout(forced);
    },
  },
  { name: "metrics", run: () => metricsServer.close() },
  { name: "change listener", run: () => changes.stop() },
  { name: "redis", run: async () => void (await redis.quit().catch(() => undefined)) },
  { name: "telemetry", run: shutdownTelemetry },
]);

server.listen(config.GATEWAY_PORT, config.GATEWAY_HOST, () => {
  const { port } = server.address() as AddressInfo;
  logger.info(
    { port, routes: routes.map((r) => `${r.httpMethod} ${r.path.template}`), procedures: [...procedures.keys()] },
    `gateway listening on http://localhost:${port} (REST and Connect)`,
  );
});
const metricsPort = await metricsServer.listen(config.METRICS_PORT, config.GATEWAY_HOST);
if (metricsPort !== undefined) logger.info({ port: metricsPort }, `metrics on http://localhost:${metricsPort}/metrics`);
