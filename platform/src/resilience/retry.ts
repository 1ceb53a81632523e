import { isTransient } from "../errors/transient.js";
import { BreakerOpenError } from "./circuit-breaker.js";
import { type Clock, raceAbort, systemClock } from "./clock.js";

/** An attempt ran past `attemptTimeoutMs` (or past what was left of the budget); its signal aborted with this. */
export class AttemptTimeoutError extends Error {
  override name = "AttemptTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`attempt timed out after ${timeoutMs} ms`);
  }
}

export interface BackoffOptions {
  /** The ceiling of the first retry's wait; each next ceiling doubles. Default 100 ms. */
  baseDelayMs?: number;
  /** No wait is longer than this. Default 10 s. */
  maxDelayMs?: number;
}

export interface RetryOptions extends BackoffOptions {
  /** Attempts in all, the first included. Default 3, or no limit when `maxElapsedMs` is given. */
  maxAttempts?: number;
  /**
   * The overall budget from the first attempt's start: no wait is begun that
   * would end past it, and each attempt's timeout is cut to what remains.
   */
  maxElapsedMs?: number;
  /** Aborts an attempt's signal after this long and counts the attempt as failed with `AttemptTimeoutError`. */
  attemptTimeoutMs?: number;
  /**
   * Whether a failed attempt is worth another. Default: a timed-out attempt or
   * a transient error (`isTransient`), but never `BreakerOpenError`: retrying
   * into an open breaker only burns the budget (wait with `whenClosed`).
   */
  retryable?: (error: unknown) => boolean;
  /** The caller's deadline or cancellation: it ends the current attempt or wait at once, with its reason. */
  signal?: AbortSignal;
  /** Called before each wait, e.g. to log it. */
  onRetry?: (retry: { attempt: number; error: unknown; delayMs: number }) => void;
  clock?: Clock;
  /** Uniform in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export interface AttemptContext {
  /** 1 for the first attempt. */
  attempt: number;
  /** Aborts when the attempt times out or the caller's signal aborts; pass it on to the I/O. */
  signal: AbortSignal;
}

export const isRetryableByDefault = (error: unknown): boolean =>
  error instanceof AttemptTimeoutError || (isTransient(error) && !(error instanceof BreakerOpenError));

/**
 * The wait before retry `retry` (1 for the first): exponential backoff with
 * full jitter, a uniform random point in [0, min(maxDelayMs, baseDelayMs *
 * 2^(retry-1))). Full jitter spreads clients that failed together the most
 * (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/).
 */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(retry, 1) - 1, 30); // 2 ** 30 already exceeds any sensible cap
  const ceiling = Math.min((options.baseDelayMs ?? 100) * 2 ** exponent, options.maxDelayMs ?? 10_000);
  return Math.floor(random() * ceiling);
}

/**
 * Calls `fn` until it succeeds, an error is not retryable, or the budget
 * (attempts, total time) is spent; then rethrows the last error as it was.
 * When the caller's signal aborts, rejects at once with its reason.
 */
export async function retry<T>(fn: (context: AttemptContext) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const { signal, onRetry } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const retryable = options.retryable ?? isRetryableByDefault;
  const maxElapsedMs = options.maxElapsedMs ?? Number.POSITIVE_INFINITY;
  const maxAttempts = options.maxAttempts ?? (options.maxElapsedMs === undefined ? 3 : Number.POSITIVE_INFINITY);
  if (!(maxAttempts >= 1)) throw new RangeError(`maxAttempts must be at least 1, got ${maxAttempts}`);
  if (!(maxElapsedMs > 0)) throw new RangeError(`maxElapsedMs must be positive, got ${maxElapsedMs}`);
  const startedAt = clock.now();

  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const remainingMs = maxElapsedMs - (clock.now() - startedAt);
    try {
      return await runAttempt(fn, attempt, Math.min(options.attemptTimeoutMs ?? Number.POSITIVE_INFINITY, remainingMs), signal, clock);
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (attempt >= maxAttempts || !retryable(error)) throw error;
      const delayMs = backoffDelay(attempt, options, random);
      if (clock.now() - startedAt + delayMs >= maxElapsedMs) throw error;
      onRetry?.({ attempt, error, delayMs });
      await clock.sleep(delayMs, signal);
      // A late timer can overshoot the wait; an attempt with no time left would only fail again.
      if (clock.now() - startedAt >= maxElapsedMs) throw error;
    }
  }
}

async function runAttempt<T>(
  fn: (context: AttemptContext) => Promise<T>,
  attempt: number,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  clock: Clock,
): Promise<T> {
  const timeout = new AbortController();
  const stopTimer = new AbortController();
  if (Number.isFinite(timeoutMs)) {
    clock.sleep(timeoutMs, stopTimer.signal).then(
      () => timeout.abort(new AttemptTimeoutError(timeoutMs)),
      () => undefined,
    );
  }
  const signal = outer ? AbortSignal.any([outer, timeout.signal]) : timeout.signal;
  try {
    // Called inside a promise so that a synchronous throw counts as a failed attempt too. The race
    // rejects with the signal's reason (AttemptTimeoutError) in the abort event itself, before
    // any AbortError the work throws in answer to it could arrive.
    return await raceAbort(new Promise<T>((resolve) => resolve(fn({ attempt, signal }))), signal);
  } finally {
    stopTimer.abort();
  }
}
