import { createHash } from "node:crypto";
import type { PoolClient } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";

export interface StoredResponse {
  requestHash: Buffer;
  response: Buffer;
}

export const requestHashOf = (request: Uint8Array): Buffer => createHash("sha256").update(request).digest();

/** Idempotency keys of one caller: one advisory lock per key marks a request in flight (caller ids are UUIDs, so `caller:key` is unambiguous). */
export const idempotencyStore = {
  /** Takes the key's lock for this transaction; false when another request holds it (in flight). */
  async tryLock(tx: PoolClient, callerId: string, key: string): Promise<boolean> {
    const { rows } = await tx.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 7231002)) AS locked", [
      `${callerId}:${key}`,
    ]);
    return rows[0]?.locked === true;
  },

  async find(tx: PoolClient, callerId: string, key: string): Promise<StoredResponse | undefined> {
    const { rows } = await tx.query<{ request_hash: Buffer; response: Buffer }>(
      "SELECT request_hash, response FROM idempotency_keys WHERE caller_id = $1 AND key = $2",
      [callerId, key],
    );
    const row = rows[0];
    return row && { requestHash: row.request_hash, response: row.response };
  },

  /** The statement that records a finished request's response (run in the transaction that did the work). */
  saveStatement(callerId: string, key: string, stored: StoredResponse): Statement {
    return {
      text: "INSERT INTO idempotency_keys (caller_id, key, request_hash, response) VALUES ($1, $2, $3, $4)",
      values: [callerId, key, stored.requestHash, stored.response],
    };
  },

  async save(tx: PoolClient, callerId: string, key: string, stored: StoredResponse): Promise<void> {
    await tx.query(idempotencyStore.saveStatement(callerId, key, stored));
  },

  /** Deletes up to `batch` records older than the retention; returns how many. */
  async purge(tx: PoolClient, retentionHours: number, batch = 500): Promise<number> {
    const { rowCount } = await tx.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
      [retentionHours, batch],
    );
    return rowCount ?? 0;
  },
};

export type IdempotencyStore = typeof idempotencyStore;
