import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool, databaseUrl, type Pool } from "../src/db/pool.js";
import { scratchDatabase } from "./test-infra.js";

// The native setup's PgBouncer in transaction pooling (deploy/local/lib/pgbouncer.sh).
const POOLER_URL = process.env.DATABASE_POOLER_URL;

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let pooled: Pool;
before(async () => {
  assert.ok(POOLER_URL, "DATABASE_POOLER_URL names PgBouncer (deploy/local/env.sh sets it with the local Postgres)");
  db = await scratchDatabase("pgbouncer");
  pooled = createPool(databaseUrl(POOLER_URL, db.name), "pgbouncer-test", 4, { transactionPooled: true });
});
after(async () => {
  await pooled?.end();
  await db?.drop();
});

test("statements go through PgBouncer, which lists this database's clients", async () => {
  await pooled.query("SELECT 1");
  const admin = createPool(databaseUrl(POOLER_URL ?? "", "pgbouncer"), "pgbouncer-test-admin", 1);
  try {
    // The admin console speaks the simple protocol only: no parameters.
    const { rows } = await admin.query<{ database: string }>({ text: "SHOW CLIENTS", queryMode: "simple" } as never);
    assert.ok(
      rows.some((row) => row.database === db.name),
      "a client of the test database",
    );
  } finally {
    await admin.end();
  }
});

test("a named prepared statement is refused at once through the transaction pooler", async () => {
  await assert.rejects(
    pooled.query({ name: "by-id", text: "SELECT $1::int AS n", values: [1] }),
    /named prepared statement "by-id" refused/,
  );
  // Unnamed statements with parameters (pg's default) work as ever.
  assert.equal((await pooled.query<{ n: number }>("SELECT $1::int AS n", [7])).rows[0]?.n, 7);
});

test("a transaction's advisory lock holds for the whole transaction through PgBouncer, and only for it", async () => {
  const holder = await pooled.connect();
  const other = await pooled.connect();
  try {
    await holder.query("BEGIN");
    await holder.query("SELECT pg_advisory_xact_lock(4242)");
    const tryLock = async () => {
      await other.query("BEGIN");
      const { rows } = await other.query<{ locked: boolean }>("SELECT pg_try_advisory_xact_lock(4242) AS locked");
      await other.query("COMMIT");
      return rows[0]?.locked;
    };
    assert.equal(await tryLock(), false, "held while the holder's transaction is open");
    await holder.query("COMMIT");
    assert.equal(await tryLock(), true, "free once it committed: the lock did not stay on PgBouncer's server connection");
  } finally {
    holder.release();
    other.release();
  }
});
