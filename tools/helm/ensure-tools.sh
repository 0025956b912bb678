#!/usr/bin/env bash
# Installs the offline chart checkers once per machine and prints `export` lines for them:
#   helm (go install helm.sh/helm/v3/cmd/helm@HELM_VERSION; a few minutes the first time) and
#   kubernetes-validate from PyPI (pinned in requirements.txt) in a venv; both cached like the Kafka jars.
# Usage: eval "$(tools/helm/ensure-tools.sh)"
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HELM_VERSION=v3.22.0
CACHE="${SHOPNEST_INFRA_HOME:-${HOME:?HOME not set}/.cache/shopnest-infra}"
HELM_DIR="$CACHE/helm/$HELM_VERSION"
KV_DIR="$CACHE/kubernetes-validate/$(sha256sum "$HERE/requirements.txt" | cut -c1-12)"

log() { printf '[helm-tools] %s\n' "$*" >&2; }
mkdir -p "$CACHE"
# One installer at a time (parallel Nx targets).
exec 9>"$CACHE/.helm-tools.lock"
flock 9

if [[ ! -x $HELM_DIR/helm ]]; then
  command -v go >/dev/null 2>&1 || { log "ERROR: go is needed to build helm $HELM_VERSION"; exit 1; }
  log "building helm $HELM_VERSION with go install (one-time, a few minutes)..."
  mkdir -p "$HELM_DIR.tmp"
  GOBIN="$HELM_DIR.tmp" GOFLAGS=-mod=mod go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
  rm -rf "$HELM_DIR" && mv "$HELM_DIR.tmp" "$HELM_DIR"
fi

# A venv records its own path, so it is built in place; the marker says the install finished.
if [[ ! -f $KV_DIR/.complete ]]; then
  log "installing kubernetes-validate into $KV_DIR (one-time)..."
  rm -rf "$KV_DIR"
  python3 -m venv "$KV_DIR"
  "$KV_DIR/bin/pip" install --quiet --disable-pip-version-check --no-input -r "$HERE/requirements.txt" >&2
  touch "$KV_DIR/.complete"
fi

echo "export HELM_BIN=$HELM_DIR/helm"
echo "export KUBERNETES_VALIDATE_BIN=$KV_DIR/bin/kubernetes-validate"
