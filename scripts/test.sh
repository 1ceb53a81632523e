#!/usr/bin/env bash
# npm test: lint and format, proto lint, generated-code drift, typecheck and
# build, then unit, integration and end-to-end tests against real
# PostgreSQL, Redis and Kafka (started here unless the environment points at
# external ones).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "node $(node --version)"
case "$(node --version)" in v24.*) ;; *) echo "expected Node 24 (from the 'node' devDependency); run 'npm ci' first" >&2; exit 1 ;; esac

step "lint and format (biome)"
biome check --error-on-warnings .

step "proto lint (buf)"
buf lint

step "generated code drift"
bash scripts/check-generated.sh

step "typecheck and build (tsc -b, from clean: no stale output of a moved or deleted file runs)"
rm -rf gen/dist platform/dist services/*/dist gateway/dist gateway/client/dist gateway/storefront/dist tests/dist bench/dist
tsc -b

step "storefront (vite build into gateway/storefront/dist, served by the gateway at /)"
npm run --silent build:storefront

step "chromium for the storefront's browser test (Debian package, installed once when /usr/bin/chromium is missing)"
bash deploy/local/chromium.sh

step "HAProxy for npm start with replicas and its test (Debian package, installed once when /usr/sbin/haproxy is missing)"
bash deploy/local/haproxy.sh >/dev/null

step "OpenAPI document: docs/openapi.json is what the gateway serves, and Redocly's linter accepts it"
node gateway/dist/src/openapi/write-cli.js --check
REDOCLY_SUPPRESS_UPDATE_NOTICE=true redocly lint --format=stylish docs/openapi.json

step "schemathesis (the OpenAPI fuzzer of the e2e tests): installed from PyPI once into .infra/python"
bash deploy/local/python-tool.sh install schemathesis >/dev/null

step "kubernetes-validate (offline Kubernetes schemas for the deploy/k8s tests): installed from PyPI once into .infra/python"
bash deploy/local/python-tool.sh install kubernetes-validate >/dev/null

step "Go tools: promtool (alert-rule checks), Jaeger (the trace test) and kustomize (renders deploy/k8s); built once from the Go module proxy into .infra/go, minutes the first time"
bash deploy/local/tool.sh build promtool >/dev/null
bash deploy/local/tool.sh build jaeger >/dev/null
bash deploy/local/tool.sh build kustomize >/dev/null

step "infrastructure"
bash deploy/local/infra.sh up
source deploy/local/env.sh

step "tests"
# The slow chaos scenarios (tests/test/chaos/*.slow.test.ts, a minute or more
# each) run with npm run test:chaos only; the fast ones run here too.
node --disable-warning=TimeoutNegativeWarning --test --test-reporter=spec --test-concurrency=1 --test-timeout=180000 \
  'platform/dist/test/**/*.test.js' \
  'services/*/dist/test/**/*.test.js' \
  'gateway/dist/test/**/*.test.js' \
  'gateway/client/dist/test/**/*.test.js' \
  'tests/dist/test/**/!(*.slow).test.js'
