import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { Health } from "@emporium/gen/grpc/health/v1/health_pb";
import { Registry } from "prom-client";
import { OverloadedError, type OverloadReason } from "../../src/errors/domain-errors.js";
import { errorReasonOf, OVERLOADED, toConnectError } from "../../src/errors/error-mapping.js";
import { problemFromConnectError } from "../../src/errors/problem.js";
import { createLogger } from "../../src/log/logger.js";
import { type AdmissionOptions, createAdmission } from "../../src/resilience/admission.js";
import { admissionsWithMetrics } from "../../src/resilience/admission-metrics.js";
import { admissionControl, rpcName } from "../../src/rpc/admission-interceptor.js";
import { errorInterceptor } from "../../src/rpc/error-interceptor.js";
import { createFakeClock, flush } from "./fake-clock.js";

/** A piece of work the test finishes by hand, noting when it started. */
function gate(log: string[], name: string) {
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return {
    run: async () => {
      log.push(name);
      await done;
      return name;
    },
    finish: async () => {
      finish();
      await flush();
    },
  };
}

const refusalOf = async (promise: Promise<unknown>): Promise<OverloadReason> => {
  const error = await promise.then(
    () => assert.fail("expected a refusal"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof OverloadedError, String(error));
  return error.reason;
};

function setup(options: Partial<AdmissionOptions> = {}) {
  const clock = createFakeClock();
  const refusals: OverloadReason[] = [];
  const admission = createAdmission({
    name: "test-op",
    maxConcurrent: 2,
    maxQueue: 2,
    clock,
    onRefused: (reason) => refusals.push(reason),
    ...options,
  });
  return { clock, admission, refusals, started: [] as string[] };
}

describe("admission", () => {
  test("refuses at once when the slots and the queue are full, and never runs the refused work", async () => {
    const { admission, started } = setup();
    const work = ["a", "b", "c", "d"].map((name) => gate(started, name));
    const running = work.map((w) => admission.run(w.run));
    const refused = refusalOf(admission.run(gate(started, "e").run));
    assert.equal(await refused, "queue-full");
    assert.deepEqual([admission.inFlight, admission.queued], [2, 2]);
    for (const w of work) await w.finish();
    assert.deepEqual(await Promise.all(running), ["a", "b", "c", "d"]);
    assert.deepEqual(started, ["a", "b", "c", "d"]);
  });

  test("starts queued work in arrival order", async () => {
    const { admission, started } = setup({ maxConcurrent: 1, maxQueue: 10 });
    const work = ["1", "2", "3", "4", "5"].map((name) => gate(started, name));
    const running = work.map((w) => admission.run(w.run));
    await flush();
    assert.deepEqual(started, ["1"]);
    await work[0]?.finish();
    await work[1]?.finish();
    assert.deepEqual(started, ["1", "2", "3"]);
    for (const w of work) await w.finish();
    await Promise.all(running);
    assert.deepEqual(started, ["1", "2", "3", "4", "5"]);
  });

  test("never runs more than maxConcurrent at once, whatever the mix of finishes", async () => {
    const { admission } = setup({ maxConcurrent: 3, maxQueue: 100 });
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const calls = Array.from({ length: 40 }, () =>
      admission.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
      }),
    );
    // Finish them in a scrambled order, a few at a time.
    for (let round = 0; releases.length > 0 || admission.inFlight > 0; round++) {
      await flush();
      const pick = releases.splice(round % Math.max(1, releases.length), 1)[0];
      pick?.();
    }
    await Promise.all(calls);
    assert.equal(most, 3);
    assert.equal(admission.inFlight, 0);
  });

  test("drops work whose deadline has passed before it starts", async () => {
    const { admission, clock, started } = setup();
    assert.equal(await refusalOf(admission.run(gate(started, "late").run, { deadline: clock.now() - 1 })), "deadline");
    assert.deepEqual(started, []);
  });

  test("drops queued work whose deadline passes while it waits, without running it, and frees its place", async () => {
    const { admission, clock, started, refusals } = setup({ maxConcurrent: 1, maxQueue: 1 });
    const first = gate(started, "first");
    const running = admission.run(first.run);
    const queued = refusalOf(admission.run(gate(started, "queued").run, { deadline: clock.now() + 1_000 }));
    await clock.advance(1_000);
    assert.equal(await queued, "deadline");
    assert.equal(admission.queued, 0);
    // Its place is free again: the next call queues instead of being refused.
    const next = gate(started, "next");
    const nextRun = admission.run(next.run);
    await first.finish();
    await next.finish();
    await Promise.all([running, nextRun]);
    assert.deepEqual(started, ["first", "next"]);
    assert.deepEqual(refusals, ["deadline"]);
  });

  test("drops work whose caller has gone: before it starts, and while it waits", async () => {
    const { admission, started } = setup({ maxConcurrent: 1, maxQueue: 5 });
    const gone = new AbortController();
    gone.abort();
    assert.equal(await refusalOf(admission.run(gate(started, "gone").run, { signal: gone.signal })), "cancelled");

    const first = gate(started, "first");
    const running = admission.run(first.run);
    const leaving = new AbortController();
    const queued = admission.run(gate(started, "leaves").run, { signal: leaving.signal });
    leaving.abort();
    // Refused as soon as the caller leaves, not when it would have reached the front.
    assert.equal(await refusalOf(queued), "cancelled");
    assert.equal(admission.queued, 0);
    await first.finish();
    await running;
    assert.deepEqual(started, ["first"]);
  });

  test("refuses queued work that can no longer finish in time, judged by the average run", async () => {
    const { admission, clock, started } = setup({ maxConcurrent: 1, maxQueue: 5 });
    // Teach it that a run takes 400 ms.
    const warmup = admission.run(async () => clock.sleep(400));
    await clock.advance(400);
    await warmup;
    assert.equal(admission.serviceTimeMs, 400);

    const first = gate(started, "first");
    const running = admission.run(first.run);
    // 300 ms left is less than one run: refused on arrival, it would only run late.
    assert.equal(await refusalOf(admission.run(gate(started, "short").run, { deadline: clock.now() + 300 })), "deadline");
    // 1,000 ms left is enough on arrival; after 600 ms of waiting, less than a run remains.
    const fits = refusalOf(admission.run(gate(started, "fits").run, { deadline: clock.now() + 1_000 }));
    await clock.advance(700);
    assert.equal(await fits, "deadline");
    await first.finish();
    await running;
    assert.deepEqual(started, ["first"]);
  });

  test("a refusal is Unavailable with the OVERLOADED reason, and a 503 overloaded problem at the edge (429 stays for rate limits)", () => {
    const error = toConnectError(new OverloadedError("password-hash", "queue-full"));
    assert.equal(error.code, Code.Unavailable);
    assert.equal(errorReasonOf(error), OVERLOADED);
    const problem = problemFromConnectError(error, "/v1/auth/signup");
    assert.equal(problem.status, 503);
    assert.equal(problem.type, "https://emporium.dev/problems/overloaded");
    assert.doesNotMatch(problem.detail, /password-hash/);
    assert.equal(problemFromConnectError(new ConnectError("quota", Code.ResourceExhausted)).status, 429);
  });

  test("counts refusals by operation and reason on the metrics registry", async () => {
    const registry = new Registry();
    const admission = admissionsWithMetrics(registry)({ name: "password-hash", maxConcurrent: 1, maxQueue: 0 });
    assert.ok(admission.tryEnter());
    await refusalOf(admission.run(() => "never"));
    admission.leave();
    const text = await registry.metrics();
    assert.match(text, /emporium_admission_refused_total\{operation="password-hash",reason="queue-full"\} 1/);
    assert.match(text, /emporium_admission_in_flight\{operation="password-hash"\} 0/);
  });
});

