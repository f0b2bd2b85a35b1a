# Shared steps of the fault scripts (ops/fault-*.sh): a fresh `cylindertrace_fault` database with the
# demo data, a Redis server of their own (port CT_FAULT_REDIS_PORT, 6390, append-only, data under
# .local/fault/redis) so that stopping it disturbs nothing else, Release builds, an integration key, and
# the host (web and worker roles) on port 5093. Each script prints the load's report and a last line
# "RESULT PASS" or "RESULT FAIL" (exit code 0 or 1).
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

fault_prepare() {
  bash "$CT_ROOT/ops/services-up.sh"
  export_settings
  cd "$CT_ROOT"
  out="$CT_LOCAL/fault"; mkdir -p "$out/redis"; : >"$out/host.log"
  fault_db="${CT_DB_NAME}_fault"
  fault_port=5093
  redis_port="${CT_FAULT_REDIS_PORT:-6390}"
  mariadb_root -e "DROP DATABASE IF EXISTS \`$fault_db\`; CREATE DATABASE \`$fault_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    GRANT ALL ON \`$fault_db\`.* TO '$CT_DB_USER'@'%'; GRANT ALL ON \`$fault_db\`.* TO '$CT_DB_USER'@'localhost'" 2>/dev/null || true
  export Database__ConnectionString="$(connection_string "$fault_db")"
  export Redis__Configuration="127.0.0.1:$redis_port" Redis__KeyPrefix="ct-fault:"
  export Hosting__Roles="web,worker" Logging__LogLevel__Default=Warning
  export MiniProgram__ComplaintsPerUserPerHour=1000 MiniProgram__ComplaintsPerIpPerHour=100000
  export Photos__Folder="$out/photos"
  dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
  dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
  host_dll="src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
  bench_dll="tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"
  fault_pids=()
  trap 'for p in "${fault_pids[@]}"; do kill "$p" 2>/dev/null || true; done; redis_stop' EXIT
  redis_start
  dotnet "$host_dll" seed --preset demo >"$out/seed.log" 2>&1
  licence=$(mariadb_root -N "$fault_db" -e "SELECT licence_number FROM enterprises WHERE kind = 'filling' ORDER BY id LIMIT 1")
  dotnet "$host_dll" integration-key create --licence "$licence" --tsv 2>/dev/null >"$out/keys.tsv"
}

redis_start() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$out/redis" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --daemonize yes --pidfile "$out/redis/redis.pid" --logfile "$out/redis/redis.log" >/dev/null
  for _ in $(seq 1 50); do [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ] && return 0; sleep 0.1; done
  log "the fault Redis did not start; see $out/redis/redis.log"; exit 1
}

redis_stop() { redis-cli -p "$redis_port" shutdown >/dev/null 2>&1 || true; }

host_start() {
  dotnet "$host_dll" --urls "http://127.0.0.1:$fault_port" >>"$out/host.log" 2>&1 &
  host_pid=$!
  fault_pids+=("$host_pid")
  for _ in $(seq 1 120); do
    curl -sf "http://127.0.0.1:$fault_port/health/live" >/dev/null && return 0
    kill -0 "$host_pid" 2>/dev/null || break
    sleep 0.25
  done
  log "the host did not start; see $out/host.log"; exit 1
}

# health STATUS: the readiness answer now (200 healthy, 503 degraded).
ready_status() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$fault_port/health/ready" || true; }

load_start() {
  dotnet "$bench_dll" fault-load --url "http://127.0.0.1:$fault_port" --keys "$out/keys.tsv" "$@" >"$out/load.txt" 2>"$out/load.err" &
  load_pid=$!
}

load_finish() {
  local rc=0
  wait "$load_pid" || rc=$?
  cat "$out/load.txt"
  return $rc
}
