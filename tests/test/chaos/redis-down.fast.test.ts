import assert from "node:assert/strict";
import { after, test } from "node:test";
import { acceptedIds, outcomeCounts, settleAndCheck } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { recordResult } from "../../src/harness/chaos-results.js";
import { chaosRate, describeLoad, startOrderLoad } from "../../src/harness/load.js";
import { startPrivateRedis } from "../../src/harness/private-redis.js";

const LOAD = { perSecond: chaosRate(10), durationMs: 8_000 };

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
const chaos = chaosFixture({
  customers: 3,
  env: async () => {
    redis = await startPrivateRedis();
    return { REDIS_URL: redis.url };
  },
});
after(async () => {
  await redis?.stop();
});

/** The gateway's count of rate-limit decisions taken without Redis. */
const fallbacks = async () => {
  const text = await (await fetch(chaos.stack.metricsUrls.gateway)).text();
  return Number(/^emporium_gateway_rate_limit_fallback_total (\d+)/m.exec(text)?.[1] ?? 0);
};

test("Redis stopped under load: every order is still accepted (rate limits fall back to each gateway, no 5xx) and CONFIRMED", async () => {
  const started = Date.now();
  const load = startOrderLoad(chaos.client, { customers: chaos.customers, ...LOAD });
  await chaos.stack.waitFor(
    async () => (acceptedIds(load.attempts).length >= 10 ? true : undefined),
    "ten orders accepted before the fault",
  );
  const fallbacksBefore = await fallbacks();

  await redis.stop();
  const stoppedAt = Date.now();
  await chaos.stack.waitFor(async () => ((await fallbacks()) > fallbacksBefore ? true : undefined), "a rate-limit decision without Redis");
  await chaos.stack.waitFor(
    async () => (load.attempts.filter((a) => a.startedAt > stoppedAt).length >= 20 ? true : undefined),
    "twenty orders answered while Redis is down",
  );
  await redis.start();
  const restartedAt = Date.now();
  const attempts = await load.done;

  assert.deepEqual(outcomeCounts(attempts), { 202: attempts.length });
  const duringOutage = attempts.filter((a) => a.startedAt >= stoppedAt && a.startedAt < restartedAt).length;
  const { ids, states, settledAt, problems } = await settleAndCheck(chaos.stack, chaos.client, attempts, chaos.onHandBefore);
  await recordResult({
    scenario: "6. Redis stopped",
    load: describeLoad(LOAD, chaos.customers.length),
    fault: `Redis (the stack's own) stopped for ${((restartedAt - stoppedAt) / 1000).toFixed(1)} s, then started again`,
    durationMs: settledAt - started,
    outcomes: outcomeCounts(attempts),
    accepted: ids.length,
    terminal: states,
    settleMs: settledAt - restartedAt,
    problems,
    notes: `${(await fallbacks()) - fallbacksBefore} rate-limit decisions taken by the gateway alone (emporium_gateway_rate_limit_fallback_total); ${duringOutage} orders sent while Redis was down, all 202`,
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(states, { CONFIRMED: ids.length });
});
