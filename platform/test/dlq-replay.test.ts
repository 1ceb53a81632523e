import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createProducer, deadLetterTopic, ensureTopics, topicName } from "../src/kafka/client.js";
import { DLQ_HEADERS, deadLetterHeaders, REPLAYED_FROM_DLQ_HEADER } from "../src/kafka/dead-letter.js";
import { replayDeadLetters } from "../src/kafka/dlq-replay.js";
import { createLogger } from "../src/log/logger.js";
import { collectTopic, until } from "./kafka-helpers.js";
import { deleteTopics, testKafka, uniquePrefix } from "./test-infra.js";

const kafka = testKafka("dlq-replay-test");
const prefix = uniquePrefix();
const topic = topicName(prefix, "orders.v1");
const producer = createProducer(kafka);
const logger = createLogger("test", "silent");
let main: Awaited<ReturnType<typeof collectTopic>>;

before(async () => {
  await ensureTopics(kafka, [topic]);
  await producer.connect();
  main = await collectTopic(kafka, topic);
});

after(async () => {
  await main.stop();
  await producer.disconnect();
  await deleteTopics(kafka, [topic]);
});

/** Parks messages on the dead-letter topic the way the event consumer does. */
async function park(keys: string[]): Promise<void> {
  await producer.send({
    topic: deadLetterTopic(topic),
    messages: keys.map((key, i) => ({
      key,
      value: Buffer.from(`payload of ${key}`),
      headers: {
        ce_id: `event-${key}`,
        ...deadLetterHeaders({ error: new Error("handler bug"), attempts: 5, topic, partition: 0, offset: String(i), groupId: "orders" }),
      },
    })),
  });
}

/** Messages on the main topic now, by the broker's offsets (not what a reader happened to see). */
async function messagesOnMainTopic(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}

test("a replay sends each parked message back to its topic once, with its key, value and headers minus the error ones", async () => {
  await park(["order-1", "order-2", "order-3"]);

  const first = await replayDeadLetters({ kafka, topic, logger });
  await until(() => (main.messages.length >= 3 ? true : undefined), "the replayed messages");
  const second = await replayDeadLetters({ kafka, topic, logger });

  assert.equal(first.replayed, 3);
  assert.equal(second.replayed, 0, "a second run does not replay the same messages");
  assert.equal(await messagesOnMainTopic(), 3);
  const byKey = new Map(main.messages.map((m) => [m.key?.toString(), m]));
  assert.deepEqual([...byKey.keys()].sort(), ["order-1", "order-2", "order-3"]);
  const replayed = byKey.get("order-2");
  assert.equal(replayed?.value?.toString(), "payload of order-2");
  assert.equal(replayed?.headers?.ce_id?.toString(), "event-order-2");
  assert.match(replayed?.headers?.[REPLAYED_FROM_DLQ_HEADER]?.toString() ?? "", new RegExp(`^${deadLetterTopic(topic)}/\\d+/\\d+$`));
  for (const name of Object.values(DLQ_HEADERS)) assert.equal(replayed?.headers?.[name], undefined, `${name} is dropped`);
});

test("npm run dlq:replay honours KAFKA_TOPIC_PREFIX and replays only what was parked since the last run", async () => {
  await park(["order-4"]);
  const cli = fileURLToPath(new URL("../src/kafka/dlq-replay-cli.js", import.meta.url));

  const { stdout } = await promisify(execFile)(process.execPath, ["--disable-warning=TimeoutNegativeWarning", cli, "orders.v1"], {
    env: { ...process.env, KAFKA_TOPIC_PREFIX: prefix, LOG_LEVEL: "warn" },
    timeout: 60_000,
  });

  assert.match(stdout, new RegExp(`replayed 1 message from ${topic}.dlq to ${topic}`));
  await until(() => main.messages.find((m) => m.key?.toString() === "order-4"), "order-4 on the main topic");
  assert.equal(await messagesOnMainTopic(), 4);
});

test("a replay of a topic that does not exist fails with a message naming it", async () => {
  await assert.rejects(replayDeadLetters({ kafka, topic: `${prefix}no-such.v1`, logger }), /no topic .*no-such\.v1/);
});
