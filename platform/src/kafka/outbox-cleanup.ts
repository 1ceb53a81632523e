/** Anything that runs a query: a pool or one of its connections. */
interface Queryable {
  query<Row extends object>(text: string, values?: unknown[]): Promise<{ rows: Row[]; rowCount: number | null }>;
}

export interface OutboxCleanupOptions {
  /** Published rows older than this are deleted (24 h). */
  retentionMs?: number;
  /** Rows per DELETE (500): short statements, short row locks, small WAL bursts. */
  batchSize?: number;
  /** DELETEs per call (20), so one call never runs long; call again for the rest. */
  maxBatches?: number;
}

export const DEFAULT_OUTBOX_RETENTION_MS = 24 * 60 * 60 * 1_000;

/**
 * Deletes outbox rows published longer than the retention ago, oldest first,
 * one small batch per statement. Unpublished rows are never touched, however
 * old. Returns how many rows it deleted; `batchSize * maxBatches` means there
 * may be more.
 */
export async function deletePublishedOutboxRows(db: Queryable, options: OutboxCleanupOptions = {}): Promise<number> {
  const retentionMs = options.retentionMs ?? DEFAULT_OUTBOX_RETENTION_MS;
  const batchSize = options.batchSize ?? 500;
  const maxBatches = options.maxBatches ?? 20;
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch++) {
    // Walks the primary key from the oldest id: published rows are the old
    // ones, so this finds them without an index on published_at.
    const result = await db.query(
      `DELETE FROM outbox WHERE id IN (
         SELECT id FROM outbox
          WHERE published_at < now() - make_interval(secs => $1::double precision / 1000)
          ORDER BY id LIMIT $2
            FOR UPDATE SKIP LOCKED)`,
      [retentionMs, batchSize],
    );
    const count = result.rowCount ?? 0;
    deleted += count;
    if (count < batchSize) break;
  }
  return deleted;
}
