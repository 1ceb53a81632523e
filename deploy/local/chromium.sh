#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's chromium, for the storefront's browser test (playwright-core drives
# it with executablePath /usr/bin/chromium; no browser is ever downloaded by
# Playwright). Idempotent: installs only when /usr/bin/chromium is missing.
#
#   bash deploy/local/chromium.sh      (npm test runs it before the tests)
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

source "$SCRIPT_DIR/lib/common.sh"

CHROMIUM=/usr/bin/chromium

# apt_install: root only (otherwise it says what to install), with apt-get update first.
ensure_binary "$CHROMIUM" chromium
"$CHROMIUM" --version
