/** Exponential backoff: the first retry waits about `baseMs`, each next one twice as long, never more than `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

/**
 * The wait before retry number `attempt` (1 for the first retry): the capped
 * exponential delay with "equal jitter", a random point in its upper half.
 * The jitter spreads out instances that failed together (a broker outage
 * hits every relay and consumer at once) while keeping a floor so retries
 * never hammer; the cap holds after the jitter, so no wait exceeds `maxMs`.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 30); // 2 ** 30 already exceeds any sensible cap
  const ceiling = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  return ceiling / 2 + (ceiling / 2) * random();
}

/** Resolves after `ms`, or at once when `signal` aborts (a stop must not wait out a long backoff). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
