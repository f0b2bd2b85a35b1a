# Redis Cluster and Galera on loopback for ops/cluster-check.sh (and by hand: `source ops/cluster/lib.sh; redis_cluster_up`).
# Own ports and data under .local/cluster, so nothing else on the machine is disturbed. Each function is safe to run twice.
# shellcheck disable=SC1091
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
CLUSTER_DIR="${CLUSTER_DIR:-$CT_LOCAL/cluster}"
REDIS_CLUSTER_PORTS="${REDIS_CLUSTER_PORTS:-7101 7102 7103 7104 7105 7106}"
# Galera node i: clients on 127.0.0.<i+1>:3401 (MySqlConnector's multi-host strings take one port for all hosts, and
# the whole 127.0.0.0/8 is loopback), group communication 127.0.0.1:4601+i, IST 4611+i, SST 4621+i.
GALERA_PORT=3401
GALERA_HOSTS=(127.0.0.1 127.0.0.2 127.0.0.3)
GALERA_GROUP_PORTS=(4601 4602 4603)
GALERA_IST_PORTS=(4611 4612 4613)
GALERA_SST_PORTS=(4621 4622 4623)
# How long a Redis primary may be silent before its replica is promoted (ms), and so the failover window.
REDIS_NODE_TIMEOUT_MS="${REDIS_NODE_TIMEOUT_MS:-1000}"
mkdir -p "$CLUSTER_DIR"

cluster_install_if_missing() {
  local missing=()
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
  command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
  command -v mariadbd >/dev/null 2>&1 || missing+=(mariadb-server mariadb-client)
  [ -e /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
  command -v rsync >/dev/null 2>&1 || missing+=(rsync)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing ${missing[*]} with apt-get"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# ---- Redis Cluster: 3 primaries and 3 replicas ----
redis_node_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = "PONG" ]; }

redis_node_start() {
  local port=$1 dir="$CLUSTER_DIR/redis-$1"
  mkdir -p "$dir"
  redis_node_ping "$port" && return 0
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout "$REDIS_NODE_TIMEOUT_MS" --appendonly yes --appendfsync everysec --save "" \
    --maxmemory-policy noeviction --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
  for _ in $(seq 1 40); do redis_node_ping "$port" && return 0; sleep 0.25; done
  log "Redis node $port did not start; see $dir/redis.log"; return 1
}

redis_cluster_up() {
  for port in $REDIS_CLUSTER_PORTS; do redis_node_start "$port"; done
  local first=${REDIS_CLUSTER_PORTS%% *}
  if ! redis-cli -p "$first" cluster info 2>/dev/null | grep -q 'cluster_state:ok'; then
    if [ "$(redis-cli -p "$first" cluster info | awk -F: '/cluster_known_nodes/ {print $2+0}')" -le 1 ]; then
      log "creating the Redis Cluster on ports $REDIS_CLUSTER_PORTS"
      # shellcheck disable=SC2046
      redis-cli --cluster create $(for p in $REDIS_CLUSTER_PORTS; do printf '127.0.0.1:%s ' "$p"; done) --cluster-replicas 1 --cluster-yes >"$CLUSTER_DIR/redis-create.log" 2>&1 \
        || { cat "$CLUSTER_DIR/redis-create.log"; return 1; }
    fi
    for _ in $(seq 1 80); do redis-cli -p "$first" cluster info | grep -q 'cluster_state:ok' && break; sleep 0.25; done
  fi
  redis-cli -p "$first" cluster info | grep -q 'cluster_state:ok' || { log "Redis Cluster is not ok"; return 1; }
  log "Redis Cluster ok on $REDIS_CLUSTER_PORTS (node timeout $REDIS_NODE_TIMEOUT_MS ms)"
}

redis_cluster_config() { local c=""; for p in $REDIS_CLUSTER_PORTS; do c="$c${c:+,}127.0.0.1:$p"; done; echo "$c"; }

# The port of the primary that serves a key's slot, as a node that answers sees it (the first may be the one killed).
redis_primary_of() {
  local ask p
  for p in $REDIS_CLUSTER_PORTS; do redis_node_ping "$p" && { ask=$p; break; }; done
  [ -n "${ask:-}" ] || return 1
  redis-cli -p "$ask" cluster nodes | awk -v slot="$(redis-cli -p "$ask" cluster keyslot "$1")" '
  $3 ~ /master/ && $3 !~ /fail/ && $8 == "connected" { for (i = 9; i <= NF; i++) { split($i, r, "-"); if (slot >= r[1] && slot <= (r[2] == "" ? r[1] : r[2])) { split($2, a, "[:@]"); print a[2] } } }'
}

redis_cluster_down() {
  for port in $REDIS_CLUSTER_PORTS; do
    local pid="$CLUSTER_DIR/redis-$port/redis.pid"
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  sleep 0.5
  for port in $REDIS_CLUSTER_PORTS; do rm -rf "$CLUSTER_DIR/redis-$port"; done
}

# ---- Galera: 3 MariaDB nodes, one writer (the first), wsrep over loopback ----
galera_sock() { echo "$CLUSTER_DIR/galera-$1/mariadb.sock"; }
galera_ping() { mariadb-admin --no-defaults --socket="$(galera_sock "$1")" -u root --connect-timeout=2 ping >/dev/null 2>&1; }
galera_root() { local i=$1; shift; mariadb --no-defaults --socket="$(galera_sock "$i")" -u root "$@"; }

