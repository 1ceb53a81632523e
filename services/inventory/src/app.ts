import { fileURLToPath } from "node:url";
import { InventoryService } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import { loadConfig } from "@emporium/platform/config/load-config";
import type { ServiceDefinition } from "@emporium/platform/service/service-runtime";
import { z } from "zod";
import { demoStock } from "./demo-stock.js";
import { inventoryEventHandlers } from "./events/consume.js";
import { inventoryTopics } from "./events/topics.js";
import { createInventoryHandlers } from "./handlers.js";
import { stockStore } from "./store/stock-store.js";

const config = () =>
  loadConfig({
    INVENTORY_SEED_DEMO: z.stringbool().default(false),
    /** Demo products to stock (p-000001 …); set it to the catalog's CATALOG_SEED_PRODUCTS so every listed product is covered. */
    INVENTORY_SEED_PRODUCTS: z.coerce.number().int().min(0).default(1_000),
  });

/** The inventory service: stock levels over RPC, reservations through events. */
export const inventoryService: ServiceDefinition = {
  name: "inventory",
  defaultPort: 50052,
  migrationsDir: fileURLToPath(new URL("../../migrations/", import.meta.url)),
  serviceNames: [InventoryService.typeName],
  topics: (prefix) => Object.values(inventoryTopics(prefix)),
  afterMigrate: async (ctx) => {
    if (!config().INVENTORY_SEED_DEMO) return;
    const stock = demoStock(config().INVENTORY_SEED_PRODUCTS);
    await stockStore.restock(ctx.pool, stock);
    ctx.logger.info({ products: stock.length, outOfStock: stock.filter((s) => s.quantity === 0).length }, "demo stock seeded");
  },
  routes: (router, ctx) => {
    router.service(InventoryService, createInventoryHandlers({ pool: ctx.pool, store: stockStore }));
  },
  consumer: {
    topics: (prefix) => [inventoryTopics(prefix).orders],
    handlers: (ctx) => inventoryEventHandlers({ store: stockStore, topics: inventoryTopics(ctx.topicPrefix) }),
  },
};
