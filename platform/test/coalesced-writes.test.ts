import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { coalescedWrites } from "../src/db/coalesced-writes.js";
import type { Pool } from "../src/db/pool.js";
import { scratchDatabase } from "./test-infra.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("coalesced_writes");
  await db.pool.query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
});
after(async () => {
  await db?.drop();
});

const note = (id: number, body = `note ${id}`) => ({ text: "INSERT INTO notes (id, body) VALUES ($1, $2)", values: [id, body] });
const ids = async () => (await db.pool.query<{ id: number }>("SELECT id FROM notes ORDER BY id")).rows.map((row) => row.id);

/** The pool, recording how many statements go through it. */
function counted(pool: Pool) {
  const sent: string[] = [];
  const watched = Object.create(pool) as Pool;
  watched.query = ((config: { text: string }) => {
    sent.push(config.text);
    return pool.query(config as never);
  }) as unknown as Pool["query"];
  return { watched, sent };
}

test("a lone write is sent at once, as it is", async () => {
  await db.pool.query("TRUNCATE notes");
  const { watched, sent } = counted(db.pool);
  await coalescedWrites(watched).write([note(1)]);
  assert.deepEqual(sent, [note(1).text]);
  assert.deepEqual(await ids(), [1]);
});

test("writes that come while one is on its way go together in the next statement", async () => {
  await db.pool.query("TRUNCATE notes");
  const { watched, sent } = counted(db.pool);
  const writes = coalescedWrites(watched);
  await Promise.all([2, 3, 4, 5].map((id) => writes.write([note(id), note(id + 10)])));
  assert.equal(sent.length, 2, "the first, then the other three together");
  assert.match(sent[1] ?? "", /^WITH s0 AS \(INSERT INTO notes .*\n.*s5 AS/s);
  assert.deepEqual(await ids(), [2, 3, 4, 5, 12, 13, 14, 15]);
});

test("a write that fails fails only its own caller: the others of its statement are written alone", async () => {
  await db.pool.query("TRUNCATE notes");
  await db.pool.query("INSERT INTO notes (id, body) VALUES (7, 'taken')");
  const writes = coalescedWrites(db.pool);
  const results = await Promise.allSettled([
    writes.write([note(6)]),
    writes.write([note(7)]),
    writes.write([note(8)]),
    writes.write([note(9)]),
  ]);
  assert.deepEqual(
    results.map((result) => result.status),
    ["fulfilled", "rejected", "fulfilled", "fulfilled"],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /duplicate key value/);
  assert.deepEqual(await ids(), [6, 7, 8, 9]);
});

test("a write that is atomic stays so: both of its statements or neither", async () => {
  await db.pool.query("TRUNCATE notes");
  await db.pool.query("INSERT INTO notes (id, body) VALUES (21, 'taken')");
  const writes = coalescedWrites(db.pool);
  const results = await Promise.allSettled([writes.write([note(19)]), writes.write([note(20), note(21)])]);
  assert.deepEqual(
    results.map((result) => result.status),
    ["fulfilled", "rejected"],
  );
  assert.deepEqual(await ids(), [19, 21]);
});
