import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { ensureDatabase } from "../src/db/pool.js";
import { TEST_DATABASE_URL } from "../src/testing/scratch-database.js";

test("copies of a service creating their database at the same moment all start: one creates it, the others find it", async () => {
  const name = `emporium_ensure_t${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ensureDatabase(TEST_DATABASE_URL, name)));
    assert.deepEqual(
      results.map((result) => (result.status === "rejected" ? String(result.reason) : result.status)),
      Array(6).fill("fulfilled"),
    );
    assert.equal((await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name])).rowCount, 1);
    await ensureDatabase(TEST_DATABASE_URL, name);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
});
