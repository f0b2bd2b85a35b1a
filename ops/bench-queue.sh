#!/usr/bin/env bash
# Complaint queue benchmark (issue 19). A database of its own with CT_QUEUE_COUNT (100,000) complaints over
# CT_QUEUE_DAYS (365) days, written directly (QueueLoad queue-seed: most closed with replies, the last days' open,
# a third in gas-350102), their search words written by `complaint-search reindex`, a supervisor of gas-350102
# signed in; then a bare Kestrel endpoint serving the default queue page's bytes (the machine's floor for one request)
# and each queue page (default, all states, a deep page, sorted, due soon, full-text searches of common, rare and
# single-character words, filters, the JSON API) requested CT_QUEUE_REPEAT (200) times one after another, as a person
# clicks: p50/p95/p99 per page and its ratio to the bare endpoint's, printed as a Markdown table for docs/BENCHMARKS.md,
# with the load average before and after. The database is kept (CT_QUEUE_FRESH=1 rebuilds it).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
out="$CT_LOCAL/bench"; mkdir -p "$out"
db="${CT_DB_NAME}_queue"
port=5093
export Database__ConnectionString="$(connection_string "$db")"
export Redis__KeyPrefix="ct-queue-bench:"
export Logging__LogLevel__Default=Warning
export Hosting__Roles="web"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
# CT_BENCH_HOST_DLL measures another build (e.g. before a change) with the same data and load.
host_dll="${CT_BENCH_HOST_DLL:-src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll}"
bench_dll=tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll
count="${CT_QUEUE_COUNT:-100000}"
have=$(mariadb_root -N "$db" -e "SELECT COUNT(*) FROM complaints" 2>/dev/null || echo 0)
if [ "${CT_QUEUE_FRESH:-0}" = 1 ] || [ "$have" -lt "$count" ]; then
  mariadb_root -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  dotnet "$host_dll" migrate
  dotnet "$bench_dll" queue-seed --count "$count" --days "${CT_QUEUE_DAYS:-365}" | tee "$out/queue-seed.txt"
fi
dotnet "$host_dll" complaint-search reindex | tee -a "$out/queue-seed.txt"
password="Hotline-Queue-2026!"
mariadb_root -N "$db" -e "SELECT 1 FROM staff WHERE username = 'bench-queue'" | grep -q 1 ||
  dotnet "$host_dll" create-staff --username bench-queue --role supervisor --agency gas-350102 --name 基准科长 --password "$password" >/dev/null
mariadb_root "$db" -e "UPDATE staff SET must_change_password = 0 WHERE username = 'bench-queue'"
mariadb_root "$db" -e "ANALYZE TABLE complaints, complaint_routing, complaint_handling, complaint_search" >/dev/null
echo "complaints: $(mariadb_root -N "$db" -e "SELECT COUNT(*) FROM complaints"), search rows: $(mariadb_root -N "$db" -e "SELECT COUNT(*) FROM complaint_search")" | tee "$out/queue.txt"

if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then log "port $port is already answering; stop that process first"; exit 1; fi
dotnet "$host_dll" --urls "http://127.0.0.1:$port" >"$out/queue-host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
# The baseline: a bare Kestrel endpoint (Benchmarks `bare --page`) serving the default queue page's bytes, measured first.
dotnet "$bench_dll" queue-load --url "http://127.0.0.1:$port" --username bench-queue --password "$password" --save-page "$out/queue-page.html"
bare_port=5094
dotnet "$bench_dll" bare --port "$bare_port" --body "$out/queue-page.html" --page "$out/queue-page.html" >"$out/queue-bare.log" 2>&1 &
bare=$!
trap 'kill $host $bare 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf -o /dev/null "http://127.0.0.1:$bare_port/c/queue" && break; sleep 0.5; done
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/queue.txt"
dotnet "$bench_dll" queue-load --url "http://127.0.0.1:$port" --username bench-queue --password "$password" --repeat "${CT_QUEUE_REPEAT:-200}" \
  --bare "http://127.0.0.1:$bare_port/c/queue" | tee -a "$out/queue.txt"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/queue.txt"
