import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import type { Consumer, KafkaMessage } from "kafkajs";
import { createAdminSession } from "../src/kafka/admin-session.js";
import { createProducer, deadLetterTopic, ensureTopics } from "../src/kafka/client.js";
import { cloudEventHeaders, newCloudEvent } from "../src/kafka/cloudevents.js";
import { createEventConsumer, on } from "../src/kafka/event-consumer.js";
import { registerOffsetMetrics } from "../src/kafka/offset-metrics.js";
import { createLogger } from "../src/log/logger.js";
import { renderMetrics } from "../src/metrics/exposition.js";
import { createMetricsRegistry } from "../src/metrics/registry.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

const kafka = testKafka("event-consumer-test");
const topic = `${uniquePrefix()}stock.v1`;
const producer = createProducer(kafka);
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let eventConsumer: ReturnType<typeof createEventConsumer>;
let dlqReader: Consumer;
const parked: KafkaMessage[] = [];
const registry = createMetricsRegistry();
const admin = createAdminSession(kafka);

before(async () => {
  db = await scratchDatabase("consumer");
  await db.pool.query("CREATE TABLE applied (order_id text NOT NULL)");
  await db.pool.query("CREATE TABLE read_ahead (order_ids text[] NOT NULL)");
  await ensureTopics(kafka, [topic]);
  await producer.connect();
  eventConsumer = createEventConsumer({
    kafka,
    producer,
    pool: db.pool,
    logger: createLogger("test", "silent"),
    groupId: `${topic}-group`,
    topics: [topic],
    maxAttempts: 3,
    baseBackoffMs: 10,
    metrics: registry,
    // Recorded in the batch's transaction: a rolled-back batch leaves no row.
    readAhead: async (tx, events) => {
      const ids = events.map((event) => (event as { orderId?: string }).orderId);
      await tx.query("INSERT INTO read_ahead (order_ids) VALUES ($1)", [ids]);
    },
    handlers: [
      on(StockReservedSchema, async (event, tx) => {
        if (event.orderId === "always-fails") throw new Error("handler bug for this input");
        await tx.query("INSERT INTO applied (order_id) VALUES ($1)", [event.orderId]);
      }),
    ],
  });
  await eventConsumer.start();
  registerOffsetMetrics({
    admin,
    registry,
    logger: createLogger("test", "silent"),
    topics: [topic],
    groupId: `${topic}-group`,
    refreshMs: 0,
  });
  dlqReader = kafka.consumer({ groupId: `${topic}-dlq-reader` });
  await dlqReader.connect();
  await dlqReader.subscribe({ topic: deadLetterTopic(topic), fromBeginning: true });
  await dlqReader.run({ eachMessage: async ({ message }) => void parked.push(message) });
});

after(async () => {
  await eventConsumer.stop();
  await admin.close();
  await dlqReader.disconnect();
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
  await db.drop();
});

const framed = (orderId: string, id = randomUUID()) => ({
  key: orderId,
  value: Buffer.from(toBinary(StockReservedSchema, create(StockReservedSchema, { orderId }))),
  headers: cloudEventHeaders({ ...newCloudEvent(StockReservedSchema.typeName, "/test"), id }),
});

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("timed out");
}
const appliedCount = async (orderId: string) =>
  Number((await db.pool.query("SELECT count(*) FROM applied WHERE order_id = $1", [orderId])).rows[0].count);
const appliedAtLeastOnce = (orderId: string) => until(async () => ((await appliedCount(orderId)) > 0 ? true : undefined));

test("a redelivered event (same ce_id) is applied once", async () => {
  const duplicate = framed("dup-order");
  await producer.send({ topic, messages: [duplicate, duplicate] });
  // The sentinel shares the duplicates' key, so their partition: it is applied after them, whatever the other partitions do.
  await producer.send({ topic, messages: [{ ...framed("dup-sentinel"), key: "dup-order" }] });

  await appliedAtLeastOnce("dup-sentinel");

  assert.equal(await appliedCount("dup-order"), 1);
});

test("a batch applied in one transaction is read ahead once, in that transaction, with its fresh events only", async () => {
  const again = framed("ahead-b");
  // One key, one send: one partition's record batch, fetched and applied together.
  await producer.send({ topic, messages: [framed("ahead-a"), again, again, framed("ahead-c")].map((m) => ({ ...m, key: "ahead" })) });
  await appliedAtLeastOnce("ahead-c");

  const { rows } = await db.pool.query<{ order_ids: string[] }>("SELECT order_ids FROM read_ahead WHERE 'ahead-a' = ANY(order_ids)");
  assert.deepEqual(
    rows.map((row) => row.order_ids),
    [["ahead-a", "ahead-b", "ahead-c"]],
  );
  assert.equal(await appliedCount("ahead-b"), 1);
});

