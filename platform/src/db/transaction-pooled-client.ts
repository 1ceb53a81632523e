import { TracedClient } from "./traced-client.js";

type Query = (this: TracedClient, config: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * The client of a pool that goes through PgBouncer's transaction pooling
 * (DATABASE_POOLER_URL). There a server connection is this client's for
 * one transaction only, so a named prepared statement, which lives in the
 * server session, may be missing (or be another client's) at its next use:
 * PgBouncer 1.18, Debian 12's, does not track them. pg prepares a named
 * statement only when a query config has a `name`; this client refuses
 * those at once instead of letting them fail now and then. Unnamed
 * statements (pg's default: Parse, Bind and Execute in one round) are
 * complete within each statement and are fine.
 */
export class TransactionPooledClient extends TracedClient {}

const tracedQuery = TracedClient.prototype.query as unknown as Query;

(TransactionPooledClient.prototype as unknown as { query: Query }).query = function pooledQuery(config, values, callback) {
  if (typeof config === "object" && config !== null && (config as { name?: unknown }).name) {
    throw new Error(
      `named prepared statement "${String((config as { name: unknown }).name)}" refused: this pool goes through PgBouncer's transaction pooling, where a prepared statement does not outlive its transaction`,
    );
  }
  return tracedQuery.call(this, config, values, callback);
};
