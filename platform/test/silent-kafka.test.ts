import assert from "node:assert/strict";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createSilentKafka } from "../src/kafka/client.js";
import { countQueueChecks } from "./request-queue-checks.js";
import { KAFKA_BROKERS } from "./test-infra.js";

// This file runs in a process of its own, so nothing applied the idle fix before it.
const checks = countQueueChecks();

const admin = createSilentKafka({ clientId: "silent-kafka-test", brokers: KAFKA_BROKERS }).admin();
after(() => admin.disconnect());

test("a tool's client (tests, benchmarks) gets the idle fix too: an open admin connection with nothing to send runs no checks", async () => {
  await admin.connect();
  await admin.listTopics();
  checks.reset();
  await sleep(300);
  assert.equal(checks.count(), 0);
});
