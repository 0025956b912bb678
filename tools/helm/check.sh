#!/usr/bin/env bash
# `nx test helm-chart`: the chart checked offline, as CI can (no cluster, no network).
#   1. helm lint --strict, for every value set (values.schema.json is checked too);
#   2. helm template, for every value set, validated against the Kubernetes schemas in strict mode;
#   3. chart.test.mjs: assertions on the rendered objects (probes, PDB, HPA targets, affinity, env),
#      including that the chart sets every variable docker-compose.yml sets.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
eval "$(tools/helm/ensure-tools.sh)"
CHART=helm/shopnest-live
# The oldest Kubernetes the chart supports (Chart.yaml kubeVersion allows newer): render and validate for it.
KUBE_VERSION=1.30.0
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

value_sets=(default "$CHART"/ci/*-values.yaml)
for set in "${value_sets[@]}"; do
  args=()
  name=default
  if [[ $set != default ]]; then
    args=(--values "$set")
    name="$(basename "$set" .yaml)"
  fi
  "$HELM_BIN" lint --strict --quiet --kube-version "$KUBE_VERSION" "$CHART" "${args[@]}"
  "$HELM_BIN" template shopnest "$CHART" --namespace shopnest --kube-version "$KUBE_VERSION" "${args[@]}" >"$OUT/$name.yaml"
  # ServiceMonitor is a CRD (Prometheus Operator): no built-in schema, so it is only warned about.
  "$KUBERNETES_VALIDATE_BIN" --strict --quiet --kubernetes-version "$KUBE_VERSION" "$OUT/$name.yaml"
  echo "helm: $name renders $(grep -c '^kind:' "$OUT/$name.yaml") objects; lint and strict schema checks passed"
done

KUBE_VERSION=$KUBE_VERSION node --test tools/helm/chart.test.mjs
