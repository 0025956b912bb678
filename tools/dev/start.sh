#!/usr/bin/env bash
# `npm start`: the whole platform in one Node process on in-process adapters (no Java, Kafka,
# Redis or PostgreSQL needed), orders and tickets kept in PGlite under .data/ so they survive a restart.
# Builds it first (Nx replays an unchanged build from its cache). Ctrl-C stops it gracefully.
# Ports: EDGE_PORT (3000), ORDERS_PORT (3001), WORKER_PORT (3002), SUPPORT_PORT (3003). Cluster: npm run start:cluster.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

npx nx run-many -t build -p embedded web --outputStyle=static
set -a
# shellcheck source=tools/dev/dev.env
. tools/dev/dev.env
set +a
exec node dist/apps/embedded
