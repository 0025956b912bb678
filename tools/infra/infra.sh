#!/usr/bin/env bash
# Idempotent provisioning of real dev/test infrastructure on loopback:
#   Kafka (KRaft, via tools/kafka/kafka.sh), Redis, PostgreSQL.
#
# Usage: tools/infra/infra.sh up|down|status   (or tools/infra/up, down, status)
#
#   up      ensure everything runs; prints `export VAR=...` lines on stdout (eval-able)
#           and writes them to $SHOPNEST_INFRA_HOME/env. Progress goes to stderr.
#           eval "$(tools/infra/up)"   or   tools/infra/up && . ~/.cache/shopnest-infra/env
#   down    stop only what `up` started (reused/external services are left alone)
#   status  one line per piece; exit 0 only if all pieces are up
#   tools   ensure the Debian-packaged test tools (shellcheck, chromium) are installed
#
# Bring your own service by setting its variable; that piece is then only checked:
#   KAFKA_BROKERS=host:port[,host:port]  REDIS_URL=redis://...  DATABASE_URL=postgres://...
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KAFKA_SH="$SCRIPT_DIR/../kafka/kafka.sh"
INFRA_HOME="${SHOPNEST_INFRA_HOME:-${HOME:?HOME not set}/.cache/shopnest-infra}"
export SHOPNEST_INFRA_HOME="$INFRA_HOME" # kafka.sh must agree on the cache dir
ENV_FILE="$INFRA_HOME/env"

KAFKA_ADDR="127.0.0.1:${KAFKA_PORT:-19092}"
REDIS_HOST=127.0.0.1
REDIS_PORT=6379
REDIS_DIR="$INFRA_HOME/redis"
REDIS_MARKER="$REDIS_DIR/started-by-infra" # present only if *we* launched redis
PG_DIR="$INFRA_HOME/postgres"
PG_MARKER="$PG_DIR/started-by-infra" # holds "VERSION CLUSTER" if *we* started it
PG_USER=shopnest
PG_PASS=shopnest
PG_DB=shopnest

# Never prompt (CI, no stdin).
export DEBIAN_FRONTEND=noninteractive

log() { printf '[infra] %s\n' "$*" >&2; }

# fail PIECE WHY HOW: every failure names the piece, the reason and the env-var escape hatch.
fail() {
  log "ERROR [$1]: $2"
  log "  -> to use an existing $1 instead, $3"
  exit 1
}

port_open() {
  # shellcheck disable=SC2016 # $0/$1 are expanded by the inner bash, on purpose.
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null
}

# Run as root: directly, or via passwordless sudo; otherwise fail with a hint.
as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo -n -E "$@"
  else
    return 126
  fi
}

as_postgres() {
  # cd /: postgres cannot read root's cwd, which makes psql warn.
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  elif [[ "$(id -un)" == postgres ]]; then
    (cd / && "$@")
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    (cd / && sudo -n -u postgres -- "$@")
  else
    return 126
  fi
}

apt_install() { # apt_install PIECE HOW package...
  local piece="$1" how="$2"
  shift 2
  command -v apt-get >/dev/null 2>&1 || fail "$piece" "not installed and apt-get is unavailable" "$how"
  local alog="$INFRA_HOME/apt.log"
  log "installing $* via apt-get (one-time; output in $alog)..."
  # Lock timeout: tolerate another apt run (e.g. unattended upgrades) finishing first.
  { as_root apt-get -o DPkg::Lock::Timeout=120 update -qq </dev/null >"$alog" 2>&1 &&
    as_root apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "$@" \
      </dev/null >>"$alog" 2>&1; } || {
    tail -n 20 "$alog" >&2 2>/dev/null || true
    fail "$piece" "apt-get install $* failed (not root/no sudo, or no network; log: $alog)" "$how"
  }
}

# ---------------------------------------------------------------- Kafka
KAFKA_HOW="set KAFKA_BROKERS=host:port (e.g. KAFKA_BROKERS=127.0.0.1:9092)"

kafka_first_addr() { # first host:port of a comma-separated broker list, scheme stripped
  local a="${1%%,*}"
  a="${a#*://}"
  printf '%s\n' "$a"
}

