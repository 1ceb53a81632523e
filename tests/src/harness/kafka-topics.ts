import { randomBytes } from "node:crypto";
import { createSilentKafka, type Kafka } from "@emporium/platform/kafka/client";
import type { KafkaMessage } from "kafkajs";
import { infraEnv } from "./infra-env.js";

/** A Kafka client on the tests' broker, silent (the test asserts on what arrives, not on client logs). */
export const testKafka = (clientId: string) => createSilentKafka({ clientId, brokers: infraEnv.KAFKA_BROKERS.split(",") });

/** Every message on `topic`, from its beginning and as it arrives, read by a consumer group of its own. */
export async function collectTopic(kafka: Kafka, topic: string) {
  const messages: (KafkaMessage & { partition: number })[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}.collector-${randomBytes(4).toString("hex")}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message, partition }) => void messages.push({ ...message, partition }) });
  return { messages, stop: () => consumer.disconnect() };
}

/** The partition numbers of a topic. */
export async function partitionsOf(kafka: Kafka, topic: string): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return (topics[0]?.partitions ?? []).map((p) => p.partitionId);
  } finally {
    await admin.disconnect();
  }
}

/** A header of a consumed message as a string. */
export const header = (message: KafkaMessage, name: string) => message.headers?.[name]?.toString();
