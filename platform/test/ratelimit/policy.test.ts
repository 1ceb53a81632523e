import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRateLimitPolicy, rateLimitHeader, rateLimitPolicyHeader, retryAfterSeconds } from "../../src/ratelimit/policy.js";

test("parses a policy from '<limit>/<window seconds>'", () => {
  assert.deepEqual(parseRateLimitPolicy("reads", "600/60"), { name: "reads", limit: 600, windowSeconds: 60 });
});

test("rejects a policy that is not two positive whole numbers, naming the policy and the value", () => {
  for (const value of ["abc", "0/60", "10/0", "10", "", "10/60/1", "-1/60", "1.5/60", "10/ 60s"]) {
    assert.throws(
      () => parseRateLimitPolicy("writes", value),
      (error: Error) => error.message.includes("writes") && error.message.includes(JSON.stringify(value)),
      value,
    );
  }
});

test("rejects a policy whose name could not stand in a header or a Redis key", () => {
  assert.throws(() => parseRateLimitPolicy('a"b', "10/60"), /name/);
  assert.throws(() => parseRateLimitPolicy("", "10/60"), /name/);
});

test("rejects a policy too large to count exactly", () => {
  assert.throws(() => parseRateLimitPolicy("huge", "1000000000/100000"), /too large/);
});

test("builds the RateLimit-Policy and RateLimit header values as structured fields", () => {
  const policy = { name: "reads", limit: 600, windowSeconds: 60 };

  assert.equal(rateLimitPolicyHeader(policy), '"reads";q=600;w=60');
  assert.equal(rateLimitHeader({ policy, remaining: 599, resetMs: 100 }), '"reads";r=599;t=1');
  assert.equal(rateLimitHeader({ policy, remaining: 0, resetMs: 60_000 }), '"reads";r=0;t=60');
  assert.equal(rateLimitHeader({ policy, remaining: 600, resetMs: 0 }), '"reads";r=600;t=0');
});

test("Retry-After is whole seconds rounded up and never 0", () => {
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(retryAfterSeconds(1), 1);
  assert.equal(retryAfterSeconds(1000), 1);
  assert.equal(retryAfterSeconds(1001), 2);
  assert.equal(retryAfterSeconds(59_500), 60);
});
