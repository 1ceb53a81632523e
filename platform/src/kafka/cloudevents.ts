import { randomUUID } from "node:crypto";
import type { Carrier } from "../telemetry/propagation.js";

/**
 * CloudEvents Kafka binary binding: the event's attributes travel as `ce_*`
 * headers, the Protobuf message is the record value.
 */
export interface CloudEventAttributes {
  id: string;
  type: string;
  source: string;
  time: string;
}

export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

export function newCloudEvent(type: string, source: string): CloudEventAttributes {
  return { id: randomUUID(), type, source, time: new Date().toISOString() };
}

export function cloudEventHeaders(event: CloudEventAttributes): Carrier {
  return {
    ce_specversion: "1.0",
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_time: event.time,
    "content-type": PROTOBUF_CONTENT_TYPE,
  };
}

/** Kafka headers arrive as Buffers (or arrays of them); we use strings. */
export function headersToCarrier(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Carrier {
  const carrier: Carrier = {};
  for (const [key, value] of Object.entries(headers ?? {})) {
    const single = Array.isArray(value) ? value[0] : value;
    if (single !== undefined) carrier[key] = single.toString();
  }
  return carrier;
}

/** The CloudEvent attributes of a record, or undefined when any is missing. */
export function readCloudEvent(carrier: Carrier): CloudEventAttributes | undefined {
  const { ce_id: id, ce_type: type, ce_source: source, ce_time: time } = carrier;
  if (!id || !type || !source || !time) return undefined;
  return { id, type, source, time };
}
