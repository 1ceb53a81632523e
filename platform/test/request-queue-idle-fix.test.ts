import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { assertPatchedVersion, fixIdleRequestQueueLoop } from "../src/kafka/request-queue-idle-fix.js";
import { countQueueChecks } from "./request-queue-checks.js";
import { deleteTopics, testKafka, uniquePrefix } from "./test-infra.js";

const checks = countQueueChecks();
fixIdleRequestQueueLoop();
const kafka = testKafka("request-queue-idle-fix-test");
const topic = `${uniquePrefix()}idle.v1`;
const admin = kafka.admin();
const producer = createProducer(kafka);

before(async () => {
  await ensureTopics(kafka, [topic]);
  await admin.connect();
  await producer.connect();
});

after(async () => {
  await producer.disconnect();
  await admin.disconnect();
  await deleteTopics(kafka, [topic]);
});

test("an open connection with nothing to send runs no checks (kafkajs 2.2.4 ran one every millisecond)", async () => {
  await admin.listTopics();
  checks.reset();
  await sleep(300);
  assert.equal(checks.count(), 0);
});

test("requests queued behind the in-flight limit are still sent: 20 sends at once through a producer that allows one in flight", async () => {
  const sends = Array.from({ length: 20 }, (_, i) => producer.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] }));
  const results = await Promise.all(sends);
  assert.equal(results.length, 20);
  const offsets = await admin.fetchTopicOffsets(topic);
  assert.equal(
    offsets.reduce((sum, partition) => sum + Number(partition.high), 0),
    20,
  );
});

test("any kafkajs other than 2.2.4 is refused rather than patched blind", () => {
  assert.throws(() => assertPatchedVersion("2.3.0"), /written for kafkajs 2\.2\.4, found 2\.3\.0/);
  assert.doesNotThrow(() => assertPatchedVersion("2.2.4"));
});
