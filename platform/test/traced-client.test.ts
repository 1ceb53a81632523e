import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { NodeSDK } from "@opentelemetry/sdk-node";
import { InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace";
import { withTransaction } from "../src/db/pool.js";
import { scratchDatabase } from "./test-infra.js";

const spans = new InMemorySpanExporter();
const sdk = new NodeSDK({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })], instrumentations: [] });
sdk.start();
const sampled = trace.getTracer("test");
let db: Awaited<ReturnType<typeof scratchDatabase>>;

before(async () => {
  db = await scratchDatabase("traced");
  await db.pool.query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
  spans.reset();
});
after(async () => {
  await db?.drop();
  await sdk.shutdown();
});

/** Runs `work` under a recording span of its own (a sampled request) and returns the spans below it. */
async function under(work: () => Promise<unknown>) {
  spans.reset();
  const parent = sampled.startSpan("request");
  await context.with(trace.setSpan(context.active(), parent), work).catch(() => undefined);
  parent.end();
  const { traceId, spanId } = parent.spanContext();
  return spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId && s.parentSpanContext?.spanId === spanId);
}

test("a statement inside a sampled trace is a CLIENT span of it, with the database's attributes and the text but never the values", async () => {
  const below = await under(() => db.pool.query("INSERT INTO notes (id, body) VALUES ($1, $2)", [1, "secret-value"]));

  assert.equal(below.length, 1);
  const [span] = below;
  assert.equal(span?.name, `INSERT ${db.name}`);
  assert.equal(span?.kind, SpanKind.CLIENT);
  assert.equal(span?.attributes["db.system.name"], "postgresql");
  assert.equal(span?.attributes["db.namespace"], db.name);
  assert.equal(span?.attributes["db.operation.name"], "INSERT");
  assert.equal(span?.attributes["db.query.text"], "INSERT INTO notes (id, body) VALUES ($1, $2)");
  assert.equal(span?.attributes["server.address"], "127.0.0.1");
  assert.equal(typeof span?.attributes["server.port"], "number");
  assert.doesNotMatch(JSON.stringify(span?.attributes), /secret-value/);
});

test("a transaction's statements on a checked-out client are spans too, in order, and a failing one carries its SQLSTATE", async () => {
  const below = await under(() =>
    withTransaction(db.pool, async (client) => {
      await client.query({ text: "SELECT body FROM notes WHERE id = $1", values: [1] });
      await client.query("INSERT INTO notes (id, body) VALUES (1, 'again')");
    }),
  );

  assert.deepEqual(
    below.map((s) => s.attributes["db.operation.name"]),
    ["BEGIN", "SELECT", "INSERT", "ROLLBACK"],
  );
  const failed = below.find((s) => s.attributes["db.operation.name"] === "INSERT");
  assert.equal(failed?.status.code, SpanStatusCode.ERROR);
  assert.equal(failed?.attributes["db.response.status_code"], "23505");
  assert.equal(failed?.attributes["error.type"], "23505");
  assert.equal(failed?.events[0]?.name, "exception");
});

test("a statement outside any trace, or inside an unsampled one, makes no span", async () => {
  spans.reset();
  await db.pool.query("SELECT 1");
  // What a service holds for a request the edge did not sample: a span context, not a recording span.
  const notRecording = trace.wrapSpanContext({ ...sampled.startSpan("x").spanContext(), traceFlags: 0 });
  await context.with(trace.setSpan(context.active(), notRecording), () => db.pool.query("SELECT 2"));

  assert.deepEqual(
    spans.getFinishedSpans().filter((s) => s.attributes["db.system.name"]),
    [],
  );
});
