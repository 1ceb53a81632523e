#!/usr/bin/env bash
# Copies the few third-party .proto files we import from npm packages into
# third_party/ (a separate buf module, excluded from lint and breaking).
# Buf Schema Registry deps need the network; npm packages do not.
set -euo pipefail
cd "$(dirname "$0")/.."
copy() { mkdir -p "third_party/$(dirname "$2")" && cp "node_modules/$1" "third_party/$2"; }
copy google-proto-files/google/api/annotations.proto google/api/annotations.proto
copy google-proto-files/google/api/http.proto google/api/http.proto
copy google-proto-files/google/rpc/error_details.proto google/rpc/error_details.proto
copy grpc-health-check/proto/health/v1/health.proto grpc/health/v1/health.proto
echo "vendored protos into third_party/"
