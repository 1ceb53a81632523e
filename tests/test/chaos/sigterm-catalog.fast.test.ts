import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { unexpectedAnswer } from "../../src/harness/chaos.js";
import { type OrderClient, orderClient } from "../../src/harness/load.js";
import { finishSigterm, sigtermUnderLoad } from "../../src/harness/sigterm-load.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
let client: OrderClient;
before(async () => {
  stack = await startStack();
  client = orderClient(stack.gatewayUrl);
});
after(async () => {
  client?.close();
  await stack?.stop();
});

test("SIGTERM to catalog (orders' prices) under load: every request is answered, with 202 or a 503/504 problem, and retries make one order each", async () => {
  const run = await sigtermUnderLoad(stack, client, "catalog");

  // Orders passes on what its call to the catalog met; the gateway stays up and answers every request.
  const unexpected = run.attempts.filter((a) => a.failure || unexpectedAnswer(a));
  const problems = await finishSigterm(
    stack,
    client,
    "5c. catalog SIGTERM",
    run,
    unexpected,
    "every request answered; the ones not accepted retried with their Idempotency-Key, one order each",
  );
  assert.deepEqual(problems, []);
});