test("the partitions of one fetch are applied in one transaction when partitions are handled at once", async () => {
  const spread = `${uniquePrefix()}spread.v1`;
  await ensureTopics(kafka, [spread], 3);
  // Sent before the consumer starts: its first fetch holds all three partitions.
  const ids = ["spread-0", "spread-1", "spread-2"];
  await producer.send({ topic: spread, messages: ids.map((orderId, partition) => ({ ...framed(orderId), partition })) });
  const consumer = createEventConsumer({
    kafka,
    producer,
    pool: db.pool,
    logger: createLogger("test", "silent"),
    groupId: `${spread}-group`,
    topics: [spread],
    partitionsAtOnce: 3,
    readAhead: async (tx, events) => {
      await tx.query("INSERT INTO read_ahead (order_ids) VALUES ($1)", [events.map((event) => (event as { orderId?: string }).orderId)]);
    },
    handlers: [
      on(StockReservedSchema, async (event, tx) => void (await tx.query("INSERT INTO applied (order_id) VALUES ($1)", [event.orderId]))),
    ],
  });
  try {
    await consumer.start();
    for (const id of ids) await appliedAtLeastOnce(id);
    // readAhead runs once per transaction of several events: one row with all three is one transaction.
    const { rows } = await db.pool.query<{ order_ids: string[] }>("SELECT order_ids FROM read_ahead WHERE order_ids && $1::text[]", [ids]);
    assert.deepEqual(
      rows.map((row) => [...row.order_ids].sort()),
      [ids],
    );
  } finally {
    await consumer.stop();
    await deleteTopics(kafka, [spread]);
  }
});

test("poison messages are parked on the dead-letter topic with the error, and consumption goes on", async () => {
  await producer.send({
    topic,
    messages: [
      { key: "no-headers", value: Buffer.from("not a cloud event") },
      { ...framed("garbage"), value: Buffer.from([0xff, 0xff, 0xff]) },
      framed("always-fails"),
      framed("after-poison"),
    ],
  });

  await appliedAtLeastOnce("after-poison");
  await until(async () => (parked.length >= 3 ? true : undefined));

  const byKey = new Map(parked.map((m) => [m.key?.toString(), m]));
  const header = (key: string, name: string) => byKey.get(key)?.headers?.[name]?.toString();
  assert.match(header("no-headers", "x-dlq-error") ?? "", /missing CloudEvents headers/);
  assert.match(header("garbage", "x-dlq-error") ?? "", /cannot decode/);
  assert.equal(header("always-fails", "x-dlq-error"), "handler bug for this input");
  assert.equal(header("always-fails", "x-dlq-attempts"), "3");
  assert.equal(header("always-fails", "x-dlq-original-topic"), topic);
  assert.equal(await appliedCount("always-fails"), 0, "a failed attempt leaves no partial effect");
});

/** The value of one sample in the registry's Prometheus text, or undefined. */
async function sample(line: RegExp): Promise<number | undefined> {
  const { text } = await renderMetrics(registry, false);
  const found = text.split("\n").find((candidate) => line.test(candidate));
  return found === undefined ? undefined : Number(found.slice(found.lastIndexOf(" ") + 1));
}

test("each message's outcome is measured; the group's lag and the parked messages are read from the broker", async () => {
  const count = (outcome: string) => sample(new RegExp(`^messaging_process_duration_seconds_count\\{.*outcome="${outcome}"`));
  assert.ok(((await count("processed")) ?? 0) >= 3, "processed");
  assert.ok(((await count("duplicate")) ?? 0) >= 1, "the redelivery");
  assert.equal(await count("dead_lettered"), 3, "the three poison messages");
  assert.match(
    (await renderMetrics(registry, false)).text,
    new RegExp(
      `messaging_destination_name="${topic.replaceAll(".", "\\.")}",messaging_consumer_group_name="${topic.replaceAll(".", "\\.")}-group"`,
    ),
  );

  const lags = async () =>
    (await renderMetrics(registry, false)).text.split("\n").filter((line) => line.startsWith("messaging_kafka_consumer_lag{"));
  await until(async () => {
    const lines = await lags();
    return lines.length === 3 && lines.every((line) => line.endsWith(" 0")) ? true : undefined;
  });
  assert.equal(await sample(new RegExp(`^emporium_dlq_pending_messages\\{messaging_destination_name="${deadLetterTopic(topic)}"\\}`)), 3);
});
