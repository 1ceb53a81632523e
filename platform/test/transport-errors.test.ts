import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { transportErrorInterceptor } from "../src/rpc/transport-errors.js";

type Next = Parameters<ReturnType<typeof transportErrorInterceptor>>[0];
const callFailingWith = async (error: unknown, aborted = false) => {
  const next = (async () => {
    throw error;
  }) as unknown as Next;
  const controller = new AbortController();
  if (aborted) controller.abort();
  const req = { signal: controller.signal } as unknown as Parameters<Next>[0];
  return transportErrorInterceptor()(next)(req).catch((e: ConnectError) => e);
};
const nodeError = (code: string) => Object.assign(new Error(code), { code });

test("a connection reset under the call becomes Unavailable (503 at the edge), not Aborted (409)", async () => {
  const reset = new ConnectError("read ECONNRESET", Code.Aborted, undefined, undefined, nodeError("ECONNRESET"));
  assert.equal(((await callFailingWith(reset)) as ConnectError).code, Code.Unavailable);
});

test("a stream refused or broken by a service shutting down becomes Unavailable, not Internal (500)", async () => {
  const stream = new ConnectError(
    "Stream closed with error code NGHTTP2_REFUSED_STREAM",
    Code.Internal,
    undefined,
    undefined,
    nodeError("ERR_HTTP2_STREAM_ERROR"),
  );
  const goaway = new ConnectError("http/2 stream closed with error code INTERNAL_ERROR (0x2)", Code.Internal);
  const cancel = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
  assert.equal(((await callFailingWith(cancel)) as ConnectError).code, Code.Unavailable, "a dying server's CANCEL is not our cancel");
  assert.equal(((await callFailingWith(stream)) as ConnectError).code, Code.Unavailable);
  assert.equal(((await callFailingWith(goaway)) as ConnectError).code, Code.Unavailable);
});

test("errors the service sent, and calls the caller cancelled, pass unchanged", async () => {
  const conflict = new ConnectError("a request with this Idempotency-Key is still being processed", Code.Aborted);
  const internal = new ConnectError("internal error", Code.Internal);
  assert.equal(((await callFailingWith(conflict)) as ConnectError).code, Code.Aborted);
  assert.equal(((await callFailingWith(internal)) as ConnectError).code, Code.Internal);
  const reset = new ConnectError("read ECONNRESET", Code.Aborted, undefined, undefined, nodeError("ECONNRESET"));
  assert.equal(((await callFailingWith(reset, true)) as ConnectError).code, Code.Aborted);
});
