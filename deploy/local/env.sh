# Sourced by scripts: the connection settings of the local infrastructure,
# unless the environment already points at external infrastructure.
# With the local Postgres come PgBouncer (transaction pooling, the services'
# transactions) and a streaming read replica (the catalog's lists).
if [[ -z ${DATABASE_URL:-} ]]; then
  export DATABASE_POOLER_URL="${DATABASE_POOLER_URL:-postgres://emporium@127.0.0.1:${EMPORIUM_PGBOUNCER_PORT:-56432}/postgres}"
  export DATABASE_READ_REPLICA_URL="${DATABASE_READ_REPLICA_URL:-postgres://emporium@127.0.0.1:${EMPORIUM_PG_REPLICA_PORT:-55433}/postgres}"
fi
export DATABASE_URL="${DATABASE_URL:-postgres://emporium@127.0.0.1:${EMPORIUM_PG_PORT:-55432}/postgres}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${EMPORIUM_REDIS_PORT:-56379}}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${EMPORIUM_KAFKA_PORT:-59092}}"
# kafkajs warns about its v2 partitioner change on every start; we set the
# partitioner explicitly (platform/src/kafka/client.ts).
export KAFKAJS_NO_PARTITIONER_WARNING=1
