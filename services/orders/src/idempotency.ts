import type { Pool, PoolClient } from "@emporium/platform/db/pool";
import { runTogether, type Statement } from "@emporium/platform/db/statement";
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from "@emporium/platform/errors/domain-errors";
import type { Logger } from "@emporium/platform/log/logger";
import { type IdempotencyStore, KEY_IN_FLIGHT, keyRecordedAlready, requestHashOf } from "./store/idempotency-store.js";

/** Metadata the gateway passes on from the client's `Idempotency-Key` header. */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set on a response that replays the first one. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

const inFlight = () => new IdempotencyKeyInFlightError("a request with this Idempotency-Key is still being processed; retry shortly");

/** One purge of expired keys in this many new keys: cleanup without a scheduler. */
const PURGE_EVERY = 200;

/**
 * Idempotency keys (Stripe, IETF draft): inside the transaction that does the
 * work, `begin` takes the key's lock (another request holding it is in
 * flight: 409), replays the stored response of a finished one (same request)
 * or refuses a reused key with another request (422). `complete` stores the
 * response in the same transaction, so the work and its record commit
 * together or not at all. A request that fails stores nothing; its key can be
 * retried.
 *
 * `inOneStatement` is the same contract for work whose writes are known
 * before it touches the database (CreateOrder, priced from memory): the key's
 * lock, its record and the work's writes are one statement, which Postgres
 * runs all or nothing without BEGIN and COMMIT: one round trip instead of
 * five. The key is in flight for that statement only.
 */
export function createIdempotency(store: IdempotencyStore, options: { retentionHours: number; logger: Logger }) {
  let sinceLastPurge = 0;
  const fingerprint = (operation: string, request: Uint8Array) => requestHashOf(Buffer.concat([Buffer.from(`${operation}\n`), request]));
  /** The stored response of a finished request with this key, if it was this request; a reused key is a 422. */
  const storedAnswer = async (db: Pool | PoolClient, callerId: string, key: string, requestHash: Buffer) => {
    const stored = await store.find(db, callerId, key);
    if (stored && !stored.requestHash.equals(requestHash)) {
      throw new IdempotencyKeyReusedError("this Idempotency-Key was used with a different request");
    }
    return stored?.response;
  };
  /** Cleanup without a scheduler: now and then a new key also purges expired ones. */
  const purgeNowAndThen = async (db: Pool | PoolClient) => {
    if (++sinceLastPurge < PURGE_EVERY) return;
    sinceLastPurge = 0;
    const purged = await store.purge(db, options.retentionHours);
    if (purged > 0) options.logger.info({ purged }, "expired idempotency keys purged");
  };
  return {
    /**
     * Runs `statements` with the key's record of `response` in one statement.
     * Returns the stored response to replay instead when the key's request
     * finished before (the statements did not run); 409 while another holds it.
     */
    async inOneStatement(
      pool: Pool,
      once: { callerId: string; key: string; operation: string; request: Uint8Array },
      response: Uint8Array,
      statements: Statement[],
    ): Promise<{ replay?: Uint8Array }> {
      const requestHash = fingerprint(once.operation, once.request);
      const record = store.takeAndSaveStatement(once.callerId, once.key, { requestHash, response: Buffer.from(response) });
      try {
        await runTogether(pool, [record, ...statements]);
      } catch (error) {
        if ((error as { code?: string }).code === KEY_IN_FLIGHT) throw inFlight();
        if (!keyRecordedAlready(error)) throw error;
        const replay = await storedAnswer(pool, once.callerId, once.key, requestHash);
        // Recorded a moment ago and purged since: only past the retention, so never in practice.
        if (!replay) throw error;
        return { replay };
      }
      await purgeNowAndThen(pool);
      return {};
    },

    /** A finished request's stored response under this key, without taking it (when the work cannot start: a replay needs no prices). */
    replayOf(pool: Pool, once: { callerId: string; key: string; operation: string; request: Uint8Array }) {
      return storedAnswer(pool, once.callerId, once.key, fingerprint(once.operation, once.request));
    },

    /** `operation` (the method) is part of the request's fingerprint: one key, one operation. */
    async begin(tx: PoolClient, callerId: string, key: string, operation: string, request: Uint8Array) {
      if (!(await store.tryLock(tx, callerId, key))) {
        throw inFlight();
      }
      const requestHash = fingerprint(operation, request);
      const replay = await storedAnswer(tx, callerId, key, requestHash);
      if (!replay) await purgeNowAndThen(tx);
      return {
        replay,
        /** Stores the response in the transaction, to commit with the work. */
        complete: (response: Uint8Array) => store.save(tx, callerId, key, { requestHash, response: Buffer.from(response) }),
      };
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
