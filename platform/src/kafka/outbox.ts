import { type DescMessage, type MessageShape, toBinary } from "@bufbuild/protobuf";
import type { PoolClient } from "../db/pool.js";
import { type ConditionalInsert, insertRow } from "../db/statement.js";
import { injectTraceContext } from "../telemetry/propagation.js";
import { cloudEventHeaders, newCloudEvent } from "./cloudevents.js";

export interface OutboxEvent<Desc extends DescMessage> {
  topic: string;
  /** Partition key: events with one key stay in order (e.g. the order id). */
  key: string;
  schema: Desc;
  message: MessageShape<Desc>;
  /** CloudEvents source, e.g. `/emporium/orders`. */
  source: string;
}

/** The channel the relay listens on to publish without waiting for its poll (a trigger on the outbox notifies it). */
export const OUTBOX_CHANNEL = "emporium_outbox";

/**
 * The statement that adds an event to the outbox, to run inside the
 * caller's transaction (alone, or with others: db/statement.ts), so it is
 * published if and only if the state change commits. The current trace
 * context is stored with it; the relay continues that trace.
 */
export function outboxInsert<Desc extends DescMessage>(event: OutboxEvent<Desc>): { statement: ConditionalInsert; eventId: string } {
  const attributes = newCloudEvent(event.schema.typeName, event.source);
  const headers = { ...cloudEventHeaders(attributes), ...injectTraceContext() };
  return {
    eventId: attributes.id,
    statement: insertRow(
      "outbox",
      ["event_id", "topic", "message_key", "event_type", "payload", "headers"],
      [attributes.id, event.topic, event.key, attributes.type, Buffer.from(toBinary(event.schema, event.message)), headers],
    ),
  };
}

/** Adds an event to the outbox inside the caller's transaction; resolves its event id. */
export async function appendToOutbox<Desc extends DescMessage>(tx: PoolClient, event: OutboxEvent<Desc>): Promise<string> {
  const { statement, eventId } = outboxInsert(event);
  await tx.query(statement);
  return eventId;
}
