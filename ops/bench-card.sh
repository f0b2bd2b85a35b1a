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
source "$(dirname "$0")/bench/common.sh"
bench_prepare
bench_start_host
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
bench_start_bare "$out/card.json"

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
cat <<MD | tee "$out/card-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine);
wrk -t$threads -c$conns -d${seconds}s, loopback, host and wrk on the same machine.

| run | req/s | p50 | p99 | non-2xx |
|---|---|---|---|---|
| cold: every request a new code (cache miss → MariaDB) | $(rps cold) | $(pct cold 50) | $(pct cold 99) | $(errors cold) |
| warm: our card endpoint, 20,000 warmed codes | $(rps warm) | $(pct warm 50) | $(pct warm 99) | $(errors warm) |
| warm: bare Kestrel, same JSON size | $(rps bare) | $(pct bare 50) | $(pct bare 99) | $(errors bare) |
| our endpoint held at 80% of its peak (target $target req/s: $c80 connections, $delay ms pause each) | $(rps at80) | $(pct at80 50) | $(pct at80 99) | $(errors at80) |

Warm ratio (ours / bare): **$ratio** (target ≥ 0.5). Card size $(wc -c <"$out/card.json") bytes.
MD
