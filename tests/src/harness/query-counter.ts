import pg from "pg";
import { infraEnv } from "./infra-env.js";

/**
 * Counts the statements a database executed, from pg_stat_statements (loaded
 * by deploy/local), so a test can say how many queries a load really cost.
 */
export async function queryCounter(database: string) {
  const url = new URL(infraEnv.DATABASE_URL);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const count = async (pattern: string) =>
    Number(
      (
        await client.query<{ n: string }>(
          "SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.query LIKE $2",
          [database, pattern],
        )
      ).rows[0]?.n ?? 0,
    );
  return {
    /** Statements matching a LIKE pattern executed so far in this database. */
    count,
    close: () => client.end(),
  };
}

/** The catalog's read of whole products by id (the cache's loader). */
export const PRODUCT_BY_ID = "SELECT id, sku, name%FROM products WHERE id = ANY%";
