#!/usr/bin/env bash
# Commercial receiving scans and scan rates benchmark (issue 8), on the `fuzhou` data (ops/bench/common.sh):
#   (host: web role only, as deployed; the worker role's jobs run elsewhere)
#   roll-up     `scan-rates rebuild --days 30 --clear`: the day, week and month roll-ups of the last 30
#               days rebuilt from scratch (every delivery of the period read, ~1 M in fuzhou)
#   scans       receiving scans through the Mini Program API (one matched first scan per request):
#               closed-loop peak, then paced at 80% of it
#   live rates  signed GET /api/integration/v1/scan-rates/today of random stations: peak, 80% of it paced, and CT_BENCH_LIVE_RATE (5000)/s paced
# Prints a Markdown block for docs/BENCHMARKS.md; raw output in .local/bench/.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64; scans use CT_BENCH_SCAN_CONNECTIONS, 32).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
# Earlier runs' own rows (their deliveries are "today" for a while and would weigh on the live figures).
log "removing the rows of earlier runs of this benchmark"
mariadb_root "$bench_db" -e "
  DELETE r FROM receiving_scan_deliveries r JOIN receiving_scans s ON s.id = r.scan_id AND s.scanned_at = r.scanned_at
    JOIN mp_users u ON u.id = s.user_id WHERE u.openid LIKE 'oBenchScan\\_%';
  DELETE s FROM receiving_scans s JOIN mp_users u ON u.id = s.user_id WHERE u.openid LIKE 'oBenchScan\\_%';
  DELETE FROM deliveries WHERE external_event_id LIKE 'BENCH-SCAN-%';"
# The host serves (web role); the roll-up jobs run on worker instances, as in ops/deploy.

log "roll-ups of the last 30 days, from scratch"
dotnet "$host_dll" scan-rates rebuild --days 30 --clear 2>/dev/null | tee "$out/rollup-rebuild.txt"
dotnet "$host_dll" scan-rates rebuild --days 30 2>/dev/null | tee "$out/rollup-again.txt"
period_deliveries=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM deliveries WHERE delivered_at >= UTC_TIMESTAMP() - INTERVAL 30 DAY")

bench_start_host
stations=$(mariadb_root -N "$bench_db" -e "SET SESSION group_concat_max_len = 100000; SELECT GROUP_CONCAT(licence_number) FROM (SELECT licence_number FROM enterprises WHERE kind = 'supply' ORDER BY id LIMIT 100) s")
dotnet "$host_dll" integration-key create --licence "$stations" --tsv >"$out/station-keys.tsv" 2>/dev/null

log "receiving scans"
dotnet "$bench_dll" scans --url "http://127.0.0.1:$host_port" --seconds "$seconds" --concurrency "${CT_BENCH_SCAN_CONNECTIONS:-32}" | tee "$out/scans.txt"
log "live rates, peak"
dotnet "$bench_dll" live-rates --url "http://127.0.0.1:$host_port" --keys "$out/station-keys.tsv" --seconds "$seconds" --concurrency "$conns" | tee "$out/live-peak.txt"
rps() { sed -n "s/.*rps=\([0-9.]*\).*/\1/p" "$1"; }
target=$(echo "$(rps "$out/live-peak.txt") * 0.8" | bc)
log "live rates at 80% of peak: $target req/s, paced"
dotnet "$bench_dll" live-rates --url "http://127.0.0.1:$host_port" --keys "$out/station-keys.tsv" --seconds "$seconds" --concurrency "$conns" --rate "$target" | tee "$out/live-at80.txt"

fixed="${CT_BENCH_LIVE_RATE:-5000}"
log "live rates at a fixed $fixed req/s, paced (well above what people reading rates would make)"
dotnet "$bench_dll" live-rates --url "http://127.0.0.1:$host_port" --keys "$out/station-keys.tsv" --seconds "$seconds" --concurrency "$conns" --rate "$fixed" | tee "$out/live-fixed.txt"

line() { grep "^$1 " "$out/scans.txt"; }
f() { echo "$1" | sed -n "s/.*$2=\([0-9.]*\).*/\1/p"; }
g() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$out/$1.txt"; }
cat <<MD | tee "$out/scans-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); host, MariaDB, Redis and the load generator on the same machine.

Roll-ups rebuilt from scratch (\`scan-rates rebuild --days 30 --clear\`; $period_deliveries deliveries in the period): $(sed -n 's/^rebuilt //p' "$out/rollup-rebuild.txt")
Again over existing rows: $(sed -n 's/^rebuilt //p' "$out/rollup-again.txt")

| run | req/s | p50 | p99 | errors |
|---|---|---|---|---|
| receiving scans, peak (POST /api/mp/commercial/scans, one first matched scan each) | $(f "$(line peak)" rps) | $(f "$(line peak)" p50_ms) ms | $(f "$(line peak)" p99_ms) ms | $(f "$(line peak)" errors) |
| receiving scans at 80% of peak, paced | $(f "$(line at80)" rps) | $(f "$(line at80)" p50_ms) ms | $(f "$(line at80)" p99_ms) ms | $(f "$(line at80)" errors) |
| live rates, peak (signed GET /api/integration/v1/scan-rates/today) | $(g live-peak rps) | $(g live-peak p50_ms) ms | $(g live-peak p99_ms) ms | $(g live-peak errors) |
| live rates at 80% of peak, paced | $(g live-at80 rps) | $(g live-at80 p50_ms) ms | $(g live-at80 p99_ms) ms | $(g live-at80 errors) |
| live rates at $fixed req/s, paced | $(g live-fixed rps) | $(g live-fixed p50_ms) ms | $(g live-fixed p99_ms) ms | $(g live-fixed errors) |

Scan outcomes: $(sed -n 's/^outcomes //p' "$out/scans.txt")
MD
