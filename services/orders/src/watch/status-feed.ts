import { listenFor } from "@emporium/platform/db/listener";
import type { Pool } from "@emporium/platform/db/pool";
import type { Logger } from "@emporium/platform/log/logger";

/** The channel order_status_history's trigger notifies, with the order id (migrations/0005). */
export const ORDER_STATUS_CHANNEL = "emporium_order_status";

/** One watcher's doorbell: `wait` resolves once the order may have changed since the last wait. */
export interface Wakeup {
  /** Resolves at the next ring (at once if it rang since the last wait); rejects with the signal's reason on abort. */
  wait(signal: AbortSignal): Promise<void>;
  close(): void;
}

export interface StatusFeed {
  /** Starts listening (once); resolves when LISTEN is in place, or when it failed and polling covers. */
  start(): Promise<void>;
  /** A doorbell for one order's changes. Subscribe before reading, so no change falls in between. */
  subscribe(orderId: string): Wakeup;
  stop(): void;
}

interface Bell {
  rung: boolean;
  resolve: (() => void) | undefined;
}

const ring = (bell: Bell) => {
  bell.rung = true;
  const resolve = bell.resolve;
  bell.resolve = undefined;
  resolve?.();
};

/**
 * Status changes of every order, for this instance's watchers: one
 * connection LISTENs for the history table's notifications (whoever wrote
 * the change, on whatever instance), and rings the doorbells of that order's
 * watchers, which then read the table. Nothing is kept in memory but who
 * waits: a notification says only "look again".
 *
 * Notifications are lost while the listening connection is down, so every
 * bell rings when LISTEN is back, and all of them every `pollMs` anyway, a
 * bounded cost (one indexed read per open stream per interval) that covers
 * any gap.
 */
/** `sessionPool`: direct connections (LISTEN lives in a session; ServiceContext.sessionPool). */
export function createStatusFeed(deps: { sessionPool: Pool; logger: Logger; pollMs: number }): StatusFeed {
  const bells = new Map<string, Set<Bell>>();
  const ringAll = () => {
    for (const set of bells.values()) for (const bell of set) ring(bell);
  };
  const listener = listenFor(
    deps.sessionPool,
    ORDER_STATUS_CHANNEL,
    deps.logger,
    (orderId) => {
      for (const bell of bells.get(orderId ?? "") ?? []) ring(bell);
    },
    ringAll,
  );
  let started: Promise<void> | undefined;
  let poll: NodeJS.Timeout | undefined;

  return {
    start() {
      started ??= listener.start().then(() => {
        poll = setInterval(ringAll, deps.pollMs);
        poll.unref();
      });
      return started;
    },
    subscribe(orderId) {
      const bell: Bell = { rung: false, resolve: undefined };
      let set = bells.get(orderId);
      if (!set) {
        set = new Set();
        bells.set(orderId, set);
      }
      set.add(bell);
      return {
        wait(signal) {
          if (bell.rung) {
            bell.rung = false;
            return Promise.resolve();
          }
          return new Promise<void>((resolve, reject) => {
            if (signal.aborted) return reject(signal.reason);
            const onAbort = () => {
              bell.resolve = undefined;
              reject(signal.reason);
            };
            signal.addEventListener("abort", onAbort, { once: true });
            bell.resolve = () => {
              signal.removeEventListener("abort", onAbort);
              bell.rung = false;
              resolve();
            };
          });
        },
        close() {
          set.delete(bell);
          if (set.size === 0 && bells.get(orderId) === set) bells.delete(orderId);
        },
      };
    },
    stop() {
      clearInterval(poll);
      listener.stop();
    },
  };
}
