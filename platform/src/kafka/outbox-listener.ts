import type { Pool } from "../db/pool.js";
import type { Logger } from "../log/logger.js";
import { OUTBOX_CHANNEL } from "./outbox.js";

/** The NOTIFY payload of a leader stepping down (a new row's NOTIFY has none). */
export const LEADER_RESIGNED = "leader-resigned";

/**
 * Holds one connection LISTENing on the outbox channel and calls `onNotify`
 * with each NOTIFY's payload. Re-established after a second if Postgres
 * drops it; the relay polls meanwhile.
 */
export function listenForOutbox(pool: Pool, logger: Logger, onNotify: (payload: string | undefined) => void) {
  let listening = false;
  let close: (() => void) | undefined;

  const retryLater = () => {
    if (listening) setTimeout(() => void connect(), 1_000).unref();
  };

  async function connect(): Promise<void> {
    try {
      const client = await pool.connect();
      let released = false;
      // Destroyed, never pooled: a pooled connection would stay subscribed.
      const release = (error?: Error) => {
        if (released) return;
        released = true;
        if (close === release) close = undefined;
        client.release(error ?? true);
      };
      client.on("notification", (notification) => onNotify(notification.payload));
      client.on("error", (error) => {
        logger.warn({ err: error }, "outbox listener lost its connection; polling until it is back");
        release(error);
        retryLater();
      });
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`).catch((error: Error) => {
        release(error);
        throw error;
      });
      if (listening) close = release;
      else release();
    } catch (error) {
      logger.warn({ err: error }, "outbox listener could not connect; polling until it can");
      retryLater();
    }
  }

  return {
    async start(): Promise<void> {
      listening = true;
      await connect();
    },
    stop(): void {
      listening = false;
      close?.();
    },
  };
}

/** Tells the standby relays that the lead is free, so one takes it now rather than at its next poll. */
export async function notifyLeaderResigned(pool: Pool): Promise<void> {
  await pool.query("SELECT pg_notify($1, $2)", [OUTBOX_CHANNEL, LEADER_RESIGNED]);
}
