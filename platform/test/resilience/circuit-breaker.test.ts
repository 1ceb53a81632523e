import assert from "node:assert/strict";
import { test } from "node:test";
import {
  BreakerOpenError,
  type BreakerState,
  type CircuitBreakerOptions,
  createCircuitBreaker,
} from "../../src/resilience/circuit-breaker.js";
import { createFakeClock, flush, runUntilSettled } from "./fake-clock.js";

const ok = () => Promise.resolve("ok");
const fail = () => Promise.reject(new Error("provider down"));

/** A call that stays in flight until the test settles it. */
function pending() {
  let succeed = () => {};
  let failWith = (_error: Error) => {};
  const promise = new Promise<string>((resolve, reject) => {
    succeed = () => resolve("ok");
    failWith = reject;
  });
  return { call: () => promise, succeed, fail: () => failWith(new Error("probe failed")) };
}

function setUp(options: Partial<CircuitBreakerOptions> = {}) {
  const clock = createFakeClock();
  const changes: string[] = [];
  const breaker = createCircuitBreaker({
    name: "payment-provider",
    consecutiveFailures: 3,
    coolDownMs: 1_000,
    clock,
    onStateChange: ({ from, to }) => changes.push(`${from}->${to}`),
    ...options,
  });
  const outcomes = async (...calls: (() => Promise<string>)[]) => {
    for (const call of calls) await breaker.execute(call).catch(() => undefined);
  };
  return { clock, breaker, changes, outcomes };
}

test("opens after N consecutive failures and then fails fast without calling", async () => {
  const { breaker, clock, changes, outcomes } = setUp();
  await outcomes(fail, fail, fail);
  assert.equal(breaker.state, "open");

  await clock.advance(400);
  let called = false;
  await assert.rejects(
    breaker.execute(async () => {
      called = true;
    }),
    (error) => error instanceof BreakerOpenError && error.retryAfterMs === 600 && error.breaker === "payment-provider",
  );
  assert.equal(called, false);
  assert.deepEqual(changes, ["closed->open"]);
});

test("a success in between resets the count of consecutive failures", async () => {
  const { breaker, outcomes } = setUp();
  await outcomes(fail, fail, ok, fail, fail);
  assert.equal(breaker.state, "closed");
});

test("passes results and errors through unchanged while closed", async () => {
  const { breaker } = setUp();
  assert.equal(await breaker.execute(ok), "ok");
  await assert.rejects(breaker.execute(fail), /provider down/);
});

test("opens when more than the threshold of calls in the window failed, once there are enough calls", async () => {
  const { breaker, outcomes } = setUp({
    consecutiveFailures: 100,
    failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 4 },
  });

  await outcomes(fail, fail, fail);
  assert.equal(breaker.state, "closed", "three failures are fewer than the minimum of calls");
  await outcomes(ok, ok, ok);
  assert.equal(breaker.state, "closed", "a success never opens it");
  await outcomes(fail);
  assert.equal(breaker.state, "open", "4 of 7 failed, more than half");
});

test("outcomes older than the window no longer count toward the failure rate", async () => {
  const { breaker, clock, outcomes } = setUp({
    consecutiveFailures: 100,
    failureRate: { threshold: 0.5, windowMs: 10_000, minimumCalls: 4 },
  });
  await outcomes(fail, fail, fail);

  await clock.advance(11_000);
  await outcomes(ok, ok, fail, fail);
  assert.equal(breaker.state, "closed", "2 of 4 in the window, not more than half");
  await outcomes(fail);
  assert.equal(breaker.state, "open");
});

test("errors that are not the dependency's fault reach the caller but do not count", async () => {
  const declined = new Error("card declined");
  const { breaker, outcomes } = setUp({ isFailure: (error) => error !== declined });
  const decline = () => Promise.reject(declined);

  await outcomes(fail, fail, decline, fail, fail);
  assert.equal(breaker.state, "closed");
  await assert.rejects(breaker.execute(decline), (error) => error === declined);
});

test("after the cool-down lets a limited number of probes through; a successful probe closes it", async () => {
  const { breaker, clock, changes, outcomes } = setUp({ halfOpenMaxCalls: 2 });
  await outcomes(fail, fail, fail);
  await clock.advance(1_000);
  assert.equal(breaker.state, "half-open");

  const first = pending();
  const second = pending();
  const probes = [breaker.execute(first.call), breaker.execute(second.call)];
  await assert.rejects(breaker.execute(ok), (error) => error instanceof BreakerOpenError && error.retryAfterMs === 0);
  first.succeed();
  second.succeed();
  assert.deepEqual(await Promise.all(probes), ["ok", "ok"]);

  assert.equal(breaker.state, "closed");
  assert.equal(await breaker.execute(ok), "ok");
  assert.deepEqual(changes, ["closed->open", "open->half-open", "half-open->closed"]);
});

