#!/usr/bin/env bash
# Security issue 16's photo, replayed (the outside review's finding): residents upload at once a ~300 KB PNG
# that declares a 16-bit RGBA 6300x6300 image (just under Photos:MaxPixels); the host's resident memory
# (VmRSS) is read before, at its peak during, and 3 s after.
# The host runs as ops/run.sh runs it (Release build, migrated, demo data, Production environment,
# the checkout's local MariaDB and Redis), on CT_HTTP_PORT (5096).
#   ops/bench-photo-flood.sh                       CT_BENCH_UPLOADS (3) at once
#   CT_BENCH_HOST_DLL=/path/to/CylinderTrace.dll ops/bench-photo-flood.sh   another build (e.g. before a fix), same settings
# Prints one line of figures; the host's log is in .local/bench/photo-flood-host.log.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
host=(dotnet "${CT_BENCH_HOST_DLL:-src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll}")
"${host[@]}" migrate
"${host[@]}" seed --preset demo
out="$CT_LOCAL/bench"
mkdir -p "$out"
port="${CT_HTTP_PORT:-5096}"
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then log "port $port is already answering; stop that first"; exit 1; fi
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
"${host[@]}" --urls "http://127.0.0.1:$port" >"$out/photo-flood-host.log" 2>&1 &
host_pid=$!
trap 'kill "$host_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { log "the host did not become ready; see $out/photo-flood-host.log"; exit 1; }
for _ in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$port/api/cylinders/FZ0000000001/card"; done
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll photo-flood --url "http://127.0.0.1:$port" --pid "$host_pid" \
  --uploads "${CT_BENCH_UPLOADS:-3}" | tee "$out/photo-flood.txt"