describe("admission interceptor", () => {
  /** Health/Check as a stand-in expensive RPC whose calls the test finishes by hand. */
  function server(maxConcurrent: number, maxQueue: number) {
    const pending: (() => void)[] = [];
    let handled = 0;
    const control = admissionControl({ [rpcName(Health.method.check)]: { operation: "check", maxConcurrent, maxQueue } });
    const transport = createRouterTransport(
      (router) => {
        router.service(Health, {
          check: async () => {
            handled++;
            await new Promise<void>((resolve) => pending.push(resolve));
            return {};
          },
        });
        control.verify(router);
      },
      { router: { interceptors: [errorInterceptor(createLogger("test", "silent")), control.interceptor] } },
    );
    return { client: createClient(Health, transport), pending, handled: () => handled };
  }

  test("a call past the bound is refused as Unavailable/OVERLOADED before its handler runs", async () => {
    const { client, pending, handled } = server(1, 0);
    const first = client.check({});
    while (pending.length === 0) await flush();
    const refused = await client.check({}).then(
      () => assert.fail("expected a refusal"),
      (e: unknown) => e,
    );
    assert.ok(refused instanceof ConnectError);
    assert.equal(refused.code, Code.Unavailable);
    assert.equal(errorReasonOf(refused), OVERLOADED);
    assert.equal(handled(), 1);
    pending.shift()?.();
    await first;
  });

  test("start-up stops on a table naming an RPC the server does not serve, or a streaming one", () => {
    const table = (rpc: string) => admissionControl({ [rpc]: { operation: "x", maxConcurrent: 1, maxQueue: 0 } });
    const serve = (control: ReturnType<typeof table>) =>
      createRouterTransport((router) => {
        router.service(Health, { check: () => ({}) });
        control.verify(router);
      });
    assert.throws(() => serve(table("grpc.health.v1.Health/Chek")), /does not serve/);
    assert.throws(() => serve(table(rpcName(Health.method.watch))), /streaming/);
  });
});
