import { Kafka, type KafkaConfig, logLevel, Partitioners, type Producer } from "kafkajs";
import type { Logger } from "../log/logger.js";
import { fixIdleRequestQueueLoop } from "./request-queue-idle-fix.js";

// kafkajs is unmaintained since 2023: all of its use stays in platform/kafka
// so a maintained client can replace it in one place.

export type { Kafka, Producer } from "kafkajs";

const pinoLevels: Record<number, "error" | "warn" | "info" | "debug"> = {
  [logLevel.ERROR]: "error",
  [logLevel.WARN]: "warn",
  [logLevel.INFO]: "info",
  [logLevel.DEBUG]: "debug",
};

export function createKafka(options: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  fixIdleRequestQueueLoop();
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 200, retries: 8 },
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...fields } = log;
        options.logger[pinoLevels[level] ?? "info"]({ kafka: fields }, `kafkajs: ${message}`);
      },
  };
  return new Kafka(config);
}

/**
 * A client for tests, benchmarks and tools: kafkajs's own log is silenced
 * (they assert on what arrives, not on client logs), and it gets the same
 * idle fix as the services' clients. Without it, a benchmark's probe that
 * holds an admin connection open burnt about 30 ms of CPU a second in the
 * load generator, taken from the processes being measured.
 */
export function createSilentKafka(options: { clientId: string; brokers: string[] }): Kafka {
  fixIdleRequestQueueLoop();
  return new Kafka({ clientId: options.clientId, brokers: options.brokers, logLevel: logLevel.NOTHING });
}

/** An idempotent producer with the Java client's partitioner (murmur2 on the key). */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

/** Topic name with the deployment's prefix (empty outside tests). */
export const topicName = (prefix: string, topic: string) => `${prefix}${topic}`;

/** The dead-letter topic that parks poison messages of `topic`. */
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;

/**
 * Creates the topics (and their dead-letter topics) that do not exist yet,
 * then waits until every partition has a leader. A consumer that subscribes
 * while a topic is still being created (by a sibling process) could otherwise
 * be assigned only some partitions and never see the rest until its metadata
 * refreshes minutes later.
 */
export async function ensureTopics(kafka: Kafka, topics: string[], numPartitions = 3): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const all = topics.flatMap((topic) => [topic, deadLetterTopic(topic)]);
    const existing = new Set(await admin.listTopics());
    const wanted = all.filter((topic) => !existing.has(topic));
    if (wanted.length > 0) {
      // Not kafkajs's waitForLeaders: when another process creates the same
      // topics at the same moment, its metadata check fails on a topic the
      // broker does not know yet. The loop below waits for that instead.
      await admin
        .createTopics({ waitForLeaders: false, topics: wanted.map((topic) => ({ topic, numPartitions, replicationFactor: 1 })) })
        .catch((error: unknown) => {
          if ((error as { type?: string }).type !== "TOPIC_ALREADY_EXISTS") throw error;
        });
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics: all }).catch(() => ({ topics: [] }));
      const ready =
        metadata.length === all.length && metadata.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`topics ${all.join(", ")} have no leader for every partition after 10 s`);
  } finally {
    await admin.disconnect();
  }
}
