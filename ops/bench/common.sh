# Shared steps of the benchmark scripts: services, the `fuzhou` data in its own database (loaded
# once), Release builds, code samples, and starting the host and the bare Kestrel baseline.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

bench_prepare() {
  bash "$CT_ROOT/ops/services-up.sh"
  export_settings
  command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null; }
  command -v bc >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq bc >/dev/null || sudo apt-get install -y -qq bc >/dev/null; }
  seconds="${CT_BENCH_SECONDS:-20}"
  conns="${CT_BENCH_CONNECTIONS:-64}"
  threads="${CT_BENCH_THREADS:-2}"
  bench_db="${CT_BENCH_DB:-${CT_DB_NAME}_bench}"
  out="$CT_LOCAL/bench"
  host_port=5090
  bare_port=5091
  mkdir -p "$out"
  cd "$CT_ROOT"
  mariadb_root -e "CREATE DATABASE IF NOT EXISTS \`$bench_db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  export Database__ConnectionString="$(connection_string "$bench_db")"
  export Redis__KeyPrefix="ct-bench:"
  export Logging__LogLevel__Default=Warning
  # The host serves (web role), as ops/deploy runs it; the worker role's periodic jobs (roll-ups, scores,
  # digests) run on worker instances and would otherwise recompute this database's inflated "today"
  # (every benchmark run adds its events to it) in the middle of a measurement.
  export Hosting__Roles="${Hosting__Roles:-web}"
  dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
  dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
  # CT_BENCH_HOST_DLL measures another build (e.g. before a change) with the same data, settings and load.
  host_dll="${CT_BENCH_HOST_DLL:-src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll}"
  bench_dll="tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"

  # bench_prepare fresh: always reload the preset. Benchmarks that write (ingest, imports, scans)
  # grow this database with every run; a run that starts from the preset's city measures the same
  # database every time rather than one inflated by the runs before it.
  local loaded
  loaded=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM cylinders" 2>/dev/null || echo 0)
  if [ "$loaded" -lt 1000000 ] || [ "${1:-}" = fresh ]; then
    log "loading the fuzhou preset into $bench_db"
    local start
    start=$(date +%s.%N)
    dotnet "$host_dll" seed --preset fuzhou --replace | tee "$out/seed.log"
    echo "seed wall seconds: $(echo "$(date +%s.%N) - $start" | bc)" | tee -a "$out/seed.log"
  fi
  mariadb_root -N "$bench_db" -e "SELECT code FROM cylinders ORDER BY RAND(7) LIMIT 20000" >"$out/warm-codes.txt"
  mariadb_root -N "$bench_db" -e "SELECT code FROM cylinders ORDER BY RAND(11) LIMIT 600000" >"$out/cold-codes.txt"

  # Start from empty caches: Redis keys of this prefix, and fresh processes.
  redis-cli -p "$CT_REDIS_PORT" --scan --pattern 'ct-bench:*' | xargs -r -n 500 redis-cli -p "$CT_REDIS_PORT" del >/dev/null
  bench_pids=()
  trap 'for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done' EXIT
}

# A process left on the port (an interrupted earlier run) would answer in place of the new one.
bench_port_free() {
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then
    log "port $1 is already answering (a host left by an earlier run?); stop it first"; exit 1
  fi
}

bench_start_host() {
  bench_port_free "$host_port"
  dotnet "$host_dll" --urls "http://127.0.0.1:$host_port" >"$out/host.log" 2>&1 &
  bench_pids+=($!)
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$host_port/health/ready" >/dev/null && return 0; sleep 0.5; done
  log "the host did not become ready; see $out/host.log"; exit 1
}

# bench_start_bare CARD_JSON [OA_REPLY]; CT_BENCH_BARE_PAGE=FILE also serves that HTML at /c/{code}
bench_start_bare() {
  bench_port_free "$bare_port"
  dotnet "$bench_dll" bare --port "$bare_port" --body "$1" ${2:+--oa-reply "$2"} ${CT_BENCH_BARE_PAGE:+--page "$CT_BENCH_BARE_PAGE"} >"$out/bare.log" 2>&1 &
  bench_pids+=($!)
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$bare_port/api/cylinders/X/card" >/dev/null && return 0; sleep 0.5; done
  log "the bare endpoint did not start; see $out/bare.log"; exit 1
}

bench_machine() {
  echo "$(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB"
}
