import { fileURLToPath } from "node:url";
import { ProductChangedSchema } from "@emporium/gen/emporium/catalog/v1/catalog_events_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { PaymentService } from "@emporium/gen/emporium/payments/v1/payments_service_pb";
import { cacheCounts } from "@emporium/platform/cache/cache-metrics";
import { loadConfig } from "@emporium/platform/config/load-config";
import { onBroadcast } from "@emporium/platform/kafka/broadcast-listener";
import { registerOpenStreams } from "@emporium/platform/metrics/open-streams";
import { createPageTokens } from "@emporium/platform/paging/page-token";
import { createStreamSlots } from "@emporium/platform/resilience/stream-slots";
import { rpcName } from "@emporium/platform/rpc/admission-interceptor";
import type { ServiceContext, ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { catalogPrices } from "./catalog-prices.js";
import { orderEventHandlers } from "./events/consume.js";
import { orderTopics } from "./events/topics.js";
import { createOrderHandlers } from "./handlers.js";
import { createIdempotency } from "./idempotency.js";
import { paymentDeadlineWorker } from "./payment-deadline.js";
import { paymentGate } from "./payment-gate.js";
import { type CachedPrices, cachedPrices } from "./price-cache.js";
import { productNameLoaders } from "./product-names.js";
import { sagaMetrics } from "./saga-metrics.js";
import { idempotencyStore } from "./store/idempotency-store.js";
import { orderStore } from "./store/order-store.js";
import { statusHistoryStore } from "./store/status-history-store.js";
import { createOrderWatches, type OrderWatches } from "./watch/order-watches.js";
import { createStatusFeed } from "./watch/status-feed.js";

const config = () =>
  loadConfig({
    CATALOG_URL: z.url().default("http://127.0.0.1:50053"),
    PAYMENTS_URL: z.url().default("http://127.0.0.1:50055"),
    /** An order still waiting for payment this long is cancelled and its stock released. */
    ORDERS_PAYMENT_DEADLINE_MS: z.coerce
      .number()
      .int()
      .positive()
      .default(15 * 60_000),
    /** How often to look for orders past the payment deadline. */
    ORDERS_PAYMENT_SWEEP_MS: z.coerce.number().int().positive().default(5_000),
    /** Signs ListOrders page tokens; the same on every orders instance. */
    ORDERS_PAGE_TOKEN_SECRET: z.string().min(16).default("emporium-dev-orders-page-token-secret"),
    /** How long an instance keeps a product's price; the catalog's ProductChanged drops it sooner. */
    ORDERS_PRICE_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
    /** Idempotency keys are kept at least this long (the IETF draft and Stripe: 24 hours). */
    ORDERS_IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(48),
    /** CreateOrder calls running at once (each holds a Postgres connection for its transaction). */
    ORDERS_CREATE_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(64),
    /** CreateOrder calls waiting for a slot; more are refused at once (503). */
    ORDERS_CREATE_MAX_QUEUE: z.coerce.number().int().min(0).default(128),
    /** WatchOrder streams open at once on this instance; more are refused (ResourceExhausted, 503 at the edge). */
    ORDERS_WATCH_MAX_STREAMS: z.coerce.number().int().min(1).default(10_000),
    /** WatchOrder streams one caller may hold open on this instance; more are refused (ResourceExhausted, 429 at the edge). */
    ORDERS_WATCH_MAX_STREAMS_PER_CALLER: z.coerce.number().int().min(1).default(16),
    /** Open watches re-read their order this often even without a notification (a LISTEN gap's bound). */
    ORDERS_WATCH_POLL_MS: z.coerce.number().int().positive().default(15_000),
    /** The retry hint of watches ended by a shutdown: call again (another instance) after this long. */
    ORDERS_WATCH_RETRY_MS: z.coerce.number().int().min(0).default(1_000),
  });

// One price cache per process, shared by CreateOrder and the listener that drops changed products.
const priceCaches = new WeakMap<ServiceContext, CachedPrices>();
function prices(ctx: ServiceContext): CachedPrices {
  let cache = priceCaches.get(ctx);
  if (!cache) {
    cache = cachedPrices(catalogPrices(ctx.clients.client(CatalogService, config().CATALOG_URL)), {
      ttlMs: config().ORDERS_PRICE_CACHE_TTL_MS,
      counts: cacheCounts(ctx.metrics, "price", "process"),
    });
    priceCaches.set(ctx, cache);
  }
  return cache;
}

// One set of watches per process: the routes serve them, a graceful stop ends them.
const watchSets = new WeakMap<ServiceContext, OrderWatches>();
function watches(ctx: ServiceContext): OrderWatches {
  let set = watchSets.get(ctx);
  if (!set) {
    set = createOrderWatches({
      pool: ctx.pool,
      reads: { order: orderStore.get, changesAfter: statusHistoryStore.changesAfter, latest: statusHistoryStore.latest },
      feed: createStatusFeed({ sessionPool: ctx.sessionPool, logger: ctx.logger, pollMs: config().ORDERS_WATCH_POLL_MS }),
      slots: createStreamSlots({ maxOpen: config().ORDERS_WATCH_MAX_STREAMS, maxPerCaller: config().ORDERS_WATCH_MAX_STREAMS_PER_CALLER }),
      productNames: productNameLoaders(ctx.clients.client(CatalogService, config().CATALOG_URL), ctx.logger),
      retryMs: config().ORDERS_WATCH_RETRY_MS,
    });
    watchSets.set(ctx, set);
    const open = set;
    registerOpenStreams(ctx.metrics, "emporium_orders_watch_streams", "WatchOrder streams open on this instance.", () => open.open);
  }
  return set;
}

const payments = (ctx: ServiceContext) => paymentGate(ctx.clients.client(PaymentService, config().PAYMENTS_URL));

/** The orders service: composition of its store, handlers and saga steps. */
export const ordersService: ServiceDefinition = {
  name: "orders",
  defaultPort: 50051,
  migrationsDir: fileURLToPath(new URL("../../migrations/", import.meta.url)),
  serviceNames: [OrderService.typeName],
  topics: (prefix) => Object.values(orderTopics(prefix)),
  admission: () => ({
    [rpcName(OrderService.method.createOrder)]: {
      operation: "create-order",
      maxConcurrent: config().ORDERS_CREATE_MAX_IN_FLIGHT,
      maxQueue: config().ORDERS_CREATE_MAX_QUEUE,
    },
  }),
  routes: (router, ctx) => {
    router.service(
      OrderService,
      createOrderHandlers({
        pool: ctx.pool,
        idempotency: createIdempotency(idempotencyStore, {
          retentionHours: config().ORDERS_IDEMPOTENCY_RETENTION_HOURS,
          logger: ctx.logger,
        }),
        store: orderStore,
        products: prices(ctx),
        payments: payments(ctx),
        topics: orderTopics(ctx.topicPrefix),
        productNames: productNameLoaders(ctx.clients.client(CatalogService, config().CATALOG_URL), ctx.logger),
        pageTokens: createPageTokens(config().ORDERS_PAGE_TOKEN_SECRET),
        saga: sagaMetrics(ctx.metrics),
        watches: watches(ctx),
      }),
    );
  },
  closeStreams: (ctx) => watches(ctx).close(),
  broadcast: {
    topics: (prefix) => [orderTopics(prefix).catalog],
    handlers: (ctx) => [onBroadcast(ProductChangedSchema, (event) => prices(ctx).forget(event.product?.id ?? ""))],
  },
  workers: (ctx) => [
    paymentDeadlineWorker({
      pool: ctx.pool,
      store: orderStore,
      payments: payments(ctx),
      topic: orderTopics(ctx.topicPrefix).orders,
      deadlineMs: config().ORDERS_PAYMENT_DEADLINE_MS,
      intervalMs: config().ORDERS_PAYMENT_SWEEP_MS,
      logger: ctx.logger,
      saga: sagaMetrics(ctx.metrics),
    }),
  ],
  consumer: {
    topics: (prefix) => [orderTopics(prefix).inventory, orderTopics(prefix).payments],
    handlers: (ctx) =>
      orderEventHandlers({ store: orderStore, topics: orderTopics(ctx.topicPrefix), logger: ctx.logger, saga: sagaMetrics(ctx.metrics) }),
    // Each event locks only its own order's row (key = order id): partitions cannot conflict.
    partitionsAtOnce: 6,
    // Every event orders handles names its order: a batch locks and reads them all in one statement.
    readAhead: () => (tx, events) =>
      orderStore.lockAll(
        tx,
        events.map((event) => (event as { orderId?: string }).orderId ?? ""),
      ),
  },
};
