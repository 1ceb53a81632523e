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

/** Waits until the replica has replayed the extension the primary just created (its view is in the catalog). */
async function untilReplicated(replica: pg.Client): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const { rows } = await replica.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
    if (rows.length > 0) return;
    if (Date.now() > deadline) throw new Error("the read replica did not replay CREATE EXTENSION pg_stat_statements within 15 s");
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
  const clients = [await connect(infraEnv.DATABASE_URL, database)];
  await clients[0]?.query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  if (infraEnv.DATABASE_READ_REPLICA_URL) {
    const replica = await connect(infraEnv.DATABASE_READ_REPLICA_URL, database);
    clients.push(replica);
    await untilReplicated(replica);
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
