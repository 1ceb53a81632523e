import type { Logger } from "../log/logger.js";
import type { Pool } from "./pool.js";

/**
 * Holds one connection LISTENing on `channel` and calls `onNotify` with each
 * NOTIFY's payload. Re-established after a second if Postgres drops it; the
 * listener's owner polls meanwhile. `onListening` runs each time LISTEN is in
 * place (again), when notifications sent while it was not may have been
 * missed: a moment to re-read.
 */
export function listenFor(
  pool: Pool,
  channel: string,
  logger: Logger,
  onNotify: (payload: string | undefined) => void,
  onListening?: () => void,
) {
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
        logger.warn({ err: error, channel }, "listener lost its connection; polling until it is back");
        release(error);
        retryLater();
      });
      await client.query(`LISTEN ${channel}`).catch((error: Error) => {
        release(error);
        throw error;
      });
      if (listening) {
        close = release;
        onListening?.();
      } else release();
    } catch (error) {
      logger.warn({ err: error, channel }, "listener could not connect; polling until it can");
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
