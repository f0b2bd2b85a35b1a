#!/usr/bin/env bash
# Official Account benchmark (issue: WeChat Official Account). Encrypted scancode_waitmsg pushes,
# each unique and signed, answered with an encrypted card reply, against a bare Kestrel endpoint
# that reads the push and answers a fixed encrypted reply of the same size; same load generator
# (tests/CylinderTrace.Benchmarks oa-load) for both. Then our endpoint at ~80% of its peak, paced
# workers as with wrk in the card benchmark. Uses the `fuzhou` data (ops/bench/common.sh).
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
bench_start_host
load() { dotnet "$bench_dll" oa-load --codes "$out/warm-codes.txt" "$@"; }
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
load --url "http://127.0.0.1:$host_port/wechat/oa" --save-one-reply "$out/oa-reply.xml"
bench_start_bare "$out/card.json" "$out/oa-reply.xml"

log "warming the card cache with the sampled codes"
CODES="$out/warm-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null
log "peak, our endpoint"
load --url "http://127.0.0.1:$host_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" | tee "$out/oa-ours.txt"
log "peak, bare Kestrel"
load --url "http://127.0.0.1:$bare_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" | tee "$out/oa-bare.txt"
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$out/$1.txt"; }
target=$(echo "$(field oa-ours rps) * 0.8" | bc)
log "our endpoint at 80% of its peak: $target req/s, paced"
load --url "http://127.0.0.1:$host_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" --rate "$target" | tee "$out/oa-at80.txt"

ratio=$(echo "scale=3; $(field oa-ours rps) / $(field oa-bare rps)" | bc)
cat <<MD | tee "$out/oa-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); load generator oa-load ($conns workers, closed loop; paced workers for the 80% run), same machine.

| run | req/s | p50 | p99 | errors |
|---|---|---|---|---|
| ours: encrypted scancode_waitmsg → encrypted card reply | $(field oa-ours rps) | $(field oa-ours p50_ms) ms | $(field oa-ours p99_ms) ms | $(field oa-ours errors) |
| bare Kestrel: read push, fixed encrypted reply ($(wc -c <"$out/oa-reply.xml") bytes) | $(field oa-bare rps) | $(field oa-bare p50_ms) ms | $(field oa-bare p99_ms) ms | $(field oa-bare errors) |
| ours at 80% of peak (target $target req/s, paced) | $(field oa-at80 rps) | $(field oa-at80 p50_ms) ms | $(field oa-at80 p99_ms) ms | $(field oa-at80 errors) |

Ratio (ours / bare): **$ratio** (target ≥ 0.4); p99 at 80%: **$(field oa-at80 p99_ms) ms** (target < 50 ms).
MD
