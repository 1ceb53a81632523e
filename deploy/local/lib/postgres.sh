# shellcheck shell=bash
# Local PostgreSQL for development (sourced by deploy/local/infra.sh).
#
# Layout: <PG_ROOT>/data (cluster), <PG_ROOT>/run (unix socket),
# log in .infra/logs/postgres.log. PG_ROOT is normally .infra/pg.
#
# Running as root: postgres refuses to run as root, so initdb/pg_ctl run as
# the `postgres` OS user (runuser). That user must be able to traverse every
# parent directory of the checkout. Checkouts under /root (mode 700) are not
# reachable, so in that case the cluster lives in
# /var/tmp/emporium-<hash of repo path>/pg instead and .infra/pg is a symlink
# to it. The log file stays in .infra/logs: it is opened by this script (as
# root) and inherited by the server, so postgres never needs to reach it.
# As a normal user everything simply runs as that user inside .infra/pg.

PG_PORT=${EMPORIUM_PG_PORT:-55432}
PG_USER=emporium
PG_LOG="$LOG_DIR/postgres.log"
PG_OS_USER=postgres

pg_find_bin() {
  local dir
  dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  [[ -n $dir && -x $dir/pg_ctl && -x $dir/initdb && -x $dir/pg_isready ]] && echo "$dir"
}

pg_ensure_installed() {
  if [[ -z $PG_BIN ]]; then
    apt_install postgresql
    PG_BIN=$(pg_find_bin || true)
    [[ -n $PG_BIN ]] || die "postgresql installed but no /usr/lib/postgresql/*/bin found"
  fi
}

# Can the postgres OS user reach (traverse) <dir>?
pg_user_can_reach() {
  runuser -u "$PG_OS_USER" -- test -x "$1" 2>/dev/null
}

