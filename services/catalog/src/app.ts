import { fileURLToPath } from "node:url";
import { ProductChangedSchema } from "@emporium/gen/emporium/catalog/v1/catalog_events_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { cacheCounts } from "@emporium/platform/cache/cache-metrics";
import { loadConfig, optionalUrl } from "@emporium/platform/config/load-config";
import type { MigrationSource } from "@emporium/platform/db/migrate";
import { databaseUrl } from "@emporium/platform/db/pool";
import { primaryOnly, type ReadPool } from "@emporium/platform/db/read-replica";
import { onBroadcast } from "@emporium/platform/kafka/broadcast-listener";
import { createPageTokens } from "@emporium/platform/paging/page-token";
import { breakerStateGauge } from "@emporium/platform/resilience/breaker-metrics";
import { createCircuitBreaker } from "@emporium/platform/resilience/circuit-breaker";
import type { Worker } from "@emporium/platform/service/periodic-worker";
import type { ServiceContext, ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { inventoryAvailability, inventoryIsUnhealthy } from "./availability/inventory-availability.js";
import { type ProductPresenter, productPresenter } from "./availability/present-products.js";
import { createProductCache, type ProductCache } from "./cache/product-cache.js";
import { catalogTopic } from "./events/topics.js";
import { createCatalogHandlers } from "./handlers.js";
import { seedCatalog } from "./seed/seed-catalog.js";
import { productStore } from "./store/product-store.js";
import { replicaLists } from "./store/replica-lists.js";

const config = () =>
  loadConfig({
    /** Signs page tokens; set one secret for all catalog instances. */
    CATALOG_PAGE_TOKEN_SECRET: z.string().min(16).default("emporium-dev-page-token-secret"),
    /** How long an instance keeps a product in memory; change events drop it sooner. */
    CATALOG_LOCAL_CACHE_TTL_MS: z.coerce.number().int().positive().default(2_000),
    /** Products to seed when the catalog is empty (npm start); 0 seeds nothing. */
    CATALOG_SEED_PRODUCTS: z.coerce.number().int().min(0).default(0),
    /** Inventory, asked for the availability of the products a read returns. */
    INVENTORY_URL: z.url().default("http://127.0.0.1:50052"),
    /** How long one availability lookup may take before products go out with availability unknown. */
    CATALOG_AVAILABILITY_TIMEOUT_MS: z.coerce.number().int().positive().default(500),
    /** How long an instance reuses a product's availability (bounds its staleness here; docs/availability.md). */
    CATALOG_AVAILABILITY_TTL_MS: z.coerce.number().int().positive().default(1_000),
    /** Failed availability lookups in a row that open the inventory breaker (then none is tried for the cool-down). */
    CATALOG_INVENTORY_BREAKER_FAILURES: z.coerce.number().int().positive().default(5),
    /**
     * A streaming read replica of the catalog's Postgres server (its URL
     * without the database; the native setup has one). Lists are read
     * there while it is at most CATALOG_REPLICA_MAX_LAG_MS behind, checked
     * every CATALOG_REPLICA_PROBE_MS; otherwise, and without it, from the
     * primary.
     */
    DATABASE_READ_REPLICA_URL: optionalUrl(),
    CATALOG_REPLICA_MAX_LAG_MS: z.coerce.number().int().positive().default(1_000),
    CATALOG_REPLICA_PROBE_MS: z.coerce.number().int().positive().default(200),
    /** How long the open breaker skips inventory before letting one probe lookup through. */
    CATALOG_INVENTORY_BREAKER_COOLDOWN_MS: z.coerce.number().int().positive().default(5_000),
  });

export const catalogMigrations: MigrationSource = {
  name: "catalog",
  dir: fileURLToPath(new URL("../../migrations/", import.meta.url)),
};

// One product cache per process, shared by the handlers and the listener
// that drops changed products.
const caches = new WeakMap<ServiceContext, ProductCache>();
function productCache(ctx: ServiceContext): ProductCache {
  let cache = caches.get(ctx);
  if (!cache) {
    cache = createProductCache({
      pool: ctx.pool,
      redis: ctx.redis,
      store: productStore,
      localTtlMs: config().CATALOG_LOCAL_CACHE_TTL_MS,
      metrics: ctx.metrics,
    });
    caches.set(ctx, cache);
  }
  return cache;
}

// One presenter per process: its availability cache and inventory breaker are shared by every read.
const presenters = new WeakMap<ServiceContext, ProductPresenter>();
function presenter(ctx: ServiceContext): ProductPresenter {
  let present = presenters.get(ctx);
  if (!present) {
    const settings = config();
    const showState = breakerStateGauge(ctx.metrics, "inventory");
    const breaker = createCircuitBreaker({
      name: "inventory",
      consecutiveFailures: settings.CATALOG_INVENTORY_BREAKER_FAILURES,
      coolDownMs: settings.CATALOG_INVENTORY_BREAKER_COOLDOWN_MS,
      isFailure: inventoryIsUnhealthy,
      onStateChange: (change) => {
        showState(change.to);
        ctx.logger.warn(
          change,
          `inventory circuit breaker ${change.to}: availability ${change.to === "closed" ? "known again" : "unknown"}`,
        );
      },
    });
    present = productPresenter(
      inventoryAvailability({
        inventory: ctx.clients.client(InventoryService, settings.INVENTORY_URL),
        breaker,
        timeoutMs: settings.CATALOG_AVAILABILITY_TIMEOUT_MS,
        ttlMs: settings.CATALOG_AVAILABILITY_TTL_MS,
        logger: ctx.logger,
        counts: cacheCounts(ctx.metrics, "availability", "process"),
      }),
    );
    presenters.set(ctx, present);
  }
  return present;
}

// One way to read lists per process, with the worker probing the replica.
const listReads = new WeakMap<ServiceContext, { reads: ReadPool; worker?: Worker }>();
function lists(ctx: ServiceContext) {
  let found = listReads.get(ctx);
  if (!found) {
    const settings = config();
    found = settings.DATABASE_READ_REPLICA_URL
      ? replicaLists(ctx, databaseUrl(settings.DATABASE_READ_REPLICA_URL, ctx.databaseName), settings)
      : { reads: primaryOnly(ctx.pool) };
    listReads.set(ctx, found);
  }
  return found;
}

/** The catalog service: products over RPC, changes announced on catalog.v1. */
export const catalogService: ServiceDefinition = {
  name: "catalog",
  defaultPort: 50053,
  migrationsDir: catalogMigrations.dir,
  serviceNames: [CatalogService.typeName],
  topics: (prefix) => [catalogTopic(prefix)],
  usesRedis: true,
  broadcast: {
    topics: (prefix) => [catalogTopic(prefix)],
    handlers: (ctx) => [onBroadcast(ProductChangedSchema, (event) => productCache(ctx).forgetLocally(event.product?.id ?? ""))],
  },
  workers: (ctx) => {
    const { worker } = lists(ctx);
    return worker ? [worker] : [];
  },
  afterMigrate: async (ctx) => {
    const wanted = config().CATALOG_SEED_PRODUCTS;
    if (wanted === 0 || (await productStore.count(ctx.pool)) > 0) return;
    await seedCatalog(ctx.pool, wanted);
    ctx.logger.info({ products: wanted }, "demo catalog seeded");
  },
  routes: (router, ctx) => {
    router.service(
      CatalogService,
      createCatalogHandlers({
        pool: ctx.pool,
        lists: lists(ctx).reads,
        store: productStore,
        cache: productCache(ctx),
        present: presenter(ctx),
        pageTokens: createPageTokens(config().CATALOG_PAGE_TOKEN_SECRET),
        topic: catalogTopic(ctx.topicPrefix),
      }),
    );
  },
};
