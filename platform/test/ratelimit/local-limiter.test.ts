import assert from "node:assert/strict";
import { test } from "node:test";
import { createLocalLimiter } from "../../src/ratelimit/local-limiter.js";

const fakeClock = () => {
  const clock = { ms: 1_000_000, now: () => clock.ms };
  return clock;
};

test("allows the capacity, then denies with the time until the next token", () => {
  const clock = fakeClock();
  const limiter = createLocalLimiter({ now: clock.now });

  const taken = [1, 2, 3].map(() => limiter.take("s", 3, 60_000, 1));
  const denied = limiter.take("s", 3, 60_000, 1);

  assert.deepEqual(
    taken.map((t) => [t.allowed, t.remaining]),
    [
      [true, 2],
      [true, 1],
      [true, 0],
    ],
  );
  assert.deepEqual(denied, { allowed: false, remaining: 0, retryAfterMs: 20_000, resetMs: 60_000 });
});

test("refills continuously and never beyond the capacity", () => {
  const clock = fakeClock();
  const limiter = createLocalLimiter({ now: clock.now });
  for (let i = 0; i < 3; i++) limiter.take("s", 3, 60_000, 1);

  clock.ms += 19_999;
  assert.equal(limiter.take("s", 3, 60_000, 1).allowed, false);
  clock.ms += 1;
  assert.deepEqual(limiter.take("s", 3, 60_000, 1), { allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 60_000 });

  clock.ms += 10 * 60_000;
  assert.deepEqual(limiter.take("s", 3, 60_000, 1), { allowed: true, remaining: 2, retryAfterMs: 0, resetMs: 20_000 });
});

test("keeps subjects apart and forgets the least recently used beyond its bound", () => {
  const clock = fakeClock();
  const limiter = createLocalLimiter({ now: clock.now, maxBuckets: 2 });

  limiter.take("a", 1, 60_000, 1);
  assert.equal(limiter.take("a", 1, 60_000, 1).allowed, false);
  assert.equal(limiter.take("b", 1, 60_000, 1).allowed, true);
  limiter.take("c", 1, 60_000, 1);

  assert.equal(limiter.take("a", 1, 60_000, 1).allowed, true, "a was evicted and starts full");
});
