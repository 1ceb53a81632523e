import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay } from "../src/kafka/backoff.js";

const policy = { baseMs: 100, maxMs: 1_000 };

test("backoff doubles with each attempt, from the base up to the cap", () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 50].map((attempt) => backoffDelay(attempt, policy, () => 1));

  assert.deepEqual(ceilings, [100, 200, 400, 800, 1_000, 1_000, 1_000]);
});

test("backoff jitter picks a point in the upper half of the delay, so never more than the cap", () => {
  assert.equal(
    backoffDelay(3, policy, () => 0),
    200,
  );
  assert.equal(
    backoffDelay(3, policy, () => 0.5),
    300,
  );
  assert.equal(
    backoffDelay(20, policy, () => 0.999),
    999.5,
  );
  for (let attempt = 1; attempt < 40; attempt++) {
    const delay = backoffDelay(attempt, policy);
    assert.ok(delay >= Math.min(100 * 2 ** (attempt - 1), 1_000) / 2 && delay <= 1_000, `attempt ${attempt}: ${delay} ms`);
  }
});
