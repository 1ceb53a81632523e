import { Gauge, type Registry } from "prom-client";
import type { Logger } from "../log/logger.js";
import type { AdminSession } from "./admin-session.js";
import { deadLetterTopic } from "./client.js";
import { messagesBehind } from "./offsets-behind.js";

export interface OffsetMetricsOptions {
  admin: AdminSession;
  registry: Registry;
  logger: Logger;
  /** The topics this process consumes, prefix included. */
  topics: string[];
  /** The consumer group whose lag is reported. */
  groupId: string;
  /** Offsets are read from the broker at most this often (10 s); scrapes in between get the last reading. */
  refreshMs?: number;
}

/**
 * Two gauges read from the broker's offsets, at most every `refreshMs`
 * whatever the scrape rate:
 * - `messaging_kafka_consumer_lag`: per topic and partition, the high
 *   watermark minus the group's committed offset;
 * - `emporium_dlq_pending_messages`: per dead-letter topic of the consumed
 *   topics, the messages parked there that `dlq:replay` has not sent back
 *   yet (the replay group `<topic>.dlq.replay` remembers what it sent).
 * Every consumer of a topic parks on the same `<topic>.dlq`, so several
 * processes report the same dead-letter topic. A failed read keeps the last
 * values (and logs); `emporium_dependency_up{dependency="kafka"}` says why.
 */
export function registerOffsetMetrics(options: OffsetMetricsOptions): void {
  const { admin, groupId, topics, logger } = options;
  const refreshMs = options.refreshMs ?? 10_000;
  const registers = [options.registry];
  const lag = new Gauge({
    name: "messaging_kafka_consumer_lag",
    help: "Messages not yet consumed by the group: high watermark minus committed offset, per topic and partition.",
    labelNames: ["messaging_destination_name", "messaging_destination_partition_id", "messaging_consumer_group_name"],
    registers,
    collect: () => refreshWithin(),
  });
  const pending = new Gauge({
    name: "emporium_dlq_pending_messages",
    help: "Messages parked on a dead-letter topic and not replayed yet.",
    labelNames: ["messaging_destination_name"],
    registers,
    collect: () => refreshWithin(),
  });

  let readAt = Number.NEGATIVE_INFINITY;
  let reading: Promise<void> | undefined;
  let failing = false;
  async function read(): Promise<void> {
    await admin.run(async (client) => {
      const committed = await client.fetchOffsets({ groupId, topics });
      for (const topic of topics) {
        const behind = messagesBehind(
          await client.fetchTopicOffsets(topic),
          committed.find((entry) => entry.topic === topic)?.partitions ?? [],
        );
        for (const [partition, count] of behind) {
          lag.set(
            {
              messaging_destination_name: topic,
              messaging_destination_partition_id: String(partition),
              messaging_consumer_group_name: groupId,
            },
            count,
          );
        }
        const dlq = deadLetterTopic(topic);
        const [replayed] = await client.fetchOffsets({ groupId: `${dlq}.replay`, topics: [dlq] });
        const parked = messagesBehind(await client.fetchTopicOffsets(dlq), replayed?.partitions ?? []);
        pending.set(
          { messaging_destination_name: dlq },
          [...parked.values()].reduce((sum, count) => sum + count, 0),
        );
      }
    });
  }
  /** A scrape waits for a reading at most 2 s (a broker that hangs must not hang the scrape). */
  function refreshWithin(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    });
    return Promise.race([refresh(), bound]).finally(() => clearTimeout(timer));
  }
  function refresh(): Promise<void> {
    if (performance.now() - readAt < refreshMs) return Promise.resolve();
    reading ??= read()
      .then(
        () => {
          failing = false;
        },
        (error: unknown) => {
          if (!failing) logger.warn({ err: error }, "cannot read consumer offsets; consumer lag and DLQ metrics keep their last values");
          failing = true;
        },
      )
      .finally(() => {
        readAt = performance.now();
        reading = undefined;
      });
    return reading;
  }
}
