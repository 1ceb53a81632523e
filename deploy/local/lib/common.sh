# shellcheck shell=bash
# Shared helpers of the deploy/local scripts (sourced, not executed), and
# the paths every one of them uses: the checkout, its .infra and the logs.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd -P)
INFRA_DIR="$REPO_ROOT/.infra"
LOG_DIR="$INFRA_DIR/logs"

log()  { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die()  { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Short stable id of this checkout, used for paths outside the repo.
repo_hash() { printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-12; }

# Print the last 30 lines of a log file (indented) to stderr.
show_log_tail() {
  local logfile=$1
  if [[ -r $logfile ]]; then
    printf '[infra] ---- last 30 lines of %s ----\n' "$logfile" >&2
    tail -n 30 "$logfile" | sed 's/^/    /' >&2
    printf '[infra] ---- end of %s ----\n' "$logfile" >&2
  else
    printf '[infra] (log file %s does not exist)\n' "$logfile" >&2
  fi
}

# wait_healthy <timeout_s> <name> <logfile> <check-cmd...>
# Polls check-cmd every 0.5 s. check-cmd returns 0 = healthy, 1 = not yet,
# 2 = gave up (e.g. the process died) -> fail immediately.
wait_healthy() {
  local timeout=$1 name=$2 logfile=$3
  shift 3
  local deadline=$((SECONDS + timeout)) rc
  while :; do
    rc=0
    "$@" || rc=$?
    ((rc == 0)) && return 0
    if ((rc == 2)); then
      printf '[infra] ERROR: %s exited during startup; read %s\n' "$name" "$logfile" >&2
      show_log_tail "$logfile"
      exit 1
    fi
    if ((SECONDS >= deadline)); then
      printf '[infra] ERROR: %s not healthy after %ss; read %s\n' "$name" "$timeout" "$logfile" >&2
      show_log_tail "$logfile"
      exit 1
    fi
    sleep 0.5
  done
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
tcp_open() {
  # shellcheck disable=SC2016 # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

# Fail early with a helpful message when a port is taken by a foreign process.
# A port can also be held without a listener: Linux gives ports of
# net.ipv4.ip_local_port_range (32768-60999 by default) to outgoing
# connections, and a server cannot bind a port one of them holds.
ensure_port_free() {
  local port=$1 name=$2 env_var=$3
  if tcp_open "$port"; then
    die "port $port (for $name) is already in use by another process; set $env_var to another port"
  fi
  # (Established only: what a stopped server of ours leaves closing does not block a new bind.)
  if command -v ss >/dev/null && [[ -n $(ss -Htn state established "( sport = :$port )" 2>/dev/null) ]]; then
    die "port $port (for $name) is held by a connection of another process (Linux lends ports $(tr '\t' - </proc/sys/net/ipv4/ip_local_port_range) to outgoing connections); set $env_var to a port outside that range"
  fi
}

# --- ports of running instances ---------------------------------------------
# Each start records its port in .infra/ports/<name>, so status shows the real
# port and `up` with a different EMPORIUM_*_PORT does not hang on a health
# check against the wrong port.

save_port() { mkdir -p "$INFRA_DIR/ports" && echo "$2" >"$INFRA_DIR/ports/$1"; }

# running_port <name> [default]
running_port() {
  local p
  p=$(cat "$INFRA_DIR/ports/$1" 2>/dev/null || true)
  echo "${p:-${2:-}}"
}

clear_port() { rm -f "$INFRA_DIR/ports/$1"; }

# require_same_port <name> <wanted_port> <env_var>
require_same_port() {
  local actual
  actual=$(running_port "$1")
  if [[ -n $actual && $actual != "$2" ]]; then
    die "$1 is already running on port $actual, not $2 ($3); run 'infra.sh down' first to change ports"
  fi
}

# Alive = exists and is not a zombie (an exited daemon stays a zombie until
# init reaps it; kill -0 alone would still report it as alive).
pid_alive() {
  [[ -n ${1:-} ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

read_pidfile() { [[ -r $1 ]] && head -n1 "$1" | tr -dc '0-9'; }

# pid_is_ours <pid> <cwd> <cmdline-regex>: the pid is alive, runs in <cwd>
# (each daemon runs inside its own state dir) and its command line matches.
# This protects against stale pidfiles whose pid got reused.
pid_is_ours() {
  local pid=$1 cwd=$2 pattern=$3
  pid_alive "$pid" || return 1
  [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$(readlink -f "$cwd")" ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -Eq -- "$pattern"
}

# find_our_pids <cwd> <cmdline-regex>: all live processes matching both.
find_our_pids() {
  local cwd=$1 pattern=$2 pid
  for pid in $(pgrep -f -- "$pattern" || true); do
    [[ $pid == "$$" ]] && continue
    pid_is_ours "$pid" "$cwd" "$pattern" && echo "$pid"
  done
  return 0
}

# wait_exit <pid> <seconds>: true once the pid is gone.
wait_exit() {
  local pid=$1 secs=$2 i
  for ((i = 0; i < secs * 10; i++)); do
    pid_alive "$pid" || return 0
    sleep 0.1
  done
  ! pid_alive "$pid"
}

# kill_strays <name> <cwd> <cmdline-regex>: after a stop, SIGKILL anything
# of ours that survived (e.g. orphaned children).
kill_strays() {
  local -a strays
  mapfile -t strays < <(find_our_pids "$2" "$3")
  ((${#strays[@]})) || return 0
  warn "$1: killing leftover processes: ${strays[*]}"
  kill -KILL "${strays[@]}" 2>/dev/null || true
}

# stop_pid <pid> <name> <grace_s>: SIGTERM, wait up to grace_s, then SIGKILL.
stop_pid() {
  local pid=$1 name=$2 grace=$3
  pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid" "$grace" && return 0
  warn "$name (pid $pid) still running after ${grace}s, sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

# own_dir <dir>: creates <dir> (mode 700) for the postgres OS user when root
# (the servers run as that user), for the current user otherwise.
own_dir() {
  mkdir -p "$1"
  chmod 700 "$1"
  if is_root; then chown postgres: "$1"; fi
}

# --- package installation --------------------------------------------------

APT_UPDATED=0
POLICY_RC_D=/usr/sbin/policy-rc.d
CREATED_POLICY_RC_D=0

cleanup_policy_rc_d() {
  if ((CREATED_POLICY_RC_D)); then
    rm -f "$POLICY_RC_D"
    CREATED_POLICY_RC_D=0
  fi
}

# apt_install <pkg...>: install Debian packages; root only.
# Installing postgresql/redis-server would normally start *system* services
# (a cluster on 5432, redis on 6379). We only want the binaries, so while
# installing we add a policy-rc.d that forbids service starts (the standard
# Debian mechanism; skipped when the system already has one, e.g. in images).
apt_install() {
  if ! is_root; then
    die "missing packages: $*. Install them with: sudo apt-get install -y --no-install-recommends $*"
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install these packages manually: $*"
  if [[ ! -e $POLICY_RC_D ]]; then
    printf '#!/bin/sh\n# temporary, created by deploy/local/infra.sh\nexit 101\n' >"$POLICY_RC_D"
    chmod 755 "$POLICY_RC_D"
    CREATED_POLICY_RC_D=1
    trap cleanup_policy_rc_d EXIT
  fi
  if ((APT_UPDATED == 0)); then
    log "apt-get update"
    if ! DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$LOG_DIR/apt.log" 2>&1; then
      show_log_tail "$LOG_DIR/apt.log"
      die "apt-get update failed, see $LOG_DIR/apt.log"
    fi
    APT_UPDATED=1
  fi
  log "apt-get install $* (log: $LOG_DIR/apt.log)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >>"$LOG_DIR/apt.log" 2>&1; then
    show_log_tail "$LOG_DIR/apt.log"
    die "apt-get install $* failed, see $LOG_DIR/apt.log"
  fi
  cleanup_policy_rc_d
}

# ensure_binary <path> <package>: installs the Debian package (apt_install)
# only when <path> is not there yet.
ensure_binary() {
  [[ -x $1 ]] && return 0
  mkdir -p "$LOG_DIR"
  apt_install "$2"
}

# One status line: print_status NAME PORT EXTERNAL_VAR IS_RUNNING_FN PID_FN
print_status() {
  local name=$1 port=$2 external_var=$3 is_running=$4 pid_fn=$5 note=""
  [[ -n ${!external_var:-} ]] && note=" ($external_var set: apps use the external $name)"
  if "$is_running"; then
    printf '[infra] %-9s running  port=%s pid=%s%s\n' "$name" "$(running_port "$name" "$port")" "$("$pid_fn")" "$note"
  else
    printf '[infra] %-9s stopped  port=%s%s\n' "$name" "$port" "$note"
  fi
}