# Sets PG_BIN (empty when postgres is not installed yet) and
# PG_ROOT/PG_DATA/PG_SOCK_DIR. .infra/pg is either the cluster root itself or
# a symlink to the /var/tmp fallback (see top of file); we always use the
# real path, because the postgres user cannot go through .infra in that case.
pg_resolve_paths() {
  PG_BIN=$(pg_find_bin || true)
  PG_ROOT="$INFRA_DIR/pg"
  if [[ -L $PG_ROOT ]]; then
    PG_ROOT=$(readlink "$PG_ROOT")
  fi
  PG_DATA="$PG_ROOT/data"
  PG_SOCK_DIR="$PG_ROOT/run"
  # Unix socket paths are limited to ~107 bytes; very deep checkouts get
  # TCP only (apps use TCP anyway).
  if ((${#PG_SOCK_DIR} > 90)); then
    PG_SOCK_DIR=""
  fi
}

# First start only (needs the postgres OS user, i.e. after installation):
# decide between .infra/pg and the /var/tmp fallback, then re-resolve.
pg_choose_root() {
  if is_root && [[ ! -e $INFRA_DIR/pg && ! -L $INFRA_DIR/pg ]] &&
    ! pg_user_can_reach "$INFRA_DIR"; then
    local alt
    alt="/var/tmp/emporium-$(repo_hash)/pg"
    mkdir -p "$alt"
    ln -s "$alt" "$INFRA_DIR/pg"
  fi
  pg_resolve_paths
}

# Run a postgres server binary as the right OS user, with a sane locale and a
# cwd the postgres user can access.
pg_run() {
  if is_root; then
    (cd / && LANG=C.UTF-8 LC_ALL=C.UTF-8 runuser -u "$PG_OS_USER" -- "$@")
  else
    LANG=C.UTF-8 LC_ALL=C.UTF-8 "$@"
  fi
}

# --- shared by every server here that speaks the Postgres protocol -------
# (this cluster, the read replica in lib/pg-replica.sh, PgBouncer in
# lib/pgbouncer.sh)

# cluster_pid / cluster_is_running <data dir>: a cluster's postmaster.
cluster_pid() { read_pidfile "$1/postmaster.pid"; }

cluster_is_running() {
  local pid
  pid=$(cluster_pid "$1" 2>/dev/null || true)
  [[ -n $pid ]] && pid_is_ours "$pid" "$1" 'postgres'
}

# accepts_connections <port>: something answers the Postgres protocol there.
accepts_connections() {
  [[ -n $PG_BIN ]] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$1" -U "$PG_USER" -d postgres -t 2
}

# server_check <port> <pidfile> <is-running fn>: a health check for
# wait_healthy; 2 = the pidfile is there but its process is gone.
server_check() {
  accepts_connections "$1" && return 0
  [[ -r $2 ]] && ! "$3" && return 2
  return 1
}

# cluster_stop <name> <data dir> <log>: pg_ctl's fast stop (SIGTERM, then
# SIGKILL, if it fails), then whatever of it is left.
cluster_stop() {
  local name=$1 data=$2 logfile=$3
  if cluster_is_running "$data"; then
    local pid
    pid=$(cluster_pid "$data")
    log "$name: stopping (pid $pid)"
    echo "---- $(date -Is) pg_ctl stop ----" >>"$logfile"
    pg_run "$PG_BIN/pg_ctl" -D "$data" -m fast -w -t 60 stop >>"$logfile" 2>&1 ||
      stop_pid "$pid" "$name" 5
  else
    log "$name: not running"
  fi
  clear_port "$name"
  kill_strays "$name" "$data" 'postgres'
}

# --- this cluster -----------------------------------------------------------

pg_pid() { cluster_pid "$PG_DATA"; }
pg_is_running() { cluster_is_running "$PG_DATA"; }
pg_is_ready() { accepts_connections "$PG_PORT"; }
pg_check() { server_check "$PG_PORT" "$PG_DATA/postmaster.pid" pg_is_running; }

pg_prepare_dirs() {
  mkdir -p "$PG_ROOT"
  chmod 700 "$PG_ROOT"
  is_root && chown "$PG_OS_USER:" "$PG_ROOT"
  pg_run mkdir -p "$PG_ROOT/run"
  pg_run chmod 700 "$PG_ROOT/run"
  touch "$PG_LOG"
}

# A cluster is ours and complete once initdb succeeded and we added the
# include line right after it. A data folder without both is an initdb that
# never finished (killed, disk full): pg_ctl would fail on it at every start,
# so it is moved aside (not deleted: it might hold something) and made anew.
PG_INCLUDE_LINE="include_if_exists = 'emporium.conf'"

pg_cluster_complete() {
  [[ -s $PG_DATA/PG_VERSION ]] && pg_run grep -qxF "$PG_INCLUDE_LINE" "$PG_DATA/postgresql.conf" 2>/dev/null
}

# A cluster made by another major version cannot be started by this one.
pg_check_major() {
  local made installed
  made=$(pg_run cat "$PG_DATA/PG_VERSION")
  installed=$(basename "$(dirname "$PG_BIN")")
  [[ $made == "$installed" ]] && return 0
  die "postgres: $PG_DATA was made by PostgreSQL $made, but $installed is installed; upgrade it with pg_upgrade, or 'infra.sh down' and delete it (loses the local databases)"
}

pg_initdb() {
  if pg_cluster_complete; then
    pg_check_major
    return 0
  fi
  if [[ -e $PG_DATA ]]; then
    local aside
    aside="$PG_DATA.unfinished-$(date +%Y%m%d%H%M%S)"
    log "postgres: $PG_DATA holds an initdb that never finished; moving it to $aside (delete it when you like) and initializing anew"
    mv "$PG_DATA" "$aside"
  fi
  log "postgres: initdb in $PG_DATA (superuser '$PG_USER', trust auth)"
  pg_run "$PG_BIN/initdb" -D "$PG_DATA" -U "$PG_USER" --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
    { show_log_tail "$PG_LOG"; die "initdb failed, see $PG_LOG"; }
  echo "$PG_INCLUDE_LINE" | pg_run tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

# Settings are rewritten on every start so port overrides take effect.
pg_write_conf() {
  pg_run tee "$PG_DATA/emporium.conf" >/dev/null <<EOF
# Generated by deploy/local/infra.sh on every start - do not edit.
listen_addresses = '127.0.0.1'
port = $PG_PORT
# Own socket dir (not /var/run/postgresql) so we never clash with a system cluster.
unix_socket_directories = '$PG_SOCK_DIR'
max_connections = 300
# The read replica (lib/pg-replica.sh) streams through a replication slot;
# past this much WAL it is let go and copied anew.
max_slot_wal_keep_size = 2GB
# Disposable dev instance: trade crash-safety for speed (tests create/drop a
# lot). A power loss may corrupt this cluster; just delete .infra/pg then.
fsync = off
synchronous_commit = off
full_page_writes = off
logging_collector = off
# Per-statement counts: benchmarks and tests read how many queries a load cost.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
EOF
}

pg_start() {
  pg_resolve_paths
  pg_is_running && require_same_port postgres "$PG_PORT" EMPORIUM_PG_PORT
  if pg_is_running && pg_is_ready; then
    log "postgres: already running (pid $(pg_pid), port $PG_PORT)"
    return 0
  fi
  pg_ensure_installed
  pg_choose_root
  if pg_is_running; then
    log "postgres: process running but not ready yet, waiting"
  else
    rm -f "$PG_DATA/postmaster.pid" # stale (process gone or pid reused)
    ensure_port_free "$PG_PORT" postgres EMPORIUM_PG_PORT
    [[ $PG_ROOT == "$INFRA_DIR/pg" ]] || log "postgres: data lives in $PG_ROOT (checkout not reachable by the postgres user)"
    pg_prepare_dirs
    pg_initdb
    pg_write_conf
    log "postgres: starting on 127.0.0.1:$PG_PORT (log: $PG_LOG)"
    # No -l: the server inherits our (root-opened) log fd. 9>&- closes the
    # infra.sh lock fd so the daemon does not hold it.
    echo "---- $(date -Is) pg_ctl start ----" >>"$PG_LOG"
    save_port postgres "$PG_PORT"
    pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -t 60 start </dev/null >>"$PG_LOG" 2>&1 9>&- ||
      { show_log_tail "$PG_LOG"; die "postgres failed to start, see $PG_LOG"; }
  fi
  wait_healthy 60 postgres "$PG_LOG" pg_check
  log "postgres: ready (pid $(pg_pid), port $PG_PORT)"
}

pg_stop() {
  pg_resolve_paths
  cluster_stop postgres "$PG_DATA" "$PG_LOG"
}

pg_status() {
  pg_resolve_paths
  print_status postgres "$PG_PORT" DATABASE_URL pg_is_running pg_pid
}

pg_url() { echo "postgres://$PG_USER@127.0.0.1:$PG_PORT/postgres"; }
