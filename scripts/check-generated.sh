#!/usr/bin/env bash
# Fails when gen/ is not exactly what `buf generate` makes from proto/ now:
# generated code is committed and never edited by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
buf generate -o "$scratch"
if ! diff -r gen/src "$scratch/gen/src" >"$scratch/diff.txt"; then
  echo "gen/ is out of date with proto/: run 'npm run generate' and commit the result." >&2
  head -40 "$scratch/diff.txt" >&2
  exit 1
fi
echo "generated code is up to date"
