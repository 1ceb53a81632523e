import assert from "node:assert/strict";
import { test } from "node:test";
import { gatheredPerTurn } from "../src/kafka/gathered-per-turn.js";

/** A gatherer that records every group it ran and answers with the group's size. */
function recording(maxItems: number) {
  const groups: string[][] = [];
  const join = gatheredPerTurn(async (items: string[]) => {
    groups.push(items);
    return items.length;
  }, maxItems);
  return { groups, join };
}

test("what is handed in during one turn runs as one group, and every caller gets its result", async () => {
  const { groups, join } = recording(10);
  const answers = await Promise.all([join(["a"]), join(["b", "c"]), join(["d"])]);
  assert.deepEqual(groups, [["a", "b", "c", "d"]]);
  assert.deepEqual(answers, [4, 4, 4]);
});

test("work handed in after the group ran starts a new group", async () => {
  const { groups, join } = recording(10);
  await join(["a"]);
  await join(["b"]);
  assert.deepEqual(groups, [["a"], ["b"]]);
});

test("a group never holds more than maxItems: a caller that would overflow it starts the next", async () => {
  const { groups, join } = recording(3);
  const answers = await Promise.all([join(["a", "b"]), join(["c", "d"]), join(["e"])]);
  assert.deepEqual(groups, [
    ["a", "b"],
    ["c", "d", "e"],
  ]);
  assert.deepEqual(answers, [2, 3, 3]);
});

test("a group that fails fails for every caller in it, and the next group runs anew", async () => {
  let runs = 0;
  const join = gatheredPerTurn(async (items: string[]) => {
    runs++;
    if (items.includes("bad")) throw new Error("group failed");
    return items.length;
  }, 10);
  const settled = await Promise.allSettled([join(["ok"]), join(["bad"])]);
  assert.deepEqual(
    settled.map((result) => result.status),
    ["rejected", "rejected"],
  );
  assert.equal(await join(["fine"]), 1);
  assert.equal(runs, 2);
});
