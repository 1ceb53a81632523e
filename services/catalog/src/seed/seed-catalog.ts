import type { Pool } from "@emporium/platform/db/pool";
import { CATEGORIES, seedProduct } from "./generate.js";

const BATCH = 2_000;

/**
 * Inserts products 1..count (skipping any that exist) in batches; calls
 * `progress(done, count)` after each. Bulk loading writes no events: caches
 * start empty and nothing downstream needs to hear of demo data.
 */
export async function seedCatalog(pool: Pool, count: number, progress: (done: number, total: number) => void = () => {}): Promise<void> {
  await pool.query("INSERT INTO categories (id, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id) DO NOTHING", [
    CATEGORIES.map((c) => c[0]),
    CATEGORIES.map((c) => c[1]),
  ]);
  for (let start = 1; start <= count; start += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, count - start + 1) }, (_, i) => seedProduct(start + i));
    await pool.query(
      `INSERT INTO products (id, sku, name, description, category_id, price_currency, price_amount, image_url, attributes, created_at, updated_at)
       SELECT id, sku, name, description, category_id, 'EUR', price, image_url, attributes, created_at, created_at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::jsonb[], $9::timestamptz[])
           AS p(id, sku, name, description, category_id, price, image_url, attributes, created_at)
       ON CONFLICT (id) DO NOTHING`,
      [
        batch.map((p) => p.id),
        batch.map((p) => p.sku),
        batch.map((p) => p.name),
        batch.map((p) => p.description),
        batch.map((p) => p.categoryId),
        batch.map((p) => p.priceMinor),
        batch.map((p) => p.imageUrl),
        batch.map((p) => JSON.stringify(p.attributes)),
        batch.map((p) => p.createdAt),
      ],
    );
    progress(Math.min(start + BATCH - 1, count), count);
  }
}
