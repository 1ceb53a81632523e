import { UnavailableError } from "../errors/domain-errors.js";
import { type Clock, raceAbort, systemClock } from "./clock.js";
import { createOutcomeWindow } from "./outcome-window.js";

export type BreakerState = "closed" | "open" | "half-open";

export interface BreakerStateChange {
  breaker: string;
  from: BreakerState;
  to: BreakerState;
}

export interface CircuitBreakerOptions {
  /** The dependency it guards, for errors and logs (e.g. `payment-provider`). */
  name: string;
  /** Opens after this many failures in a row. Default 5. */
  consecutiveFailures?: number;
  /**
   * Also opens when more than `threshold` (0 to 1) of the calls in the last
   * `windowMs` failed, once at least `minimumCalls` were made in it. Off
   * unless given.
   */
  failureRate?: { threshold: number; windowMs: number; minimumCalls: number };
  /** How long it stays open before letting probe calls through. Default 10 s. */
  coolDownMs?: number;
  /** Probe calls let through at once while half-open; the first to finish decides. Default 1. */
  halfOpenMaxCalls?: number;
  /**
   * Whether an error counts against the dependency. Errors it rejects (a
   * declined card, a 4xx) still reach the caller but count as successes: the
   * dependency answered. Default: every error counts.
   */
  isFailure?: (error: unknown) => boolean;
  /**
   * A cheap call (a health check) that `whenClosed` makes as the probe once
   * the cool-down is over. Without it, only `execute` calls probe, so
   * callers that all wait in `whenClosed` would wait until their signal aborts.
   * It must bound its own time.
   */
  probe?: () => Promise<unknown>;
  /** Called on every transition, synchronously; it must not throw. */
  onStateChange?: (change: BreakerStateChange) => void;
  clock?: Clock;
}

/** The call was not made: the breaker is open, or half-open with its probes taken. */
export class BreakerOpenError extends UnavailableError {
  override name = "BreakerOpenError";
  constructor(
    readonly breaker: string,
    /** Until the cool-down ends; 0 while half-open probes are deciding. */
    readonly retryAfterMs: number,
  ) {
    super(`${breaker} is unavailable (circuit open)`);
  }
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive integer, got ${value}`);
  return value;
}

/**
 * A circuit breaker: closed, it counts failures; open, it fails fast with
 * `BreakerOpenError` for `coolDownMs`; half-open, it lets a few probe calls
 * through, and the first to finish closes it (success) or opens it again
 * (failure). Half-open is entered at the first look after the cool-down, so
 * no timer is kept. An outcome counts only toward the state its call began
 * in: a slow call from before a transition cannot flip the new state.
 */
export function createCircuitBreaker(options: CircuitBreakerOptions) {
  const { name, failureRate, probe, onStateChange } = options;
  const clock = options.clock ?? systemClock;
  const consecutiveLimit = positiveInteger(options.consecutiveFailures ?? 5, "consecutiveFailures");
  const halfOpenMaxCalls = positiveInteger(options.halfOpenMaxCalls ?? 1, "halfOpenMaxCalls");
  const coolDownMs = options.coolDownMs ?? 10_000;
  if (!(coolDownMs >= 0)) throw new RangeError(`coolDownMs must be at least 0, got ${coolDownMs}`);
  const isFailure = options.isFailure ?? (() => true);
  if (failureRate) {
    const { threshold, windowMs, minimumCalls } = failureRate;
    if (!(threshold >= 0 && threshold < 1)) throw new RangeError(`failureRate.threshold must be in [0, 1), got ${threshold}`);
    positiveInteger(windowMs, "failureRate.windowMs");
    positiveInteger(minimumCalls, "failureRate.minimumCalls");
  }
  const window = failureRate ? createOutcomeWindow(failureRate.windowMs) : undefined;

  let state: BreakerState = "closed";
  /** Bumped on every transition; a call remembers the one it began in. */
  let generation = 0;
  let consecutiveFailures = 0;
  let openedAt = 0;
  let probesInFlight = 0;
  const transitionWaiters = new Set<() => void>();

  function transition(to: BreakerState): void {
    const from = state;
    state = to;
    generation++;
    consecutiveFailures = 0;
    probesInFlight = 0;
    window?.clear();
    if (to === "open") openedAt = clock.now();
    for (const wake of [...transitionWaiters]) wake();
    onStateChange?.({ breaker: name, from, to });
  }

  function currentState(): BreakerState {
    if (state === "open" && clock.now() - openedAt >= coolDownMs) transition("half-open");
    return state;
  }

  function rateExceeded(): boolean {
    if (!window || !failureRate) return false;
    const { calls, failures } = window.totals(clock.now());
    return calls >= failureRate.minimumCalls && failures > failureRate.threshold * calls;
  }

  function record(startedIn: number, failed: boolean): void {
    if (startedIn !== generation) return;
    if (state === "half-open") {
      transition(failed ? "open" : "closed");
      return;
    }
    consecutiveFailures = failed ? consecutiveFailures + 1 : 0;
    window?.record(clock.now(), failed);
    // Only a failure can open it: a call that just succeeded is no reason to stop calling.
    if (failed && (consecutiveFailures >= consecutiveLimit || rateExceeded())) transition("open");
  }

  async function execute<T>(fn: () => Promise<T>): Promise<T> {
    const now = currentState();
    if (now === "open") throw new BreakerOpenError(name, Math.max(0, openedAt + coolDownMs - clock.now()));
    if (now === "half-open") {
      if (probesInFlight >= halfOpenMaxCalls) throw new BreakerOpenError(name, 0);
      probesInFlight++;
    }
    const startedIn = generation;
    let result: T;
    try {
      result = await fn();
    } catch (error) {
      record(startedIn, isFailure(error));
      throw error;
    }
    record(startedIn, false);
    return result;
  }

  function nextTransition(signal: AbortSignal | undefined): Promise<void> {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
      transitionWaiters.add(wake);
    });
    return raceAbort(woken, signal).finally(() => transitionWaiters.delete(wake));
  }

  /**
   * Resolves when the breaker is closed (at once if it is), so a caller can
   * wait out an outage instead of failing; rejects with the signal's reason
   * when it aborts. Past the cool-down it makes the `probe` call itself when
   * one is configured and a probe slot is free.
   */
  async function whenClosed(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = currentState();
      if (now === "closed") return;
      if (now === "open") {
        await clock.sleep(Math.max(0, openedAt + coolDownMs - clock.now()), signal);
      } else if (probe && probesInFlight < halfOpenMaxCalls) {
        await raceAbort(
          execute(probe).catch(() => undefined),
          signal,
        );
      } else {
        await nextTransition(signal);
      }
    }
  }

  return {
    name,
    /** The state now (reading it after the cool-down moves an open breaker to half-open). */
    get state(): BreakerState {
      return currentState();
    },
    execute,
    whenClosed,
  };
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
