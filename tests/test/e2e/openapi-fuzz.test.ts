import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { loginAdmin } from "../../src/harness/auth.js";
import { runSchemathesis } from "../../src/harness/schemathesis.js";
import { type Stack, startStack } from "../../src/harness/stack.js";

let stack: Stack;
before(async () => {
  // These tests check what answers look like, not how fast they come: on a busy machine a sign-up's
  // password hash, or a call between services, can take longer than the production deadlines (the
  // gateway's, and RPC_TIMEOUT_MS between services), and a 504 is not what is under test here.
  stack = await startStack({ env: { GATEWAY_DEADLINE_MS: "30000", RPC_TIMEOUT_MS: "30000" } });
});
after(async () => {
  await stack?.stop();
});

test("schemathesis, fuzzing every operation of /openapi.json with a real token, finds no 5xx and no answer off the document", async () => {
  // An administrator's token reaches every route, the admin-only PATCH included.
  const admin = await loginAdmin(stack.gatewayUrl);

  const run = await runSchemathesis({
    gatewayUrl: stack.gatewayUrl,
    token: admin.accessToken,
    maxExamples: Number(process.env.SCHEMATHESIS_MAX_EXAMPLES ?? 20),
  });

  assert.equal(
    run.exitCode,
    0,
    `schemathesis found failures:\n${run.output.slice(-12_000)}\n--- gateway logs ---\n${stack.recentLogs(40)}`,
  );
  const summary = /(\d+) generated/.exec(run.output);
  assert.ok(summary && Number(summary[1]) > 100, `it generated test cases:\n${run.output.slice(-2_000)}`);
  console.log(
    run.output
      .split("\n")
      .filter((line) => /generated|Phases|Coverage|Fuzzing|Stateful|Examples/.test(line))
      .join("\n"),
  );
});
