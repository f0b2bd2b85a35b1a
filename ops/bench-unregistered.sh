#!/usr/bin/env bash
# Does recording unregistered scans slow the card or the Official Account? (issue 18). In one run, on the `fuzhou` data
# (ops/bench/common.sh), the same load against: the card endpoint for registered codes (20,000 warmed), the card endpoint
# for 20,000 well-formed codes no cylinder has (each answer a 404 problem, each request one scan queued and stored by the
# writer), and the bare Kestrel card; then the Official Account's encrypted scancode_waitmsg for registered codes, for the
# unregistered codes (each push one scan) and the bare OA endpoint. The six alternate in CT_BENCH_ROUNDS rounds and the
# ratios are of the medians. Counts the unregistered_scans rows the runs added, to show every scan was stored.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64), CT_BENCH_THREADS (2), CT_BENCH_ROUNDS (3).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
bench_start_host
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
oa() { dotnet "$bench_dll" oa-load "$@"; }
oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$host_port/wechat/oa" --save-one-reply "$out/oa-reply.xml"
bench_start_bare "$out/card.json" "$out/oa-reply.xml"

# Well-formed codes outside the registry (the preset registers FZ0000000001 … FZ0001220000; its leads are FZ9…).
awk 'BEGIN { srand(18); for (i = 0; i < 20000; i++) printf "FZ8%09d\n", int(rand() * 1000000000) }' | sort -u >"$out/unregistered-codes.txt"
# A control for the cost of answering with a problem: codes that are not well formed (400 invalid-cylinder-code) record nothing.
sed 's/^FZ/ZZ/' "$out/unregistered-codes.txt" >"$out/malformed-codes.txt"
registered=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM cylinders WHERE code LIKE 'FZ8%'")
[ "$registered" -eq 0 ] || { log "the bench database registers FZ8… codes; pick another prefix"; exit 1; }

log "warming the card cache with the sampled codes"
CODES="$out/warm-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null
CODES="$out/unregistered-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$host_port" >/dev/null

run_wrk() { # name port codes
  CODES="$3" MODE=random THREADS="$threads" wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s ops/bench/codes.lua "http://127.0.0.1:$2" >"$out/$1.txt"
}
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/$1.txt"; }
requests() { sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/$1.txt"; }
pct() { awk -v p="$2%" '$1 == p { print $2 }' "$out/$1.txt"; }
non2xx() { local n; n=$(sed -n "s/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p" "$out/$1.txt" | head -1); echo "${n:-0}"; }
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$out/$1.txt"; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
scans() { mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM unregistered_scans"; }

rounds="${CT_BENCH_ROUNDS:-3}"
sleep 5 # the warm-up's scans stored before counting
before=$(scans)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
card_reg=(); card_unreg=(); card_bare=(); card_bad=(); oa_reg=(); oa_unreg=(); oa_bare=(); sent_unreg=0; sent_oa=0
for r in $(seq 1 "$rounds"); do
  log "round $r of $rounds: card, registered / unregistered / bare"
  run_wrk "u-card-reg-$r" "$host_port" "$out/warm-codes.txt"
  run_wrk "u-card-unreg-$r" "$host_port" "$out/unregistered-codes.txt"
  run_wrk "u-card-bare-$r" "$bare_port" "$out/warm-codes.txt"
  run_wrk "u-card-bad-$r" "$host_port" "$out/malformed-codes.txt"
  card_bad+=("$(rps "u-card-bad-$r")")
  card_reg+=("$(rps "u-card-reg-$r")"); card_unreg+=("$(rps "u-card-unreg-$r")"); card_bare+=("$(rps "u-card-bare-$r")")
  sent_unreg=$((sent_unreg + $(requests "u-card-unreg-$r")))
  log "round $r of $rounds: Official Account, registered / unregistered / bare"
  oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$host_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-reg-$r.txt"
  oa --codes "$out/unregistered-codes.txt" --url "http://127.0.0.1:$host_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-unreg-$r.txt"
  oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$bare_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-bare-$r.txt"
  oa_reg+=("$(field "u-oa-reg-$r" rps)"); oa_unreg+=("$(field "u-oa-unreg-$r" rps)"); oa_bare+=("$(field "u-oa-bare-$r" rps)")
  sent_oa=$((sent_oa + $(field "u-oa-unreg-$r" requests)))
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 3 # the writer stores what it still holds (it batches about every second)
after=$(scans)

m() { printf '%s\n' "$@" | median; }
ratio() { echo "scale=2; $1 / $2" | bc; }
cbad=$(m "${card_bad[@]}"); cr=$(m "${card_reg[@]}"); cu=$(m "${card_unreg[@]}"); cb=$(m "${card_bare[@]}")
orr=$(m "${oa_reg[@]}"); ou=$(m "${oa_unreg[@]}"); ob=$(m "${oa_bare[@]}")
cat <<MD | tee "$out/unregistered-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); load average (1, 5, 15 min) $load_before before, $load_after after.
Card: wrk -t$threads -c$conns -d${seconds}s, random codes; OA: oa-load, $conns workers, closed loop; $rounds rounds, same machine.

| path | registered req/s | unregistered req/s (scan recorded) | bare Kestrel req/s | unregistered / registered | registered / bare | unregistered / bare |
|---|---|---|---|---|---|---|
| card \`/api/cylinders/{code}/card\` (median) | $cr | $cu | $cb | **$(ratio "$cu" "$cr")** | $(ratio "$cr" "$cb") | $(ratio "$cu" "$cb") |
| Official Account scancode_waitmsg (median) | $orr | $ou | $ob | **$(ratio "$ou" "$orr")** | $(ratio "$orr" "$ob") | $(ratio "$ou" "$ob") |

Rounds, card req/s registered ${card_reg[*]}; unregistered ${card_unreg[*]}; bare ${card_bare[*]}; malformed ${card_bad[*]}.
Control, card for malformed codes (400 problem, nothing cached or recorded), median: $cbad req/s, $(ratio "$cbad" "$cr") × registered.
Rounds, OA req/s registered ${oa_reg[*]}; unregistered ${oa_unreg[*]}; bare ${oa_bare[*]}.
p50 / p99 of the last round, card: registered $(pct "u-card-reg-$rounds" 50) / $(pct "u-card-reg-$rounds" 99), unregistered $(pct "u-card-unreg-$rounds" 50) / $(pct "u-card-unreg-$rounds" 99);
OA: registered $(field "u-oa-reg-$rounds" p50_ms) / $(field "u-oa-reg-$rounds" p99_ms) ms, unregistered $(field "u-oa-unreg-$rounds" p50_ms) / $(field "u-oa-unreg-$rounds" p99_ms) ms.
Non-2xx on the unregistered card runs are the expected 404 answers (last round: $(non2xx "u-card-unreg-$rounds")); OA errors: $(field "u-oa-unreg-$rounds" errors).
unregistered_scans rows added during the runs: $((after - before)); requests that each record one: card $sent_unreg, OA pushes $sent_oa (sum $((sent_unreg + sent_oa))).
MD
