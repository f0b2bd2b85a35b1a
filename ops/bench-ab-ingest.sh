#!/usr/bin/env bash
# A/B of ingest between two builds of the host, on the loaded `fuzhou` benchmark database (ops/bench/common.sh;
# not reloaded, so run ops/bench-integration.sh first). For A, B, A, B in turn: a fresh host, a 20,000-event warm-up,
# then three Fuzhou days (65,000 events). Prints one line per day, prefixed A or B. On a shared, noisy machine compare
# the medians of the two builds' six days, never two single runs.
#   CT_BENCH_A_DLL  the first build's CylinderTrace.dll (e.g. a worktree of an older commit, built -c Release)
#   CT_BENCH_B_DLL  the second's (default: this checkout's Release build)
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
a_dll="${CT_BENCH_A_DLL:?set CT_BENCH_A_DLL to the first build (e.g. git worktree add ../old REV; dotnet build -c Release there)}"
b_dll="${CT_BENCH_B_DLL:-src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll}"
[ -f "$a_dll" ] || { log "no such build: $a_dll"; exit 2; }
bench_prepare
[ -s "$out/integration-keys.tsv" ] || { log "no integration keys in $out: run ops/bench-integration.sh first"; exit 2; }
load() { dotnet "$bench_dll" "$@" --url "http://127.0.0.1:$host_port" --keys "$out/integration-keys.tsv"; }
for which in A B A B; do
  if [ "$which" = A ]; then host_dll="$a_dll"; else host_dll="$b_dll"; fi
  bench_start_host
  load ingest --events 20000 --batch 5000 --concurrency 8 >/dev/null
  for _ in 1 2 3; do echo "$which $(load ingest --events 65000 --batch 5000 --concurrency 8)"; done
  kill "${bench_pids[-1]}" 2>/dev/null || true
  wait "${bench_pids[-1]}" 2>/dev/null || true
  sleep 3
done
