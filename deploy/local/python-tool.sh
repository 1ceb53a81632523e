#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Python programs the tests run (from PyPI), installed once into a
# project-local virtual environment under .infra/python and reused afterwards.
#
#   bash deploy/local/python-tool.sh install <name>   install it unless cached, print its path
#   bash deploy/local/python-tool.sh path <name>      print its path (exit 1 when not installed yet)
#
# Each tool has a venv of its own (.infra/python/<name>-<version>), so a
# version bump is a new folder and never half-upgrades a working one. A venv
# counts as installed only once its marker file is written, after pip
# succeeded, so an interrupted install is redone from scratch next time.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

source "$SCRIPT_DIR/lib/common.sh"

PYTHON_TOOLS_DIR=${EMPORIUM_PYTHON_TOOLS_DIR:-$INFRA_DIR/python}

# Tools (name, version): schemathesis fuzzes the gateway's OpenAPI document;
# kubernetes-validate checks deploy/k8s against the Kubernetes JSON schemas it
# bundles (offline).
declare -A VERSION=(
  [kubernetes-validate]=1.37.0
  [schemathesis]=4.32.5
)

usage() { echo "usage: bash deploy/local/python-tool.sh install|path ${!VERSION[*]}" >&2; }

tool_path() { echo "$PYTHON_TOOLS_DIR/$1-$2/bin/$1"; }
installed() { [[ -f $PYTHON_TOOLS_DIR/$1-$2/.installed && -x $(tool_path "$1" "$2") ]]; }

ensure_venv_module() {
  python3 -c 'import ensurepip, venv' 2>/dev/null && return 0
  # Debian splits venv and ensurepip out of python3.
  is_root || die "python3 has no venv module; install python3-venv"
  log "installing python3-venv from the OS packages"
  apt-get install -y -q python3-venv >/dev/null 2>&1 || { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; }
}

install_tool() {
  local name=$1 version=$2 target lock_fd logfile
  target="$PYTHON_TOOLS_DIR/$name-$version"
  installed "$name" "$version" && return 0
  command -v python3 >/dev/null || die "$name: python3 is needed"
  mkdir -p "$PYTHON_TOOLS_DIR" "$LOG_DIR"
  exec {lock_fd}>"$PYTHON_TOOLS_DIR/.$name.lock"
  flock -w 1800 "$lock_fd" || die "$name: timed out waiting for another install of it"
  if installed "$name" "$version"; then
    exec {lock_fd}>&-
    return 0
  fi
  ensure_venv_module
  logfile="$LOG_DIR/python-install-$name.log"
  log "$name $version: installing from PyPI into $target (once; log: $logfile)"
  # Built where it will live: a venv's scripts name its own path.
  rm -rf "$target"
  if ! {
    python3 -m venv "$target" &&
      "$target/bin/python" -m pip install --disable-pip-version-check -q "$name==$version"
  } >"$logfile" 2>&1; then
    show_log_tail "$logfile"
    rm -rf "$target"
    die "$name: install failed"
  fi
  touch "$target/.installed"
  exec {lock_fd}>&-
}

main() {
  local cmd=${1:-} name=${2:-}
  if [[ -z $name || -z ${VERSION[$name]:-} ]]; then usage; return 2; fi
  case $cmd in
    install)
      # Progress goes to stderr, so that stdout is the path alone.
      install_tool "$name" "${VERSION[$name]}" >&2
      tool_path "$name" "${VERSION[$name]}"
      ;;
    path)
      tool_path "$name" "${VERSION[$name]}"
      installed "$name" "${VERSION[$name]}"
      ;;
    *) usage; return 2 ;;
  esac
}

main "$@"
