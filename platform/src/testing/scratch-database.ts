import { randomBytes } from "node:crypto";
import pg from "pg";
import { type MigrationSource, migrate, platformMigrations } from "../db/migrate.js";
import { createPool, databaseUrl, ensureDatabase, type Pool } from "../db/pool.js";

/** The Postgres server tests use (scripts/test.sh exports it). */
export const TEST_DATABASE_URL = process.env.DATABASE_URL ?? "postgres://emporium@127.0.0.1:55432/postgres";

/**
 * A fresh, migrated database of its own for one test file, on the real
 * server; `drop` closes the pool and removes it.
 */
export async function scratchDatabase(
  label: string,
  migrations: MigrationSource[] = [],
): Promise<{ name: string; pool: Pool; drop(): Promise<void> }> {
  const name = `emporium_${label}_t${randomBytes(4).toString("hex")}`;
  await ensureDatabase(TEST_DATABASE_URL, name);
  const pool = createPool(databaseUrl(TEST_DATABASE_URL, name), `${label}-test`, 5);
  await migrate(pool, [platformMigrations, ...migrations]);
  return {
    name,
    pool,
    async drop() {
      await pool.end();
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    },
  };
}
