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
start_bench_host body-flood "${CT_HTTP_PORT:-5095}"
out="$CT_LOCAL/bench"
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll body-flood --url "http://127.0.0.1:$port" --pid "$host_pid" \
  --connections "${CT_BENCH_CONNECTIONS:-10}" --announce "${CT_BENCH_ANNOUNCE:-16777216}" --seconds "${CT_BENCH_SECONDS:-20}" | tee "$out/body-flood.txt"
