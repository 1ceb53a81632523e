#!/usr/bin/env bash
# npm start: infrastructure up (or the external one from the environment),
# build, then every process in one log stream. Migrations run as each
# service starts; inventory seeds the demo stock. Jaeger is built (first
# start only) and started by the launcher, without holding the rest back.
set -euo pipefail
cd "$(dirname "$0")/.."
# One per checkout: a second one says what runs (pids, ports) and stops here.
node deploy/local/lib/start-lock.mjs check
bash deploy/local/infra.sh up
# Replicas (EMPORIUM_REPLICAS=2, or EMPORIUM_REPLICAS_<NAME>) stand behind HAProxy, from Debian's packages.
if env | grep -qE '^EMPORIUM_REPLICAS(_[A-Z]+)?=0*([2-9]|[1-9][0-9]+)$'; then bash deploy/local/haproxy.sh >/dev/null; fi
source deploy/local/env.sh
echo "[emporium] building…"
tsc -b
npm run --silent build:storefront
# Prometheus's scrape targets, every copy's /metrics (deploy/observability/prometheus.yml reads them).
export EMPORIUM_PROMETHEUS_TARGETS_DIR=${EMPORIUM_PROMETHEUS_TARGETS_DIR:-deploy/observability/targets}
exec node deploy/local/start.mjs
