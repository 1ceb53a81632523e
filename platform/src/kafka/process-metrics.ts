import type { SpanContext } from "@opentelemetry/api";
import type { Registry } from "prom-client";
import { durationHistogram, recorderTable, secondsSince } from "../metrics/duration-histogram.js";

/**
 * How a consumed message ended: applied at the first attempt (or not meant
 * for this consumer: another consumer's event type on a shared topic),
 * skipped as already applied, applied after failed attempts, or parked on
 * the dead-letter topic.
 */
export type ConsumeOutcome = "processed" | "duplicate" | "retried" | "dead_lettered";

/**
 * `messaging_process_duration_seconds` of one consumer group, by topic and
 * outcome: from the message's handling starting to it being settled
 * (committed with its processed-event row, or parked), retries and their
 * backoff included. Returns the function that records one message.
 */
export function processDurations(registry: Registry, groupId: string) {
  const recorder = recorderTable(
    durationHistogram(registry, {
      name: "messaging_process_duration_seconds",
      help: "Time to settle one consumed message (applied and committed, or parked), by topic, consumer group and outcome.",
      labelNames: ["messaging_destination_name", "messaging_consumer_group_name", "outcome"],
    }),
  );
  return (topic: string, outcome: ConsumeOutcome, startedMs: number, span: SpanContext): void => {
    recorder(topic, groupId, outcome).observe(secondsSince(startedMs), span);
  };
}
