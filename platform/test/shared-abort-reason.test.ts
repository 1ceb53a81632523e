import assert from "node:assert/strict";
import { test } from "node:test";
import { shareDefaultAbortReason } from "../src/rpc/shared-abort-reason.js";

test("a reasonless abort still yields an AbortError DOMException, one shared instance; a given reason is kept", () => {
  shareDefaultAbortReason();
  shareDefaultAbortReason(); // twice is harmless
  const first = new AbortController();
  const second = new AbortController();
  let heard: unknown;
  first.signal.addEventListener("abort", () => {
    heard = first.signal.reason;
  });
  first.abort();
  second.abort();
  assert.ok(first.signal.aborted);
  assert.ok(first.signal.reason instanceof DOMException);
  assert.equal((first.signal.reason as DOMException).name, "AbortError");
  assert.equal(heard, first.signal.reason);
  assert.equal(second.signal.reason, first.signal.reason);
  assert.throws(() => first.signal.throwIfAborted(), { name: "AbortError" });

  const given = new Error("deadline");
  const third = new AbortController();
  third.abort(given);
  assert.equal(third.signal.reason, given);
});
