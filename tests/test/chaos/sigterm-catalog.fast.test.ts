import assert from "node:assert/strict";
import { test } from "node:test";
import { unexpectedAnswer } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { finishSigterm, sigtermUnderLoad } from "../../src/harness/sigterm-load.js";

// The stack and an order client; sigtermUnderLoad signs up the load's customers.
const chaos = chaosFixture({ customers: 0 });

test("SIGTERM to catalog (orders' prices) under load: every request is answered, with 202 or a 503/504 problem, and retries make one order each", async () => {
  const run = await sigtermUnderLoad(chaos.stack, chaos.client, "catalog");

  // Orders passes on what its call to the catalog met; the gateway stays up and answers every request.
  const unexpected = run.attempts.filter((a) => a.failure || unexpectedAnswer(a));
  const problems = await finishSigterm(
    chaos.stack,
    chaos.client,
    "5c. catalog SIGTERM",
    run,
    unexpected,
    "every request answered; the ones not accepted retried with their Idempotency-Key, one order each",
  );
  assert.deepEqual(problems, []);
});
