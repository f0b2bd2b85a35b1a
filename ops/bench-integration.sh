#!/usr/bin/env bash
# Enterprise integration benchmark (issue 7), on the `fuzhou` data (ops/bench/common.sh):
#   ingest      a warm-up, then one day of Fuzhou (~32.5 k fills + ~32.5 k deliveries) from every filling enterprise's
#               key, batches of 5,000, 8 at once (53 enterprises send in parallel); then CT_BENCH_INGEST_EVENTS (200,000) for the rate; 8 batches at once
#   fill check  signed checks of random warmed cylinders: our endpoint and a bare Kestrel endpoint that
#               reads the request and answers a fixed check result of the same size (same load
#               generator for both), then ours at ~80% of its peak, paced
# Prints a Markdown block for docs/BENCHMARKS.md; raw output in .local/bench/.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64), CT_BENCH_INGEST_EVENTS (200000).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
# Every run starts from the preset as seeded (about 40 s): each run adds ~285 k events to today's
# partitions, and measuring on a database grown by earlier runs compares different databases.
bench_prepare fresh
bench_start_host
licences=$(mariadb_root -N "$bench_db" -e "SET SESSION group_concat_max_len = 100000; SELECT GROUP_CONCAT(licence_number) FROM enterprises WHERE kind = 'filling'")
dotnet "$host_dll" integration-key create --licence "$licences" --tsv >"$out/integration-keys.tsv"
load() { dotnet "$bench_dll" "$@" --url "http://127.0.0.1:$host_port" --keys "$out/integration-keys.tsv"; }

load fill-check --codes "$out/warm-codes.txt" --save-one "$out/fill-check.json"
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
bench_port_free "$bare_port"
dotnet "$bench_dll" bare --port "$bare_port" --body "$out/card.json" --fill-check "$out/fill-check.json" >"$out/bare.log" 2>&1 &
bench_pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$bare_port/api/cylinders/X/card" >/dev/null && break; sleep 0.5; done
log "warming the cylinder cache with the sampled codes"
load fill-check --codes "$out/warm-codes.txt" --seconds 8 --concurrency 16 >/dev/null
log "fill check peak, ours"
load fill-check --codes "$out/warm-codes.txt" --seconds "$seconds" --concurrency "$conns" | tee "$out/fc-ours.txt"
log "fill check peak, bare Kestrel"
dotnet "$bench_dll" fill-check --url "http://127.0.0.1:$bare_port" --keys "$out/integration-keys.tsv" --codes "$out/warm-codes.txt" --seconds "$seconds" --concurrency "$conns" | tee "$out/fc-bare.txt"
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$out/$1.txt"; }
target=$(echo "$(field fc-ours rps) * 0.8" | bc)
log "fill check at 80% of our peak: $target req/s, paced"
load fill-check --codes "$out/warm-codes.txt" --seconds "$seconds" --concurrency "$conns" --rate "$target" | tee "$out/fc-at80.txt"

# Ingest after the fill checks: its writes keep MariaDB flushing pages for a while, which would
# weigh on whatever ran next.
log "ingest: warm-up (20,000 events; a host that has run for a while has its code compiled and its pages cached)"
load ingest --events 20000 --batch 5000 --concurrency 8 | tee "$out/ingest-warmup.txt"
sleep 10 # let MariaDB settle after the warm-up's writes
log "ingest: one day of Fuzhou"
load ingest --events 65000 --batch 5000 --concurrency 8 | tee "$out/ingest-day.txt"
log "ingest: ${CT_BENCH_INGEST_EVENTS:-200000} events"
load ingest --events "${CT_BENCH_INGEST_EVENTS:-200000}" --batch 5000 --concurrency 8 | tee "$out/ingest-more.txt"
log "ingest: one day of Fuzhou whose fills carry no check id (worst case: every fill a violation)"
load ingest --events 65000 --batch 5000 --concurrency 8 --checks no | tee "$out/ingest-nocheck.txt"

ratio=$(echo "scale=3; $(field fc-ours rps) / $(field fc-bare rps)" | bc)
cat <<MD | tee "$out/integration-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); host, MariaDB, Redis and the load generator on the same machine.

Every fill is judged by the filling interlock; fills carry the check id a real fill check gave just before (not timed),
except in the last run.

| ingest run | events | seconds | events/s | stored | rejected | violations |
|---|---|---|---|---|---|---|
| warm-up: the host's first batches (JIT, cold pages) | $(field ingest-warmup events) | $(field ingest-warmup seconds) | $(field ingest-warmup events_per_s) | $(field ingest-warmup stored) | $(field ingest-warmup rejected) | $(field ingest-warmup violations) |
| one day of Fuzhou (fills + deliveries, all filling enterprises' keys, batches of 5,000, 8 at once (53 enterprises send in parallel)) | $(field ingest-day events) | $(field ingest-day seconds) | $(field ingest-day events_per_s) | $(field ingest-day stored) | $(field ingest-day rejected) | $(field ingest-day violations) |
| a longer run, same shape | $(field ingest-more events) | $(field ingest-more seconds) | $(field ingest-more events_per_s) | $(field ingest-more stored) | $(field ingest-more rejected) | $(field ingest-more violations) |
| one day, fills without check ids (every fill a violation case) | $(field ingest-nocheck events) | $(field ingest-nocheck seconds) | $(field ingest-nocheck events_per_s) | $(field ingest-nocheck stored) | $(field ingest-nocheck rejected) | $(field ingest-nocheck violations) |

| fill check run | req/s | p50 | p99 | errors |
|---|---|---|---|---|
| ours: signed POST /api/integration/v1/fill-checks, warmed cylinders | $(field fc-ours rps) | $(field fc-ours p50_ms) ms | $(field fc-ours p99_ms) ms | $(field fc-ours errors) |
| bare Kestrel: read the request, fixed answer ($(wc -c <"$out/fill-check.json") bytes) | $(field fc-bare rps) | $(field fc-bare p50_ms) ms | $(field fc-bare p99_ms) ms | $(field fc-bare errors) |
| ours at 80% of peak (target $target req/s, paced) | $(field fc-at80 rps) | $(field fc-at80 p50_ms) ms | $(field fc-at80 p99_ms) ms | $(field fc-at80 errors) |

Fill check ratio (ours / bare): **$ratio** (target ≥ 0.5); p99 at 80%: **$(field fc-at80 p99_ms) ms** (target < 5 ms).
MD
