import assert from "node:assert/strict";
import { test } from "node:test";
import { signUp } from "../../src/harness/auth.js";
import { unexpectedAnswer } from "../../src/harness/chaos.js";
import { chaosFixture } from "../../src/harness/chaos-fixture.js";
import { type Attempt, orderClient } from "../../src/harness/load.js";
import { finishSigterm, sigtermUnderLoad } from "../../src/harness/sigterm-load.js";

// The stack and an order client; sigtermUnderLoad signs up the load's customers.
const chaos = chaosFixture({ customers: 0 });

test("SIGTERM to the gateway under load: no request it took loses its answer, answers are 202 or 503/504 problems, retries make one order each", async () => {
  const run = await sigtermUnderLoad(chaos.stack, chaos.client, "gateway");

  // Without a gateway a connection is refused (ECONNREFUSED), or an idle
  // keep-alive one is closed as a request goes out on it (ECONNRESET): the
  // client had no answer to lose, as long as the gateway never took the
  // request (run.accepted: logged by the gateway, or its order committed).
  const unexpected = run.attempts.filter(
    (a) => unexpectedAnswer(a) || (a.failure && !["ECONNREFUSED", "ECONNRESET"].includes(a.failure.code)),
  );
  const unanswered = run.attempts.filter((a) => a.failure);
  const problems = await finishSigterm(
    chaos.stack,
    chaos.client,
    "5a. gateway SIGTERM",
    run,
    [...unexpected, ...run.accepted],
    `${unanswered.length} requests without an answer (${unanswered.filter((a) => a.failure?.reusedSocket).length} on a reused keep-alive connection), none taken by the gateway; retried with their Idempotency-Key, one order each`,
  );
  assert.deepEqual(problems, []);
});

test("an answer the gateway sends after SIGTERM closes its keep-alive connection, so the forced close at the end of the drain cuts no request", async () => {
  const customer = await signUp(chaos.stack.gatewayUrl);
  const oneConnection = orderClient(chaos.stack.gatewayUrl, { maxSockets: 1 });
  const afterSigterm: Attempt[] = [];
  try {
    assert.equal((await oneConnection.post(customer, "p-000001")).answer?.status, 202, "the connection is open");
    // With the catalog frozen every order of a product not priced before (orders keeps the
    // prices it saw) waits for its deadline: the connection is busy when SIGTERM comes, and a
    // client going on with it has a request in flight for most of the drain.
    chaos.stack.group.signal("catalog", "SIGSTOP");
    const inFlight = oneConnection.post(customer, "p-000200");
    await new Promise((resolve) => setTimeout(resolve, 500));
    chaos.stack.group.signal("gateway", "SIGTERM");
    afterSigterm.push(await inFlight);
    while (afterSigterm.length < 6 && !afterSigterm.at(-1)?.failure) {
      afterSigterm.push(await oneConnection.post(customer, `p-00020${afterSigterm.length}`));
    }
  } finally {
    oneConnection.close();
    chaos.stack.group.signal("catalog", "SIGCONT");
    await chaos.stack.group.exited("gateway");
    await chaos.stack.restart("gateway");
  }

  assert.deepEqual(
    afterSigterm.filter((a) => a.failure?.code === "ECONNRESET").map((a) => `${a.failure?.message} after ${a.endedAt - a.startedAt} ms`),
    [],
    "a request is refused or answered, never cut",
  );
  assert.deepEqual(
    afterSigterm.filter((a) => a.answer).map((a) => a.answer?.connection),
    afterSigterm.filter((a) => a.answer).map(() => "close"),
    "an answer after SIGTERM says the connection closes",
  );
});
