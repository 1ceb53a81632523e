import pg from "pg";
import { infraEnv } from "./infra-env.js";

const COUNT =
  "SELECT coalesce(sum(calls), 0) AS n FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1 AND s.query LIKE $2";

async function connect(serverUrl: string, database: string): Promise<pg.Client> {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}

/**
 * A client of `database` on the replica once it has replayed what the
 * primary just did: the database's creation (connecting fails until then)
 * and the extension the counter created.
 */
async function replicated(replicaUrl: string, database: string): Promise<pg.Client> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const client = await connect(replicaUrl, database).catch(() => undefined);
    const ready = client && (await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).rows.length > 0;
    if (client && ready) return client;
    await client?.end();
    if (Date.now() > deadline) throw new Error(`the read replica did not replay ${database} and its pg_stat_statements within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Counts the statements a database executed, from pg_stat_statements (loaded
 * by deploy/local), so a test can say how many queries a load really cost:
 * on the primary and, where there is one (DATABASE_READ_REPLICA_URL), on the
 * read replica, which keeps counts of its own.
 */
export async function queryCounter(database: string) {
  const primary = await connect(infraEnv.DATABASE_URL, database);
  const clients = [primary];
  try {
    await primary.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    if (infraEnv.DATABASE_READ_REPLICA_URL) clients.push(await replicated(infraEnv.DATABASE_READ_REPLICA_URL, database));
  } catch (error) {
    await primary.end();
    throw error;
  }
  const count = async (pattern: string) => {
    let total = 0;
    for (const client of clients) total += Number((await client.query<{ n: string }>(COUNT, [database, pattern])).rows[0]?.n ?? 0);
    return total;
  };
  return {
    /** Statements matching a LIKE pattern executed so far in this database (both servers). */
    count,
    close: () => Promise.all(clients.map((client) => client.end())),
  };
}

/** The catalog's read of whole products by id (the cache's loader). */
export const PRODUCT_BY_ID = "SELECT id, sku, name%FROM products WHERE id = ANY%";
