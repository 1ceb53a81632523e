#!/usr/bin/env bash
# npm start: infrastructure up (or the external one from the environment),
# build, then every process in one log stream. Migrations run as each
# service starts; inventory seeds the demo stock.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/local/infra.sh up
source deploy/local/env.sh
echo "[emporium] building…"
tsc -b
exec node deploy/local/start.mjs
