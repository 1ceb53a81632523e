#!/usr/bin/env bash
# Renders one Kustomize overlay of deploy/k8s to stdout, with the kustomize
# built once from the Go module proxy (deploy/local/tool.sh). No cluster needed.
#
#   bash deploy/k8s/render.sh overlays/dev | kubectl apply -f -
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
overlay=${1:?usage: bash deploy/k8s/render.sh overlays/<name>}
kustomize=$(bash "$here/../local/tool.sh" build kustomize)
exec "$kustomize" build "$here/$overlay"
