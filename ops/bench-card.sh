#!/usr/bin/env bash
# Card lookup benchmark (issue: foundation). Loads the `fuzhou` preset into its own database once,
# starts the host (Release) and a bare Kestrel endpoint answering a fixed card of the same size, and
# measures with wrk on loopback:
#   cold   cache-miss path (every request a code not asked before, caches flushed first)
#   warm   random codes from a warmed sample, our endpoint and the bare one, same settings
#   80%    our endpoint held at ~80% of its measured warm peak, latency distribution
# Prints a Markdown block for docs/BENCHMARKS.md and keeps raw wrk output in .local/bench/.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64), CT_BENCH_THREADS (2), CT_BENCH_DB.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
command -v wrk >/dev/null || { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null; }

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
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
host_dll="src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
bare_dll="tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"

loaded=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM cylinders" 2>/dev/null || echo 0)
if [ "$loaded" -lt 1000000 ]; then
  log "loading the fuzhou preset into $bench_db"
  start=$(date +%s.%N)
  dotnet "$host_dll" seed --preset fuzhou --replace | tee "$out/seed.log"
  echo "seed wall seconds: $(echo "$(date +%s.%N) - $start" | bc)" | tee -a "$out/seed.log"
fi

mariadb_root -N "$bench_db" -e "SELECT code FROM cylinders ORDER BY RAND(7) LIMIT 20000" >"$out/warm-codes.txt"
mariadb_root -N "$bench_db" -e "SELECT code FROM cylinders ORDER BY RAND(11) LIMIT 600000" >"$out/cold-codes.txt"

# Start from empty caches: Redis keys of this prefix, and a fresh host process.
redis-cli -p "$CT_REDIS_PORT" --scan --pattern 'ct-bench:*' | xargs -r -n 500 redis-cli -p "$CT_REDIS_PORT" del >/dev/null
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
dotnet "$host_dll" --urls "http://127.0.0.1:$host_port" >"$out/host.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$host_port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
dotnet "$bare_dll" bare --port "$bare_port" --body "$out/card.json" >"$out/bare.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$bare_port/api/cylinders/X/card" >/dev/null && break; sleep 0.5; done

run_wrk() { # name url codes mode delay
  local name=$1 url=$2 codes=$3 mode=$4 delay=${5:-0}
  CODES="$codes" MODE="$mode" DELAY_MS="$delay" THREADS="$threads" \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s ops/bench/codes.lua "$url" >"$out/$name.txt"
}
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p { print $2 }' "$out/$1.txt"; }
errors() { local n; n=$(sed -n "s/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p" "$out/$1.txt" | head -1); echo "${n:-0}"; }

log "cold (cache miss) run"
run_wrk cold "http://127.0.0.1:$host_port" "$out/cold-codes.txt" sequential
log "warming $(wc -l <"$out/warm-codes.txt") codes"
CODES="$out/warm-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null
log "warm run, our endpoint"
run_wrk warm "http://127.0.0.1:$host_port" "$out/warm-codes.txt" random
log "warm run, bare Kestrel"
run_wrk bare "http://127.0.0.1:$bare_port" "$out/warm-codes.txt" random
peak=$(rps warm)
target=$(echo "$peak * 0.8" | bc)
# wrk holds a rate only through a pause per connection (whole milliseconds), so the number of
# connections sets the rate: start from rate x (pause + p50) and correct it on short trial runs.
delay=2
p50_s=$(awk '$1 == "50%" { v=$2; if (v ~ /us$/) { sub(/us$/, "", v); v/=1000000 } else if (v ~ /ms$/) { sub(/ms$/, "", v); v/=1000 } else { sub(/s$/, "", v) } print v }' "$out/warm.txt")
c80=$(echo "scale=6; x = $target * ($delay / 1000 + $p50_s); scale=0; (x + 0.5) / 1" | bc)
for _ in 1 2 3; do
  [ "$c80" -lt "$threads" ] && c80=$threads
  CODES="$out/warm-codes.txt" MODE=random DELAY_MS="$delay" THREADS="$threads" \
    wrk -t"$threads" -c"$c80" -d5s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >"$out/at80-trial.txt"
  got=$(rps at80-trial)
  c80=$(echo "scale=0; ($c80 * $target / $got + 0.5) / 1" | bc)
done
log "80% run: target $target req/s, $c80 connections, $delay ms pause per connection"
CODES="$out/warm-codes.txt" MODE=random DELAY_MS="$delay" THREADS="$threads" \
  wrk -t"$threads" -c"$c80" -d"${seconds}s" --latency -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >"$out/at80.txt"

ratio=$(echo "scale=3; $(rps warm) / $(rps bare)" | bc)
cat <<MD | tee "$out/summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)), $(free -g | awk '/Mem:/ {print $2}') GiB;
wrk -t$threads -c$conns -d${seconds}s, loopback, host and wrk on the same machine.

| run | req/s | p50 | p99 | non-2xx |
|---|---|---|---|---|
| cold: every request a new code (cache miss → MariaDB) | $(rps cold) | $(pct cold 50) | $(pct cold 99) | $(errors cold) |
| warm: our card endpoint, 20,000 warmed codes | $(rps warm) | $(pct warm 50) | $(pct warm 99) | $(errors warm) |
| warm: bare Kestrel, same JSON size | $(rps bare) | $(pct bare 50) | $(pct bare 99) | $(errors bare) |
| our endpoint held at 80% of its peak (target $target req/s: $c80 connections, $delay ms pause each) | $(rps at80) | $(pct at80 50) | $(pct at80 99) | $(errors at80) |

Warm ratio (ours / bare): **$ratio** (target ≥ 0.5). Card size $(wc -c <"$out/card.json") bytes.
MD
