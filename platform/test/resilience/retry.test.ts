import assert from "node:assert/strict";
import { test } from "node:test";
import { UnavailableError, ValidationError } from "../../src/errors/domain-errors.js";
import { BreakerOpenError } from "../../src/resilience/circuit-breaker.js";
import { type AttemptContext, AttemptTimeoutError, backoffDelay, retry } from "../../src/resilience/retry.js";
import { createFakeClock, flush, runUntilSettled } from "./fake-clock.js";

/** An operation that fails with `errors` in turn, then answers "ok"; it records each attempt. */
function scripted(...errors: unknown[]) {
  const attempts: AttemptContext[] = [];
  const fn = async (context: AttemptContext) => {
    attempts.push(context);
    const error = errors[attempts.length - 1];
    if (error !== undefined) throw error;
    return "ok";
  };
  return { fn, attempts };
}

/** An operation that never finishes on its own and pays no attention to its signal. */
const hangs = () => new Promise<string>(() => {});

test("returns the first success without waiting", async () => {
  const clock = createFakeClock();
  const { fn, attempts } = scripted();

  assert.equal(await retry(fn, { clock }), "ok");

  assert.equal(attempts.length, 1);
  assert.equal(clock.pendingSleeps, 0);
});

test("retries transient failures with full-jitter exponential backoff, capped, then succeeds", async () => {
  const clock = createFakeClock();
  const down = new UnavailableError("provider down");
  const { fn, attempts } = scripted(down, down, down, down);
  const waits: number[] = [];

  const result = await runUntilSettled(
    clock,
    retry(fn, { clock, maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300, random: () => 0.5, onRetry: (r) => waits.push(r.delayMs) }),
  );

  assert.equal(result, "ok");
  assert.deepEqual(
    attempts.map((a) => a.attempt),
    [1, 2, 3, 4, 5],
  );
  assert.deepEqual(waits, [50, 100, 150, 150]);
});

test("the backoff is a uniform draw below a ceiling that doubles up to the cap", () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1_000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, options, () => 0.999_999)),
    [99, 199, 399, 799, 999, 999],
  );
  assert.equal(
    backoffDelay(3, options, () => 0),
    0,
  );
});

test("rethrows the last error once the attempts are spent", async () => {
  const clock = createFakeClock();
  const errors = [new UnavailableError("first"), new UnavailableError("second"), new UnavailableError("third")];
  const { fn, attempts } = scripted(...errors);

  await assert.rejects(runUntilSettled(clock, retry(fn, { clock, maxAttempts: 3 })), (error) => error === errors[2]);
  assert.equal(attempts.length, 3);
});

test("does not retry an error the predicate calls permanent", async () => {
  const clock = createFakeClock();
  const invalid = new ValidationError([{ field: "amount_minor", description: "must be positive" }]);
  const { fn, attempts } = scripted(invalid);

  await assert.rejects(retry(fn, { clock, maxAttempts: 5 }), (error) => error === invalid);
  assert.equal(attempts.length, 1);
});

test("by default retries neither a bad request nor an open breaker, and uses a custom predicate when given", async () => {
  const clock = createFakeClock();
  const open = scripted(new BreakerOpenError("payment-provider", 5_000));
  await assert.rejects(retry(open.fn, { clock }), BreakerOpenError);
  assert.equal(open.attempts.length, 1);

  const declined = new Error("card declined");
  const custom = scripted(declined, declined);
  const result = await runUntilSettled(clock, retry(custom.fn, { clock, retryable: (error) => error === declined }));
  assert.equal(result, "ok");
  assert.equal(custom.attempts.length, 3);
});

test("gives up instead of starting a wait that would end past the overall budget", async () => {
  const clock = createFakeClock();
  const down = new UnavailableError("down");
  const { fn, attempts } = scripted(down, down, down, down);

  // Waits of 99 then 199 ms: the second would end at 298 ms, past the 250 ms budget.
  await assert.rejects(
    runUntilSettled(clock, retry(fn, { clock, maxElapsedMs: 250, baseDelayMs: 100, random: () => 0.999 })),
    (error) => error === down,
  );
  assert.equal(attempts.length, 2);
  assert.equal(clock.pendingSleeps, 0);
});

