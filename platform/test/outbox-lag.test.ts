import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Registry } from "prom-client";
import { createPool, databaseUrl } from "../src/db/pool.js";
import { registerOutboxLagMetrics } from "../src/kafka/outbox-lag.js";
import { TEST_DATABASE_URL } from "../src/testing/scratch-database.js";
import { appendSequenced, capturingLogger } from "./kafka-helpers.js";
import { scratchDatabase } from "./test-infra.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;

before(async () => {
  db = await scratchDatabase("outboxlag");
});

after(async () => {
  await db.drop();
});

/** The value of an unlabelled metric in the text Prometheus scrapes. */
async function scrape(registry: Registry, name: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  assert.ok(line, `${name} is exposed`);
  return Number(line.slice(name.length + 1));
}

test("the outbox lag gauges report the unpublished backlog and the age of its oldest row on each scrape", async () => {
  const registry = new Registry();
  registerOutboxLagMetrics({ pool: db.pool, registry });

  assert.equal(await scrape(registry, "emporium_outbox_unpublished_events"), 0);
  assert.equal(await scrape(registry, "emporium_outbox_oldest_unpublished_age_seconds"), 0);

  for (const seq of [0, 1, 2]) await appendSequenced(db.pool, "lag.v1", "order-1", seq);
  await db.pool.query("UPDATE outbox SET created_at = now() - interval '90 seconds' WHERE id = (SELECT min(id) FROM outbox)");
  const unpublished = await scrape(registry, "emporium_outbox_unpublished_events");
  const oldestAge = await scrape(registry, "emporium_outbox_oldest_unpublished_age_seconds");

  assert.equal(unpublished, 3);
  assert.ok(oldestAge >= 90 && oldestAge < 3_600, `oldest age ${oldestAge} s`);

  await db.pool.query("UPDATE outbox SET published_at = now()");
  assert.equal(await scrape(registry, "emporium_outbox_unpublished_events"), 0);
  assert.equal(await scrape(registry, "emporium_outbox_oldest_unpublished_age_seconds"), 0);
});

test("when the outbox cannot be read, the gauges report NaN and the scrape still succeeds", async () => {
  const registry = new Registry();
  const closed = createPool(databaseUrl(TEST_DATABASE_URL, db.name), "lag-test-closed", 1);
  await closed.end();
  const { logger, lines } = capturingLogger();
  registerOutboxLagMetrics({ pool: closed, registry, logger });

  assert.ok(Number.isNaN(await scrape(registry, "emporium_outbox_unpublished_events")));
  assert.ok(lines.some((line) => line.msg === "could not read the outbox lag"));
});
