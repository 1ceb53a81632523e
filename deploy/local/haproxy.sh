#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's HAProxy, the load balancer of npm start with replicas
# (EMPORIUM_REPLICAS=2; platform/src/dev/balancer.ts writes its
# configuration). Only the binary is used: the package's system service is
# never started (apt_install forbids service starts). Idempotent: installs
# only when /usr/sbin/haproxy is missing; prints its path.
#
#   bash deploy/local/haproxy.sh      (npm start with replicas and npm test run it)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

source "$SCRIPT_DIR/lib/common.sh"

HAPROXY=/usr/sbin/haproxy

ensure_binary "$HAPROXY" haproxy
echo "$HAPROXY"
