/** A partition's offsets as the broker reports them (kafkajs: strings). */
export interface PartitionWatermarks {
  partition: number;
  low: string;
  high: string;
}

/**
 * How many messages a group has not consumed yet, per partition: the high
 * watermark minus the group's committed offset; where the group never
 * committed (-1, or no entry), minus the log's start, since our groups read
 * from the beginning. Never negative (a committed offset can briefly pass a
 * stale high watermark).
 */
export function messagesBehind(
  watermarks: readonly PartitionWatermarks[],
  committed: readonly { partition: number; offset: string }[],
): Map<number, number> {
  const committedBy = new Map(committed.map((entry) => [entry.partition, Number(entry.offset)]));
  const behind = new Map<number, number>();
  for (const { partition, low, high } of watermarks) {
    const resumeAt = committedBy.get(partition) ?? -1;
    const from = Math.max(resumeAt, Number(low));
    behind.set(partition, Math.max(Number(high) - from, 0));
  }
  return behind;
}
