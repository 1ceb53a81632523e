import assert from "node:assert/strict";
import { test } from "node:test";
import { type JaegerSpan, type JaegerTrace, renderTrace } from "../src/dev/trace-tree.js";

const span = (
  id: string,
  parent: string | undefined,
  processID: string,
  name: string,
  start: number,
  tags: Record<string, unknown> = {},
): JaegerSpan => ({
  spanID: id,
  operationName: name,
  references: parent ? [{ refType: "CHILD_OF", spanID: parent }] : [],
  startTime: start,
  duration: 2500,
  processID,
  tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
});

const trace: JaegerTrace = {
  traceID: "4bf92f3577b34da6a3ce929d0e0e4736",
  processes: { p1: { serviceName: "gateway" }, p2: { serviceName: "orders" }, p3: { serviceName: "inventory" } },
  spans: [
    span("c", "b", "p2", "publish orders.v1", 300, {
      "span.kind": "producer",
      "messaging.system": "kafka",
      "messaging.destination.name": "orders.v1",
    }),
    span("a", undefined, "p1", "POST /v1/orders", 100, { "span.kind": "server" }),
    span("d", "c", "p3", "process orders.v1", 400, {
      "span.kind": "consumer",
      "messaging.system": "kafka",
      "messaging.destination.name": "orders.v1",
    }),
    span("b", "a", "p2", "CreateOrder", 200, { "span.kind": "server" }),
    span("e", "a", "p1", "GetProduct", 250, { "span.kind": "client", error: true, "otel.status_description": "deadline exceeded" }),
  ],
};

test("a trace prints as a tree in start order, with its Kafka hops and errors marked", () => {
  assert.deepEqual(renderTrace(trace), [
    "trace 4bf92f3577b34da6a3ce929d0e0e4736: 5 spans, 3 services (gateway, orders, inventory), 2.8 ms, 1 with errors",
    "gateway  POST /v1/orders  2.5 ms",
    "├─ orders  CreateOrder  2.5 ms",
    "│  └─ orders  publish orders.v1  2.5 ms  [kafka → orders.v1]",
    "│     └─ inventory  process orders.v1  2.5 ms  [kafka ← orders.v1]",
    "└─ gateway  GetProduct  2.5 ms  ERROR deadline exceeded",
  ]);
});

test("a span whose parent is not in the trace is a root of its own", () => {
  const orphan = { ...trace, spans: [span("x", "missing", "p2", "process payments.v1", 1)] };
  assert.deepEqual(renderTrace(orphan).slice(1), ["orders  process payments.v1  2.5 ms"]);
});
