import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { type ISocketFactory, Kafka, logLevel } from "kafkajs";
import { createProducer, ensureTopics } from "../src/kafka/client.js";
import { readOutboxLag } from "../src/kafka/outbox-lag.js";
import { createOutboxRelay } from "../src/kafka/outbox-relay.js";
import { appendConcurrently, capturingLogger, collectTopic, distinctEvents, firstArrivalsByKey, range, until } from "./kafka-helpers.js";
import { deleteTopics, KAFKA_BROKERS, scratchDatabase, testKafka, uniquePrefix } from "./test-infra.js";

/**
 * Connections to the broker that can be cut: while "down", every open one is
 * destroyed and new ones go to a port where nothing listens. The outage is
 * this client's alone; the shared broker other tests use keeps running.
 */
async function cuttableConnections() {
  const parking = net.createServer();
  await new Promise<void>((resolve) => parking.listen(0, "127.0.0.1", resolve));
  const deadPort = (parking.address() as net.AddressInfo).port;
  await new Promise((resolve) => parking.close(resolve));
  let down = false;
  const open = new Set<net.Socket>();
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = down ? net.connect({ host: "127.0.0.1", port: deadPort }, onConnect) : net.connect({ host, port }, onConnect);
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    return socket;
  };
  return {
    socketFactory,
    cut() {
      down = true;
      // As a broker that goes away resets its connections (a bare destroy()
      // would leave kafkajs waiting out its request timeout instead).
      for (const socket of open) socket.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
    },
    restore() {
      down = false;
    },
  };
}

const kafka = testKafka("outbox-relay-outage-test");
const topic = `${uniquePrefix()}orders.v1`;
let db: Awaited<ReturnType<typeof scratchDatabase>>;
let collector: Awaited<ReturnType<typeof collectTopic>>;

before(async () => {
  db = await scratchDatabase("relayoutage");
  await ensureTopics(kafka, [topic]);
  collector = await collectTopic(kafka, topic);
});

after(async () => {
  await collector.stop();
  await deleteTopics(kafka, [topic]);
  await db.drop();
});

test("while Kafka is unreachable the relay keeps the rows and backs off; once it is back, the backlog drains in order", async () => {
  const connections = await cuttableConnections();
  const relayKafka = new Kafka({
    clientId: "relay-under-outage",
    brokers: KAFKA_BROKERS,
    logLevel: logLevel.NOTHING,
    socketFactory: connections.socketFactory,
    connectionTimeout: 500,
    retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
  });
  const producer = createProducer(relayKafka);
  await producer.connect();
  const { logger, lines } = capturingLogger();
  const relay = createOutboxRelay({ pool: db.pool, producer, logger, pollIntervalMs: 100, backoff: { baseMs: 20, maxMs: 200 } });
  await relay.start();
  const keys = ["order-a", "order-b", "order-c"];
  const failedPublishes = () => lines.filter((line) => line.msg === "outbox relay could not publish; keeping the rows and retrying");

  try {
    connections.cut();
    await appendConcurrently(db.pool, topic, keys, range(10));
    await until(() => (failedPublishes().length >= 3 ? true : undefined), "three failed publishes");

    assert.equal((await readOutboxLag(db.pool)).unpublished, 30, "no row is marked published while Kafka is away");
    assert.equal(collector.messages.length, 0);
    for (const line of failedPublishes()) assert.ok(Number(line.retryInMs) <= 200, "the backoff stays under its cap");

    connections.restore();
    await until(() => (distinctEvents(collector.messages) === 30 ? true : undefined), "the backlog on the topic");
    await until(async () => ((await readOutboxLag(db.pool)).unpublished === 0 ? true : undefined), "every row marked published");

    assert.deepEqual(firstArrivalsByKey(collector.messages), new Map(keys.map((key) => [key, range(10)])));
  } finally {
    await relay.stop();
    await producer.disconnect();
  }
});
