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
start_bench_host photo-flood "${CT_HTTP_PORT:-5096}"
out="$CT_LOCAL/bench"
dotnet tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll photo-flood --url "http://127.0.0.1:$port" --pid "$host_pid" \
  --uploads "${CT_BENCH_UPLOADS:-3}" | tee "$out/photo-flood.txt"
