import type { Pool, PoolClient } from "../db/pool.js";

/**
 * The advisory lock that makes one relay per database (so per outbox table)
 * the leader. Beside `migrate`'s 7_231_001.
 */
export const OUTBOX_RELAY_LOCK = 7_231_002;

/**
 * A connection holding the relay's leader lock. The lock is a session lock:
 * it lives exactly as long as this connection, so everything the leader
 * writes to the outbox goes through this connection too. If the connection
 * dies (the process crashed, Postgres restarted, the network dropped), the
 * lock and the leader's open transaction go with it, and no batch can be
 * marked published by a relay that is no longer the leader.
 */
export interface LeaderSession {
  client: PoolClient;
  /** True once the connection failed: the lock is gone, stop using it. */
  readonly lost: boolean;
  /** Gives up the lead: closes the connection, which frees the lock. */
  resign(): void;
}

/** Takes the leader lock when it is free; undefined while another relay holds it. */
export async function tryLead(pool: Pool, lockKey = OUTBOX_RELAY_LOCK): Promise<LeaderSession | undefined> {
  const client = await pool.connect();
  let lost = false;
  let closed = false;
  // A checked-out client has no error listener of the pool's: without this
  // one, a dropped connection would crash the process.
  const markLost = () => {
    lost = true;
  };
  client.on("error", markLost);
  client.on("end", markLost);
  const close = (destroy: boolean) => {
    if (closed) return;
    closed = true;
    client.off("error", markLost);
    client.off("end", markLost);
    client.release(destroy);
  };
  try {
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock($1) AS locked", [lockKey]);
    if (!rows[0]?.locked) {
      close(false); // nothing held: the connection can go back to the pool
      return undefined;
    }
  } catch (error) {
    close(true);
    throw error;
  }
  return {
    client,
    get lost() {
      return lost;
    },
    // Destroyed rather than returned to the pool: a pooled connection would
    // keep the lock for whoever borrows it next.
    resign: () => close(true),
  };
}
