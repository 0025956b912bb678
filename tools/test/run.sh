#!/usr/bin/env bash
# `npm test`: lint, unit, integration, end-to-end and browser tests against real Kafka, Redis and
# PostgreSQL. Servers named by KAFKA_BROKERS / REDIS_URL / DATABASE_URL are used as given;
# the rest are provisioned by tools/infra (idempotent). A Kafka broker this run started is
# stopped at the end; one that was already running is left alone.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false FORCE_COLOR=0
# CI proves the tree as committed: no results replayed from a local cache.
NX_CACHE_FLAG=""
if [[ "${CI:-}" == "true" ]]; then NX_CACHE_FLAG="--skip-nx-cache"; fi

kafka_started_here=false
if [[ -z "${KAFKA_BROKERS:-}" ]] && ! tools/kafka/kafka.sh status >/dev/null 2>&1; then
  kafka_started_here=true
fi
stop_kafka() {
  if [[ $kafka_started_here == true ]]; then tools/kafka/kafka.sh stop || true; fi
}
trap stop_kafka EXIT

# A broker this run starts begins on empty storage: no test reads an earlier run's topics, and
# a broker recovering thousands of leftover ones after an unclean stop takes minutes to serve.
# Assigned first: `eval "$(...)"` would carry on past a failed provisioning.
infra_env="$(KAFKA_FRESH_DATA=$kafka_started_here tools/infra/up)"
eval "$infra_env"
tools/infra/infra.sh tools

step() { printf '\n==> %s\n' "$*"; }
step "formatting (Prettier)"
npx prettier --check . --log-level warn
# ESLint once over the workspace, each file under its nearest config: its typed rules then share
# one TypeScript service instead of building a program per project (a third of the time).
step "lint (ESLint, the whole workspace in one process)"
npx nx run workspace:lint-workspace --outputStyle=stream-without-prefixes
# Unit tests compile each file on its own (isolatedModules); type errors are the typecheck
# targets' (tools/workspace checks every lib and service, specs included, in two programs).
step "type checks and unit tests"
npx nx run-many -t shellcheck typecheck test --parallel=2 $NX_CACHE_FLAG --outputStyle=stream-without-prefixes
step "integration tests (real Kafka, Redis, PostgreSQL)"
npx nx run-many -t int-test --parallel=1 $NX_CACHE_FLAG --outputStyle=stream-without-prefixes
step "end-to-end tests (services as processes)"
npx nx run platform-e2e:e2e $NX_CACHE_FLAG --outputStyle=stream-without-prefixes
step "browser tests (the web console in Chromium, screenshots to docs/screenshots)"
npx nx run web:e2e $NX_CACHE_FLAG --outputStyle=stream-without-prefixes