galera_node_start() {
  local i=$1 bootstrap=${2:-} dir="$CLUSTER_DIR/galera-$1"
  mkdir -p "$dir"
  galera_ping "$i" && return 0
  local user_args=()
  [ "$(id -u)" -eq 0 ] && user_args=(--user=root)
  if [ -n "$bootstrap" ] && [ ! -d "$dir/data/mysql" ]; then
    mariadb-install-db --no-defaults --datadir="$dir/data" "${user_args[@]}" --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log"; return 1; }
  elif [ -z "$bootstrap" ]; then
    # A joiner starts empty and receives the whole state by rsync (SST). Its rsync daemon runs as nobody when we are
    # root, so the empty folder must be writable by it; data that a killed node left behind is dropped the same way.
    rm -rf "$dir/data"
    mkdir -p "$dir/data"
    chmod 0777 "$dir/data"
    [ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$dir/data"
  fi
  local peers="" j
  for j in 0 1 2; do peers="$peers${peers:+,}127.0.0.1:${GALERA_GROUP_PORTS[$j]}"; done
  local address="gcomm://$peers"
  [ -n "$bootstrap" ] && address="gcomm://"
  # Small buffers: three nodes and the hosts share two cores. SST by rsync over loopback (no credentials).
  nohup mariadbd --no-defaults --datadir="$dir/data" "${user_args[@]}" --bind-address="${GALERA_HOSTS[$i]}" --port="$GALERA_PORT" \
    --socket="$(galera_sock "$i")" --pid-file="$dir/mariadb.pid" --log-error="$dir/error.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci --skip-name-resolve --max-connections=300 \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=64M --max-allowed-packet=64M --local-infile=1 \
    --binlog-format=ROW --default-storage-engine=InnoDB --innodb-autoinc-lock-mode=2 --innodb-flush-log-at-trx-commit=2 \
    --wsrep-on=ON --wsrep-provider=/usr/lib/galera/libgalera_smm.so --wsrep-cluster-name=cylindertrace-check \
    --wsrep-cluster-address="$address" --wsrep-node-name="node$i" --wsrep-node-address="127.0.0.1:${GALERA_GROUP_PORTS[$i]}" \
    --wsrep-provider-options="gmcast.listen_addr=tcp://127.0.0.1:${GALERA_GROUP_PORTS[$i]};ist.recv_addr=127.0.0.1:${GALERA_IST_PORTS[$i]};evs.suspect_timeout=PT3S;evs.inactive_timeout=PT6S;gcache.size=64M" \
    --wsrep-sst-method=rsync --wsrep-sst-receive-address="127.0.0.1:${GALERA_SST_PORTS[$i]}" \
    --wsrep-slave-threads=2 --wsrep-sync-wait=0 >/dev/null 2>&1 &
  for _ in $(seq 1 240); do
    galera_synced "$i" && return 0
    kill -0 "$(cat "$dir/mariadb.pid" 2>/dev/null || echo 0)" 2>/dev/null || [ $SECONDS -lt 10 ] || break
    sleep 0.5
  done
  log "Galera node $i did not reach Synced; see $dir/error.log"; tail -20 "$dir/error.log"; return 1
}

galera_synced() { galera_ping "$1" && [ "$(galera_root "$1" -Nse "SHOW STATUS LIKE 'wsrep_local_state_comment'" 2>/dev/null | awk '{print $2}')" = "Synced" ]; }

galera_up() {
  if galera_ping 0 || galera_ping 1 || galera_ping 2; then
    for i in 0 1 2; do galera_node_start "$i"; done
  else
    galera_node_start 0 bootstrap
    galera_node_start 1
    galera_node_start 2
  fi
  galera_root 0 <<SQL
CREATE DATABASE IF NOT EXISTS \`$CT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$CT_DB_USER'@'127.0.0.%' IDENTIFIED BY '$CT_DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`${CT_DB_NAME}%\`.* TO '$CT_DB_USER'@'127.0.0.%';
SQL
  log "Galera: $(galera_root 0 -Nse "SHOW STATUS LIKE 'wsrep_cluster_size'" | awk '{print $2}') nodes on ${GALERA_HOSTS[*]} port $GALERA_PORT"
}

# One writer: every instance connects to the first node that answers, in this order (MySqlConnector LoadBalance=FailOver).
galera_connection_string() {
  echo "Server=${GALERA_HOSTS[0]},${GALERA_HOSTS[1]},${GALERA_HOSTS[2]};Port=$GALERA_PORT;Database=${1:-$CT_DB_NAME};User ID=$CT_DB_USER;Password=$CT_DB_PASSWORD;AllowLoadLocalInfile=true;LoadBalance=FailOver"
}

galera_down() {
  for i in 0 1 2; do
    local pid="$CLUSTER_DIR/galera-$i/mariadb.pid"
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
  done
  for _ in $(seq 1 60); do galera_ping 0 || galera_ping 1 || galera_ping 2 || break; sleep 0.5; done
  for i in 0 1 2; do rm -rf "$CLUSTER_DIR/galera-$i"; done
}
