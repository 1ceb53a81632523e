#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Go programs the project runs natively, built once from the Go module proxy
# into .infra/go (see lib/go-tool.sh) and reused afterwards.
#
#   bash deploy/local/tool.sh build <name>   build it unless cached, print its path
#   bash deploy/local/tool.sh path <name>    print its path (exit 1 when not built yet)
#
# Tools (name, command package, version):
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

source "$SCRIPT_DIR/lib/common.sh"
source "$SCRIPT_DIR/lib/go-tool.sh"

declare -A PACKAGE=(
  [grpcurl]=github.com/fullstorydev/grpcurl/cmd/grpcurl
  [jaeger]=github.com/jaegertracing/jaeger/cmd/jaeger
  [kustomize]=sigs.k8s.io/kustomize/kustomize/v5
  [promtool]=github.com/prometheus/prometheus/cmd/promtool
)
declare -A VERSION=(
  [grpcurl]=v1.9.4
  [jaeger]=v1.76.0
  [kustomize]=v5.8.2
  [promtool]=v0.316.0
)

usage() { echo "usage: bash deploy/local/tool.sh build|path ${!PACKAGE[*]}" >&2; }

main() {
  local cmd=${1:-} name=${2:-}
  if [[ -z $name || -z ${PACKAGE[$name]:-} ]]; then usage; return 2; fi
  case $cmd in
    build)
      mkdir -p "$LOG_DIR"
      # Progress goes to stderr, so that stdout is the path alone.
      go_tool_build "$name" "${PACKAGE[$name]}" "${VERSION[$name]}" >&2
      go_tool_path "$name" "${VERSION[$name]}"
      ;;
    path)
      local binary
      binary=$(go_tool_path "$name" "${VERSION[$name]}")
      echo "$binary"
      [[ -x $binary ]]
      ;;
    *) usage; return 2 ;;
  esac
}

main "$@"
