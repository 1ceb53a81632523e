import assert from "node:assert/strict";
import { test } from "node:test";
import { timeoutFromHeaders } from "../src/rpc/deadline-propagation.js";

test("reads the caller's budget from grpc-timeout or connect-timeout-ms", () => {
  assert.equal(timeoutFromHeaders(new Headers({ "grpc-timeout": "1500m" })), 1500);
  assert.equal(timeoutFromHeaders(new Headers({ "grpc-timeout": "2S" })), 2000);
  assert.equal(timeoutFromHeaders(new Headers({ "grpc-timeout": "1M" })), 60_000);
  assert.equal(timeoutFromHeaders(new Headers({ "grpc-timeout": "250000u" })), 250);
  assert.equal(timeoutFromHeaders(new Headers({ "connect-timeout-ms": "800" })), 800);
  assert.equal(timeoutFromHeaders(new Headers({ "grpc-timeout": "soon" })), undefined);
  assert.equal(timeoutFromHeaders(new Headers()), undefined);
});
