#!/usr/bin/env bash
# Fails when gen/ is not exactly what `buf generate` makes from proto/ now
# (generated code is committed and never edited by hand), or when the vendored
# buf/validate/validate.proto is not the one @bufbuild/protovalidate uses.
set -euo pipefail
cd "$(dirname "$0")/.."
# buf and protoc-gen-es come from npm; this works outside `npm run` too.
PATH="$PWD/node_modules/.bin:$PATH"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
buf generate -o "$scratch"
if ! diff -r gen/src "$scratch/gen/src" >"$scratch/diff.txt"; then
  echo "gen/ is out of date with proto/: run 'npm run generate' and commit the result." >&2
  head -40 "$scratch/diff.txt" >&2
  exit 1
fi

# Our protos carry buf/validate options that @bufbuild/protovalidate evaluates
# with its own generated copy of validate.proto. Both must describe the same
# file, so the vendored one (scripts/vendor-protos.sh) compiles to exactly the
# descriptor embedded in the installed npm package.
embedded_descriptor() { grep -o 'fileDesc("[^"]*"' "$1"; }
buf generate --template '{"version":"v2","plugins":[{"local":"protoc-gen-es","out":"validate","opt":["target=js"]}]}' \
  --path third_party/buf/validate/validate.proto -o "$scratch"
if ! cmp -s <(embedded_descriptor "$scratch/validate/buf/validate/validate_pb.js") \
  <(embedded_descriptor node_modules/@bufbuild/protovalidate/dist/esm/gen/buf/validate/validate_pb.js); then
  echo "third_party/buf/validate/validate.proto differs from the one @bufbuild/protovalidate was built from:" >&2
  echo "match PROTOVALIDATE_JAVA_VERSION in scripts/vendor-protos.sh to the npm package, rerun it and commit." >&2
  exit 1
fi
echo "generated code is up to date"
