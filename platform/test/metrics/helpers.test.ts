import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "@connectrpc/connect";
import { messagesBehind } from "../../src/kafka/offsets-behind.js";
import { traceExemplar } from "../../src/metrics/exemplars.js";
import { grpcCodeName } from "../../src/rpc/grpc-code-names.js";

test("gRPC codes are labelled by their gRPC names", () => {
  assert.equal(grpcCodeName(0), "OK");
  assert.equal(grpcCodeName(Code.NotFound), "NOT_FOUND");
  assert.equal(grpcCodeName(Code.DeadlineExceeded), "DEADLINE_EXCEEDED");
  assert.equal(grpcCodeName(Code.Unavailable), "UNAVAILABLE");
  assert.equal(grpcCodeName(Code.Unauthenticated), "UNAUTHENTICATED");
  assert.equal(grpcCodeName(99 as Code), "UNKNOWN");
});

test("messages behind: high watermark minus the committed offset; from the log's start where the group never committed", () => {
  const watermarks = [
    { partition: 0, low: "0", high: "10" },
    { partition: 1, low: "4", high: "9" },
    { partition: 2, low: "0", high: "5" },
  ];
  const behind = messagesBehind(watermarks, [
    { partition: 0, offset: "7" },
    { partition: 1, offset: "-1" },
    { partition: 2, offset: "6" },
  ]);
  assert.deepEqual(
    [...behind],
    [
      [0, 3],
      [1, 5],
      [2, 0],
    ],
  );
  assert.deepEqual([...messagesBehind([{ partition: 0, low: "2", high: "2" }], [])], [[0, 0]]);
});

test("an exemplar names a sampled trace only", () => {
  const span = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", traceFlags: 1 };
  assert.deepEqual(traceExemplar(span), { trace_id: span.traceId });
  assert.equal(traceExemplar({ ...span, traceFlags: 0 }), undefined);
  assert.equal(traceExemplar({ ...span, traceId: "00000000000000000000000000000000" }), undefined);
  assert.equal(traceExemplar(undefined), undefined, "no active span");
});
