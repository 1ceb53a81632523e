import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { withTransaction } from "@emporium/platform/db/pool";
import { runTogether } from "@emporium/platform/db/statement";
import { scratchDatabase } from "@emporium/platform/testing/scratch-database";
import { idempotencyStore, KEY_IN_FLIGHT, keyRecordedAlready } from "../src/store/idempotency-store.js";

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

test("taking and recording a key in one statement: in flight is EM409, recorded already is the key's unique violation, and neither writes", async () => {
  const stored = { requestHash: Buffer.from("h"), response: Buffer.from("first") };
  const work = { text: "INSERT INTO idempotency_keys (caller_id, key, request_hash, response) VALUES ('work', $1, '', '')", values: ["w"] };
  const holder = await db.pool.connect();
  try {
    await holder.query("BEGIN");
    assert.equal(await idempotencyStore.tryLock(holder, "c3", "k"), true);
    await assert.rejects(runTogether(db.pool, [idempotencyStore.takeAndSaveStatement("c3", "k", stored), work]), { code: KEY_IN_FLIGHT });
    await holder.query("COMMIT");
  } finally {
    holder.release();
  }
  await runTogether(db.pool, [idempotencyStore.takeAndSaveStatement("c3", "k", stored)]);
  const again = await runTogether(db.pool, [
    idempotencyStore.takeAndSaveStatement("c3", "k", { ...stored, response: Buffer.from("x") }),
    work,
  ]).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(keyRecordedAlready(again), String(again));
  assert.equal((await idempotencyStore.find(db.pool, "c3", "k"))?.response.toString(), "first");
  assert.equal((await db.pool.query("SELECT 1 FROM idempotency_keys WHERE caller_id = 'work'")).rowCount, 0, "the work ran with neither");
});