kafka_up() {
  local a
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    a="$(kafka_first_addr "$KAFKA_BROKERS")"
    port_open "${a%:*}" "${a##*:}" ||
      fail kafka "KAFKA_BROKERS=$KAFKA_BROKERS is set but $a is not reachable" "fix or unset KAFKA_BROKERS"
    log "kafka: using KAFKA_BROKERS=$KAFKA_BROKERS (reachable)"
    KAFKA_OUT="$KAFKA_BROKERS"
    return 0
  fi
  # kafka.sh prints its own failure details (log tail, KAFKA_BROKERS hint).
  "$KAFKA_SH" start >&2 || fail kafka "tools/kafka/kafka.sh start failed (see above)" "$KAFKA_HOW"
  KAFKA_OUT="$KAFKA_ADDR"
}

kafka_down() {
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    log "kafka: KAFKA_BROKERS is set; not managed here, leaving it alone"
    return 0
  fi
  "$KAFKA_SH" stop
}

kafka_status() {
  local a
  if [[ -n "${KAFKA_BROKERS:-}" ]]; then
    a="$(kafka_first_addr "$KAFKA_BROKERS")"
    if port_open "${a%:*}" "${a##*:}"; then
      echo "kafka: up $KAFKA_BROKERS (from KAFKA_BROKERS)"
    else
      echo "kafka: DOWN $KAFKA_BROKERS (from KAFKA_BROKERS, not reachable)"
      return 1
    fi
    return 0
  fi
  "$KAFKA_SH" status
}

# ---------------------------------------------------------------- Redis
REDIS_HOW="set REDIS_URL=redis://host:port"

# PING without needing redis-cli; NOAUTH still proves a Redis is answering.
redis_ping() { # redis_ping HOST PORT
  # shellcheck disable=SC2016 # expanded by the inner bash, on purpose.
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/$0/$1" || exit 1
    printf "PING\r\n" >&3
    IFS= read -r -t 2 line <&3 || exit 1
    [[ $line == +PONG* || $line == -NOAUTH* ]]' "$1" "$2" 2>/dev/null
}

redis_url_ok() { # handles auth/db/TLS when redis-cli exists; raw PING otherwise
  local hp
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(timeout 3 redis-cli -u "$1" ping 2>/dev/null)" == PONG ]]
  else
    hp="${1#*://}"
    hp="${hp##*@}"
    hp="${hp%%/*}"
    [[ $hp == *:* ]] || hp="$hp:6379"
    redis_ping "${hp%:*}" "${hp##*:}"
  fi
}

redis_up() {
  local i
  if [[ -n "${REDIS_URL:-}" ]]; then
    redis_url_ok "$REDIS_URL" ||
      fail redis "REDIS_URL=$REDIS_URL is set but does not answer PING" "fix or unset REDIS_URL"
    log "redis: using REDIS_URL=$REDIS_URL (answers PING)"
    REDIS_OUT="$REDIS_URL"
    return 0
  fi
  REDIS_OUT="redis://$REDIS_HOST:$REDIS_PORT"
  if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then
    if [[ -f "$REDIS_MARKER" ]]; then
      log "redis: already running on $REDIS_HOST:$REDIS_PORT (started by infra)"
    else
      log "redis: reusing existing server on $REDIS_HOST:$REDIS_PORT"
    fi
    return 0
  fi
  port_open "$REDIS_HOST" "$REDIS_PORT" &&
    fail redis "port $REDIS_PORT is taken by something that does not answer Redis PING" "$REDIS_HOW"
  rm -f "$REDIS_MARKER" # stale: whatever we started is gone

  command -v redis-server >/dev/null 2>&1 ||
    apt_install redis "$REDIS_HOW" redis-server
  command -v redis-server >/dev/null 2>&1 ||
    fail redis "redis-server still not found after install" "$REDIS_HOW"
  # Debian's package may auto-start its own service on install; reuse it if so.
  if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then
    log "redis: a server came up on $REDIS_HOST:$REDIS_PORT after install; reusing it"
    return 0
  fi

  mkdir -p "$REDIS_DIR"
  log "redis: starting redis-server on $REDIS_HOST:$REDIS_PORT (no persistence)"
  # No persistence: test data is disposable and RDB/AOF writes only slow things down.
  # All stdio/lock fds detached so `$(tools/infra/up)` cannot hang on the daemon.
  redis-server --daemonize yes --bind "$REDIS_HOST" --port "$REDIS_PORT" \
    --save '' --appendonly no --dir "$REDIS_DIR" \
    --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" \
    </dev/null >>"$REDIS_DIR/redis.start.log" 2>&1 9>&- ||
    fail redis "redis-server failed to start: $(tail -n 5 "$REDIS_DIR/redis.start.log" "$REDIS_DIR/redis.log" 2>/dev/null)" "$REDIS_HOW"
  for ((i = 0; i < 50; i++)); do
    if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then
      date -u +%FT%TZ >"$REDIS_MARKER"
      log "redis: ready"
      return 0
    fi
    sleep 0.2
  done
  fail redis "redis-server did not answer PING within 10 s (log: $REDIS_DIR/redis.log)" "$REDIS_HOW"
}

