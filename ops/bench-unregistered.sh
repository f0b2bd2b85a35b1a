#!/usr/bin/env bash
# Does recording unregistered scans slow the card or the Official Account? (issue 18). An A/B in one run, on the `fuzhou`
# data (ops/bench/common.sh): two instances of the same build on the same database and Redis, one recording unregistered
# scans (the default) and one with CylinderRules:RecordUnregisteredScans=false, plus the bare Kestrel baseline. Each round
# sends the same load to: the card endpoint of each instance for registered codes (20,000 warmed; the noise control: neither
# instance records anything there) and for 20,000 well-formed codes no cylinder has (each answer a 404 problem; on the
# recording instance each request is one scan queued and stored by the writer), the bare card; then the Official Account's
# encrypted scancode_waitmsg the same way. The order of the two instances alternates between rounds; the ratios are of the
# medians of CT_BENCH_ROUNDS rounds. Counts the unregistered_scans rows the runs added, to show every recorded scan was stored
# and the other instance stored none.
# Settings: CT_BENCH_SECONDS (20), CT_BENCH_CONNECTIONS (64), CT_BENCH_THREADS (2), CT_BENCH_ROUNDS (3).
set -euo pipefail
source "$(dirname "$0")/bench/common.sh"
bench_prepare
bench_start_host
off_port=5092
bench_port_free "$off_port"
CylinderRules__RecordUnregisteredScans=false dotnet "$host_dll" --urls "http://127.0.0.1:$off_port" >"$out/host-off.log" 2>&1 &
bench_pids+=($!)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$off_port/health/ready" >/dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$off_port/health/ready" >/dev/null || { log "the second host did not become ready; see $out/host-off.log"; exit 1; }
# A build from before the switch would record on both instances and measure nothing.
grep -q "RecordUnregisteredScans is off" "$out/host-off.log" || { log "the second host does not say recording is off (a build without the switch?); see $out/host-off.log"; exit 1; }
curl -sf "http://127.0.0.1:$host_port/api/cylinders/FZ0000000001/card" >"$out/card.json"
oa() { dotnet "$bench_dll" oa-load "$@"; }
oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$host_port/wechat/oa" --save-one-reply "$out/oa-reply.xml"
bench_start_bare "$out/card.json" "$out/oa-reply.xml"

