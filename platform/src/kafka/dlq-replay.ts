import type { Batch, Consumer, Kafka, Message, Producer } from "kafkajs";
import type { Logger } from "../log/logger.js";
import { createProducer, deadLetterTopic } from "./client.js";
import { REPLAYED_FROM_DLQ_HEADER, withoutDeadLetterHeaders } from "./dead-letter.js";
import { type DueRange, dueDeadLetters } from "./dlq-pending.js";

export interface DeadLetterReplayOptions {
  kafka: Kafka;
  /** The topic to replay into, prefix included; its messages are read from `<topic>.dlq`. */
  topic: string;
  logger: Logger;
  /** The consumer group whose offsets remember what was replayed (`<topic>.dlq.replay`). */
  groupId?: string;
  /** Gives up when nothing arrives for this long while messages are still due (30 s), e.g. a second replay running. */
  idleTimeoutMs?: number;
}

/**
 * Sends every message parked on `<topic>.dlq` when the call starts back to
 * `<topic>`, with its key, value and headers, minus the dead-letter ones,
 * plus `x-emporium-replayed-from-dlq` naming where it was parked. Offsets are
 * committed after each sent batch, so the next replay starts after the last
 * one sent (a crash in between sends that batch again: consumers skip it by
 * its CloudEvents id). Returns how many it sent. Run one replay of a topic
 * at a time.
 */
export async function replayDeadLetters(options: DeadLetterReplayOptions): Promise<{ replayed: number }> {
  const { kafka, topic, logger } = options;
  const dlq = deadLetterTopic(topic);
  const groupId = options.groupId ?? `${dlq}.replay`;
  const due = await dueDeadLetters(kafka, { topic, dlq, groupId });
  if (due.size === 0) return { replayed: 0 };
  logger.info({ dlq, partitions: due.size }, "replaying dead letters");

  const producer = createProducer(kafka);
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250 });
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topic: dlq, fromBeginning: true });
    return await replayUntilDone({ consumer, producer, topic, dlq, due, idleTimeoutMs: options.idleTimeoutMs ?? 30_000 });
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
}

async function replayUntilDone(run: {
  consumer: Consumer;
  producer: Producer;
  topic: string;
  dlq: string;
  due: Map<number, DueRange>;
  idleTimeoutMs: number;
}): Promise<{ replayed: number }> {
  const { consumer, producer, topic, dlq, due } = run;
  let replayed = 0;
  let stall: NodeJS.Timeout | undefined;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const armStallTimer = () => {
    clearTimeout(stall);
    stall = setTimeout(() => {
      const left = [...due.keys()].join(", ");
      settle?.reject(
        new Error(`replay stalled after ${replayed} messages; partitions ${left} of ${dlq} still due (is another replay running?)`),
      );
    }, run.idleTimeoutMs);
  };

  async function eachBatch({ batch }: { batch: Batch }): Promise<void> {
    const range = due.get(batch.partition);
    if (!range) return; // nothing due there, or done: later messages wait for the next replay
    armStallTimer();
    const inRange = batch.messages.filter((m) => BigInt(m.offset) < range.to);
    if (inRange.length > 0) {
      await producer.send({ topic, messages: inRange.map((m) => toReplay(m, dlq, batch.partition)) });
      const next = BigInt(inRange.at(-1)?.offset ?? "0") + 1n;
      await consumer.commitOffsets([{ topic: dlq, partition: batch.partition, offset: String(next) }]);
      replayed += inRange.length;
    }
    // Past the watermark (or a batch ending at it): this partition is done.
    if (inRange.length < batch.messages.length || BigInt(batch.lastOffset()) + 1n >= range.to) due.delete(batch.partition);
    if (due.size === 0) settle?.resolve();
  }

  armStallTimer();
  await consumer.run({ autoCommit: false, eachBatch });
  try {
    await finished;
    return { replayed };
  } finally {
    clearTimeout(stall);
  }
}

function toReplay(
  message: { key: Buffer | null; value: Buffer | null; headers?: Message["headers"]; offset: string },
  dlq: string,
  partition: number,
): Message {
  return {
    key: message.key,
    value: message.value,
    headers: { ...withoutDeadLetterHeaders(message.headers), [REPLAYED_FROM_DLQ_HEADER]: `${dlq}/${partition}/${message.offset}` },
  };
}
