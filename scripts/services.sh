# Throw-away PostgreSQL and Redis servers for CI and benchmarks. Source this file, then:
#   services_install [PACKAGE…]      apt-get PostgreSQL and Redis if missing, and the packages given
#   services_start WORKDIR PGPORT REDISPORT    start both, or fail loudly
#   services_stop                    stop both (also registered on EXIT by services_start)
# After services_start: DATABASE_URL and REDIS_URL are exported.

services_install() {
  local missing=("$@")
  command -v redis-server >/dev/null || missing+=(redis-server)
  ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
  if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

services_start() {
  SERVICES_DIR=$1
  local pgport=$2 redisport=$3
  mkdir -p "$SERVICES_DIR"
  chmod 755 "$SERVICES_DIR"
  SERVICES_PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ "$(id -u)" = 0 ]; then SERVICES_AS_PG=(runuser -u postgres --); chown postgres "$SERVICES_DIR"; else SERVICES_AS_PG=(); fi
  trap services_stop EXIT
  "${SERVICES_AS_PG[@]}" "$SERVICES_PGBIN/initdb" -D "$SERVICES_DIR/pg" -U postgres -A trust --no-sync >/dev/null
  "${SERVICES_AS_PG[@]}" "$SERVICES_PGBIN/pg_ctl" -D "$SERVICES_DIR/pg" -l "$SERVICES_DIR/pg.log" -w -t 60 \
    -o "-p $pgport -k $SERVICES_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$SERVICES_DIR/pg.log"; echo "PostgreSQL did not start" >&2; return 1; }
  psql -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE ROLE talentportal LOGIN CREATEDB PASSWORD 'talentportal'" \
    || { echo "PostgreSQL does not answer" >&2; return 1; }
  psql -h 127.0.0.1 -p "$pgport" -U postgres -qc "CREATE DATABASE talentportal OWNER talentportal"
  redis-server --port "$redisport" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$SERVICES_DIR/redis.pid" --logfile "$SERVICES_DIR/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redisport" ping 2>/dev/null | grep -q PONG && break; sleep 0.2; done
  redis-cli -p "$redisport" ping | grep -q PONG || { cat "$SERVICES_DIR/redis.log"; echo "Redis did not start" >&2; return 1; }
  echo "PostgreSQL $("$SERVICES_PGBIN/postgres" --version | awk '{print $3}') on :$pgport, Redis $(redis-server --version | awk '{print $3}') on :$redisport"
  export DATABASE_URL="postgres://talentportal:talentportal@127.0.0.1:$pgport/talentportal"
  export REDIS_URL="redis://127.0.0.1:$redisport/0"
  SERVICES_REDIS_PORT=$redisport
}

services_stop() {
  [ -n "${SERVICES_DIR:-}" ] || return 0
  "${SERVICES_AS_PG[@]}" "$SERVICES_PGBIN/pg_ctl" -D "$SERVICES_DIR/pg" -m immediate stop >/dev/null 2>&1 || true
  redis-cli -p "${SERVICES_REDIS_PORT:-0}" shutdown nosave >/dev/null 2>&1 || true
  [ -f "$SERVICES_DIR/gunicorn.pid" ] && kill "$(cat "$SERVICES_DIR/gunicorn.pid")" 2>/dev/null || true
  return 0
}
