#!/usr/bin/env bash
# Copies the few third-party .proto files we import from package registries
# into third_party/ (a separate buf module, excluded from lint and breaking).
# Buf Schema Registry deps need the network; npm and Maven Central do not.
set -euo pipefail
cd "$(dirname "$0")/.."
copy() { mkdir -p "third_party/$(dirname "$2")" && cp "node_modules/$1" "third_party/$2"; }
copy google-proto-files/google/api/annotations.proto google/api/annotations.proto
copy google-proto-files/google/api/http.proto google/api/http.proto
copy google-proto-files/google/rpc/error_details.proto google/rpc/error_details.proto
copy grpc-health-check/proto/health/v1/health.proto grpc/health/v1/health.proto
# Server reflection (platform/src/rpc/reflection/): grpc-node's own package
# carries both versions that grpcurl and other stock clients speak.
copy @grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto grpc/reflection/v1/reflection.proto
copy @grpc/reflection/build/proto/grpc/reflection/v1alpha/reflection.proto grpc/reflection/v1alpha/reflection.proto

# buf/validate/validate.proto is in no npm package (@bufbuild/protovalidate
# ships only the code generated from it), but the protovalidate Java artifact
# on Maven Central carries the .proto. Its version must carry the same proto
# as the npm @bufbuild/protovalidate we validate with: Java 1.2.0 to 1.3.0 and
# npm 1.3.0 all carry upstream protovalidate v1.2.2 (1.0.0 carries an older
# one). scripts/check-generated.sh fails if the two ever drift apart.
PROTOVALIDATE_JAVA_VERSION=1.3.0
jars=$(mktemp -d)
trap 'rm -rf "$jars"' EXIT
if ! out=$(mvn -q -B dependency:copy -Dartifact="build.buf:protovalidate:$PROTOVALIDATE_JAVA_VERSION" -DoutputDirectory="$jars" 2>&1); then
  echo "$out" >&2
  exit 1
fi
mkdir -p third_party/buf/validate
unzip -p "$jars/protovalidate-$PROTOVALIDATE_JAVA_VERSION.jar" buf/validate/validate.proto >third_party/buf/validate/validate.proto

echo "vendored protos into third_party/"
