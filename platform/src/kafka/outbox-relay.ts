import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Message, Producer, TopicMessages } from "kafkajs";
import { type Pool, type PoolClient, withTransaction } from "../db/pool.js";
import type { Logger } from "../log/logger.js";
import { type Carrier, extractTraceContext, injectTraceContext } from "../telemetry/propagation.js";
import { OUTBOX_CHANNEL } from "./outbox.js";

const tracer = trace.getTracer("@emporium/platform/kafka");

interface OutboxRow {
  id: string;
  event_id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: Buffer;
  headers: Carrier;
}

export interface OutboxRelayOptions {
  pool: Pool;
  producer: Producer;
  logger: Logger;
  /** How often to look for rows when no NOTIFY arrives (a missed notify, a restart). */
  pollIntervalMs?: number;
  batchSize?: number;
}

/**
 * Publishes outbox rows to Kafka in id order, at least once: rows are marked
 * published only after the broker acknowledged them, in the same transaction
 * that locked them. Woken by NOTIFY, with a poll as a safety net.
 */
export function createOutboxRelay(options: OutboxRelayOptions) {
  const { pool, producer, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const batchSize = options.batchSize ?? 100;
  let running = false;
  let listener: PoolClient | undefined;
  let wake: (() => void) | undefined;
  let loop: Promise<void> | undefined;

  const toMessage = (row: OutboxRow): { message: Message; span: Span } => {
    const span = tracer.startSpan(
      `publish ${row.topic}`,
      {
        kind: SpanKind.PRODUCER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "send",
          "messaging.destination.name": row.topic,
          "messaging.message.id": row.event_id,
          "messaging.kafka.message.key": row.message_key,
          "cloudevents.event_type": row.event_type,
        },
      },
      // Continue the trace of the request that wrote the event.
      extractTraceContext(row.headers),
    );
    const headers = { ...row.headers, ...injectTraceContext(trace.setSpan(context.active(), span)) };
    return { message: { key: row.message_key, value: row.payload, headers }, span };
  };

  async function drainOnce(): Promise<number> {
    return withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<OutboxRow>(
        `SELECT id, event_id, topic, message_key, event_type, payload, headers
           FROM outbox WHERE published_at IS NULL
          ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, Message[]>();
      const spans: Span[] = [];
      for (const row of rows) {
        const { message, span } = toMessage(row);
        spans.push(span);
        byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), message]);
      }
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      try {
        await producer.sendBatch({ topicMessages });
      } catch (error) {
        for (const span of spans) span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) }).end();
        throw error;
      }
      for (const span of spans) span.end();
      await tx.query("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [rows.map((r) => r.id)]);
      return rows.length;
    });
  }

  async function run(): Promise<void> {
    let backoffMs = 100;
    while (running) {
      try {
        const published = await drainOnce();
        backoffMs = 100;
        if (published === batchSize) continue;
      } catch (error) {
        logger.warn({ err: error, retryInMs: backoffMs }, "outbox relay could not publish; will retry");
        backoffMs = Math.min(backoffMs * 2, 5_000);
        await sleep(backoffMs * (0.5 + Math.random() / 2));
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pollIntervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  /** Holds one connection LISTENing for new rows; re-established if Postgres drops it. */
  async function listen(): Promise<void> {
    const retryLater = () => {
      if (running) setTimeout(() => void listen(), 1_000).unref();
    };
    try {
      const client = await pool.connect();
      client.on("notification", () => wake?.());
      client.on("error", (error) => {
        logger.warn({ err: error }, "outbox listener lost its connection; polling until it is back");
        if (listener === client) listener = undefined;
        client.release(error);
        retryLater();
      });
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      listener = client;
    } catch (error) {
      logger.warn({ err: error }, "outbox listener could not connect; polling until it can");
      retryLater();
    }
  }

  return {
    async start(): Promise<void> {
      running = true;
      await listen();
      loop = run();
    },
    /** Finishes the batch in flight, publishes what is left once, then stops. */
    async stop(): Promise<void> {
      running = false;
      wake?.();
      await loop;
      await drainOnce().catch((error) => logger.warn({ err: error }, "outbox relay final flush failed"));
      listener?.release();
      listener = undefined;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type OutboxRelay = ReturnType<typeof createOutboxRelay>;