redis_down() {
  local pid i
  if [[ -n "${REDIS_URL:-}" ]]; then
    log "redis: REDIS_URL is set; not managed here, leaving it alone"
    return 0
  fi
  if [[ ! -f "$REDIS_MARKER" ]]; then
    log "redis: not started by infra; leaving it alone"
    return 0
  fi
  pid="$(cat "$REDIS_DIR/redis.pid" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "redis: stopping pid $pid"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  else
    log "redis: already stopped"
  fi
  rm -f "$REDIS_MARKER" "$REDIS_DIR/redis.pid"
}

redis_status() {
  if [[ -n "${REDIS_URL:-}" ]]; then
    if redis_url_ok "$REDIS_URL"; then
      echo "redis: up $REDIS_URL (from REDIS_URL)"
      return 0
    fi
    echo "redis: DOWN $REDIS_URL (from REDIS_URL, no PING answer)"
    return 1
  fi
  if redis_ping "$REDIS_HOST" "$REDIS_PORT"; then
    if [[ -f "$REDIS_MARKER" ]]; then
      echo "redis: up redis://$REDIS_HOST:$REDIS_PORT (started by infra)"
    else
      echo "redis: up redis://$REDIS_HOST:$REDIS_PORT (external, reused)"
    fi
    return 0
  fi
  echo "redis: down"
  return 1
}

# ---------------------------------------------------------------- PostgreSQL
PG_HOW="set DATABASE_URL=postgres://user:pass@host:port/db"

