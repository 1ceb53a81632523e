import { Writable } from "node:stream";
import { create, fromBinary } from "@bufbuild/protobuf";
import { StockReservedSchema } from "@emporium/gen/emporium/inventory/v1/inventory_events_pb";
import type { Kafka, KafkaMessage } from "kafkajs";
import { pino } from "pino";
import { type Pool, withTransaction } from "../src/db/pool.js";
import { appendToOutbox } from "../src/kafka/outbox.js";
import type { Logger } from "../src/log/logger.js";

/** Polls `probe` until it returns a value; fails after about 30 s, never hangs a test. */
export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Every message that reaches `topic` from its beginning, as it arrives. */
export async function collectTopic(kafka: Kafka, topic: string): Promise<{ messages: KafkaMessage[]; stop(): Promise<void> }> {
  const messages: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: `${topic}-collector`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
  return { messages, stop: () => consumer.disconnect() };
}

/**
 * Writes event `seq` of `key` to the outbox in a transaction of its own. The
 * payload names both, so a reader can check what arrived and in which order.
 */
export async function appendSequenced(pool: Pool, topic: string, key: string, seq: number): Promise<void> {
  await withTransaction(pool, (tx) =>
    appendToOutbox(tx, {
      topic,
      key,
      source: "/emporium/test",
      schema: StockReservedSchema,
      message: create(StockReservedSchema, { orderId: `${key}#${seq}` }),
    }),
  );
}

/** Writes events `seqs` of each key: one key's events one after another, the keys concurrently. */
export async function appendConcurrently(pool: Pool, topic: string, keys: string[], seqs: number[]): Promise<void> {
  await Promise.all(
    keys.map(async (key) => {
      for (const seq of seqs) await appendSequenced(pool, topic, key, seq);
    }),
  );
}

/**
 * Per key, the sequence numbers in the order they first arrived (at least
 * once: a redelivered event shows up again later, its first arrival counts).
 */
export function firstArrivalsByKey(messages: KafkaMessage[]): Map<string, number[]> {
  const seen = new Set<string>();
  const byKey = new Map<string, number[]>();
  for (const message of messages) {
    const id = message.headers?.ce_id?.toString() ?? "";
    if (seen.has(id)) continue;
    seen.add(id);
    const [key = "", seq = ""] = fromBinary(StockReservedSchema, message.value ?? new Uint8Array()).orderId.split("#");
    byKey.set(key, [...(byKey.get(key) ?? []), Number(seq)]);
  }
  return byKey;
}

/** How many distinct events (by CloudEvents id) arrived. */
export const distinctEvents = (messages: KafkaMessage[]) => new Set(messages.map((m) => m.headers?.ce_id?.toString())).size;

/** A logger whose lines a test can read back. */
export function capturingLogger(level = "debug"): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

export const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);
