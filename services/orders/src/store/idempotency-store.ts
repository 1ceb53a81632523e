import { createHash } from "node:crypto";
import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import type { Statement } from "@emporium/platform/db/statement";

export interface StoredResponse {
  requestHash: Buffer;
  response: Buffer;
}

export const requestHashOf = (request: Uint8Array): Buffer => createHash("sha256").update(request).digest();

/** SQLSTATE of idempotency_key_lock's refusal (migrations/0006): another request holds the key. */
export const KEY_IN_FLIGHT = "EM409";

/** The primary key of idempotency_keys: a violation means the key's request already finished. */
const KEY_RECORDED = "idempotency_keys_pkey";

/** Whether `error` says the key was recorded already (the record's insert met the finished first request's row). */
export const keyRecordedAlready = (error: unknown): boolean =>
  (error as { code?: string; constraint?: string }).code === "23505" && (error as { constraint?: string }).constraint === KEY_RECORDED;

/** Idempotency keys of one caller: one advisory lock per key marks a request in flight (caller ids are UUIDs, so `caller:key` is unambiguous). */
export const idempotencyStore = {
  /** Takes the key's lock for this transaction; false when another request holds it (in flight). */
  async tryLock(tx: PoolClient, callerId: string, key: string): Promise<boolean> {
    const { rows } = await tx.query<{ locked: boolean }>("SELECT idempotency_key_try_lock($1) AS locked", [`${callerId}:${key}`]);
    return rows[0]?.locked === true;
  },

  async find(db: Pool | PoolClient, callerId: string, key: string): Promise<StoredResponse | undefined> {
    const { rows } = await db.query<{ request_hash: Buffer; response: Buffer }>(
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

  /**
   * The statement that takes the key's lock and records the response in one:
   * it fails with KEY_IN_FLIGHT while another request holds the key, and
   * with a violation of KEY_RECORDED once one has finished with it.
   */
  takeAndSaveStatement(callerId: string, key: string, stored: StoredResponse): Statement {
    return {
      text: `INSERT INTO idempotency_keys (caller_id, key, request_hash, response)
             SELECT $1, $2, $3, $4 WHERE idempotency_key_lock($5)`,
      values: [callerId, key, stored.requestHash, stored.response, `${callerId}:${key}`],
    };
  },

  async save(tx: PoolClient, callerId: string, key: string, stored: StoredResponse): Promise<void> {
    await tx.query(idempotencyStore.saveStatement(callerId, key, stored));
  },

  /** Deletes up to `batch` records older than the retention; returns how many. */
  async purge(db: Pool | PoolClient, retentionHours: number, batch = 500): Promise<number> {
    const { rowCount } = await db.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (
         SELECT ctid FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
      [retentionHours, batch],
    );
    return rowCount ?? 0;
  },
};

export type IdempotencyStore = typeof idempotencyStore;