test("a failed probe opens it again for a whole new cool-down", async () => {
  const { breaker, clock, changes, outcomes } = setUp();
  await outcomes(fail, fail, fail);
  await clock.advance(1_000);

  await outcomes(fail);
  assert.equal(breaker.state, "open");
  await clock.advance(999);
  assert.equal(breaker.state, "open");
  await clock.advance(1);
  assert.equal(breaker.state, "half-open");
  assert.deepEqual(changes, ["closed->open", "open->half-open", "half-open->open", "open->half-open"]);
});

test("a slow call from before a transition does not decide the new state", async () => {
  const { breaker, clock, outcomes } = setUp({ consecutiveFailures: 1 });
  const slow = pending();
  const slowCall = breaker.execute(slow.call);
  await outcomes(fail);
  await clock.advance(1_000);
  assert.equal(breaker.state, "half-open");

  slow.succeed();
  await slowCall;
  assert.equal(breaker.state, "half-open", "only a probe started while half-open may close it");
});

test("whenClosed resolves at once while closed, and when a probe closes the breaker", async () => {
  const { breaker, clock, outcomes } = setUp();
  await breaker.whenClosed();
  await outcomes(fail, fail, fail);

  let resumed = false;
  const waiting = breaker.whenClosed().then(() => (resumed = true));
  await clock.advance(1_000);
  assert.equal(resumed, false, "half-open is not closed");
  await outcomes(ok);
  await waiting;
  assert.equal(resumed, true);
});

test("whenClosed keeps waiting through a failed probe", async () => {
  const { breaker, clock, outcomes } = setUp();
  await outcomes(fail, fail, fail);
  let resumed = false;
  const waiting = breaker.whenClosed().then(() => (resumed = true));

  await clock.advance(1_000);
  await outcomes(fail);
  await flush();
  assert.equal(resumed, false);
  await clock.advance(1_000);
  await outcomes(ok);
  await waiting;
  assert.equal(resumed, true);
});

test("whenClosed makes the configured probe call itself once the cool-down is over", async () => {
  let probes = 0;
  const { breaker, clock, changes, outcomes } = setUp({
    probe: async () => {
      probes++;
      if (probes === 1) throw new Error("still down");
    },
  });
  await outcomes(fail, fail, fail);

  await runUntilSettled(clock, breaker.whenClosed());

  assert.equal(probes, 2);
  assert.equal(breaker.state, "closed");
  assert.deepEqual(changes, ["closed->open", "open->half-open", "half-open->open", "open->half-open", "half-open->closed"]);
});

test("whenClosed rejects with the signal's reason when it aborts", async () => {
  const { breaker, clock, outcomes } = setUp();
  await outcomes(fail, fail, fail);
  const controller = new AbortController();

  const waitingWhileOpen = breaker.whenClosed(controller.signal);
  await clock.advance(1_000);
  const waitingWhileHalfOpen = breaker.whenClosed(controller.signal);
  await flush();
  controller.abort(new Error("order deadline"));

  await assert.rejects(waitingWhileOpen, /order deadline/);
  await assert.rejects(waitingWhileHalfOpen, /order deadline/);
  assert.equal(clock.pendingSleeps, 0);
});

test("rejects settings that cannot work", () => {
  const invalid: Partial<CircuitBreakerOptions>[] = [
    { consecutiveFailures: 0 },
    { halfOpenMaxCalls: 1.5 },
    { coolDownMs: -1 },
    { failureRate: { threshold: 1, windowMs: 1_000, minimumCalls: 1 } },
    { failureRate: { threshold: 0.5, windowMs: 1_000, minimumCalls: 0 } },
  ];
  for (const options of invalid) {
    assert.throws(() => createCircuitBreaker({ name: "x", ...options }), RangeError, JSON.stringify(options));
  }
});

test("the states a caller sees are exactly closed, open and half-open", async () => {
  const { breaker, clock, outcomes } = setUp();
  const seen = new Set<BreakerState>([breaker.state]);
  await outcomes(fail, fail, fail);
  seen.add(breaker.state);
  await clock.advance(1_000);
  seen.add(breaker.state);
  assert.deepEqual([...seen], ["closed", "open", "half-open"]);
});
