import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Message, Producer, TopicMessages } from "kafkajs";
import type { PoolClient } from "../db/pool.js";
import { type Carrier, extractTraceContext, injectTraceContext } from "../telemetry/propagation.js";

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

/**
 * Publishes the oldest unpublished rows (up to `batchSize`, in id order) in
 * one transaction on `client`: lock them, send them, wait for the broker's
 * ack, mark them published, commit. If sending fails the transaction rolls
 * back and the rows stay for the next try (at least once: a send that
 * reached the broker before failing is sent again). Returns how many rows it
 * published.
 */
export async function publishOutboxBatch(client: PoolClient, producer: Producer, batchSize: number): Promise<number> {
  await client.query("BEGIN");
  try {
    // FOR UPDATE without SKIP LOCKED: only the leader publishes, so nothing
    // waits here; and should a relay without the lock run beside it (the
    // previous version during a rolling deploy), this waits for the rows it
    // holds instead of publishing the rows after them first.
    const { rows } = await client.query<OutboxRow>(
      `SELECT id, event_id, topic, message_key, event_type, payload, headers
         FROM outbox WHERE published_at IS NULL
        ORDER BY id LIMIT $1 FOR UPDATE`,
      [batchSize],
    );
    if (rows.length > 0) {
      await send(producer, rows);
      await client.query("UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])", [rows.map((r) => r.id)]);
    }
    await client.query("COMMIT");
    return rows.length;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

async function send(producer: Producer, rows: OutboxRow[]): Promise<void> {
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
}

function toMessage(row: OutboxRow): { message: Message; span: Span } {
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
}
