import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createSilentKafka } from "../src/kafka/client.js";
import { KAFKA_BROKERS } from "./test-infra.js";

// Counts the checks of pending requests kafkajs's per-connection queues run.
// This file runs in a process of its own, so nothing applied the idle fix before it.
const require = createRequire(import.meta.url);
const RequestQueue = require("kafkajs/src/network/requestQueue/index.js") as { prototype: { checkPendingRequests(): void } };
const check = RequestQueue.prototype.checkPendingRequests;
let checks = 0;
RequestQueue.prototype.checkPendingRequests = function (this: unknown) {
  checks++;
  check.call(this);
};

const admin = createSilentKafka({ clientId: "silent-kafka-test", brokers: KAFKA_BROKERS }).admin();
after(() => admin.disconnect());

test("a tool's client (tests, benchmarks) gets the idle fix too: an open admin connection with nothing to send runs no checks", async () => {
  await admin.connect();
  assert.ok((await admin.listTopics()).length >= 0);
  checks = 0;
  await sleep(300);
  assert.equal(checks, 0);
});
