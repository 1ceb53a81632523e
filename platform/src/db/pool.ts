import pg from "pg";
import { takeAfterCommit } from "./after-commit.js";
import { TracedClient } from "./traced-client.js";
import { TransactionPooledClient } from "./transaction-pooled-client.js";
import { endTransactionState } from "./transaction-state.js";
import { runWaitingWrites } from "./waiting-writes.js";

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** The URL of `database` on the same server as `serverUrl`. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * A pool of `max` connections to `url`. `transactionPooled`: `url` is a
 * PgBouncer in transaction pooling, where only what lives within one
 * transaction works (no LISTEN, session advisory locks or named prepared
 * statements; those take a direct pool). `timeoutMs`: how long a connect
 * and a statement may take before they fail (none by default), for a server
 * that has somewhere else to go (a read replica).
 */
export function createPool(
  url: string,
  applicationName: string,
  max = 10,
  { transactionPooled = false, timeoutMs }: { transactionPooled?: boolean; timeoutMs?: number } = {},
): Pool {
  const Client = transactionPooled ? TransactionPooledClient : TracedClient;
  const timeouts = timeoutMs === undefined ? {} : { connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs };
  const pool = new pg.Pool({ connectionString: url, application_name: applicationName, max, Client, ...timeouts });
  // An idle client losing its connection must not crash the process; the
  // pool drops it and the next query gets a fresh one.
  pool.on("error", () => undefined);
  return pool;
}

/** Creates the database when it does not exist yet (each service owns one). */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`).catch((error: { code?: string; constraint?: string }) => {
        // Created meanwhile by a sibling process (copies of a service starting
        // together): 42P04 when it had committed, a unique violation on the
        // catalog's name index when both were creating it at once.
        const createdMeanwhile = error.code === "42P04" || (error.code === "23505" && error.constraint === "pg_database_datname_index");
        if (!createdMeanwhile) throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/** Runs `work` in one transaction: commit on success, rollback on any error; then its `afterCommit` callbacks, if it committed. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection dropped between two statements must fail this transaction,
  // not crash the process with an unhandled 'error' event.
  const onError = () => undefined;
  client.on("error", onError);
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await runWaitingWrites(client);
    await client.query("COMMIT");
    for (const callback of takeAfterCommit(client)) {
      try {
        callback();
      } catch {
        // Committed is committed: a callback's failure is not the transaction's.
      }
    }
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    endTransactionState(client);
    client.off("error", onError);
    client.release();
  }
}