test("aborts an attempt that outlives its timeout, even one ignoring its signal, and retries it", async () => {
  const clock = createFakeClock();
  const signals: AbortSignal[] = [];
  const fn = async ({ attempt, signal }: AttemptContext) => {
    signals.push(signal);
    return attempt === 1 ? hangs() : "second try";
  };

  const result = await runUntilSettled(clock, retry(fn, { clock, attemptTimeoutMs: 500 }));

  assert.equal(result, "second try");
  assert.ok(signals[0]?.reason instanceof AttemptTimeoutError);
  assert.equal(signals[1]?.aborted, false);
  assert.equal(clock.pendingSleeps, 0, "the second attempt's timer was cancelled when it finished");
});

test("cuts the attempt timeout to what is left of the budget", async () => {
  const clock = createFakeClock();
  const startedAt = clock.now();
  const fn = () => hangs();

  await assert.rejects(runUntilSettled(clock, retry(fn, { clock, attemptTimeoutMs: 10_000, maxElapsedMs: 300 })), (error) => {
    assert.ok(error instanceof AttemptTimeoutError);
    assert.equal(error.timeoutMs, 300);
    return true;
  });
  assert.equal(clock.now() - startedAt, 300);
});

test("an outer abort ends the backoff wait at once with its reason, and nothing more is tried", async () => {
  const clock = createFakeClock();
  const controller = new AbortController();
  const { fn, attempts } = scripted(new UnavailableError("down"));
  const deadline = new Error("deadline exceeded");

  const retrying = retry(fn, { clock, signal: controller.signal, baseDelayMs: 1_000 });
  await flush();
  assert.equal(clock.pendingSleeps, 1, "waiting before the second attempt");
  controller.abort(deadline);

  await assert.rejects(retrying, (error) => error === deadline);
  assert.equal(attempts.length, 1);
  assert.equal(clock.pendingSleeps, 0);
});

test("an outer abort during an attempt aborts the attempt's signal and is not retried", async () => {
  const clock = createFakeClock();
  const controller = new AbortController();
  const signals: AbortSignal[] = [];
  const fn = ({ signal }: AttemptContext) => {
    signals.push(signal);
    return hangs();
  };

  const retrying = retry(fn, { clock, signal: controller.signal, attemptTimeoutMs: 1_000 });
  await flush();
  controller.abort(new Error("client went away"));

  await assert.rejects(retrying, /client went away/);
  assert.equal(signals.length, 1);
  assert.equal(signals[0]?.aborted, true);
  assert.equal(clock.pendingSleeps, 0);
});

test("does not call the operation at all when the signal has already aborted", async () => {
  const { fn, attempts } = scripted();
  await assert.rejects(retry(fn, { signal: AbortSignal.abort(new Error("too late")) }), /too late/);
  assert.equal(attempts.length, 0);
});

test("a synchronous throw counts as a failed attempt", async () => {
  const clock = createFakeClock();
  let calls = 0;
  const fn = (): Promise<string> => {
    calls++;
    if (calls === 1) throw new UnavailableError("thrown before any promise");
    return Promise.resolve("ok");
  };

  assert.equal(await runUntilSettled(clock, retry(fn, { clock })), "ok");
  assert.equal(calls, 2);
});

test("a timed-out attempt fails with AttemptTimeoutError even when the work answers the abort with its own error", async () => {
  const clock = createFakeClock();
  const fn = ({ signal }: AttemptContext) =>
    new Promise<string>((_resolve, reject) => {
      signal.addEventListener("abort", () => reject(new DOMException("This operation was aborted", "AbortError")));
    });

  await assert.rejects(runUntilSettled(clock, retry(fn, { clock, maxAttempts: 1, attemptTimeoutMs: 200 })), AttemptTimeoutError);
});
