#!/usr/bin/env bash
# Complaint burst benchmark (issue: routing). Starts the host (Release, web and worker roles) on a
# fresh database, submits CT_BURST_COUNT (10,000) complaints through /api/mp/complaints with
# CT_BURST_CONCURRENCY (32) at a time, and waits until every one is routed; prints submit and
# routing rates and checks that none was routed twice. WeChat is not reached: notifications have
# no template configured here, so they are recorded as skipped.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
out="$CT_LOCAL/bench"; mkdir -p "$out"
db="${CT_DB_NAME}_burst"
mariadb_root -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export Database__ConnectionString="$(connection_string "$db")"
export Redis__KeyPrefix="ct-burst-$(date +%s):"
export Logging__LogLevel__Default=Warning
export MiniProgram__ComplaintsPerUserPerHour=1000 MiniProgram__ComplaintsPerIpPerHour=100000
export Hosting__Roles="web,worker" Hosting__WorkerCount="${CT_BURST_WORKERS:-8}"
export Photos__Folder="$out/burst-photos"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
dotnet src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll --urls http://127.0.0.1:5092 >"$out/burst-host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:5092/health/ready >/dev/null && break; sleep 0.5; done
curl -sf http://127.0.0.1:5092/health/ready >/dev/null || { log "the host did not start; see $out/burst-host.log"; exit 1; }
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll complaint-burst --url http://127.0.0.1:5092 \
  --count "${CT_BURST_COUNT:-10000}" --concurrency "${CT_BURST_CONCURRENCY:-32}" | tee "$out/burst.txt"
