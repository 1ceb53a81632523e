#!/usr/bin/env bash
# npm run bench:<name>: build, bring up the infrastructure, run bench/<name>.
set -euo pipefail
cd "$(dirname "$0")/.."
tsc -b
bash deploy/local/infra.sh up
source deploy/local/env.sh
exec node --disable-warning=TimeoutNegativeWarning "bench/dist/src/$1-bench.js"
