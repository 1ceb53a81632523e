import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import { createProducer, deadLetterTopic, ensureTopics } from "../src/kafka/client.js";
import { cloudEventHeaders, newCloudEvent } from "../src/kafka/cloudevents.js";
import { DLQ_HEADERS } from "../src/kafka/dead-letter.js";
import { createEventConsumer, on } from "../src/kafka/event-consumer.js";
import { capturingLogger, collectTopic, until } from "./kafka-helpers.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

class OutOfStockRuleError extends Error {
  override name = "OutOfStockRuleError";
}

const kafka = testKafka("dead-letter-test");
const topic = `${uniquePrefix()}stock.v1`;
const groupId = `${topic}-group`;
const producer = createProducer(kafka);
const { logger, lines } = capturingLogger("warn");
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let eventConsumer: ReturnType<typeof createEventConsumer>;
let parked: Awaited<ReturnType<typeof collectTopic>>;
let handlerCalls = 0;

before(async () => {
  db = await scratchDatabase("deadletter");
  await ensureTopics(kafka, [topic]);
  await producer.connect();
  eventConsumer = createEventConsumer({
    kafka,
    producer,
    pool: db.pool,
    logger,
    groupId,
    topics: [topic],
    maxAttempts: 4,
    baseBackoffMs: 20,
    maxBackoffMs: 50,
    handlers: [
      on(StockReservedSchema, async () => {
        handlerCalls++;
        throw new OutOfStockRuleError("line 1 asks for more than exists");
      }),
    ],
  });
  await eventConsumer.start();
  parked = await collectTopic(kafka, deadLetterTopic(topic));
});

after(async () => {
  await eventConsumer.stop();
  await parked.stop();
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
  await db.drop();
});

test("a message that keeps failing is retried with capped, jittered exponential backoff, then parked with the error and its origin in headers", async () => {
  const ceId = randomUUID();
  const [sent] = await producer.send({
    topic,
    messages: [
      {
        key: "order-9",
        value: Buffer.from(toBinary(StockReservedSchema, create(StockReservedSchema, { orderId: "order-9" }))),
        headers: cloudEventHeaders({ ...newCloudEvent(StockReservedSchema.typeName, "/test"), id: ceId }),
      },
    ],
  });
  const message = await until(() => parked.messages[0], "the parked message");
  const header = (name: string) => message.headers?.[name]?.toString();

  assert.equal(message.key?.toString(), "order-9");
  assert.equal(header("ce_id"), ceId, "the original headers are kept");
  assert.equal(header(DLQ_HEADERS.error), "line 1 asks for more than exists");
  assert.equal(header(DLQ_HEADERS.errorType), "OutOfStockRuleError");
  assert.equal(header(DLQ_HEADERS.attempts), "4");
  assert.equal(header(DLQ_HEADERS.originalTopic), topic);
  assert.equal(header(DLQ_HEADERS.originalPartition), String(sent?.partition));
  assert.equal(header(DLQ_HEADERS.originalOffset), sent?.baseOffset);
  assert.equal(header(DLQ_HEADERS.consumerGroup), groupId);
  assert.ok(!Number.isNaN(Date.parse(header(DLQ_HEADERS.failedAt) ?? "")), "failed-at is a timestamp");
  assert.equal(handlerCalls, 4);
  // Each retry's wait (as logged): 20, 40, then capped at 50 ms; jitter picks from the upper half.
  const waits = lines.filter((line) => line.msg === "event handler failed; retrying").map((line) => Number(line.retryInMs));
  const ceilings = [20, 40, 50];
  assert.equal(waits.length, 3);
  waits.forEach((wait, i) => {
    const ceiling = ceilings[i] ?? 0;
    assert.ok(wait >= ceiling / 2 && wait <= ceiling, `retry ${i + 1} waited ${wait} ms (ceiling ${ceiling})`);
  });
});
