import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { withTransaction } from "@emporium/platform/db/pool";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { idempotencyStore } from "../src/store/idempotency-store.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("orders_idem", [{ name: "orders", dir: fileURLToPath(new URL("../../migrations/", import.meta.url)) }]);
});
after(async () => {
  await db?.drop();
});

test("keys are kept for the retention and purged after it", async () => {
  const stored = { requestHash: Buffer.from("h"), response: Buffer.from("r") };
  await withTransaction(db.pool, async (tx) => {
    await idempotencyStore.save(tx, "c1", "fresh", stored);
    await idempotencyStore.save(tx, "c1", "day-old", stored);
    await idempotencyStore.save(tx, "c1", "old", stored);
    await tx.query("UPDATE idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = 'day-old'");
    await tx.query("UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = 'old'");
  });
  const purged = await withTransaction(db.pool, (tx) => idempotencyStore.purge(tx, 48));
  assert.equal(purged, 1);
  const kept = await withTransaction(db.pool, async (tx) => [
    await idempotencyStore.find(tx, "c1", "fresh"),
    await idempotencyStore.find(tx, "c1", "day-old"),
  ]);
  assert.ok(kept.every((row) => row?.response.toString() === "r"));
});

test("one holder of a key's lock at a time; other callers' keys are independent", async () => {
  const a = await db.pool.connect();
  const b = await db.pool.connect();
  try {
    await a.query("BEGIN");
    await b.query("BEGIN");
    assert.equal(await idempotencyStore.tryLock(a, "c1", "k"), true);
    assert.equal(await idempotencyStore.tryLock(b, "c1", "k"), false);
    assert.equal(await idempotencyStore.tryLock(b, "c2", "k"), true);
    await a.query("COMMIT");
    assert.equal(await idempotencyStore.tryLock(b, "c1", "k"), true, "free once the holder's transaction ends");
    await b.query("COMMIT");
  } finally {
    a.release();
    b.release();
  }
});
