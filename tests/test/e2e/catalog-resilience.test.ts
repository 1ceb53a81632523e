import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { CatalogService } from "@emporium/gen/emporium/catalog/v1/catalog_service_pb";
import { callerHeaders } from "@emporium/platform/rpc/caller";
import { startPrivateRedis } from "../../src/harness/private-redis.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

// Long in-process TTLs: only a change event (not expiry) can make an
// instance drop a product during these tests.
const LONG_LOCAL_TTL = { CATALOG_LOCAL_CACHE_TTL_MS: "600000" };

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let stack: Stack;
let second: { url: string; stop: () => Promise<void> };
before(async () => {
  redis = await startPrivateRedis();
  stack = await startStack({ env: { REDIS_URL: redis.url, ...LONG_LOCAL_TTL } });
  second = await stack.startExtraCatalog(LONG_LOCAL_TTL);
});
after(async () => {
  await second?.stop();
  await stack?.stop();
  await redis?.stop();
});

const catalogAt = (url: string) => createClient(CatalogService, createGrpcTransport({ baseUrl: url }));

test("a change made through one catalog instance is dropped by the other within about a second", async () => {
  const first = catalogAt(stack.catalogUrl);
  const other = catalogAt(second.url);
  const before = await other.getProduct({ productId: "p-000060" }); // now in the other instance's memory

  await first.updateProduct(
    {
      productId: "p-000060",
      product: { name: "Renamed through the first instance" },
      updateMask: { paths: ["name"] },
      expectedVersion: before.product?.version ?? 0n,
    },
    // An internal admin tool calls on behalf of an administrator, in the trusted metadata.
    { headers: callerHeaders({ userId: "00000000-0000-4000-8000-000000000001", role: "admin" }) },
  );

  const seen = await stack.waitFor(
    async () => {
      const { product } = await other.getProduct({ productId: "p-000060" });
      return product?.version === (before.product?.version ?? 0n) + 1n ? product : undefined;
    },
    "the other instance to serve the new version",
    5_000,
  );
  assert.equal(seen.name, "Renamed through the first instance");
});

test("with Redis stopped, reads still succeed from Postgres; caching resumes when it is back", async () => {
  const catalog = catalogAt(stack.catalogUrl);
  await catalog.getProduct({ productId: "p-000070" });
  assert.ok((await redis.keys("*catalog:product:v1:p-000070")).length === 1, "cached in Redis while it runs");

  await redis.stop();
  const whileDown = await Promise.all(
    ["p-000071", "p-000072", "p-000073"].map((productId) => fetch(`${stack.gatewayUrl}/v1/products/${productId}`).then((r) => r.status)),
  );
  const batch = await catalog.batchGetProducts({ ids: ["p-000074", "p-000075"] });

  assert.deepEqual(whileDown, [200, 200, 200]);
  assert.equal(batch.products.length, 2);

  await redis.start();
  // A product not read before on each try: one already in memory would not reach Redis.
  let next = 80;
  await stack.waitFor(
    async () => {
      const productId = `p-${String(next++).padStart(6, "0")}`;
      await catalog.getProduct({ productId }).catch(() => undefined);
      return (await redis.keys(`*catalog:product:v1:${productId}`)).length === 1 ? true : undefined;
    },
    "the catalog to cache in Redis again",
    15_000,
  );
});
