#!/usr/bin/env bash
# `npm run start:cluster`: provisions Kafka, Redis and PostgreSQL (tools/infra), builds the four
# services and runs them as four processes in the foreground with tools/dev/dev.env, as a
# deployment runs them, and the web console on WEB_PORT (tools/dev/serve-web.mjs: the static build,
# its config and development sign-in), whose origin the edge and REST services allow (CORS_ORIGINS).
# Ctrl-C stops them gracefully. (`npm start` is the one-process mode.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false

# Assigned first: `eval "$(...)"` would carry on past a failed provisioning.
infra_env="$(tools/infra/up)"
eval "$infra_env"
set -a
# shellcheck source=tools/dev/dev.env
. tools/dev/dev.env
set +a
export EVENT_BUS=kafka
export SERVICE_TOKEN="${SERVICE_TOKEN:-$(node tools/dev/token.mjs connection-edge service 31536000)}"
export ORDER_TRACKING_URL="http://127.0.0.1:${ORDERS_PORT:-3001}"
export SUPPORT_DESK_URL="http://127.0.0.1:${SUPPORT_PORT:-3003}"
export CORS_ORIGINS="${CORS_ORIGINS:-http://127.0.0.1:${WEB_PORT:-3004}}"

npx nx run-many -t build -p connection-edge order-tracking support-desk notification-worker web --outputStyle=static

pids=()
start() { # start NAME PORT
  PORT="$2" node "dist/apps/$1" &
  pids+=("$!")
}
stop_all() {
  trap - INT TERM EXIT
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop_all INT TERM EXIT

start order-tracking "${ORDERS_PORT:-3001}"
start support-desk "${SUPPORT_PORT:-3003}"
start notification-worker "${WORKER_PORT:-3002}"
start connection-edge "${EDGE_PORT:-3000}"
EDGE_URL="http://127.0.0.1:${EDGE_PORT:-3000}" ORDERS_URL="$ORDER_TRACKING_URL" SUPPORT_URL="$SUPPORT_DESK_URL" \
  node tools/dev/serve-web.mjs &
pids+=("$!")

for url in "http://127.0.0.1:${ORDERS_PORT:-3001}" "http://127.0.0.1:${SUPPORT_PORT:-3003}" "http://127.0.0.1:${WORKER_PORT:-3002}" "http://127.0.0.1:${EDGE_PORT:-3000}"; do
  for _ in $(seq 1 100); do
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && break
    sleep 0.2
  done
done
cat <<EOT

ShopNest Live is running as a cluster (Kafka, Redis, PostgreSQL):
  web console          http://127.0.0.1:${WEB_PORT:-3004}/   sign in as a demo user (development only)
  connection-edge      http://127.0.0.1:${EDGE_PORT:-3000}   (socket.io; /health/ready, /metrics)
  order-tracking       http://127.0.0.1:${ORDERS_PORT:-3001}   (REST, OpenAPI at /docs)
  support-desk         http://127.0.0.1:${SUPPORT_PORT:-3003}   (tickets and chat over REST, OpenAPI at /docs)
  notification-worker  http://127.0.0.1:${WORKER_PORT:-3002}   (/health/ready, /metrics; /admin/dead-letters for role ops)
Follow an order live:  node tools/dev/follow-order.mjs
Keep every screen busy: node tools/dev/simulate.mjs [--orders N] [--duration S]
Mint a token:          node tools/dev/token.mjs <userId> [roles]
Ctrl-C stops the services (infrastructure keeps running; tools/infra/down stops it).

EOT
wait -n "${pids[@]}"
