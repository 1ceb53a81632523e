import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { StockStatus } from "@emporium/gen/emporium/catalog/v1/catalog_pb";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { InventoryService, StockSchema } from "@emporium/gen/emporium/inventory/v1/inventory_service_pb";
import type { Pool } from "@emporium/platform/db/pool";
import { primaryOnly } from "@emporium/platform/db/read-replica";
import { createLogger } from "@emporium/platform/log/logger";
import { createPageTokens } from "@emporium/platform/paging/page-token";
import { createCircuitBreaker } from "@emporium/platform/resilience/circuit-breaker";
import { errorInterceptor } from "@emporium/platform/rpc/error-interceptor";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { catalogMigrations } from "../src/app.js";
import { inventoryAvailability, inventoryIsUnhealthy } from "../src/availability/inventory-availability.js";
import { productPresenter } from "../src/availability/present-products.js";
import { createProductCache } from "../src/cache/product-cache.js";
import { createCatalogHandlers } from "../src/handlers.js";
import { seedCatalog } from "../src/seed/seed-catalog.js";
import { productStore } from "../src/store/product-store.js";

// A component test: the real catalog handlers on a real Postgres, and a fake
// inventory (the neighbouring service) that counts its calls and can be
// down or hung.
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let pool: Pool;
const silent = createLogger("test", "silent");

before(async () => {
  db = await scratchDatabase("catalog", [catalogMigrations]);
  pool = db.pool;
  await seedCatalog(pool, 60);
});
after(() => db.drop());

/** p-000002 has none left, p-000003 is unknown to inventory, every other product has 10 units. */
function fakeInventory() {
  const fake = { calls: [] as string[][], mode: "up" as "up" | "down" | "hung" };
  const client = createClient(
    InventoryService,
    createRouterTransport(({ service }) =>
      service(InventoryService, {
        async batchGetStock({ productIds }, ctx) {
          fake.calls.push([...productIds]);
          if (fake.mode === "down") throw new ConnectError("inventory is down", Code.Unavailable);
          if (fake.mode === "hung") await new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
          const known = productIds.filter((id) => id !== "p-000003");
          return {
            stocks: known.map((productId) => create(StockSchema, { productId, available: productId === "p-000002" ? 0n : 10n })),
            missingProductIds: productIds.filter((id) => !known.includes(id)),
          };
        },
      }),
    ),
  );
  return { fake, client };
}

/** A catalog whose availability comes from a fresh fake inventory (its own cache and breaker). */
function catalogWithInventory() {
  const { fake, client } = fakeInventory();
  const breaker = createCircuitBreaker({ name: "inventory", consecutiveFailures: 3, coolDownMs: 60_000, isFailure: inventoryIsUnhealthy });
  const source = inventoryAvailability({ inventory: client, breaker, timeoutMs: 200, ttlMs: 60_000, logger: silent });
  const handlers = createCatalogHandlers({
    pool,
    lists: primaryOnly(pool),
    store: productStore,
    cache: createProductCache({ pool, store: productStore, localTtlMs: 60_000 }),
    present: productPresenter(source),
    pageTokens: createPageTokens("catalog-test-secret-123"),
    topic: "unused",
  });
  const catalog = createClient(
    CatalogService,
    createRouterTransport(({ service }) => service(CatalogService, handlers), { router: { interceptors: [errorInterceptor(silent)] } }),
  );
  return { catalog, fake, breaker };
}

test("a page of 20 products costs one BatchGetStock, and every product on it says whether it is in stock", async () => {
  const { catalog, fake } = catalogWithInventory();

  const { products } = await catalog.listProducts({ orderBy: "newest", pageSize: 20 });

  assert.equal(products.length, 20);
  assert.equal(fake.calls.length, 1);
  assert.deepEqual(
    fake.calls[0],
    products.map((p) => p.id),
  );
  for (const product of products) assert.ok(product.availability, `${product.id} has availability`);
  const inStock = products.find((p) => p.id !== "p-000002" && p.id !== "p-000003");
  assert.equal(inStock?.availability?.status, StockStatus.IN_STOCK);
  assert.equal(inStock?.availability?.availableUnits, 10n);
});

test("a product with no units left, or unknown to inventory, is out of stock with 0 units", async () => {
  const { catalog } = catalogWithInventory();

  const { products } = await catalog.batchGetProducts({ ids: ["p-000001", "p-000002", "p-000003"] });

  assert.deepEqual(
    products.map((p) => [p.id, p.availability?.status, p.availability?.availableUnits]),
    [
      ["p-000001", StockStatus.IN_STOCK, 10n],
      ["p-000002", StockStatus.OUT_OF_STOCK, 0n],
      ["p-000003", StockStatus.OUT_OF_STOCK, 0n],
    ],
  );
});

test("a fieldset without availability makes no inventory call; naming it alone makes one", async () => {
  const { catalog, fake } = catalogWithInventory();

  const sparse = await catalog.listProducts({ pageSize: 20, fields: { paths: ["id", "name"] } });
  const one = await catalog.getProduct({ productId: "p-000010", fields: { paths: ["name", "price"] } });
  assert.equal(fake.calls.length, 0);
  assert.ok(sparse.products.every((p) => p.availability === undefined));
  assert.equal(one.product?.availability, undefined);

  const onlyAvailability = await catalog.getProduct({ productId: "p-000011", fields: { paths: ["availability"] } });
  assert.equal(fake.calls.length, 1);
  assert.equal(onlyAvailability.product?.availability?.status, StockStatus.IN_STOCK);
  assert.equal(onlyAvailability.product?.name, "");
});

test("concurrent reads of one product share one inventory call", async () => {
  const { catalog, fake } = catalogWithInventory();

  const answers = await Promise.all(Array.from({ length: 50 }, () => catalog.getProduct({ productId: "p-000020" })));

  assert.equal(fake.calls.length, 1);
  assert.ok(answers.every((a) => a.product?.availability?.status === StockStatus.IN_STOCK));
});

test("inventory down: products are still served, availability unknown; once the breaker opens, inventory is not called", async () => {
  const { catalog, fake, breaker } = catalogWithInventory();
  fake.mode = "down";

  const pages = [];
  for (let i = 0; i < 5; i++) pages.push(await catalog.listProducts({ pageSize: 5, orderBy: "price" }));

  assert.equal(fake.calls.length, 3, "three failures open the breaker; later reads do not wait for inventory");
  assert.equal(breaker.state, "open");
  for (const { products } of pages) {
    assert.equal(products.length, 5);
    for (const product of products) {
      assert.ok(product.name.length > 0, "the product itself is served");
      assert.equal(product.availability?.status, StockStatus.UNKNOWN);
      assert.equal(product.availability?.availableUnits, undefined, "no unit count when it is not known");
    }
  }
});

test("inventory hung: the lookup gives up at its own deadline and the product goes out with availability unknown", async () => {
  const { catalog, fake } = catalogWithInventory();
  fake.mode = "hung";

  const { product } = await catalog.getProduct({ productId: "p-000030" });

  assert.equal(fake.calls.length, 1);
  assert.equal(product?.id, "p-000030");
  assert.equal(product?.availability?.status, StockStatus.UNKNOWN);
});
