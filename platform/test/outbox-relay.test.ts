import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { create, fromBinary } from "@bufbuild/protobuf";
import { StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { context, trace } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import type { Consumer, KafkaMessage } from "kafkajs";
import { withTransaction } from "../src/db/pool.js";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { appendToOutbox } from "../src/kafka/outbox.js";
import { createOutboxRelay } from "../src/kafka/outbox-relay.js";
import { createLogger } from "../src/log/logger.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

const spans = new InMemorySpanExporter();
const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], instrumentations: [] });
sdk.start();

const kafka = testKafka("outbox-relay-test");
const topic = `${uniquePrefix()}relay.v1`;
const producer = createProducer(kafka);
const logger = createLogger("test", "silent");
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let consumer: Consumer;
const received: KafkaMessage[] = [];
let relay: ReturnType<typeof createOutboxRelay>;

before(async () => {
  db = await scratchDatabase("relay");
  await ensureTopics(kafka, [topic]);
  await producer.connect();
  consumer = kafka.consumer({ groupId: `${topic}-reader` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void received.push(message) });
  relay = createOutboxRelay({ pool: db.pool, producer, logger, pollIntervalMs: 200 });
  await relay.start();
});

after(async () => {
  await relay.stop();
  await consumer.disconnect();
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
  await db.drop();
  await sdk.shutdown();
});

const event = (orderId: string) => ({
  topic,
  key: orderId,
  source: "/emporium/test",
  schema: StockReservedSchema,
  message: create(StockReservedSchema, { orderId, lines: [{ productId: "p", quantity: 1 }] }),
});

const waitFor = async <T>(find: () => T | undefined | Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 200; i++) {
    const found = await find();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("timed out waiting for a Kafka message");
};
const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();
const byKey = (key: string) => () => received.find((m) => m.key?.toString() === key);

test("a committed event is published with CloudEvents headers and the writer's trace", async () => {
  const span = trace.getTracer("test").startSpan("write order");
  const eventId = await context.with(trace.setSpan(context.active(), span), () =>
    withTransaction(db.pool, (tx) => appendToOutbox(tx, event("order-1"))),
  );
  span.end();

  const message = await waitFor(byKey("order-1"));

  assert.equal(header(message, "ce_id"), eventId);
  assert.equal(header(message, "ce_type"), "emporium.inventory.v1.StockReserved");
  assert.equal(header(message, "ce_source"), "/emporium/test");
  assert.equal(header(message, "content-type"), "application/protobuf");
  assert.match(header(message, "ce_time") ?? "", /^\d{4}-\d\d-\d\dT/);
  assert.equal(fromBinary(StockReservedSchema, message.value ?? new Uint8Array()).orderId, "order-1");
  // The published traceparent belongs to the writer's trace (via the relay's publish span).
  assert.match(header(message, "traceparent") ?? "", new RegExp(`^00-${span.spanContext().traceId}-`));
  // And the row is marked published, so a restarted relay does not send it again.
  const publishedAt = await waitFor(async () => {
    const { rows } = await db.pool.query("SELECT published_at FROM outbox WHERE event_id = $1", [eventId]);
    return rows[0]?.published_at ?? undefined;
  });
  assert.ok(publishedAt instanceof Date);
});

test("an event whose transaction rolls back is never published", async () => {
  await assert.rejects(
    withTransaction(db.pool, async (tx) => {
      await appendToOutbox(tx, event("rolled-back"));
      throw new Error("business rule failed after the append");
    }),
  );
  await withTransaction(db.pool, (tx) => appendToOutbox(tx, event("after-rollback")));

  await waitFor(byKey("after-rollback"));

  assert.equal(byKey("rolled-back")(), undefined);
});

test("events with one key arrive in the order they were written", async () => {
  for (let i = 0; i < 20; i++) {
    await withTransaction(db.pool, (tx) =>
      appendToOutbox(tx, { ...event("ordered"), message: create(StockReservedSchema, { orderId: `n${i}` }) }),
    );
  }
  await waitFor(() => (received.filter((m) => m.key?.toString() === "ordered").length === 20 ? true : undefined));

  const sequence = received
    .filter((m) => m.key?.toString() === "ordered")
    .map((m) => fromBinary(StockReservedSchema, m.value ?? new Uint8Array()).orderId);
  assert.deepEqual(
    sequence,
    Array.from({ length: 20 }, (_, i) => `n${i}`),
  );
});
