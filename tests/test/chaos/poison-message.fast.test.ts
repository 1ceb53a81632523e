import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { OrderPlacedSchema } from "@emporium/gen/emporium/orders/v1/orders_events_pb";
import { cloudEventHeaders, newCloudEvent } from "@emporium/platform/kafka/cloudevents";
import { DLQ_HEADERS, REPLAYED_FROM_DLQ_HEADER } from "@emporium/platform/kafka/dead-letter";
import type { Producer } from "kafkajs";
import type { SignedIn } from "../../src/harness/auth.js";
import { acceptedIds, outcomeCounts, settleAndCheck, untilTerminal } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { infraEnv } from "../../src/harness/infra-env.js";
import { collectTopic, header, partitionsOf, testKafka } from "../../src/harness/kafka-topics.js";
import { chaosRate, describeLoad, startOrderLoad } from "../../src/harness/load.js";
import { repoRoot } from "../../src/harness/stack.js";

const LOAD = { perSecond: chaosRate(5), durationMs: 6_000 };
// A length-delimited field whose length runs past the end: no Protobuf decoder can read it.
const UNDECODABLE = Buffer.from([0x0a, 0xff]);

const kafka = testKafka("chaos-poison");
const chaos = chaosFixture({ customers: 2 });
let producer: Producer;
let dlq: Awaited<ReturnType<typeof collectTopic>>;
let ordersTopic: string;
before(async () => {
  await chaos.ready;
  ordersTopic = `${chaos.stack.topicPrefix}orders.v1`;
  producer = kafka.producer();
  await producer.connect();
  dlq = await collectTopic(kafka, `${ordersTopic}.dlq`);
});
after(async () => {
  await dlq?.stop();
  await producer?.disconnect();
});

/** Accepted orders reach CONFIRMED: the consumers went past the poison. */
const confirmed = async (orderIds: string[]) => (await untilTerminal(chaos.stack, orderIds)).states.CONFIRMED ?? 0;

test("a poison OrderPlaced (valid CloudEvents headers, undecodable payload) on every partition is parked on orders.v1.dlq with the error, orders keep flowing, and dlq:replay sends it back, where it is parked again because it is still poison", async () => {
  const started = Date.now();
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });
  await chaos.stack.waitFor(
    async () => (acceptedIds(load.attempts).length >= 5 ? true : undefined),
    "five orders accepted before the poison",
  );

  const partitions = await partitionsOf(kafka, ordersTopic);
  const poison = partitions.map((partition) => ({ partition, event: newCloudEvent(OrderPlacedSchema.typeName, "/emporium/chaos-test") }));
  await producer.send({
    topic: ordersTopic,
    messages: poison.map(({ partition, event }) => ({
      partition,
      key: `poison-${partition}`,
      value: UNDECODABLE,
      headers: cloudEventHeaders(event),
    })),
  });
  const injectedAt = Date.now();
  await chaos.stack.waitFor(async () => (dlq.messages.length >= poison.length ? true : undefined), "the poison to be parked");
  const afterPoison = await chaos.client.post(chaos.customers[0] as SignedIn, "p-000003");
  const attempts = [...(await load.done), afterPoison];
  assert.equal(afterPoison.answer?.status, 202);
  assert.equal(await confirmed(acceptedIds(attempts)), acceptedIds(attempts).length, "every order, the one placed after the poison too");

  const parked = dlq.messages.slice(0, poison.length);
  assert.deepEqual(parked.map((m) => header(m, "ce_id")).sort(), poison.map((p) => p.event.id).sort());
  for (const message of parked) {
    assert.equal(message.value?.toString("hex"), UNDECODABLE.toString("hex"));
    assert.match(header(message, DLQ_HEADERS.error) ?? "", /cannot decode emporium\.orders\.v1\.OrderPlaced/);
    assert.equal(header(message, DLQ_HEADERS.errorType), "PoisonMessageError");
    assert.equal(header(message, DLQ_HEADERS.originalTopic), ordersTopic);
    assert.equal(header(message, DLQ_HEADERS.consumerGroup), `${chaos.stack.topicPrefix}inventory`);
  }

  // What an operator runs once the consumer is fixed. It is not fixed here, so the replayed
  // messages fail again and are parked a second time (the fixed case: platform/test/dlq-replay.test.ts).
  const { stdout } = await promisify(execFile)("npm", ["run", "--silent", "dlq:replay", "--", "orders.v1"], {
    cwd: repoRoot,
    env: { ...process.env, KAFKA_BROKERS: infraEnv.KAFKA_BROKERS, KAFKA_TOPIC_PREFIX: chaos.stack.topicPrefix, LOG_LEVEL: "warn" },
    timeout: 60_000,
  });
  assert.match(stdout, new RegExp(`replayed ${poison.length} messages from ${ordersTopic}.dlq to ${ordersTopic}`));
  await chaos.stack.waitFor(
    async () => (dlq.messages.length >= 2 * poison.length ? true : undefined),
    "the replayed poison to be parked again",
  );
  const reparked = dlq.messages.slice(poison.length);
  assert.deepEqual(reparked.map((m) => header(m, "ce_id")).sort(), poison.map((p) => p.event.id).sort());
  for (const message of reparked)
    assert.match(header(message, REPLAYED_FROM_DLQ_HEADER) ?? "", new RegExp(`^${ordersTopic}\\.dlq/\\d+/\\d+$`));

  const afterReplay = await chaos.client.post(chaos.customers[1] as SignedIn, "p-000004");
  assert.equal(afterReplay.answer?.status, 202);
  const all = [...attempts, afterReplay];
  const { ids, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, all, chaos.onHandBefore);
  await recordResult({
    scenario: "7. poison message + dlq:replay",
    load: `${describeLoad(LOAD, chaos.customers.length)}, plus one order after the parking and one after the replay`,
    fault: `${poison.length} undecodable OrderPlaced events (one per partition of orders.v1), then npm run dlq:replay`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(all),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - injectedAt,
    problems,
    notes: `parked on <prefix>orders.v1.dlq by the inventory consumer, x-dlq-error "${parked[0] ? header(parked[0], DLQ_HEADERS.error) : ""}"; replayed ${poison.length}, parked again ${reparked.length}`,
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(states, { CONFIRMED: ids.length });
});
