import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Access } from "@emporium/gen/emporium/api/v1/http_response_pb";
import { Health, HealthCheckResponse_ServingStatus } from "@emporium/gen/grpc/health/v1/health_pb";
import { httpProblem } from "@emporium/platform/errors/problem";
import { createLogger } from "@emporium/platform/log/logger";
import type { ConnectProcedure } from "../src/connect/connect-procedures.js";
import { createConnectProxy } from "../src/connect/connect-proxy.js";
import { createCors } from "../src/cors.js";
import { createDrain } from "../src/drain.js";
import { classify } from "../src/pipeline/classify.js";
import type { Stage } from "../src/pipeline/context.js";
import { dispatch } from "../src/pipeline/dispatch.js";
import { createPipeline } from "../src/pipeline/pipeline.js";
import { edgeRefusal } from "../src/pipeline/refusal.js";
import { requestHeaders } from "../src/pipeline/request-headers.js";
import { routeFound } from "../src/pipeline/route-found.js";

/**
 * The Connect proxy on its own, in front of an in-memory neighbour: the
 * health service, whose Watch is a server stream and Check a unary call, as
 * a stand-in for any public method of either kind (WatchOrder among them).
 */
// Generous, so that no call of a loaded machine runs out of it: the test reads the budgets, not the clock.
const DEADLINE_MS = 40_000;
const CLIENT_MS = 20_000;
const seen = { checkTimeoutMs: [] as (number | undefined)[], watchEnded: 0, watchSignals: [] as AbortSignal[] };

const backend = createRouterTransport(({ service }) => {
  service(Health, {
    check(_request, ctx) {
      seen.checkTimeoutMs.push(ctx.timeoutMs());
      return { status: HealthCheckResponse_ServingStatus.SERVING };
    },
    async *watch(_request, ctx) {
      seen.watchSignals.push(ctx.signal);
      try {
        for (let i = 0; !ctx.signal.aborted; i++) {
          yield { status: i % 2 === 0 ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING };
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      } finally {
        seen.watchEnded++;
      }
    },
  });
});

const procedure = (name: "Check" | "Watch"): ConnectProcedure => {
  const method = Health.method[name === "Check" ? "check" : "watch"];
  return {
    path: `/${Health.typeName}/${method.name}`,
    method,
    kind: method.methodKind,
    access: Access.UNSPECIFIED,
    idempotencyKeyRequired: false,
    limitClass: "read",
  };
};

/** A stage that refuses when the test asks, as the rate limit would. */
const refuseOnAsk: Stage = (ctx) =>
  ctx.req.headers["x-test-refuse"] === undefined
    ? undefined
    : edgeRefusal(Code.ResourceExhausted, httpProblem(429, "rate-limited", "Too many requests", "Slow down.", {}), ["Retry-After", "7"]);

let server: Server;
let url: string;
before(async () => {
  const procedures = new Map([procedure("Check"), procedure("Watch")].map((p) => [p.path, p]));
  const handlers = createConnectProxy({
    procedures,
    clients: new Map([[Health.typeName, createClient(Health, backend)]]),
    deadlineMs: DEADLINE_MS,
    readMaxBytes: 65_536,
    forwardHeaders: (ctx) => new Headers({ "x-request-id": ctx.requestId }),
  });
  const logger = createLogger("gateway-test", "silent");
  server = createServer(
    createPipeline(
      [
        requestHeaders(createCors([]), createDrain()),
        classify([], procedures),
        refuseOnAsk,
        routeFound,
        dispatch(new Map(), handlers, logger),
      ],
      logger,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test("a unary call's deadline is the client's when shorter, else the gateway's", async () => {
  const health = createClient(Health, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
  seen.checkTimeoutMs.length = 0;
  await health.check({}, { timeoutMs: CLIENT_MS });
  await health.check({}, { timeoutMs: 120_000 });
  await health.check({});
  const [short, long, none] = seen.checkTimeoutMs;
  assert.ok(short !== undefined && short > 0 && short <= CLIENT_MS, `the client's ${CLIENT_MS} ms, got ${short}`);
  assert.ok(long !== undefined && long > CLIENT_MS && long <= DEADLINE_MS, `capped at the gateway's deadline, got ${long}`);
  assert.ok(none !== undefined && none > CLIENT_MS && none <= DEADLINE_MS, `the gateway's deadline, got ${none}`);
});

test("a server stream is proxied message by message, and a client that leaves cancels the internal stream", async () => {
  const health = createClient(Health, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
  const leave = new AbortController();
  const statuses: HealthCheckResponse_ServingStatus[] = [];
  const ended = seen.watchEnded;
  try {
    for await (const message of health.watch({}, { signal: leave.signal })) {
      statuses.push(message.status);
      if (statuses.length === 3) leave.abort();
    }
  } catch (error) {
    assert.equal(ConnectError.from(error).code, Code.Canceled);
  }
  assert.deepEqual(statuses, [
    HealthCheckResponse_ServingStatus.SERVING,
    HealthCheckResponse_ServingStatus.NOT_SERVING,
    HealthCheckResponse_ServingStatus.SERVING,
  ]);
  while (seen.watchEnded === ended) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(seen.watchSignals.at(-1)?.aborted, true, "the internal call saw the cancellation");
});

test("a procedure the proxy does not serve is unimplemented", async () => {
  const elsewhere = createClient(Health, createConnectTransport({ baseUrl: `${url}/nowhere`, httpVersion: "1.1" }));
  const error = await elsewhere.check({}).then(
    () => undefined,
    (failure: unknown) => ConnectError.from(failure),
  );
  assert.equal(error?.code, Code.Unimplemented);
});

test("a refusal of the pipeline reaches a streaming client as its error, with its headers, in Connect and gRPC-Web", async () => {
  for (const [name, transport] of Object.entries({
    "Connect streaming": createConnectTransport({ baseUrl: url, httpVersion: "1.1" }),
    "gRPC-Web streaming": createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
    "gRPC-Web unary": createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
  })) {
    const health = createClient(Health, transport);
    const call = async () => {
      const headers = { "x-test-refuse": "1" };
      if (name.endsWith("unary")) return void (await health.check({}, { headers }));
      for await (const _ of health.watch({}, { headers })) assert.fail(`${name}: no message before the error`);
    };
    const error = await call().then(
      () => undefined,
      (failure: unknown) => ConnectError.from(failure),
    );
    assert.equal(error?.code, Code.ResourceExhausted, name);
    assert.equal(error?.rawMessage, "Slow down.", name);
    assert.equal(error?.metadata.get("retry-after"), "7", name);
  }
});
