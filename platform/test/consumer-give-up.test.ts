import assert from "node:assert/strict";
import { test } from "node:test";
import { AssignerProtocol, type PartitionAssigner } from "kafkajs";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { createEventConsumer } from "../src/kafka/event-consumer.js";
import { createLogger } from "../src/log/logger.js";
import { deleteTopics, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

/** An assignor of another name: a group whose member uses it refuses members that do not (INCONSISTENT_GROUP_PROTOCOL). */
const otherAssignor: PartitionAssigner = () => ({
  name: "SomeOtherAssignor",
  version: 1,
  assign: async () => [],
  protocol: ({ topics }) => ({
    name: "SomeOtherAssignor",
    metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
  }),
});

test("when kafkajs crashes the consumer for good (the group refuses it), the consumer says so through onGiveUp instead of leaving a process that serves on without it", async () => {
  const kafka = testKafka("consumer-give-up-test");
  const topic = `${uniquePrefix()}things.v1`;
  const groupId = `${topic}-group`;
  await ensureTopics(kafka, [topic]);
  const db = await scratchDatabase("give_up");
  const producer = createProducer(kafka);
  await producer.connect();
  // Already in the group, with a protocol ours does not speak.
  const squatter = kafka.consumer({ groupId, partitionAssigners: [otherAssignor], sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await squatter.connect();
  await squatter.subscribe({ topics: [topic] });
  await squatter.run({ eachMessage: async () => undefined });

  let gaveUp: (error: Error) => void = () => undefined;
  const givenUp = new Promise<Error>((resolve) => {
    gaveUp = resolve;
  });
  const consumer = createEventConsumer({
    kafka,
    producer,
    pool: db.pool,
    logger: createLogger("test", "silent"),
    groupId,
    topics: [topic],
    handlers: [],
    onGiveUp: (error) => gaveUp(error),
  });
  let bound: NodeJS.Timeout | undefined;
  try {
    await consumer.start();
    const error = await Promise.race([
      givenUp,
      new Promise<never>((_, reject) => {
        bound = setTimeout(() => reject(new Error("no give-up within 30 s")), 30_000);
      }),
    ]);
    assert.match(error.message, /protocol/i, "the group's refusal is what is handed on");
  } finally {
    clearTimeout(bound);
    await consumer.stop();
    await squatter.disconnect();
    await producer.disconnect();
    await deleteTopics(kafka, [topic]);
    await db.drop();
  }
});
