/** Connection settings of the infrastructure the tests run against (scripts/test.sh exports them). */
export const infraEnv = {
  DATABASE_URL: process.env.DATABASE_URL ?? "postgres://emporium@127.0.0.1:55432/postgres",
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? "127.0.0.1:59092",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:56379",
  // The native setup's PgBouncer and read replica (deploy/local/env.sh); absent with external infrastructure.
  ...(process.env.DATABASE_POOLER_URL ? { DATABASE_POOLER_URL: process.env.DATABASE_POOLER_URL } : {}),
  ...(process.env.DATABASE_READ_REPLICA_URL ? { DATABASE_READ_REPLICA_URL: process.env.DATABASE_READ_REPLICA_URL } : {}),
};
