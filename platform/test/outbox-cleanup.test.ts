import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { deletePublishedOutboxRows } from "../src/kafka/outbox-cleanup.js";
import { createOutboxRelay } from "../src/kafka/outbox-relay.js";
import { createLogger } from "../src/log/logger.js";
import { appendSequenced, range, until } from "./kafka-helpers.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
const kafka = testKafka("outbox-cleanup-test");
const topic = `${uniquePrefix()}orders.v1`;

before(async () => {
  db = await scratchDatabase("outboxcleanup");
  await ensureTopics(kafka, [topic]);
});

after(async () => {
  await deleteTopics(kafka, [topic]);
  await db.drop();
});

beforeEach(async () => {
  await db.pool.query("DELETE FROM outbox");
});

/** Outbox rows labelled by key: `published` is how long ago, or null for not yet. */
async function rowsPublished(key: string, count: number, published: string | null, created = "0 seconds"): Promise<void> {
  for (const seq of range(count)) await appendSequenced(db.pool, topic, key, seq);
  await db.pool.query(
    `UPDATE outbox SET created_at = now() - $2::interval,
                       published_at = CASE WHEN $3::interval IS NULL THEN NULL ELSE now() - $3::interval END
      WHERE message_key = $1`,
    [key, created, published],
  );
}

const remainingKeys = async () =>
  (
    await db.pool.query<{ message_key: string; n: number }>("SELECT message_key, count(*)::int AS n FROM outbox GROUP BY 1 ORDER BY 1")
  ).rows.map((r) => `${r.message_key}:${r.n}`);

test("deletes rows published before the retention, in batches, and keeps recent and unpublished ones", async () => {
  await rowsPublished("old", 5, "2 days", "2 days");
  await rowsPublished("recent", 2, "1 hour", "1 hour");
  await rowsPublished("unpublished", 1, null, "3 days");

  const firstCall = await deletePublishedOutboxRows(db.pool, { batchSize: 2, maxBatches: 2 });
  const secondCall = await deletePublishedOutboxRows(db.pool, { batchSize: 2, maxBatches: 2 });

  assert.equal(firstCall, 4, "a call stops after maxBatches batches");
  assert.equal(secondCall, 1);
  assert.deepEqual(await remainingKeys(), ["recent:2", "unpublished:1"]);
});

test("a shorter retention deletes the recently published rows too", async () => {
  await rowsPublished("recent", 2, "1 hour", "1 hour");

  await deletePublishedOutboxRows(db.pool, { retentionMs: 30 * 60_000 });

  assert.deepEqual(await remainingKeys(), []);
});

test("the leading relay deletes published rows past their retention by itself", async () => {
  const producer = createProducer(kafka);
  await producer.connect();
  const relay = createOutboxRelay({
    pool: db.pool,
    producer,
    logger: createLogger("test", "silent"),
    pollIntervalMs: 50,
    cleanup: { intervalMs: 50, retentionMs: 1 },
  });
  await relay.start();
  try {
    for (const seq of range(5)) await appendSequenced(db.pool, topic, "relayed", seq);

    await until(async () => ((await remainingKeys()).length === 0 ? true : undefined), "the published rows to be deleted");
  } finally {
    await relay.stop();
    await producer.disconnect();
  }
});
