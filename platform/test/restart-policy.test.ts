import assert from "node:assert/strict";
import { test } from "node:test";
import { restartPolicy } from "../src/dev/restart-policy.js";

test("a copy that exits is started again, unless it exited three times within a minute", () => {
  let now = 0;
  const mayRestart = restartPolicy({ now: () => now });
  assert.equal(mayRestart("orders-1"), true);
  now += 10_000;
  assert.equal(mayRestart("orders-1"), true);
  assert.equal(mayRestart("orders-2"), true, "each copy counts its own exits");
  now += 10_000;
  assert.equal(mayRestart("orders-1"), false, "the third exit within a minute");
});

test("exits older than the window are forgotten", () => {
  let now = 0;
  const mayRestart = restartPolicy({ now: () => now });
  for (let i = 0; i < 10; i++) {
    assert.equal(mayRestart("payments-2"), true, `exit ${i + 1}, 40 s after the last`);
    now += 40_000;
  }
});
