import { type DescMessage, fromBinary, type MessageShape } from "@bufbuild/protobuf";
import { context, type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Consumer, EachBatchPayload, EachMessagePayload, Kafka, KafkaMessage, Producer } from "kafkajs";
import type { Registry } from "prom-client";
import { type Pool, type PoolClient, withTransaction } from "../db/pool.js";
import { letWritesWait } from "../db/waiting-writes.js";
import { isTransient } from "../errors/transient.js";
import type { Logger } from "../log/logger.js";
import { extractTraceContext } from "../telemetry/propagation.js";
import { backoffDelay, sleep } from "./backoff.js";
import { deadLetterTopic } from "./client.js";
import { type CloudEventAttributes, headersToCarrier, readCloudEvent } from "./cloudevents.js";
import { deadLetterHeaders } from "./dead-letter.js";
import { gatheredPerTurn } from "./gathered-per-turn.js";
import { type ConsumeOutcome, processDurations } from "./process-metrics.js";

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
  /**
   * Partitions handled at once (1). More only where events of different
   * keys never lock the same rows (orders: each event locks its own order;
   * not inventory, whose events lock shared stock rows and could lock them
   * in opposite orders in two batches). The partitions of one fetch go into
   * one transaction while they hold MAX_CHUNK messages or fewer in all
   * (gathered-per-turn.ts); bigger ones run side by side, each its own.
   */
  partitionsAtOnce?: number;
  /** Where `messaging_process_duration_seconds` goes; none without it. */
  metrics?: Registry | undefined;
  /**
   * Runs once per batch applied in one transaction, before its handlers,
   * with the events about to be applied (duplicates left out): one read
   * for the whole batch instead of one per event (orders locks and reads
   * all the batch's orders at once), kept for the handlers with
   * db/transaction-state.ts.
   */
  readAhead?: ((tx: PoolClient, events: MessageShape<DescMessage>[]) => Promise<void>) | undefined;
  /**
   * Called when kafkajs has crashed the consumer and will not restart it (a
   * non-retriable error: the group's protocol refused, say). The consumer is
   * then gone for good while the process would serve on; the service runtime
   * stops the process so that its supervisor starts a fresh one.
   */
  onGiveUp?: (error: Error) => void;
}

/** Most messages applied in one transaction. */
const MAX_CHUNK = 64;

/** A fetched message and the partition it came from. */
interface Delivered {
  topic: string;
  partition: number;
  message: KafkaMessage;
}

/** A message read for the batch path: its CloudEvents attributes, handler and decoded event. */
interface Decoded extends Delivered {
  carrier: Record<string, string>;
  meta: CloudEventAttributes;
  entry: HandlerEntry | undefined;
  event: MessageShape<DescMessage> | undefined;
}

/** A message we can never handle, whatever the retries (unknown type, bad payload). */
class PoisonMessageError extends Error {
  override name = "PoisonMessageError";
}

/**
 * Consumes CloudEvents-framed Protobuf events. Each event is applied in a
 * Postgres transaction together with its id in processed_events, so a
 * redelivery is skipped; the messages of a fetched batch share one
 * transaction (up to MAX_CHUNK), which saves the BEGIN, COMMIT and
 * bookkeeping insert per event, and each still gets its own consume span
 * continuing its producer's trace (parent/child, see docs/tracing.md). When
 * a batch fails, its messages are applied one by one: failures are retried
 * with exponential backoff and jitter, transient ones (a dependency down)
 * until they pass, others up to `maxAttempts`; a message that still fails
 * is parked on `<topic>.dlq` with the error in its headers and consumption
 * goes on.
 */
