#!/usr/bin/env bash
# Security issue 16, item 7, replayed: 10 connections at once each announce a 16 MiB body from an
# integration key that does not exist and send it slowly (over CT_BENCH_SECONDS, 20); the host's
# resident memory (VmRSS) is read before, at its peak during, and 5 s after the attack.
# The host runs as ops/run.sh runs it (Release build, migrated, demo data, Production environment,
# the checkout's local MariaDB and Redis), on CT_HTTP_PORT (5095).
#   ops/bench-body-flood.sh
#   CT_BENCH_HOST_DLL=/path/to/CylinderTrace.dll ops/bench-body-flood.sh   another build (e.g. before a fix), same settings
# Prints one line of figures; the host's log is in .local/bench/body-flood-host.log.
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
port="${CT_HTTP_PORT:-5095}"
if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then log "port $port is already answering; stop that first"; exit 1; fi
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
"${host[@]}" --urls "http://127.0.0.1:$port" >"$out/body-flood-host.log" 2>&1 &
host_pid=$!
trap 'kill "$host_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { log "the host did not become ready; see $out/body-flood-host.log"; exit 1; }
for _ in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$port/api/cylinders/FZ0000000001/card"; done
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll body-flood --url "http://127.0.0.1:$port" --pid "$host_pid" \
  --connections "${CT_BENCH_CONNECTIONS:-10}" --announce "${CT_BENCH_ANNOUNCE:-16777216}" --seconds "${CT_BENCH_SECONDS:-20}" | tee "$out/body-flood.txt"
