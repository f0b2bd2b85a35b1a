#!/usr/bin/env bash
# Mixed traffic at 80% of peak (issue 10): the host started the README's way (ops/run.sh) on the `fuzhou`
# data (database cylindertrace_bench, loaded by ops/bench/common.sh or by run.sh the first time), then
# card lookups, encrypted Official Account scans, complaints, receiving scans, fill checks and fill
# batches all at once: first closed-loop (the peak of the mix), then each kind paced at 80% of its own
# peak for CT_LOAD_SECONDS (60). Reports requests/s, p50, p99 and errors per kind; last line RESULT PASS
# (no errors at 80%) or RESULT FAIL. Raw output in .local/load/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export CT_DB_NAME="${CT_BENCH_DB:-${CT_DB_NAME}_bench}"
export_settings
cd "$CT_ROOT"
out="$CT_LOCAL/load"; mkdir -p "$out"
port="${CT_HTTP_PORT:-5080}"
# The host's own limits on complaints per user and address are for real people; the load files many.
export MiniProgram__ComplaintsPerUserPerHour=1000 MiniProgram__ComplaintsPerIpPerHour=100000 Logging__LogLevel__Default=Warning
export ASPNETCORE_ENVIRONMENT=Production
log "removing the rows of earlier runs of this load"
mariadb_root -e "CREATE DATABASE IF NOT EXISTS \`$CT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
mariadb_root "$CT_DB_NAME" -e "
  DELETE r FROM receiving_scan_deliveries r JOIN receiving_scans s ON s.id = r.scan_id AND s.scanned_at = r.scanned_at
    JOIN mp_users u ON u.id = s.user_id WHERE u.openid LIKE 'oMixedR%';
  DELETE s FROM receiving_scans s JOIN mp_users u ON u.id = s.user_id WHERE u.openid LIKE 'oMixedR%';
  DELETE FROM deliveries WHERE external_event_id LIKE 'MIXED-%';" 2>/dev/null || true
CT_PRESET=fuzhou CT_HTTP_PORT="$port" bash "$CT_ROOT/ops/run.sh" >"$out/host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true; pkill -f "CylinderTrace.dll --urls http://127.0.0.1:$port" 2>/dev/null || true' EXIT
for _ in $(seq 1 2400); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { log "the host did not start; see $out/host.log"; exit 1; }
host_dll="src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
licence=$(mariadb_root -N "$CT_DB_NAME" -e "SELECT licence_number FROM enterprises WHERE kind = 'filling' ORDER BY id LIMIT 1")
dotnet "$host_dll" integration-key create --licence "$licence" --tsv 2>/dev/null >"$out/keys.tsv"
mariadb_root -N "$CT_DB_NAME" -e "SELECT code FROM cylinders ORDER BY RAND(7) LIMIT 20000" >"$out/codes.txt"
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll mixed-load --url "http://127.0.0.1:$port" \
  --keys "$out/keys.tsv" --codes "$out/codes.txt" --peak-seconds "${CT_LOAD_PEAK_SECONDS:-20}" --seconds "${CT_LOAD_SECONDS:-60}" | tee "$out/mixed.txt"
