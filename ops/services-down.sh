#!/usr/bin/env bash
# Stops the local MariaDB and Redis started by services-up.sh. Data stays in .local/.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
if mariadb_ping; then
  log "stopping MariaDB"
  "$(command -v mariadb-admin || command -v mysqladmin)" --no-defaults --socket="$CT_DB_SOCKET" -u root shutdown
fi
if redis_ping; then
  log "stopping Redis"
  redis-cli -h 127.0.0.1 -p "$CT_REDIS_PORT" shutdown >/dev/null 2>&1 || true
fi
log "stopped"
