import { fileURLToPath } from "node:url";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { OrderService } from "@emporium/gen/emporium/orders/v1/orders_service_pb";
import { loadConfig } from "@emporium/platform/config/load-config";
import { createPageTokens } from "@emporium/platform/paging/page-token";
import type { ServiceContext, ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { orderEventHandlers } from "./events/consume.js";
import { orderTopics } from "./events/topics.js";
import { createOrderHandlers, type ProductDirectory } from "./handlers.js";
import { createIdempotency } from "./idempotency.js";
import { productNameLoaders } from "./product-names.js";
import { idempotencyStore } from "./store/idempotency-store.js";
import { orderStore } from "./store/order-store.js";

const config = () =>
  loadConfig({
    INVENTORY_URL: z.url().default("http://127.0.0.1:50052"),
    CATALOG_URL: z.url().default("http://127.0.0.1:50053"),
    /** Signs ListOrders page tokens; the same on every orders instance. */
    ORDERS_PAGE_TOKEN_SECRET: z.string().min(16).default("emporium-dev-orders-page-token-secret"),
    /** Idempotency keys are kept at least this long (the IETF draft and Stripe: 24 hours). */
    ORDERS_IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(48),
  });

/** Until the catalog exists, the products orders may contain are those inventory stocks. */
function inventoryProductDirectory(ctx: ServiceContext): ProductDirectory {
  const inventory = ctx.clients.client(InventoryService, config().INVENTORY_URL);
  return {
    async findMissing(productIds) {
      const { missingProductIds } = await inventory.batchGetStock({ productIds: [...new Set(productIds)] });
      return new Set(missingProductIds);
    },
  };
}

/** The orders service: composition of its store, handlers and saga steps. */
export const ordersService: ServiceDefinition = {
  name: "orders",
  defaultPort: 50051,
  migrationsDir: fileURLToPath(new URL("../../migrations/", import.meta.url)),
  serviceNames: [OrderService.typeName],
  topics: (prefix) => Object.values(orderTopics(prefix)),
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
        products: inventoryProductDirectory(ctx),
        topics: orderTopics(ctx.topicPrefix),
        productNames: productNameLoaders(ctx.clients.client(CatalogService, config().CATALOG_URL), ctx.logger),
        pageTokens: createPageTokens(config().ORDERS_PAGE_TOKEN_SECRET),
      }),
    );
  },
  consumer: {
    topics: (prefix) => [orderTopics(prefix).inventory],
    handlers: (ctx) => orderEventHandlers({ store: orderStore, topics: orderTopics(ctx.topicPrefix), logger: ctx.logger }),
  },
};
