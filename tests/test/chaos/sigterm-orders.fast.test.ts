import assert from "node:assert/strict";
import { test } from "node:test";
import { signUp } from "../../src/harness/auth.js";
import { storedKeys, unexpectedAnswer } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import type { Attempt } from "../../src/harness/load.js";
import { finishSigterm, sigtermUnderLoad } from "../../src/harness/sigterm-load.js";

// The stack and an order client; sigtermUnderLoad signs up the load's customers.
const chaos = chaosFixture({ customers: 0 });

test("SIGTERM to orders under load: every request is answered, with 202 or a 503/504 problem, and retries make one order each", async () => {
  const run = await sigtermUnderLoad(chaos.stack, chaos.client, "orders");

  // The gateway stays up: every request gets an answer.
  const unexpected = run.attempts.filter((a) => a.failure || unexpectedAnswer(a));
  const problems = await finishSigterm(
    chaos.stack,
    chaos.client,
    "5b. orders SIGTERM",
    run,
    unexpected,
    "every request answered; the ones not accepted retried with their Idempotency-Key, one order each",
  );
  assert.deepEqual(problems, []);
});

// Was defect D4 (docs/reliability.md): these calls were answered 500 until 2450c49.
test("a call orders refuses as it shuts down (HTTP/2 REFUSED_STREAM, never processed) is answered 503, not 500", async () => {
  const customer = await signUp(chaos.stack.gatewayUrl);
  const answers: Attempt[] = [];
  // A burst of orders with SIGTERM in its middle: some calls reach orders just after its GOAWAY.
  for (let round = 0; round < 3 && answers.every((a) => !unexpectedAnswer(a)); round++) {
    const calls: Promise<Attempt>[] = [];
    for (let i = 0; i < 20; i++) {
      calls.push(chaos.client.post(customer, `p-0000${10 + (i % 10)}`));
      if (i === 10) chaos.stack.group.signal("orders", "SIGTERM");
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    answers.push(...(await Promise.all(calls)));
    await chaos.stack.group.exited("orders");
    await chaos.stack.restart("orders");
  }
  const refused = answers.filter((a) => a.answer?.status !== 202);
  const processed = await storedKeys(
    chaos.stack,
    refused.map((a) => a.key),
  );

  assert.equal(processed.size, 0, "orders never processed a call it refused");
  assert.deepEqual(refused.map(unexpectedAnswer).filter(Boolean), []);
});

// Was a flaw until the handler moved before start-up (run-service.ts): a
// service serves RPCs before its consumer has joined the group, and a stop in
// that window met no handler, so the default action killed the process mid-start.
test("SIGTERM to orders while its consumer still joins the group (it already serves RPCs) drains it and stops it once", async () => {
  chaos.stack.group.signal("orders", "SIGTERM");
  await chaos.stack.group.exited("orders");
  // Resolves once orders serves RPCs; rejoining the group (a rebalance) takes longer.
  await chaos.stack.restart("orders");
  const from = chaos.stack.logs.length;
  chaos.stack.group.signal("orders", "SIGTERM");
  await chaos.stack.group.exited("orders");
  const own = chaos.stack.logs.slice(from).filter((line) => line.startsWith("[orders]"));

  assert.equal(own.filter((line) => line.includes('"msg":"shutting down"')).length, 1, own.join("\n"));
  assert.equal(own.filter((line) => line.includes('"msg":"stopped"')).length, 1, own.join("\n"));
  await chaos.stack.restart("orders");
});