export function createEventConsumer(options: EventConsumerOptions) {
  const { pool, logger, groupId } = options;
  const maxAttempts = options.maxAttempts ?? 5;
  const backoff = { baseMs: options.baseBackoffMs ?? 100, maxMs: options.maxBackoffMs ?? 10_000 };
  const handlers = new Map(options.handlers.map((entry) => [entry.schema.typeName, entry]));
  const measure = options.metrics ? processDurations(options.metrics, groupId) : undefined;
  let stopping = false;
  // Cuts a retry's backoff short on stop, so shutdown never waits it out.
  const stopSignal = new AbortController();
  // A 10 s session (kafkajs: 30 s): a crashed member's partitions move to the others (or to its restart) sooner.
  const consumer: Consumer = options.kafka.consumer({
    groupId,
    // A long poll: the broker answers a fetch as soon as there is one event,
    // or after 500 ms with none. Under load, events that arrive while a batch
    // is applied make the next fetch's batch. Waiting for more (16 KB or 20
    // ms, as before) bought nothing measurable under load and cost 50 empty
    // fetches a second per consumer when idle (docs/benchmarks.md).
    minBytes: 1,
    maxWaitTimeInMs: 500,
    sessionTimeout: 10_000,
    heartbeatInterval: 1_000,
    retry: { retries: 10 },
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart || stopping) return;
    logger.error({ err: payload.error, groupId }, "event consumer crashed and kafkajs will not restart it");
    options.onGiveUp?.(payload.error);
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

  /** The CONSUMER span of one message, continuing its producer's trace. */
  function consumeSpan(
    topic: string,
    partition: number,
    message: KafkaMessage,
    carrier: Record<string, string>,
    meta?: CloudEventAttributes,
  ) {
    return tracer.startSpan(
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
  }

  /** One message on its own, with retries and the dead-letter topic. */
  async function handle(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const carrier = headersToCarrier(message.headers);
    const meta = readCloudEvent(carrier);
    const span = consumeSpan(topic, partition, message, carrier, meta);
    const started = performance.now();
    try {
      const outcome = await context.with(trace.setSpan(context.active(), span), () => retryUntilSettled(payload, meta, span));
      measure?.(topic, outcome, started, span.spanContext());
    } finally {
      span.end();
    }
  }

  /** Applies the message, retrying with backoff, until it is applied, ignored or parked; resolves how it ended. */
  async function retryUntilSettled(
    payload: EachMessagePayload,
    meta: CloudEventAttributes | undefined,
    span: Span,
  ): Promise<ConsumeOutcome> {
    const { topic, message } = payload;
    for (let attempt = 1; ; attempt++) {
      try {
        if (!meta) throw new PoisonMessageError("missing CloudEvents headers (ce_id, ce_type, ce_source, ce_time)");
        const outcome = await apply(meta, message.value);
        span.setAttribute("emporium.event.outcome", outcome);
        if (outcome === "duplicate") return "duplicate";
        return attempt > 1 ? "retried" : "processed";
      } catch (error) {
        const failure = error instanceof Error ? error : new Error(String(error));
        span.recordException(failure);
        // A database or service that is down delays the event; it never parks it.
        const transient = isTransient(failure);
        if (failure instanceof PoisonMessageError || (!transient && attempt >= maxAttempts)) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
          await park(payload, failure, attempt);
          return "dead_lettered";
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

  /** Reads a message for the batch path; undefined when it needs the one-by-one path (no CloudEvents headers, undecodable). */
  function decode(delivered: Delivered): Decoded | undefined {
    const { message } = delivered;
    const carrier = headersToCarrier(message.headers);
    const meta = readCloudEvent(carrier);
    if (!meta) return undefined;
    const entry = handlers.get(meta.type);
    try {
      return { ...delivered, carrier, meta, entry, event: entry ? fromBinary(entry.schema, message.value ?? new Uint8Array()) : undefined };
    } catch {
      return undefined;
    }
  }

  /**
   * Applies several messages, of one partition or of several fetched
   * together (see `together` below), in one transaction: one
   * insert records all their ids in processed_events (the duplicates are
   * skipped), then each handler runs in its message's own span, so each
   * event's trace goes on as if it had been handled alone. Resolves false,
   * with everything rolled back, when any message fails or needs the
   * one-by-one path; the caller then handles them one by one (retries,
   * dead-letter topic).
   */
  async function applyTogether(messages: Delivered[]): Promise<boolean> {
    const decoded = messages.map(decode);
    if (decoded.some((item) => item === undefined)) return false;
    const items = decoded as Decoded[];
    const spans = items.map((item) => consumeSpan(item.topic, item.partition, item.message, item.carrier, item.meta));
    const started = performance.now();
    const outcomes: ConsumeOutcome[] = [];
    try {
      await withTransaction(pool, async (tx) => {
        // Handlers' writes that can wait run together before COMMIT (db/waiting-writes.ts).
        letWritesWait(tx);
        const known = items.filter((item) => item.entry);
        const { rows } =
          known.length === 0
            ? { rows: [] }
            : await tx.query<{ event_id: string }>(
                `INSERT INTO processed_events (consumer, event_id) SELECT $1, id FROM unnest($2::text[]) AS id
                 ON CONFLICT DO NOTHING RETURNING event_id`,
                [groupId, known.map((item) => item.meta.id)],
              );
        const fresh = new Set(rows.map((row) => row.event_id));
        if (options.readAhead) {
          // Each fresh event once (a redelivery may repeat it in the same batch), as the handlers will apply it.
          const ids = new Set(fresh);
          const applied = items.filter((item) => item.entry && item.event && ids.delete(item.meta.id));
          if (applied.length > 1)
            await options.readAhead(
              tx,
              applied.map((item) => item.event as MessageShape<DescMessage>),
            );
        }
        for (const [index, item] of items.entries()) {
          const span = spans[index] as Span;
          // Another consumer's event on a shared topic, or one applied before (a redelivery, or twice in this batch).
          const outcome = !item.entry ? "ignored" : fresh.delete(item.meta.id) ? "applied" : "duplicate";
          if (outcome === "applied" && item.entry && item.event) {
            const { entry, event, meta } = item;
            await context.with(trace.setSpan(context.active(), span), () => entry.handle(event, tx, meta));
          }
          span.setAttribute("emporium.event.outcome", outcome);
          outcomes.push(outcome === "duplicate" ? "duplicate" : "processed");
        }
      });
      // Each message of the chunk took the chunk's time to be applied and committed.
      if (measure) {
        for (const [index, outcome] of outcomes.entries())
          measure((items[index] as Decoded).topic, outcome, started, (spans[index] as Span).spanContext());
      }
      return true;
    } catch (error) {
      for (const span of spans) span.setAttribute("emporium.event.outcome", "retried alone");
      const partitions = [...new Set(messages.map((item) => `${item.topic}[${item.partition}]`))];
      logger.debug({ err: error, partitions, messages: messages.length }, "a batch failed; handling its messages one by one");
      return false;
    } finally {
      for (const span of spans) span.end();
    }
  }

  /**
   * The chunks of the partitions fetched together, applied in one
   * transaction (up to MAX_CHUNK messages in all): each partition's batch
   * comes in its own eachBatch call, all in the same turn. A message alone
   * takes the one-by-one path, as it always did.
   */
  const together = gatheredPerTurn(
    (messages: Delivered[]) => (messages.length > 1 ? applyTogether(messages) : Promise.resolve(false)),
    MAX_CHUNK,
  );

  /**
   * A fetched batch of one partition, in chunks of up to MAX_CHUNK messages:
   * each chunk in one transaction with the other partitions' chunks fetched
   * with it, or, when that fails, message by message. Offsets are resolved as
   * chunks and messages are done, with a heartbeat between chunks; on stop or
   * a rebalance the rest is left to the next owner.
   */
  async function handleBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    for (let start = 0; start < batch.messages.length; start += MAX_CHUNK) {
      if (!isRunning() || isStale()) return;
      const chunk = batch.messages.slice(start, start + MAX_CHUNK);
      const delivered = chunk.map((message) => ({ topic: batch.topic, partition: batch.partition, message }));
      if (await together(delivered)) {
        resolveOffset((chunk.at(-1) as KafkaMessage).offset);
      } else {
        for (const message of chunk) {
          if (!isRunning() || isStale()) return;
          await handle({ topic: batch.topic, partition: batch.partition, message, heartbeat, pause: payload.pause });
          resolveOffset(message.offset);
        }
      }
      await heartbeat();
    }
  }

  return {
    async start(): Promise<void> {
      await consumer.connect();
      await consumer.subscribe({ topics: options.topics, fromBeginning: true });
      await consumer.run({
        partitionsConsumedConcurrently: options.partitionsAtOnce ?? 1,
        eachBatchAutoResolve: false,
        eachBatch: handleBatch,
      });
    },
    /** The consumer group, for its lag (offset-metrics.ts). */
    groupId,
    /** Stops fetching, lets the message in hand finish, commits, leaves the group. */
    async stop(): Promise<void> {
      stopping = true;
      stopSignal.abort();
      await consumer.disconnect();
    },
  };
}

export type EventConsumer = ReturnType<typeof createEventConsumer>;
