# shellcheck shell=bash
# Local single-node Kafka (KRaft, combined broker+controller) for development
# (sourced by deploy/local/infra.sh). No Kafka tarball: the jars come from
# Maven Central via deploy/local/kafka/pom.xml (see the comment there for the
# version choice) and are cached in .infra/kafka/libs.

KAFKA_PORT=${EMPORIUM_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=${EMPORIUM_KAFKA_CONTROLLER_PORT:-59093}
KAFKA_SRC="$SCRIPT_DIR/kafka"
KAFKA_POM="$KAFKA_SRC/pom.xml"
KAFKA_DIR="$INFRA_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_CONF="$KAFKA_DIR/server.properties"
KAFKA_PIDFILE="$KAFKA_DIR/kafka.pid"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_START_TIMEOUT=${EMPORIUM_KAFKA_START_TIMEOUT:-120}
# Written to the log by kafka.server.KafkaRaftServer once the broker serves.
KAFKA_READY_LINE='Kafka Server started'

# shellcheck source=kafka-cluster-id.sh
source "$SCRIPT_DIR/lib/kafka-cluster-id.sh"

kafka_version() { sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"; }

kafka_ensure_java() {
  if ! command -v java >/dev/null; then
    apt_install openjdk-17-jre-headless
  fi
  local major
  major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -n1)
  [[ ${major:-0} -ge 17 ]] || die "Kafka $(kafka_version) needs Java >= 17 (found: ${major:-none})"
}

# --- jar cache ---------------------------------------------------------------

kafka_pom_sum() { sha256sum "$KAFKA_POM" | cut -d' ' -f1; }

# The marker says which pom.xml the jars came from; the broker's own jar must
# be there too (a cache emptied by hand is fetched again, not trusted).
kafka_libs_ok() {
  [[ -r $KAFKA_LIBS/.pom.sha256 && $(<"$KAFKA_LIBS/.pom.sha256") == "$(kafka_pom_sum)" ]] || return 1
  compgen -G "$KAFKA_LIBS/kafka_2.13-$(kafka_version).jar" >/dev/null && return 0
  log "kafka: the jar cache in $KAFKA_LIBS is incomplete; fetching it again"
  return 1
}

# Download once; re-download only when pom.xml changes (checksum marker).
kafka_fetch_libs() {
  kafka_libs_ok && return 0
  command -v mvn >/dev/null || apt_install maven
  local tmp="$KAFKA_DIR/libs.tmp"
  log "kafka: downloading Kafka $(kafka_version) jars from Maven Central (one-time, ~45 MB)"
  rm -rf "$tmp"
  mkdir -p "$KAFKA_DIR"
  if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >>"$KAFKA_LOG" 2>&1; then
    show_log_tail "$KAFKA_LOG"
    die "maven could not fetch the Kafka jars, see $KAFKA_LOG"
  fi
  kafka_pom_sum >"$tmp/.pom.sha256"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
  local jars=("$KAFKA_LIBS"/*.jar)
  log "kafka: ${#jars[@]} jars cached in $KAFKA_LIBS"
}

# --- config / storage ----------------------------------------------------------

# Bash substitution (replacement quoted, so '&' in paths stays literal).
kafka_write_conf() {
  local t
  t=$(<"$KAFKA_SRC/server.properties.template")
  t=${t//@KAFKA_PORT@/"$KAFKA_PORT"}
  t=${t//@CONTROLLER_PORT@/"$KAFKA_CONTROLLER_PORT"}
  t=${t//@DATA_DIR@/"$KAFKA_DATA"}
  printf '%s\n' "$t" >"$KAFKA_CONF"
}

kafka_java() {
  java -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" \
    -Dkafka.logs.dir="$LOG_DIR" -cp "$KAFKA_LIBS/*" "$@"
}

# The cluster id to format with, in .infra/kafka/cluster.id: the cached one
# when it is still one Kafka could have made, else a new one (a cached id
# that can never work, such as one starting with '-', is renewed rather than
# reused on every retry).
kafka_ensure_cluster_id() {
  local f="$KAFKA_DIR/cluster.id" cached=""
  [[ -r $f ]] && cached=$(<"$f")
  kafka_cluster_id_valid "$cached" && return 0
  [[ -n $cached ]] && log "kafka: cached cluster id '$cached' in $f is not a valid KRaft cluster id; renewing it"
  kafka_new_cluster_id >"$f"
}

kafka_meta_cluster_id() { sed -n 's/^cluster\.id=//p' "$KAFKA_DATA/meta.properties"; }

# Storage is formatted when meta.properties exists and our marker (written
# only after StorageTool succeeded) does too. meta.properties without the
# marker is a format that never finished (interrupted, or failed half-way):
# Kafka never ran on it, so it is formatted anew. The controller endpoint is
# recorded in the KRaft voter set at format time, so the marker remembers the
# port, and a start on another port is refused.
kafka_format() {
  local marker="$KAFKA_DIR/formatted-controller-port" id
  if [[ -f $KAFKA_DATA/meta.properties && -r $marker ]]; then
    if [[ $(<"$marker") != "$KAFKA_CONTROLLER_PORT" ]]; then
      die "kafka storage was formatted for controller port $(<"$marker"), not $KAFKA_CONTROLLER_PORT; restore EMPORIUM_KAFKA_CONTROLLER_PORT or delete $KAFKA_DATA (loses topics)"
    fi
    kafka_sync_cluster_id_file
    return 0
  fi
  if [[ -e $KAFKA_DATA ]] && [[ -n $(ls -A "$KAFKA_DATA") ]]; then
    log "kafka: $KAFKA_DATA holds a format that never finished (no $marker); formatting it anew"
  fi
  rm -rf "$KAFKA_DATA" "$marker" # never formatted -> nothing of value inside
  kafka_ensure_cluster_id
  id=$(<"$KAFKA_DIR/cluster.id")
  log "kafka: formatting KRaft storage in $KAFKA_DATA (cluster id $id)"
  kafka_java kafka.tools.StorageTool format --cluster-id="$id" \
    -c "$KAFKA_CONF" --standalone </dev/null >>"$KAFKA_LOG" 2>&1 ||
    { show_log_tail "$KAFKA_LOG"; die "kafka storage format failed, see $KAFKA_LOG"; }
  echo "$KAFKA_CONTROLLER_PORT" >"$marker"
}

# The storage's own id is the one that counts (the broker reads it from
# meta.properties); a cached cluster.id that says otherwise is corrected.
kafka_sync_cluster_id_file() {
  local f="$KAFKA_DIR/cluster.id" formatted cached=""
  formatted=$(kafka_meta_cluster_id)
  [[ -r $f ]] && cached=$(<"$f")
  [[ -n $formatted && $cached != "$formatted" ]] || return 0
  log "kafka: $f said '$cached' but $KAFKA_DATA was formatted with cluster id '$formatted'; keeping the storage's id"
  printf '%s\n' "$formatted" >"$f"
}

# --- process ---------------------------------------------------------------------

kafka_pid() { read_pidfile "$KAFKA_PIDFILE"; }

kafka_is_running() {
  local pid
  pid=$(kafka_pid 2>/dev/null || true)
  [[ -n $pid ]] && pid_is_ours "$pid" "$KAFKA_DIR" 'kafka\.Kafka'
}

kafka_launch() {
  echo "---- $(date -Is) starting kafka $(kafka_version) ----" >>"$KAFKA_LOG"
  # setsid+nohup: fully detached from this shell/terminal. cwd = state dir
  # (JVM crash files land there, and pid_is_ours checks it). 9>&- closes the
  # infra.sh lock fd so the broker does not hold the lock.
  # log4j2.shutdownHookEnabled=false: otherwise log4j stops logging as soon as
  # SIGTERM arrives and the broker's own shutdown messages are lost.
  (
    cd "$KAFKA_DIR" || exit 1
    setsid nohup java -Xms256m -Xmx768m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent \
      -XX:ErrorFile="$LOG_DIR/kafka-hs_err_%p.log" -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$KAFKA_SRC/log4j2.properties" \
      -Dlog4j2.shutdownHookEnabled=false -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" \
      </dev/null >>"$KAFKA_LOG" 2>&1 9>&- &
    echo $! >"$KAFKA_PIDFILE"
  )
}

# Health check for wait_healthy: the ready line appeared in the log after
# byte offset KAFKA_LOG_OFFSET and the broker port accepts connections.
# (Plain pid liveness here: right after the fork the pid may not have exec'd
# java yet, so the stricter kafka_is_running could give a false "died".)
kafka_check() {
  pid_alive "$(kafka_pid)" || return 2
  tail -c +$((KAFKA_LOG_OFFSET + 1)) "$KAFKA_LOG" | grep -q "$KAFKA_READY_LINE" || return 1
  tcp_open "$KAFKA_PORT"
}

# Used when the process already runs but is not serving yet.
kafka_port_check() {
  kafka_is_running || return 2
  tcp_open "$KAFKA_PORT"
}

kafka_start() {
  kafka_is_running && require_same_port kafka "$KAFKA_PORT" EMPORIUM_KAFKA_PORT
  if kafka_is_running && tcp_open "$KAFKA_PORT"; then
    log "kafka: already running (pid $(kafka_pid), port $KAFKA_PORT)"
    return 0
  fi
  mkdir -p "$KAFKA_DIR"
  if kafka_is_running; then
    log "kafka: process running but broker port not open yet, waiting"
    wait_healthy "$KAFKA_START_TIMEOUT" kafka "$KAFKA_LOG" kafka_port_check
  else
    rm -f "$KAFKA_PIDFILE"
    ensure_port_free "$KAFKA_PORT" kafka EMPORIUM_KAFKA_PORT
    ensure_port_free "$KAFKA_CONTROLLER_PORT" "kafka controller" EMPORIUM_KAFKA_CONTROLLER_PORT
    kafka_ensure_java
    kafka_fetch_libs
    kafka_write_conf
    kafka_format
    touch "$KAFKA_LOG"
    KAFKA_LOG_OFFSET=$(stat -c %s "$KAFKA_LOG")
    log "kafka: starting $(kafka_version) on 127.0.0.1:$KAFKA_PORT (log: $KAFKA_LOG)"
    save_port kafka "$KAFKA_PORT"
    kafka_launch
    wait_healthy "$KAFKA_START_TIMEOUT" kafka "$KAFKA_LOG" kafka_check
  fi
  log "kafka: ready (pid $(kafka_pid), port $KAFKA_PORT)"
}

kafka_stop() {
  if kafka_is_running; then
    local pid
    pid=$(kafka_pid)
    log "kafka: stopping (pid $pid, up to 30s)"
    stop_pid "$pid" kafka 30
  else
    log "kafka: not running"
  fi
  kill_strays kafka "$KAFKA_DIR" 'kafka\.Kafka'
  rm -f "$KAFKA_PIDFILE"
  clear_port kafka
}

kafka_status() {
  print_status kafka "$KAFKA_PORT" KAFKA_BROKERS kafka_is_running kafka_pid
}

kafka_brokers() { echo "127.0.0.1:$KAFKA_PORT"; }
