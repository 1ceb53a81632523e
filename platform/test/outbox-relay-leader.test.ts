import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createPool, databaseUrl } from "../src/db/pool.js";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { createOutboxRelay } from "../src/kafka/outbox-relay.js";
import { createLogger } from "../src/log/logger.js";
import { TEST_DATABASE_URL } from "../src/testing/scratch-database.js";
import { appendConcurrently, collectTopic, distinctEvents, firstArrivalsByKey, range, until } from "./kafka-helpers.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

const kafka = testKafka("outbox-relay-leader-test");
const logger = createLogger("test", "silent");
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let collector: Awaited<ReturnType<typeof collectTopic>>;
const topics: string[] = [];
const cleanups: Array<() => Promise<void>> = [];

before(async () => {
  db = await scratchDatabase("relayleader");
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await collector?.stop();
  await deleteTopics(kafka, topics);
  await db.drop();
});

/** A relay as another service instance would run it: its own pool and producer. */
async function startRelay(name: string) {
  const pool = createPool(databaseUrl(TEST_DATABASE_URL, db.name), name, 3);
  const producer = createProducer(testKafka(name));
  await producer.connect();
  const relay = createOutboxRelay({ pool, producer, logger, pollIntervalMs: 100, batchSize: 10 });
  await relay.start();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await relay.stop();
    await producer.disconnect();
    await pool.end();
  };
  cleanups.push(stop);
  return { relay, stop };
}

/** A relay in a child process; resolves once it reports that it leads. */
async function startRelayProcess(): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./fixtures/outbox-relay-process.js", import.meta.url));
  const child = spawn(process.execPath, ["--disable-warning=TimeoutNegativeWarning", script, db.name], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  cleanups.push(async () => void child.kill("SIGKILL"));
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`relay process exited (${code}) before it led`)));
    lines.on("line", (line) => {
      if (line.includes("outbox relay is the leader")) resolve();
    });
  });
  return child;
}

async function freshTopic(): Promise<string> {
  const topic = `${uniquePrefix()}orders.v1`;
  topics.push(topic);
  await ensureTopics(kafka, [topic]);
  await collector?.stop();
  collector = await collectTopic(kafka, topic);
  return topic;
}

const keys = range(20).map((i) => `order-${i}`);
const inOrder = (count: number, from = 0) => new Map(keys.map((key) => [key, range(count, from)]));

test("two relays on one outbox: one leads, and 500 events written concurrently arrive per key in the order written", async () => {
  const topic = await freshTopic();
  const [a, b] = await Promise.all([startRelay("relay-a"), startRelay("relay-b")]);

  assert.equal([a.relay.isLeader(), b.relay.isLeader()].filter(Boolean).length, 1, "exactly one relay leads");

  await appendConcurrently(db.pool, topic, keys, range(25));
  await until(() => (distinctEvents(collector.messages) === 500 ? true : undefined), "500 events on the topic");

  assert.deepEqual(firstArrivalsByKey(collector.messages), inOrder(25));
  await Promise.all([a.stop(), b.stop()]);
});

test("when the leader is killed mid-way, the standby takes over and drains the rest, in order per key", async () => {
  const topic = await freshTopic();
  const leader = await startRelayProcess();
  const standby = await startRelay("relay-standby");
  assert.equal(standby.relay.isLeader(), false, "the standby waits while the process leads");

  await appendConcurrently(db.pool, topic, keys, range(12));
  await until(async () => {
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NOT NULL AND topic = $1", [topic]);
    return rows[0].n > 0 ? true : undefined;
  }, "the leader to publish");
  leader.kill("SIGKILL");
  await appendConcurrently(db.pool, topic, keys, range(13, 12));

  await until(() => (distinctEvents(collector.messages) === 500 ? true : undefined), "all 500 events on the topic");
  assert.equal(standby.relay.isLeader(), true, "the standby took the lead");
  assert.deepEqual(firstArrivalsByKey(collector.messages), inOrder(25));
  const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL");
  assert.equal(rows[0].n, 0, "every row is marked published");
});
