import type { PoolClient } from "@emporium/platform/db/pool";
import { runTogether, type Statement } from "@emporium/platform/db/statement";
import { IdempotencyKeyInFlightError, IdempotencyKeyReusedError } from "@emporium/platform/errors/domain-errors";
import type { Logger } from "@emporium/platform/log/logger";
import { type IdempotencyStore, requestHashOf } from "./store/idempotency-store.js";

/** Metadata the gateway passes on from the client's `Idempotency-Key` header. */
export const IDEMPOTENCY_KEY_HEADER = "idempotency-key";
/** Set on a response that replays the first one. */
export const IDEMPOTENT_REPLAYED_HEADER = "idempotent-replayed";

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
 */
export function createIdempotency(store: IdempotencyStore, options: { retentionHours: number; logger: Logger }) {
  let sinceLastPurge = 0;
  return {
    /** `operation` (the method) is part of the request's fingerprint: one key, one operation. */
    async begin(tx: PoolClient, callerId: string, key: string, operation: string, request: Uint8Array) {
      if (!(await store.tryLock(tx, callerId, key))) {
        throw new IdempotencyKeyInFlightError("a request with this Idempotency-Key is still being processed; retry shortly");
      }
      const requestHash = requestHashOf(Buffer.concat([Buffer.from(`${operation}\n`), request]));
      const stored = await store.find(tx, callerId, key);
      if (stored && !stored.requestHash.equals(requestHash)) {
        throw new IdempotencyKeyReusedError("this Idempotency-Key was used with a different request");
      }
      // Cleanup without a scheduler: now and then a request also purges expired keys.
      if (!stored && ++sinceLastPurge >= PURGE_EVERY) {
        sinceLastPurge = 0;
        const purged = await store.purge(tx, options.retentionHours);
        if (purged > 0) options.logger.info({ purged }, "expired idempotency keys purged");
      }
      /** The statement that stores the response, to run with the work's own writes (one round trip). */
      const record = (response: Uint8Array): Statement =>
        store.saveStatement(callerId, key, { requestHash, response: Buffer.from(response) });
      return {
        replay: stored?.response,
        record,
        complete: (response: Uint8Array) => runTogether(tx, [record(response)]),
      };
    },
  };
}

export type Idempotency = ReturnType<typeof createIdempotency>;
