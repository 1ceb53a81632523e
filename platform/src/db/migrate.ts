import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Pool, withTransaction } from "./pool.js";

/** A folder of numbered SQL files (`0001_create_orders.sql`) under a name. */
export interface MigrationSource {
  name: string;
  dir: string;
}

/** The tables every service shares: outbox and processed events. */
export const platformMigrations: MigrationSource = {
  name: "platform",
  dir: fileURLToPath(new URL("../../../migrations/", import.meta.url)),
};

const MIGRATION_LOCK = 7_231_001;

/**
 * Applies the files not applied yet, in order, in one transaction under an
 * advisory lock, so that two instances starting together migrate once.
 * Returns the versions it applied.
 */
export async function migrate(pool: Pool, sources: MigrationSource[]): Promise<string[]> {
  return withTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const done = new Set((await client.query<{ version: string }>("SELECT version FROM schema_migrations")).rows.map((r) => r.version));
    const applied: string[] = [];
    for (const source of sources) {
      const files = (await readdir(source.dir)).filter((file) => /^\d{4}_.+\.sql$/.test(file)).sort();
      for (const file of files) {
        const version = `${source.name}/${file.replace(/\.sql$/, "")}`;
        if (done.has(version)) continue;
        await client.query(await readFile(`${source.dir}/${file}`, "utf8"));
        await client.query("INSERT INTO schema_migrations (version) VALUES ($1)", [version]);
        applied.push(version);
      }
    }
    return applied;
  });
}