# Well-formed codes outside the registry (the preset registers FZ0000000001 … FZ0001220000; its leads are FZ9…).
awk 'BEGIN { srand(18); for (i = 0; i < 20000; i++) printf "FZ8%09d\n", int(rand() * 1000000000) }' | sort -u >"$out/unregistered-codes.txt"
# Real traffic: mostly registered codes, a few not (the seeded city has about 1,250 unregistered scans in 30 days against a
# million card lookups); here 1 in 100, far more than that, to show the cost where the two kinds meet.
awk 'NR == FNR { u[n++] = $0; next } FNR % 100 == 0 { print u[(FNR / 100) % n]; next } { print }' "$out/unregistered-codes.txt" "$out/warm-codes.txt" >"$out/mixed-codes.txt"
registered=$(mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM cylinders WHERE code LIKE 'FZ8%'")
[ "$registered" -eq 0 ] || { log "the bench database registers FZ8… codes; pick another prefix"; exit 1; }

log "warming both instances' caches with the sampled codes"
for port in "$host_port" "$off_port"; do
  CODES="$out/warm-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$port" >/dev/null
  CODES="$out/unregistered-codes.txt" MODE=sequential THREADS=1 wrk -t1 -c8 -d8s -s ops/bench/codes.lua "http://127.0.0.1:$port" >/dev/null
done

run_wrk() { # name port codes
  CODES="$3" MODE=random THREADS="$threads" wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s ops/bench/codes.lua "http://127.0.0.1:$2" >"$out/$1.txt"
}
rps() { sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p' "$out/$1.txt"; }
requests() { local n; n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out/$1.txt"); echo "${n:-0}"; }
pct() { awk -v p="$2%" '$1 == p { print $2 }' "$out/$1.txt"; }
non2xx() { local n; n=$(sed -n "s/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p" "$out/$1.txt" | head -1); echo "${n:-0}"; }
field() { local v; v=$(sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$out/$1.txt"); echo "${v:-0}"; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
scans() { mariadb_root -N "$bench_db" -e "SELECT COUNT(*) FROM unregistered_scans"; }

rounds="${CT_BENCH_ROUNDS:-3}"
sleep 5 # the warm-up's scans stored before counting
before=$(scans)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A card oa_rps
sent_on=0; mixed_on=0
card_round() { # on|off port
  run_wrk "u-card-reg-$1-$r" "$2" "$out/warm-codes.txt"
  run_wrk "u-card-unreg-$1-$r" "$2" "$out/unregistered-codes.txt"
  run_wrk "u-card-mixed-$1-$r" "$2" "$out/mixed-codes.txt"
  card[reg-$1]+="$(rps "u-card-reg-$1-$r") "; card[unreg-$1]+="$(rps "u-card-unreg-$1-$r") "; card[mixed-$1]+="$(rps "u-card-mixed-$1-$r") "
  [ "$1" = off ] || { sent_on=$((sent_on + $(requests "u-card-unreg-$1-$r"))); mixed_on=$((mixed_on + $(requests "u-card-mixed-$1-$r"))); }
}
oa_round() { # on|off port
  oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$2/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-reg-$1-$r.txt"
  oa --codes "$out/unregistered-codes.txt" --url "http://127.0.0.1:$2/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-unreg-$1-$r.txt"
  oa --codes "$out/mixed-codes.txt" --url "http://127.0.0.1:$2/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-mixed-$1-$r.txt"
  oa_rps[reg-$1]+="$(field "u-oa-reg-$1-$r" rps) "; oa_rps[unreg-$1]+="$(field "u-oa-unreg-$1-$r" rps) "; oa_rps[mixed-$1]+="$(field "u-oa-mixed-$1-$r" rps) "
  [ "$1" = off ] || { sent_on=$((sent_on + $(field "u-oa-unreg-$1-$r" requests))); mixed_on=$((mixed_on + $(field "u-oa-mixed-$1-$r" requests))); }
}
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then order=(on off); else order=(off on); fi
  log "round $r of $rounds: card, registered and unregistered, instances ${order[*]}; bare"
  for who in "${order[@]}"; do
    if [ "$who" = on ]; then card_round on "$host_port"; else card_round off "$off_port"; fi
  done
  run_wrk "u-card-bare-$r" "$bare_port" "$out/warm-codes.txt"
  card[bare]+="$(rps "u-card-bare-$r") "
  log "round $r of $rounds: Official Account, the same; bare"
  for who in "${order[@]}"; do
    if [ "$who" = on ]; then oa_round on "$host_port"; else oa_round off "$off_port"; fi
  done
  oa --codes "$out/warm-codes.txt" --url "http://127.0.0.1:$bare_port/wechat/oa" --seconds "$seconds" --concurrency "$conns" >"$out/u-oa-bare-$r.txt"
  oa_rps[bare]+="$(field "u-oa-bare-$r" rps) "
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 3 # the writer stores what it still holds (it gathers for 250 ms)
after=$(scans)

m() { printf '%s\n' $1 | median; }
ratio() { echo "scale=2; $1 / $2" | bc; }
cro=$(m "${card[reg-on]}"); crf=$(m "${card[reg-off]}"); cuo=$(m "${card[unreg-on]}"); cuf=$(m "${card[unreg-off]}"); cb=$(m "${card[bare]}")
cmo=$(m "${card[mixed-on]}"); cmf=$(m "${card[mixed-off]}"); omo=$(m "${oa_rps[mixed-on]}"); omf=$(m "${oa_rps[mixed-off]}")
oro=$(m "${oa_rps[reg-on]}"); orf=$(m "${oa_rps[reg-off]}"); ouo=$(m "${oa_rps[unreg-on]}"); ouf=$(m "${oa_rps[unreg-off]}"); ob=$(m "${oa_rps[bare]}")
last_on="u-card-unreg-on-$rounds"
cat <<MD | tee "$out/unregistered-summary.md"
Run $(date -u +%Y-%m-%dT%H:%MZ) on $(bench_machine); load average (1, 5, 15 min) $load_before before, $load_after after.
Card: wrk -t$threads -c$conns -d${seconds}s, random codes; OA: oa-load, $conns workers, closed loop; $rounds rounds, same machine.
"on": the instance that records unregistered scans (the default); "off": the same build with CylinderRules:RecordUnregisteredScans=false.

| path | codes | on req/s | off req/s | **on / off** | bare Kestrel req/s | on / bare |
|---|---|---|---|---|---|---|
| card \`/api/cylinders/{code}/card\` | unregistered (404; "on" records each) | $cuo | $cuf | **$(ratio "$cuo" "$cuf")** | $cb | $(ratio "$cuo" "$cb") |
| card | 1 in 100 unregistered | $cmo | $cmf | **$(ratio "$cmo" "$cmf")** | $cb | $(ratio "$cmo" "$cb") |
| card | registered (neither records: noise control) | $cro | $crf | $(ratio "$cro" "$crf") | $cb | $(ratio "$cro" "$cb") |
| Official Account scancode_waitmsg | unregistered | $ouo | $ouf | **$(ratio "$ouo" "$ouf")** | $ob | $(ratio "$ouo" "$ob") |
| Official Account | 1 in 100 unregistered | $omo | $omf | **$(ratio "$omo" "$omf")** | $ob | $(ratio "$omo" "$ob") |
| Official Account | registered (noise control) | $oro | $orf | $(ratio "$oro" "$orf") | $ob | $(ratio "$oro" "$ob") |

Rounds, card req/s: unregistered on ${card[unreg-on]}/ off ${card[unreg-off]}; mixed on ${card[mixed-on]}/ off ${card[mixed-off]}; registered on ${card[reg-on]}/ off ${card[reg-off]}; bare ${card[bare]}.
Rounds, OA req/s: unregistered on ${oa_rps[unreg-on]}/ off ${oa_rps[unreg-off]}; mixed on ${oa_rps[mixed-on]}/ off ${oa_rps[mixed-off]}; registered on ${oa_rps[reg-on]}/ off ${oa_rps[reg-off]}; bare ${oa_rps[bare]}.
Unregistered card on the recording instance, last round: p50 $(pct "$last_on" 50), p99 $(pct "$last_on" 99); its non-2xx are the expected 404 answers ($(non2xx "$last_on")).
unregistered_scans rows added during the runs: $((after - before)); requests to the recording instance with an unregistered code: $sent_on, plus 1 in 100 of its $mixed_on mixed requests (codes drawn at random, so about $((mixed_on / 100))).
MD
