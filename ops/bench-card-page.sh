#!/usr/bin/env bash
# Card page benchmark (issue 23): the HTML card page a phone camera opens (GET /c/{code}) against a bare Kestrel
# endpoint answering a fixed page of the same size, on the `fuzhou` preset as ops/bench-card.sh loads it, with wrk
# on loopback: warm (random codes from a warmed sample), ours and the bare one, same settings. Target: ours ≥ 0.5 × bare.
# Prints a Markdown block for docs/BENCHMARKS.md and keeps raw wrk output in .local/bench/.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64), CT_BENCH_THREADS (2), CT_BENCH_DB.
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
bench_start_host
code=$(head -1 "$out/warm-codes.txt")
curl -sf "http://127.0.0.1:$host_port/api/cylinders/$code/card" >"$out/card.json"
curl -sf "http://127.0.0.1:$host_port/c/$code" >"$out/card-page.html"
CT_BENCH_BARE_PAGE="$out/card-page.html" bench_start_bare "$out/card.json"

run_wrk() { # name url
  CODES="$out/warm-codes.txt" MODE=random THREADS="$threads" PATH_TEMPLATE="/c/%s" \
    wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s ops/bench/codes.lua "$2" >"$out/$1.txt"
}
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p { print $2 }' "$out/$1.txt"; }
errors() { local n; n=$(sed -n "s/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p" "$out/$1.txt" | head -1); echo "${n:-0}"; }

# The page and the JSON card share their caches (the card's facts, enterprises, workers): warm them through the JSON
# endpoint, which gets through the sample faster, then once more through the page.
log "warming $(wc -l <"$out/warm-codes.txt") codes"
CODES="$out/warm-codes.txt" MODE=sequential THREADS=2 wrk -t2 -c16 -d"${CT_BENCH_WARMUP_SECONDS:-20}s" -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null
CODES="$out/warm-codes.txt" MODE=sequential THREADS=2 PATH_TEMPLATE="/c/%s" wrk -t2 -c16 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null
log "warm run, our card page"
run_wrk page-warm "http://127.0.0.1:$host_port"
log "warm run, bare Kestrel"
run_wrk page-bare "http://127.0.0.1:$bare_port"
log "warm run, our JSON card (for comparison)"
CODES="$out/warm-codes.txt" MODE=random THREADS="$threads" wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >"$out/page-json.txt"

ratio=$(echo "scale=3; $(rps page-warm) / $(rps page-bare)" | bc)
cat <<MD | tee "$out/card-page-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine);
wrk -t$threads -c$conns -d${seconds}s, loopback, host and wrk on the same machine.

| run | req/s | p50 | p99 | non-2xx |
|---|---|---|---|---|
| warm: our card page /c/{code}, 20,000 warmed codes | $(rps page-warm) | $(pct page-warm 50) | $(pct page-warm 99) | $(errors page-warm) |
| warm: bare Kestrel, a fixed page of the same size | $(rps page-bare) | $(pct page-bare 50) | $(pct page-bare 99) | $(errors page-bare) |
| warm: our JSON card /api/cylinders/{code}/card, same codes (comparison) | $(rps page-json) | $(pct page-json 50) | $(pct page-json 99) | $(errors page-json) |

Warm ratio (ours / bare): **$ratio** (target ≥ 0.5). Page size $(wc -c <"$out/card-page.html") bytes.
MD
