import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Consumer, EachMessagePayload, Kafka, Producer } from "kafkajs";
import { type Pool, type PoolClient, withTransaction } from "../db/pool.js";
import { isTransient } from "../errors/transient.js";
import type { Logger } from "../log/logger.js";
import { extractTraceContext } from "../telemetry/propagation.js";
import { backoffDelay, sleep } from "./backoff.js";
import { deadLetterTopic } from "./client.js";
import { type CloudEventAttributes, headersToCarrier, readCloudEvent } from "./cloudevents.js";
import { deadLetterHeaders } from "./dead-letter.js";

const tracer = trace.getTracer("@emporium/platform/kafka");

/** Handles one event inside the transaction that also records it as processed. */
export type EventHandler<Desc extends DescMessage> = (
  event: MessageShape<Desc>,
  tx: PoolClient,
  meta: CloudEventAttributes,
) => Promise<void>;

export interface HandlerEntry {
  schema: DescMessage;
  handle: EventHandler<DescMessage>;
}

/** Pairs an event schema with its handler, keeping the handler's types. */
export function on<Desc extends DescMessage>(schema: Desc, handle: EventHandler<Desc>): HandlerEntry {
  return { schema, handle: handle as EventHandler<DescMessage> };
}

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used to park poison messages on `<topic>.dlq`. */
  producer: Producer;
  pool: Pool;
  logger: Logger;
  groupId: string;
  topics: string[];
  handlers: HandlerEntry[];
  /** Attempts before a message is parked on the dead-letter topic. */
  maxAttempts?: number;
  /** The first retry's wait; each next one doubles, with jitter. */
  baseBackoffMs?: number;
  /** No retry waits longer than this (10 s). */
  maxBackoffMs?: number;
}

/** A message we can never handle, whatever the retries (unknown type, bad payload). */
class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
}

/**
 * Consumes CloudEvents-framed Protobuf events. Each event is applied in one
 * Postgres transaction together with its id in processed_events, so a
 * redelivery is skipped. Failures are retried with exponential backoff and
 * jitter: transient failures (a dependency down) until they pass, others up
 * to `maxAttempts`; a message that still fails is parked on `<topic>.dlq` with
 * the error in its headers and consumption goes on. The consume span continues the
 * producer's trace (parent/child, see docs/tracing.md).
 */
export function createEventConsumer(options: EventConsumerOptions) {
  const { pool, logger, groupId } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = { baseMs: options.baseBackoffMs ?? 100, maxMs: options.maxBackoffMs ?? 10_000 };
  const handlers = new Map(options.handlers.map((entry) => [entry.schema.typeName, entry]));
  let stopping = false;
  // Cuts a retry's backoff short on stop, so shutdown never waits it out.
  const stopSignal = new AbortController();
  // A 10 s session (kafkajs: 30 s): a crashed member's partitions move to the others (or to its restart) sooner.
  const consumer: Consumer = options.kafka.consumer({
    groupId,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retry: { retries: 10 },
  });

  async function apply(meta: CloudEventAttributes, value: Buffer | null): Promise<"applied" | "duplicate" | "ignored"> {
    const entry = handlers.get(meta.type);
    if (!entry) return "ignored"; // another consumer's event on a shared topic
    let event: MessageShape<DescMessage>;
    try {
      event = fromBinary(entry.schema, value ?? new Uint8Array());
    } catch (error) {
      throw new PoisonMessageError(`cannot decode ${meta.type}: ${(error as Error).message}`);
    }
    return withTransaction(pool, async (tx) => {
      const fresh = await tx.query("INSERT INTO processed_events (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [
        groupId,
        meta.id,
      ]);
      if (fresh.rowCount === 0) return "duplicate";
      await entry.handle(event, tx, meta);
      return "applied";
    });
  }

  async function park(payload: EachMessagePayload, error: Error, attempts: number): Promise<void> {
    const { topic, partition, message } = payload;
    await options.producer.send({
      topic: deadLetterTopic(topic),
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: { ...message.headers, ...deadLetterHeaders({ error, attempts, topic, partition, offset: message.offset, groupId }) },
        },
      ],
    });
    logger.error({ err: error, topic, partition, offset: message.offset }, "message parked on dead-letter topic");
  }

  async function handle(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const carrier = headersToCarrier(message.headers);
    const meta = readCloudEvent(carrier);
    const span = tracer.startSpan(
      `process ${topic}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          "messaging.system": "kafka",
          "messaging.operation.type": "process",
          "messaging.destination.name": topic,
          "messaging.consumer.group.name": groupId,
          "messaging.destination.partition.id": String(partition),
          "messaging.kafka.offset": Number(message.offset),
          ...(meta ? { "messaging.message.id": meta.id, "cloudevents.event_type": meta.type } : {}),
        },
      },
      extractTraceContext(carrier),
    );
    try {
      await context.with(trace.setSpan(context.active(), span), () => retryUntilSettled(payload, meta, span));
    } finally {
      span.end();
    }
  }

  /** Applies the message, retrying with backoff, until it is applied, ignored or parked. */
  async function retryUntilSettled(payload: EachMessagePayload, meta: CloudEventAttributes | undefined, span: Span): Promise<void> {
    const { topic, message } = payload;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!meta) throw new PoisonMessageError("missing CloudEvents headers (ce_id, ce_type, ce_source, ce_time)");
        const outcome = await apply(meta, message.value);
        span.setAttribute("emporium.event.outcome", outcome);
        break;
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        span.recordException(failure);
        // A database or service that is down delays the event; it never parks it.
        const transient = isTransient(failure);
        if (failure instanceof PoisonMessageError || (!transient && attempt >= maxAttempts)) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
          await park(payload, failure, attempt);
          break;
        }
        // Stopping: leave the message uncommitted; the next owner of the partition retries it.
        if (stopping) throw failure;
        const delay = backoffDelay(attempt, backoff);
        logger.warn({ err: failure, topic, attempt, transient, retryInMs: Math.round(delay) }, "event handler failed; retrying");
        await sleep(delay, stopSignal.signal);
        await payload.heartbeat();
      }
    }
  }

  return {
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: true });
      await consumer.run({ partitionsConsumedConcurrently: 3, eachMessage: handle });
    },
    /** Stops fetching, lets the message in hand finish, commits, leaves the group. */
    async stop(): Promise<void> {
      stopping = true;
      stopSignal.abort();
      await consumer.disconnect();
    },
  };
}

export type EventConsumer = ReturnType<typeof createEventConsumer>;
