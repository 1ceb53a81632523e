import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { withTransaction } from "../src/db/pool.js";
import { type BatchedWrite, letWritesWait, runWaitingWrites, write, writeBatched } from "../src/db/waiting-writes.js";
import { statementsSent } from "../src/testing/statements-sent.js";
import { scratchDatabase } from "./test-infra.js";

let db: Awaited<ReturnType<typeof scratchDatabase>>;
before(async () => {
  db = await scratchDatabase("waiting_writes");
  await db.pool.query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)");
});
after(async () => {
  await db?.drop();
});

const note = (id: number, body = `note ${id}`) => ({ text: "INSERT INTO notes (id, body) VALUES ($1, $2)", values: [id, body] });
const ids = async () => (await db.pool.query<{ id: number }>("SELECT id FROM notes ORDER BY id")).rows.map((row) => row.id);

test("in a transaction that lets writes wait, writes cost nothing until COMMIT, then one statement for all of them", async () => {
  await db.pool.query("TRUNCATE notes");
  let sent: string[] = [];
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    sent = statementsSent(tx);
    await write(tx, [note(1), note(2)]);
    await write(tx, [note(3)]);
    assert.deepEqual(sent, [], "nothing sent yet");
  });
  assert.equal(sent.length, 2, "the writes together, then COMMIT");
  assert.match(sent[0] ?? "", /^WITH s0 AS \(INSERT INTO notes/);
  assert.equal(sent[1], "COMMIT");
  assert.deepEqual(await ids(), [1, 2, 3]);
});

test("runWaitingWrites makes them visible to the reads that follow in the transaction", async () => {
  await db.pool.query("TRUNCATE notes");
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    await write(tx, [note(4)]);
    assert.equal((await tx.query("SELECT 1 FROM notes WHERE id = 4")).rowCount, 0, "still waiting");
    await runWaitingWrites(tx);
    assert.equal((await tx.query("SELECT 1 FROM notes WHERE id = 4")).rowCount, 1);
  });
});

test("elsewhere a write runs at once", async () => {
  await db.pool.query("TRUNCATE notes");
  await withTransaction(db.pool, async (tx) => {
    await write(tx, [note(5)]);
    assert.equal((await tx.query("SELECT 1 FROM notes WHERE id = 5")).rowCount, 1);
  });
});

test("a waiting write that fails fails its transaction: nothing of it is kept, and nothing waits in the connection's next one", async () => {
  await db.pool.query("TRUNCATE notes");
  await db.pool.query("INSERT INTO notes (id, body) VALUES (7, 'taken')");
  await assert.rejects(
    withTransaction(db.pool, async (tx) => {
      letWritesWait(tx);
      await tx.query("INSERT INTO notes (id, body) VALUES (6, 'at once')");
      await write(tx, [note(8), note(7, "duplicate")]);
    }),
    /duplicate key value violates unique constraint "notes_pkey"/,
  );
  assert.deepEqual(await ids(), [7]);
  // The pool has one connection per test file at most this busy; whichever it hands out has no leftovers.
  await withTransaction(db.pool, async () => undefined);
  assert.deepEqual(await ids(), [7]);
});

test("a transaction that rolls back drops what waits", async () => {
  await db.pool.query("TRUNCATE notes");
  await assert.rejects(
    withTransaction(db.pool, async (tx) => {
      letWritesWait(tx);
      await write(tx, [note(9)]);
      throw new Error("changed its mind");
    }),
    /changed its mind/,
  );
  await withTransaction(db.pool, async () => undefined);
  assert.deepEqual(await ids(), []);
});

/** Notes in one INSERT for all the ids a batch gives. */
const notesOf: BatchedWrite<number> = {
  statement: (items) => ({ text: "INSERT INTO notes (id, body) SELECT id, 'batched' FROM unnest($1::int[]) AS id", values: [items] }),
};

test("batched writes are one statement per kind for all the batch's items, after the batch's other writes", async () => {
  await db.pool.query("TRUNCATE notes");
  let sent: string[] = [];
  await withTransaction(db.pool, async (tx) => {
    letWritesWait(tx);
    sent = statementsSent(tx);
    await writeBatched(tx, notesOf, 11);
    await write(tx, [note(10)]);
    await writeBatched(tx, notesOf, 12);
    assert.deepEqual(sent, [], "nothing sent yet");
  });
  assert.deepEqual(sent, ["INSERT INTO notes (id, body) VALUES ($1, $2)", notesOf.statement([]).text, "COMMIT"]);
  assert.deepEqual(await ids(), [10, 11, 12]);
});

test("elsewhere a batched write runs at once, for its one item", async () => {
  await db.pool.query("TRUNCATE notes");
  await withTransaction(db.pool, async (tx) => {
    await writeBatched(tx, notesOf, 13);
    assert.equal((await tx.query("SELECT 1 FROM notes WHERE id = 13")).rowCount, 1);
  });
});
