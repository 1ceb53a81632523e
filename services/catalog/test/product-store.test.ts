import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Pool } from "@emporium/platform/db/pool";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { catalogMigrations } from "../src/app.js";
import { seedCatalog } from "../src/seed/seed-catalog.js";
import { productStore } from "../src/store/product-store.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let pool: Pool;
const statements: string[] = [];

before(async () => {
  db = await scratchDatabase("catalog", [catalogMigrations]);
  pool = db.pool;
  await seedCatalog(pool, 250);
});
after(() => db.drop());

// Records the SQL each call sends to the real database, to see what it reads.
const recording = () =>
  ({
    query: (text: string, values?: unknown[]) => {
      statements.push(text);
      return pool.query(text, values);
    },
  }) as unknown as Pool;

test("a sparse fieldset reads only the columns of those fields", async () => {
  statements.length = 0;
  const [product] = await productStore.getMany(recording(), ["p-000007"], ["name", "price"]);

  assert.match(statements[0] ?? "", /^SELECT id, name, price_currency, price_amount FROM products/);
  assert.deepEqual(Object.keys(product ?? {}).sort(), ["id", "name", "price"]);
});

test("paging in price order visits every product once, in order", async () => {
  const seen: { id: string; price: bigint }[] = [];
  let cursor: { key: string; id: string } | undefined;
  do {
    const page = await productStore.list(pool, { category: "", q: "", orderBy: "price" }, 40, ["price"], cursor);
    seen.push(...page.products.map((p) => ({ id: p.id, price: p.price?.amountMinor ?? -1n })));
    cursor = page.next;
  } while (cursor);

  assert.equal(new Set(seen.map((p) => p.id)).size, 250);
  for (let i = 1; i < seen.length; i++) assert.ok((seen[i - 1]?.price ?? 0n) <= (seen[i]?.price ?? 0n));
});

test("paging while rows are inserted never repeats a row nor skips one that existed", async () => {
  const before = new Set((await pool.query<{ id: string }>("SELECT id FROM products")).rows.map((r) => r.id));
  const seen: string[] = [];
  let cursor: { key: string; id: string } | undefined;
  let inserted = 0;
  do {
    const page = await productStore.list(pool, { category: "", q: "", orderBy: "name" }, 25, ["name"], cursor);
    seen.push(...page.products.map((p) => p.id));
    cursor = page.next;
    // New products land before and after the cursor, as concurrent writers would.
    for (const prefix of ["Aaa", "Mmm", "Zzz"]) {
      inserted++;
      await pool.query(
        "INSERT INTO products (id, sku, name, category_id, price_currency, price_amount) VALUES ($1, $1, $2, 'kitchen', 'EUR', 100)",
        [`new-${inserted}`, `${prefix} inserted ${inserted}`],
      );
    }
  } while (cursor);

  assert.equal(seen.length, new Set(seen).size, "no duplicates");
  for (const id of before) assert.ok(seen.includes(id), `skipped ${id}`);
});

test("full-text search and filters narrow the list", async () => {
  const page = await productStore.list(pool, { category: "kitchen", q: "kettle", minPrice: 0n, maxPrice: 100_000n, orderBy: "name" }, 100, [
    "name",
    "category_id",
  ]);
  assert.ok(page.products.length > 0);
  for (const product of page.products) {
    assert.equal(product.categoryId, "kitchen");
    assert.match(product.name ?? "", /kettle/i);
  }
});
