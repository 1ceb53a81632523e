import { OverloadedError, type OverloadReason } from "../errors/domain-errors.js";
import { type Clock, systemClock } from "./clock.js";

/*
 * Why our own and not cockatiel's `bulkhead(limit, queue)`: its queue is a
 * plain FIFO that only looks at a caller's signal when the entry reaches the
 * front. An aborted caller keeps its queue place (and waits) until then,
 * nothing knows a deadline, and nothing estimates service time, so a queue
 * under overload fills with work that will miss its deadline: exactly the
 * goodput collapse this is here to stop (issue 9, item 4).
 */

export interface AdmissionOptions {
  /** The bounded operation, for errors, logs and metrics (e.g. `password-hash`). */
  name: string;
  /** Calls running at once. */
  maxConcurrent: number;
  /** Calls waiting for a slot; one more is refused at once. 0: no queue. */
  maxQueue: number;
  /** Weight of the newest run in the moving average of service time, (0, 1]. Default 0.2. */
  smoothing?: number;
  /** Told of every refusal (metrics). */
  onRefused?: (reason: OverloadReason) => void;
  clock?: Clock;
}

export interface AdmitOptions {
  /** When the caller stops waiting, on the admission's clock (`clock.now()` scale). */
  deadline?: number | undefined;
  /** The caller's cancellation: a queued call whose signal aborts leaves the queue at once. */
  signal?: AbortSignal | undefined;
}

export interface Admission {
  readonly name: string;
  readonly inFlight: number;
  readonly queued: number;
  /** Moving average of how long a run takes, ms; undefined before the first one ends. */
  readonly serviceTimeMs: number | undefined;
  /** Runs `fn` when a slot is free, in arrival order; rejects with OverloadedError when it will not run it. */
  run<T>(fn: () => Promise<T> | T, options?: AdmitOptions): Promise<T>;
  /**
   * The synchronous fast path: takes a slot when one is free and nobody is
   * waiting (no allocation). The caller must `leave()` once done.
   */
  tryEnter(): boolean;
  /** Waits in the queue for a slot (see `run`); the caller must `leave()` once done. */
  enter(options?: AdmitOptions): Promise<void>;
  /** Gives a slot back; `serviceMs`, when known, feeds the moving average. */
  leave(serviceMs?: number): void;
}

interface Waiter {
  deadline: number | undefined;
  signal: AbortSignal | undefined;
  grant: () => void;
  refuse: (error: OverloadedError) => void;
  /** Ends the wait for the last moment to start. */
  timer: AbortController | undefined;
  onAbort: (() => void) | undefined;
}

/**
 * Bounded concurrency for one kind of expensive work, with a bounded FIFO
 * queue that sheds what cannot succeed:
 * - a call whose deadline has passed, or whose caller is gone, is dropped
 *   before it starts;
 * - a full queue refuses at once;
 * - a queued call that can no longer finish in time (its remaining time is
 *   shorter than the typical run, a moving average) is refused while its
 *   caller can still act on the answer, instead of running late for nobody.
 * Work that started runs to its end: the bound is on starting, which is
 * what keeps goodput near capacity under a burst.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { name, maxConcurrent, maxQueue } = options;
  if (!(maxConcurrent >= 1) || !(maxQueue >= 0)) throw new Error(`admission ${name}: needs maxConcurrent >= 1 and maxQueue >= 0`);
  const clock = options.clock ?? systemClock;
  const smoothing = options.smoothing ?? 0.2;
  const queue: Waiter[] = [];
  let inFlight = 0;
  let serviceTimeMs: number | undefined;

  const refusal = (reason: OverloadReason) => {
    options.onRefused?.(reason);
    return new OverloadedError(name, reason);
  };
  /** Too late to start: the run would likely end after the deadline. */
  const tooLate = (deadline: number | undefined, now: number, ahead = 0) =>
    deadline !== undefined && deadline - now < (serviceTimeMs ?? 0) * (1 + ahead / maxConcurrent);

  const detach = (waiter: Waiter) => {
    waiter.timer?.abort();
    if (waiter.onAbort) waiter.signal?.removeEventListener("abort", waiter.onAbort);
  };
  const drop = (waiter: Waiter, reason: OverloadReason) => {
    const at = queue.indexOf(waiter);
    if (at === -1) return; // already granted or refused
    queue.splice(at, 1);
    detach(waiter);
    waiter.refuse(refusal(reason));
  };

  /** Hands free slots to the oldest waiters that can still make it. */
  const pump = () => {
    while (inFlight < maxConcurrent && queue.length > 0) {
      const waiter = queue.shift() as Waiter;
      detach(waiter);
      if (waiter.signal?.aborted) waiter.refuse(refusal("cancelled"));
      else if (tooLate(waiter.deadline, clock.now())) waiter.refuse(refusal("deadline"));
      else {
        inFlight++;
        waiter.grant();
      }
    }
  };

  const tryEnter = () => {
    if (inFlight >= maxConcurrent || queue.length > 0) return false;
    inFlight++;
    return true;
  };

  const enter = (admit: AdmitOptions = {}): Promise<void> => {
    const { deadline, signal } = admit;
    const now = clock.now();
    if (signal?.aborted) return Promise.reject(refusal("cancelled"));
    if (deadline !== undefined && deadline <= now) return Promise.reject(refusal("deadline"));
    if (tryEnter()) return Promise.resolve();
    if (queue.length >= maxQueue) return Promise.reject(refusal("queue-full"));
    if (tooLate(deadline, now, queue.length)) return Promise.reject(refusal("deadline"));
    return new Promise<void>((grant, refuse) => {
      const waiter: Waiter = { deadline, signal, grant, refuse, timer: undefined, onAbort: undefined };
      if (signal) {
        waiter.onAbort = () => drop(waiter, "cancelled");
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      if (deadline !== undefined) {
        // Wakes at the last moment it could start and still finish, as estimated
        // now (pump checks again with the estimate of then).
        waiter.timer = new AbortController();
        clock.sleep(Math.max(0, deadline - (serviceTimeMs ?? 0) - now), waiter.timer.signal).then(
          () => drop(waiter, "deadline"),
          () => undefined,
        );
      }
      queue.push(waiter);
    });
  };

  const leave = (serviceMs?: number) => {
    inFlight--;
    if (serviceMs !== undefined && serviceMs >= 0)
      serviceTimeMs = serviceTimeMs === undefined ? serviceMs : serviceTimeMs + smoothing * (serviceMs - serviceTimeMs);
    pump();
  };

  return {
    name,
    get inFlight() {
      return inFlight;
    },
    get queued() {
      return queue.length;
    },
    get serviceTimeMs() {
      return serviceTimeMs;
    },
    tryEnter,
    enter,
    leave,
    async run(fn, admit) {
      await enter(admit);
      if (admit?.signal?.aborted) {
        // The caller left between the grant and now: the slot goes to the next one.
        leave();
        throw refusal("cancelled");
      }
      const started = clock.now();
      try {
        return await fn();
      } finally {
        leave(clock.now() - started);
      }
    },
  };
}
