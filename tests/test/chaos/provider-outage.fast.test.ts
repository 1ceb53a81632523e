import assert from "node:assert/strict";
import { before, test } from "node:test";
import { acceptedIds, outcomeCounts, settleAndCheck } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { chaosRate, describeLoad, startOrderLoad } from "../../src/harness/load.js";
import { providerControl } from "../../src/harness/provider.js";

// A cool-down long enough that "no calls while open" is read well inside it,
// and payment deadlines far beyond the outage, so every order is paid once
// the provider is back.
const COOL_DOWN_MS = 6_000;
const ENV = {
  PAYMENTS_ATTEMPT_TIMEOUT_MS: "500",
  PAYMENTS_BREAKER_FAILURES: "3",
  PAYMENTS_BREAKER_COOLDOWN_MS: String(COOL_DOWN_MS),
};
const LOAD = { perSecond: chaosRate(10), durationMs: 4_000 };

const chaos = chaosFixture({ customers: 3, env: () => ENV });
let provider: ReturnType<typeof providerControl>;
before(async () => {
  await chaos.ready;
  provider = providerControl(chaos.stack.providerUrl);
});

/** Index of the first payments log line at or after `from` that says the breaker moved to `state`. */
const breakerLine = (state: "open" | "half-open" | "closed", from = 0) =>
  chaos.stack.logs.findIndex((line, i) => i >= from && line.startsWith("[payments]") && line.includes(`circuit breaker ${state}"`));

test("provider failing every call under load: the breaker opens, calls stop during the cool-down, and every order is paid once the provider recovers", async () => {
  const started = Date.now();
  await provider.set({ error_rate: 1 });
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });

  const opened = await chaos.stack.waitFor(async () => {
    const at = breakerLine("open");
    return at === -1 ? undefined : at;
  }, "the breaker to open");
  // Calls already on their way when it opened land first; then none may come until the cool-down ends.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const callsWhenOpen = await provider.requests("POST /v1/charges");
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const callsLater = await provider.requests("POST /v1/charges");
  assert.equal(breakerLine("half-open", opened), -1, `read inside the ${COOL_DOWN_MS} ms cool-down`);
  assert.equal(callsLater, callsWhenOpen, "no call reaches the provider while the breaker is open");

  const attempts = await load.done;
  assert.deepEqual(outcomeCounts(attempts), { 202: attempts.length }, "orders are accepted while payments cannot charge");
  await provider.heal();
  const healedAt = Date.now();
  await chaos.stack.waitFor(async () => (breakerLine("closed", opened) === -1 ? undefined : true), "the breaker to close");
  const { ids, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, attempts, chaos.onHandBefore);
  await recordResult({
    scenario: "3. provider failing every call",
    load: describeLoad(LOAD, chaos.customers.length),
    fault: `provider error_rate 1 for ${((healedAt - started) / 1000).toFixed(1)} s; breaker: 3 failures, ${COOL_DOWN_MS / 1000} s cool-down`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - healedAt,
    problems,
    notes: `the provider saw ${callsWhenOpen} charge calls when the breaker opened and none more over the next 2 s`,
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(states, { CONFIRMED: acceptedIds(attempts).length }, "every order paid after the recovery");
});
