#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Native local infrastructure (no Docker): PostgreSQL, Redis and a single-node
# Kafka (KRaft) bound to 127.0.0.1 on non-standard ports, so they never clash
# with system services.
#
#   bash deploy/local/infra.sh up|down|status
#
#   component  default port  override env            state / log
#   postgres   55432         EMPORIUM_PG_PORT        .infra/pg        .infra/logs/postgres.log
#   pgbouncer  56432         EMPORIUM_PGBOUNCER_PORT .infra/pgbouncer .infra/logs/pgbouncer.log
#   replica    55433         EMPORIUM_PG_REPLICA_PORT .infra/pg-replica .infra/logs/postgres-replica.log
#              (PgBouncer: transaction pooling in front of postgres; the
#              replica: a streaming copy of it, lib/pg-replica.sh)
#   redis      56379         EMPORIUM_REDIS_PORT     .infra/redis     .infra/logs/redis.log
#   kafka      59092 (+59093 controller)             .infra/kafka     .infra/logs/kafka.log
#              EMPORIUM_KAFKA_PORT / EMPORIUM_KAFKA_CONTROLLER_PORT
#              (EMPORIUM_KAFKA_START_TIMEOUT, default 120 s)
#
# Ports can only be changed while the component is stopped (`down` first).
# As root, postgres runs as the `postgres` OS user; if that user cannot reach
# the checkout (e.g. under /root) its data goes to /var/tmp/emporium-<hash>/pg
# and .infra/pg is a symlink to it (details in lib/postgres.sh).
#
# All state lives in <repo>/.infra (git-ignored); `down` keeps the data,
# `rm -rf .infra` (after `down`; plus /var/tmp/emporium-<hash> in the
# postgres fallback case) resets everything.
# External infra: when DATABASE_URL / REDIS_URL / KAFKA_BROKERS is set, the
# matching local service is not started.
#
# Packages: postgresql and redis-server come from apt (installed automatically
# when running as root, otherwise the script says what to install). Kafka is
# not packaged by Debian: its jars are fetched once from Maven Central with
# deploy/local/kafka/pom.xml (Kafka 4.3.1, see the comment there).
#
# kafkajs 2.2.4 vs Kafka 4.x (KIP-896 removed old protocol versions in 4.0):
# verified working against 4.3.1 - admin.createTopics, producer.send with
# headers, consumer group (fromBeginning, eachMessage, commitOffsets),
# admin.fetchTopicOffsets / fetchOffsets, plus an idempotent transactional
# producer with sendOffsets. kafkajs picks the highest version it
# knows from ApiVersions (e.g. Produce v7, Fetch v11, JoinGroup v5,
# FindCoordinator v2, ListOffsets v3, OffsetCommit v5, CreateTopics v3), all of
# which 4.x still accepts. The first consumer-group join after a fresh format
# logs transient "coordinator is loading" errors from kafkajs while
# __consumer_offsets is created; kafkajs retries them automatically.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

source "$SCRIPT_DIR/lib/common.sh"
source "$SCRIPT_DIR/lib/postgres.sh"
source "$SCRIPT_DIR/lib/pgbouncer.sh"
source "$SCRIPT_DIR/lib/pg-replica.sh"
source "$SCRIPT_DIR/lib/redis.sh"
source "$SCRIPT_DIR/lib/kafka.sh"

usage() {
  echo "usage: bash deploy/local/infra.sh up|down|status" >&2
}

# One infra.sh at a time per checkout (fd 9; daemons are started with 9>&-).
acquire_lock() {
  exec 9>"$INFRA_DIR/.lock"
  if ! flock -n 9; then
    log "another infra.sh is running for this checkout, waiting for it"
    flock -w 300 9 || die "timed out waiting for $INFRA_DIR/.lock"
  fi
}

print_settings() {
  log "connection settings:"
  if [[ -n ${DATABASE_URL:-} ]]; then
    log "DATABASE_URL: external (kept from your environment)"
  else
    echo "DATABASE_URL=$(pg_url)"
    echo "DATABASE_POOLER_URL=$(pgb_url)"
    echo "DATABASE_READ_REPLICA_URL=$(replica_url)"
  fi
  if [[ -n ${REDIS_URL:-} ]]; then log "REDIS_URL: external (kept from your environment)"; else echo "REDIS_URL=$(redis_url)"; fi
  if [[ -n ${KAFKA_BROKERS:-} ]]; then log "KAFKA_BROKERS: external (kept from your environment)"; else echo "KAFKA_BROKERS=$(kafka_brokers)"; fi
}

cmd_up() {
  acquire_lock
  if [[ -n ${DATABASE_URL:-} ]]; then
    log "postgres: DATABASE_URL is set, using the external database (local postgres not started)"
  else
    pg_start
    pgb_start
    replica_start
  fi
  if [[ -n ${REDIS_URL:-} ]]; then
    log "redis: REDIS_URL is set, using the external redis (local redis not started)"
  else
    redis_start
  fi
  if [[ -n ${KAFKA_BROKERS:-} ]]; then
    log "kafka: KAFKA_BROKERS is set, using the external brokers (local kafka not started)"
  else
    kafka_start
  fi
  print_settings
}

# Stops whatever of ours is running, regardless of the *_URL variables.
cmd_down() {
  acquire_lock
  kafka_stop
  redis_stop
  replica_stop
  pgb_stop
  pg_stop
  log "all local infrastructure stopped (data kept in $INFRA_DIR)"
}

cmd_status() {
  pg_status
  pgb_status
  replica_status
  redis_status
  kafka_status
}

main() {
  local cmd=${1:-}
  case $cmd in
    up | down | status) ;;
    -h | --help | help) usage; return 0 ;;
    *) usage; return 2 ;;
  esac
  mkdir -p "$INFRA_DIR" "$LOG_DIR"
  "cmd_$cmd"
}

main "$@"
