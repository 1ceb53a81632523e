import type { Kafka } from "kafkajs";

/** Offsets `[from, to)` of one dead-letter partition still to replay. */
export interface DueRange {
  from: bigint;
  to: bigint;
}

/**
 * What a replay has to do, fixed when it starts: per partition of the
 * dead-letter topic, from the replay group's committed offset (or the start
 * of the log) up to the high watermark now. Messages parked after this
 * moment wait for the next replay, so a replay always ends, even while the
 * consumer keeps parking messages. Only partitions with something due.
 */
export async function dueDeadLetters(
  kafka: Kafka,
  options: { topic: string; dlq: string; groupId: string },
): Promise<Map<number, DueRange>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const name of [options.topic, options.dlq]) {
      if (!existing.has(name)) throw new Error(`no topic ${name} on the broker (is KAFKA_TOPIC_PREFIX right?)`);
    }
    const watermarks = await admin.fetchTopicOffsets(options.dlq);
    const [committed] = await admin.fetchOffsets({ groupId: options.groupId, topics: [options.dlq] });
    const committedBy = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    const due = new Map<number, DueRange>();
    for (const { partition, low, high } of watermarks) {
      const resumeAt = committedBy.get(partition) ?? -1n; // -1: the group never committed here
      const from = resumeAt > BigInt(low) ? resumeAt : BigInt(low);
      if (from < BigInt(high)) due.set(partition, { from, to: BigInt(high) });
    }
    return due;
  } finally {
    await admin.disconnect();
  }
}
