import type { IHeaders } from "kafkajs";

/**
 * Headers a parked message carries on `<topic>.dlq`, next to its own
 * (CloudEvents, trace context): why it failed and where it came from, so an
 * operator can judge it and `npm run dlq:replay` can send it back.
 */
export const DLQ_HEADERS = {
  error: "x-dlq-error",
  errorType: "x-dlq-error-type",
  attempts: "x-dlq-attempts",
  originalTopic: "x-dlq-original-topic",
  originalPartition: "x-dlq-original-partition",
  originalOffset: "x-dlq-original-offset",
  consumerGroup: "x-dlq-consumer-group",
  failedAt: "x-dlq-failed-at",
} as const;

/** Set on a message that `dlq:replay` sent back to its topic; the value names where it was parked. */
export const REPLAYED_FROM_DLQ_HEADER = "x-emporium-replayed-from-dlq";

export interface DeadLetterCause {
  error: Error;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  groupId: string;
  failedAt?: Date;
}

/** The dead-letter headers describing one failure. */
export function deadLetterHeaders(cause: DeadLetterCause): Record<string, string> {
  return {
    [DLQ_HEADERS.error]: cause.error.message.slice(0, 1_000),
    [DLQ_HEADERS.errorType]: cause.error.name,
    [DLQ_HEADERS.attempts]: String(cause.attempts),
    [DLQ_HEADERS.originalTopic]: cause.topic,
    [DLQ_HEADERS.originalPartition]: String(cause.partition),
    [DLQ_HEADERS.originalOffset]: cause.offset,
    [DLQ_HEADERS.consumerGroup]: cause.groupId,
    [DLQ_HEADERS.failedAt]: (cause.failedAt ?? new Date()).toISOString(),
  };
}

const dlqHeaderNames = new Set<string>(Object.values(DLQ_HEADERS));

/** A parked message's headers without the dead-letter ones, as they were on the original topic. */
export function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !dlqHeaderNames.has(name)));
}
