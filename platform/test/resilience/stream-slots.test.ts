import assert from "node:assert/strict";
import { test } from "node:test";
import { TooManyStreamsError } from "../../src/errors/domain-errors.js";
import { createStreamSlots } from "../../src/resilience/stream-slots.js";

const refusal = (take: () => unknown) => {
  try {
    take();
  } catch (error) {
    assert.ok(error instanceof TooManyStreamsError);
    return error;
  }
  assert.fail("expected TooManyStreamsError");
};

test("a caller gets up to maxPerCaller slots; the next is refused as the caller's bound", () => {
  const slots = createStreamSlots({ maxOpen: 10, maxPerCaller: 2 });
  slots.take("a");
  slots.take("a");
  const refused = refusal(() => slots.take("a"));
  assert.equal(refused.bound, "caller");
  assert.equal(refused.limit, 2);
  slots.take("b");
  assert.equal(slots.open, 3);
});

test("the process's bound refuses anyone once maxOpen slots are held", () => {
  const slots = createStreamSlots({ maxOpen: 2, maxPerCaller: 2 });
  slots.take("a");
  slots.take("b");
  assert.equal(refusal(() => slots.take("c")).bound, "server");
});

test("a release frees the slot once, however often it is called", () => {
  const slots = createStreamSlots({ maxOpen: 2, maxPerCaller: 1 });
  const release = slots.take("a");
  release();
  release();
  assert.equal(slots.open, 0);
  slots.take("a");
  slots.take("b");
  assert.equal(refusal(() => slots.take("c")).bound, "server", "a double release did not make room twice");
});