pg_url() { printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$PG_USER" "$PG_PASS" "$1" "$PG_DB"; }

# Real end-to-end check: password auth over TCP loopback, exactly like the apps do.
pg_login_ok() { # pg_login_ok PORT
  PGPASSWORD="$PG_PASS" PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p "$1" -U "$PG_USER" -d "$PG_DB" \
    -X -qAtc 'select 1' </dev/null >/dev/null 2>&1
}

# Sets PG_VER PG_CLUSTER PG_PORT PG_STATE from pg_lsclusters (newest version first).
pg_pick_cluster() {
  local line
  line="$(pg_lsclusters -h 2>/dev/null | sort -k1,1 -V -r | head -n1)"
  [[ -n "$line" ]] || return 1
  read -r PG_VER PG_CLUSTER PG_PORT PG_STATE _ <<<"$line"
}

psql_admin() { # psql as the postgres superuser over the local socket
  as_postgres psql -p "$PG_PORT" -X -v ON_ERROR_STOP=1 -qAt "$@" </dev/null
}

pg_up() {
  local ver
  if [[ -n "${DATABASE_URL:-}" ]]; then
    if command -v psql >/dev/null 2>&1; then
      PGCONNECT_TIMEOUT=3 psql "$DATABASE_URL" -X -qAtc 'select 1' </dev/null >/dev/null 2>&1 ||
        fail postgres "DATABASE_URL is set but psql cannot connect with it" "fix or unset DATABASE_URL"
    fi
    log "postgres: using DATABASE_URL (connects)"
    PG_OUT="$DATABASE_URL"
    return 0
  fi

  # Binaries: postgresql-common's wrappers plus at least one server version.
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    apt_install postgres "$PG_HOW" postgresql
  fi
  command -v pg_lsclusters >/dev/null 2>&1 || fail postgres "pg_lsclusters not found after install" "$PG_HOW"

  if ! pg_pick_cluster; then
    ver="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -n1)"
    [[ -n "$ver" ]] || fail postgres "no PostgreSQL server version installed under /usr/lib/postgresql" "$PG_HOW"
    log "postgres: no cluster found; creating $ver/main"
    as_root pg_createcluster --locale C.UTF-8 "$ver" main </dev/null >&2 ||
      fail postgres "pg_createcluster $ver main failed" "$PG_HOW"
    pg_pick_cluster || fail postgres "cluster still missing after pg_createcluster" "$PG_HOW"
  fi
  PG_OUT="$(pg_url "$PG_PORT")"

  if [[ "$PG_STATE" != online* ]]; then
    mkdir -p "$PG_DIR"
    log "postgres: starting cluster $PG_VER/$PG_CLUSTER (port $PG_PORT)"
    # Output to a file, fds closed: the postmaster must not inherit our stdout pipe.
    as_root pg_ctlcluster "$PG_VER" "$PG_CLUSTER" start </dev/null >"$PG_DIR/start.log" 2>&1 9>&- ||
      fail postgres "pg_ctlcluster $PG_VER $PG_CLUSTER start failed: $(cat "$PG_DIR/start.log")
  log: /var/log/postgresql/postgresql-$PG_VER-$PG_CLUSTER.log" "$PG_HOW"
    printf '%s %s\n' "$PG_VER" "$PG_CLUSTER" >"$PG_MARKER"
  fi

  # Fast path: role, password, db and pg_hba are all fine already.
  if pg_login_ok "$PG_PORT"; then
    log "postgres: $PG_VER/$PG_CLUSTER up; $PG_USER@127.0.0.1:$PG_PORT/$PG_DB works"
    return 0
  fi

  log "postgres: ensuring role '$PG_USER' and database '$PG_DB'"
  psql_admin -c "DO \$\$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER') THEN
        CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASS';
      ELSE
        ALTER ROLE $PG_USER WITH LOGIN PASSWORD '$PG_PASS';
      END IF;
    END \$\$;" >/dev/null ||
    fail postgres "could not create/alter role $PG_USER (psql as OS user postgres; needs root or passwordless sudo)" "$PG_HOW"
  # CREATE DATABASE cannot run inside DO, hence the separate existence check.
  if [[ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]]; then
    psql_admin -c "CREATE DATABASE $PG_DB OWNER $PG_USER" >/dev/null ||
      fail postgres "could not create database $PG_DB" "$PG_HOW"
  fi
  # Owning the db matters on PG15+: schema public belongs to pg_database_owner and is no
  # longer writable by everyone, so migrations only work if shopnest owns the database.
  psql_admin -c "ALTER DATABASE $PG_DB OWNER TO $PG_USER" >/dev/null

  pg_login_ok "$PG_PORT" && { log "postgres: ready ($PG_USER@127.0.0.1:$PG_PORT/$PG_DB)"; return 0; }

  # Login still fails: most likely pg_hba has no password rule for 127.0.0.1.
  pg_fix_hba
  pg_login_ok "$PG_PORT" ||
    fail postgres "password login as $PG_USER over 127.0.0.1:$PG_PORT still fails (check pg_hba.conf / log /var/log/postgresql/)" "$PG_HOW"
  log "postgres: ready ($PG_USER@127.0.0.1:$PG_PORT/$PG_DB)"
}

# Prepend a scram rule for our db/user on 127.0.0.1 (first match wins in pg_hba) and reload.
pg_fix_hba() {
  local hba rule="host $PG_DB $PG_USER 127.0.0.1/32 scram-sha-256"
  hba="$(psql_admin -c 'SHOW hba_file')" || return 0
  as_root grep -qxF "$rule" "$hba" && return 0
  log "postgres: adding '$rule' to $hba and reloading"
  as_root sed -i "1i # added by shopnest tools/infra\n$rule" "$hba"
  psql_admin -c 'SELECT pg_reload_conf()' >/dev/null
}

pg_down() {
  local ver cl
  if [[ -n "${DATABASE_URL:-}" ]]; then
    log "postgres: DATABASE_URL is set; not managed here, leaving it alone"
    return 0
  fi
  if [[ ! -f "$PG_MARKER" ]]; then
    log "postgres: not started by infra; leaving it alone"
    return 0
  fi
  read -r ver cl <"$PG_MARKER"
  log "postgres: stopping cluster $ver/$cl"
  as_root pg_ctlcluster "$ver" "$cl" stop </dev/null >&2 ||
    log "postgres: pg_ctlcluster $ver $cl stop failed (already down?)"
  rm -f "$PG_MARKER"
}

pg_status() {
  local how="reused"
  if [[ -n "${DATABASE_URL:-}" ]]; then
    if PGCONNECT_TIMEOUT=3 psql "$DATABASE_URL" -X -qAtc 'select 1' </dev/null >/dev/null 2>&1; then
      echo "postgres: up (from DATABASE_URL)"
      return 0
    fi
    echo "postgres: DOWN (from DATABASE_URL, cannot connect)"
    return 1
  fi
  if ! command -v pg_lsclusters >/dev/null 2>&1 || ! pg_pick_cluster; then
    echo "postgres: down (not installed / no cluster)"
    return 1
  fi
  [[ -f "$PG_MARKER" ]] && how="started by infra"
  if [[ "$PG_STATE" != online* ]]; then
    echo "postgres: down (cluster $PG_VER/$PG_CLUSTER $PG_STATE)"
    return 1
  fi
  if pg_login_ok "$PG_PORT"; then
    echo "postgres: up $(pg_url "$PG_PORT") (cluster $PG_VER/$PG_CLUSTER, $how)"
    return 0
  fi
  echo "postgres: cluster $PG_VER/$PG_CLUSTER online on port $PG_PORT, but $PG_USER login fails (run up)"
  return 1
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local tmp
  # One `up` at a time (parallel CI steps); fd 9 is closed for every daemon we spawn.
  exec 9>"$INFRA_HOME/.lock"
  flock 9
  kafka_up
  redis_up
  pg_up
  tmp="$ENV_FILE.tmp.$$"
  {
    echo "export KAFKA_BROKERS=$KAFKA_OUT"
    echo "export REDIS_URL=$REDIS_OUT"
    echo "export DATABASE_URL=$PG_OUT"
  } >"$tmp"
  mv -f "$tmp" "$ENV_FILE" # atomic: readers never see a half-written file
  log "all up; env written to $ENV_FILE"
  cat "$ENV_FILE"
}

cmd_down() {
  exec 9>"$INFRA_HOME/.lock"
  flock 9
  kafka_down
  redis_down
  pg_down
  log "down complete"
}

# Test tools that come from Debian rather than npm: shellcheck (the tools/ projects' shell lint) and
# chromium (the web app's browser tests drive it through playwright-core; no browser download).
cmd_tools() {
  exec 9>"$INFRA_HOME/.lock"
  flock 9
  local missing=()
  if command -v shellcheck >/dev/null 2>&1; then
    log "shellcheck: $(shellcheck --version | sed -n 's/^version: //p') present"
  else
    missing+=(shellcheck)
  fi
  if command -v chromium >/dev/null 2>&1; then
    log "chromium: $(chromium --version 2>/dev/null | head -n 1) present"
  else
    missing+=(chromium)
  fi
  [[ ${#missing[@]} -eq 0 ]] && return 0
  apt_install "${missing[*]}" "install ${missing[*]} yourself (Debian: apt-get install ${missing[*]})" "${missing[@]}"
  log "${missing[*]}: installed"
}

cmd_status() {
  local rc=0
  kafka_status || rc=1
  redis_status || rc=1
  pg_status || rc=1
  return "$rc"
}

mkdir -p "$INFRA_HOME"
case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  tools) cmd_tools ;;
  *) echo "usage: $0 up|down|status|tools" >&2; exit 2 ;;
esac
