import type { Clock } from "../../src/resilience/clock.js";

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** Lets every promise continuation that is ready run (timers are not involved: the clock is fake). */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A clock that stands still until a test moves it. Sleeps resolve when the
 * time passes their end, in order, each followed by a flush so the code
 * woken by one runs before the next fires.
 */
export function createFakeClock(start = 1_000) {
  let time = start;
  let sleepers: Sleeper[] = [];

  const clock: Clock & {
    advance(ms: number): Promise<void>;
    next(): Promise<boolean>;
    readonly pendingSleeps: number;
  } = {
    now: () => time,
    sleep(ms, signal) {
      return new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const sleeper: Sleeper = {
          at: time + Math.max(0, ms),
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
        };
        const onAbort = () => {
          sleepers = sleepers.filter((s) => s !== sleeper);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        sleepers.push(sleeper);
      });
    },
    /** Moves time forward by `ms`, waking the sleeps that end on the way. */
    async advance(ms) {
      const target = time + ms;
      for (;;) {
        await flush();
        const due = sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        sleepers = sleepers.filter((s) => s !== due);
        time = due.at;
        due.resolve();
      }
      time = target;
      await flush();
    },
    /** Moves time to the earliest pending sleep and wakes it; false when none is pending. */
    async next() {
      await flush();
      const due = [...sleepers].sort((a, b) => a.at - b.at)[0];
      if (!due) return false;
      await clock.advance(due.at - time);
      return true;
    },
    get pendingSleeps() {
      return sleepers.length;
    },
  };
  return clock;
}

export type FakeClock = ReturnType<typeof createFakeClock>;

/** Runs the clock from sleep to sleep until `promise` settles, and returns its outcome. */
export async function runUntilSettled<T>(clock: FakeClock, promise: Promise<T>): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await flush();
  while (!settled) {
    if (!(await clock.next())) throw new Error("nothing left to wake, and the promise is still pending");
  }
  return promise;
}
