#!/usr/bin/env bash
# Brings up the local MariaDB and Redis that the host and the tests use: installs them with apt-get
# when missing, keeps their data under .local/ in the checkout, binds them to loopback on ports that
# do not clash with a system MySQL/Redis, creates the database and user, and waits until both answer.
# Safe to run twice: a running server is left alone.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

install_if_missing() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || command -v mysqld >/dev/null 2>&1 || missing+=(mariadb-server mariadb-client)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt-get"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  # The packages' own service scripts may try to start system instances; ours do not depend on them.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

mariadb_server_bin() { command -v mariadbd || command -v mysqld; }

start_mariadb() {
  mkdir -p "$CT_LOCAL/mariadb"
  if mariadb_ping; then log "MariaDB already answers on 127.0.0.1:$CT_DB_PORT"; return 0; fi
  local user_args=()
  [ "$(id -u)" -eq 0 ] && user_args=(--user=root)
  if [ ! -d "$CT_LOCAL/mariadb/data/mysql" ]; then
    log "initialising MariaDB data in $CT_LOCAL/mariadb/data"
    mariadb-install-db --no-defaults --datadir="$CT_LOCAL/mariadb/data" "${user_args[@]}" \
      --skip-test-db >"$CT_LOCAL/mariadb/install.log" 2>&1 || { cat "$CT_LOCAL/mariadb/install.log"; exit 1; }
  fi
  log "starting MariaDB on 127.0.0.1:$CT_DB_PORT"
  nohup "$(mariadb_server_bin)" --no-defaults --datadir="$CT_LOCAL/mariadb/data" "${user_args[@]}" \
    --bind-address=127.0.0.1 --port="$CT_DB_PORT" --socket="$CT_DB_SOCKET" \
    --pid-file="$CT_LOCAL/mariadb/mariadb.pid" --log-error="$CT_LOCAL/mariadb/error.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --local-infile=1 --skip-name-resolve --max-connections=500 \
    --innodb-buffer-pool-size="${CT_DB_BUFFER_POOL:-1G}" --innodb-log-file-size=512M \
    --max-allowed-packet=64M >/dev/null 2>&1 &
  for _ in $(seq 1 120); do mariadb_ping && break; sleep 0.5; done
  mariadb_ping || { log "MariaDB did not start; see $CT_LOCAL/mariadb/error.log"; tail -20 "$CT_LOCAL/mariadb/error.log"; exit 1; }
}

create_database() {
  # Root connects through the socket (unix_socket authentication, as mariadb-install-db sets it up).
  mariadb_root <<SQL
CREATE DATABASE IF NOT EXISTS \`$CT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$CT_DB_USER'@'127.0.0.1' IDENTIFIED BY '$CT_DB_PASSWORD';
CREATE USER IF NOT EXISTS '$CT_DB_USER'@'localhost' IDENTIFIED BY '$CT_DB_PASSWORD';
-- The tests create and drop their own databases named ${CT_DB_NAME}_test...
GRANT ALL PRIVILEGES ON \`${CT_DB_NAME}%\`.* TO '$CT_DB_USER'@'127.0.0.1';
GRANT ALL PRIVILEGES ON \`${CT_DB_NAME}%\`.* TO '$CT_DB_USER'@'localhost';
FLUSH PRIVILEGES;
SQL
}

start_redis() {
  mkdir -p "$CT_LOCAL/redis"
  if redis_ping; then log "Redis already answers on 127.0.0.1:$CT_REDIS_PORT"; return 0; fi
  log "starting Redis on 127.0.0.1:$CT_REDIS_PORT (append-only, noeviction)"
  redis-server --bind 127.0.0.1 --port "$CT_REDIS_PORT" --dir "$CT_LOCAL/redis" \
    --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
    --daemonize yes --pidfile "$CT_LOCAL/redis/redis.pid" --logfile "$CT_LOCAL/redis/redis.log" >/dev/null
  for _ in $(seq 1 60); do redis_ping && break; sleep 0.25; done
  redis_ping || { log "Redis did not start; see $CT_LOCAL/redis/redis.log"; tail -20 "$CT_LOCAL/redis/redis.log"; exit 1; }
}

install_if_missing
start_mariadb
create_database
start_redis
write_env_file
log "MariaDB 127.0.0.1:$CT_DB_PORT (database $CT_DB_NAME), Redis 127.0.0.1:$CT_REDIS_PORT; settings in $CT_LOCAL/env"
