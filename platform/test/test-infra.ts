import { randomBytes } from "node:crypto";
import { createSilentKafka, type Kafka } from "../src/kafka/client.js";

export { scratchDatabase } from "../src/testing/scratch-database.js";

/** Connection settings of the infrastructure scripts/test.sh brought up. */ export const KAFKA_BROKERS = (
  process.env.KAFKA_BROKERS ?? "127.0.0.1:59092"
).split(",");

export const testKafka = (clientId: string) => createSilentKafka({ clientId, brokers: KAFKA_BROKERS });

/** A unique topic prefix so test files never read each other's events. */
export const uniquePrefix = () => `t${randomBytes(4).toString("hex")}.`;

/** Deletes a test's topics (and their dead-letter topics). */
export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const doomed = topics.flatMap((t) => [t, `${t}.dlq`]).filter((t) => existing.has(t));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
  } finally {
    await admin.disconnect();
  }
}
