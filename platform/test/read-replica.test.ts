import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createPool, databaseUrl, type Pool } from "../src/db/pool.js";
import { createReadReplica, parseLsn } from "../src/db/read-replica.js";
import { createLogger } from "../src/log/logger.js";
import { createMetricsRegistry } from "../src/metrics/registry.js";
import { scratchDatabase } from "./test-infra.js";

// The native setup's streaming replica of the test server (deploy/local/lib/pg-replica.sh).
const REPLICA_URL = process.env.DATABASE_READ_REPLICA_URL;
const silent = createLogger("test", "silent");

let db: Awaited<ReturnType<typeof scratchDatabase>>;
let replica: Pool;
let replicaAdmin: Pool;
before(async () => {
  assert.ok(REPLICA_URL, "DATABASE_READ_REPLICA_URL names the read replica (deploy/local/env.sh sets it with the local Postgres)");
  db = await scratchDatabase("read_replica");
  await db.pool.query("CREATE TABLE notes (id int PRIMARY KEY)");
  replica = createPool(databaseUrl(REPLICA_URL, db.name), "replica-test", 3, { timeoutMs: 2_000 });
  replicaAdmin = createPool(REPLICA_URL, "replica-test-admin", 1);
  await untilOnReplica("SELECT 1 FROM notes LIMIT 1");
});
after(async () => {
  await replicaAdmin?.query("SELECT pg_wal_replay_resume()").catch(() => undefined);
  await replicaAdmin?.end();
  await replica?.end();
  await db?.drop();
});

/** Waits until `sql` runs on the replica (the database and table were replayed). */
async function untilOnReplica(sql: string) {
  for (let tries = 0; ; tries++) {
    try {
      return await replica.query(sql);
    } catch (error) {
      if (tries > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The server a read ran on: true on the standby. */
const onStandby = async (pool: Pool) => (await pool.query<{ standby: boolean }>("SELECT pg_is_in_recovery() AS standby")).rows[0]?.standby;

/** A clock the test moves, so a lag is a number the test chose and not a wait. */
function manualClock() {
  let at = 1_000_000;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

test("an LSN's two halves compare as one number", () => {
  assert.equal(parseLsn("0/0"), 0n);
  assert.ok(parseLsn("1/0") > parseLsn("0/FFFFFFFF"));
  assert.equal(parseLsn("16/B374D848"), (0x16n << 32n) | 0xb374d848n);
});

test("reads go to the primary until the first probe, then to a replica that has caught up", async () => {
  const clock = manualClock();
  const reads = createReadReplica({ primary: db.pool, replica, maxLagMs: 1_000, logger: silent, now: clock.now });
  assert.equal(reads.state(), "starting");
  assert.equal(await reads.read(onStandby), false);
  for (let probes = 0; reads.state() !== "fresh"; probes++) {
    assert.ok(probes < 100, `the replica never caught up: ${reads.state()}`);
    clock.advance(10);
    await reads.probe();
  }
  assert.equal(await reads.read(onStandby), true);
});

test("a replica further behind than the bound is left for the primary, which has the newest rows; it is used again once it catches up", async () => {
  const clock = manualClock();
  const registry = createMetricsRegistry();
  const reads = createReadReplica({ primary: db.pool, replica, maxLagMs: 1_000, logger: silent, now: clock.now, metrics: registry });
  await reads.probe();
  assert.equal(reads.state(), "fresh");

  await replicaAdmin.query("SELECT pg_wal_replay_pause()");
  try {
    await db.pool.query("INSERT INTO notes (id) VALUES (1)");
    await reads.probe(); // notes the primary's position after the insert; the replica is not there
    clock.advance(500);
    await reads.probe();
    assert.equal(reads.state(), "fresh", "half the bound behind: still fresh enough");
    assert.equal((await replica.query("SELECT id FROM notes")).rowCount, 0, "the paused replica does not have the row");

    clock.advance(600);
    await reads.probe();
    assert.equal(reads.state(), "lagging", "1.1 s behind a 1 s bound");
    const seen = await reads.read(async (pool) => (await pool.query("SELECT id FROM notes")).rowCount);
    assert.equal(seen, 1, "the read went to the primary and saw the new row");
  } finally {
    await replicaAdmin.query("SELECT pg_wal_replay_resume()");
  }
  for (let probes = 0; reads.state() !== "fresh"; probes++) {
    assert.ok(probes < 200, `the replica did not catch up after its replay resumed: ${reads.state()}`);
    clock.advance(10);
    await reads.probe();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(await reads.read(async (pool) => (await pool.query("SELECT id FROM notes")).rowCount), 1, "the replica has it now");
  const text = await registry.metrics();
  assert.match(text, /emporium_db_reads_total\{served_by="primary",reason="lagging"\} 1/);
  assert.match(text, /emporium_db_reads_total\{served_by="replica",reason="fresh"\} 1/);
});

test("a replica that cannot be reached is down: reads go to the primary", async () => {
  const unreachable = createPool("postgres://emporium@127.0.0.1:1/none", "replica-test-down", 1, { timeoutMs: 1_000 });
  try {
    const reads = createReadReplica({ primary: db.pool, replica: unreachable, maxLagMs: 1_000, logger: silent });
    await reads.probe();
    assert.equal(reads.state(), "down");
    assert.equal(await reads.read(onStandby), false);
  } finally {
    await unreachable.end();
  }
});

test("a read the replica fails is made again on the primary", async () => {
  const failing = createPool(databaseUrl(REPLICA_URL ?? "", db.name), "replica-test-failing", 1, { timeoutMs: 2_000 });
  const reads = createReadReplica({ primary: db.pool, replica: failing, maxLagMs: 60_000, logger: silent });
  await reads.probe();
  assert.equal(reads.state(), "fresh");
  await failing.end(); // every read on it fails from now on
  assert.equal(await reads.read(onStandby), false);
});

test("a server that is not a standby is never read as a replica (a primary given by mistake, or a promoted one)", async () => {
  const reads = createReadReplica({ primary: db.pool, replica: db.pool, maxLagMs: 1_000, logger: silent });
  await reads.probe();
  assert.equal(reads.state(), "not_a_replica");
});
