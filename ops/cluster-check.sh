#!/usr/bin/env bash
# Issue 21's proof on real distributed engines, on loopback: a 6-node Redis Cluster (3 primaries, 3 replicas, ports
# 7101-7106) and a 3-node MariaDB Galera cluster (127.0.0.1-3:3401, one writer through MySqlConnector's
# LoadBalance=FailOver), data under .local/cluster (ops/cluster/lib.sh). It migrates and seeds the demo data, runs two
# web and two worker instances behind nginx (127.0.0.1:7110; web 7111-7112, workers 7113-7114, WeChat stand-in 7119),
# then:
#   1. scale-check across the instances: sessions, rate limits, push de-duplication, cache invalidation, exactly-once
#      routing, one shared access token, live scan rates;
#   2. fault-load through nginx for CT_CLUSTER_SECONDS (60) while it SIGKILLs the Redis primary that holds Hangfire's
#      slot (at 10 s) and then the Galera writer (at 30 s): every acknowledged complaint and fill event stored once,
#      every complaint routed once (routing resumes), no 500, and at most CT_CLUSTER_FAILING_SECONDS (12) seconds
#      with a failed answer.
# Prints the figures and a last line RESULT PASS or RESULT FAIL (exit 0/1). Stops and removes its clusters at the end.
set -uo pipefail
source "$(dirname "$0")/cluster/lib.sh"
cd "$CT_ROOT"
out="$CLUSTER_DIR/check"; rm -rf "$out"; mkdir -p "$out"
started=$SECONDS
cluster_install_if_missing

tier_pids=()
cleanup() {
  stop_tier "$out"
  redis_cluster_down
  galera_down
}
trap cleanup EXIT
fail() { echo "$*"; echo "RESULT FAIL"; exit 1; }

# Fresh clusters every run, so a run proves what it reports.
redis_cluster_down; galera_down
redis_cluster_up || fail "the Redis Cluster did not start"
galera_up || fail "the Galera cluster did not start"
log "clusters up in $((SECONDS - started)) s"

ensure_secrets
db="${CT_DB_NAME}_cluster"
export Database__ConnectionString="$(galera_connection_string "$db")"
# Commands fail after 1 s (the default here; named so the setting is visible), so a silent primary costs about a second.
export Redis__Configuration="$(redis_cluster_config),syncTimeout=1000,asyncTimeout=1000" Redis__KeyPrefix="ctc-$(date +%s):"
export Logging__LogLevel__Default=Warning ASPNETCORE_ENVIRONMENT=Production
export WeChat__ApiBaseAddress="http://127.0.0.1:7119/" OfficialAccount__Mode=Plaintext
export MiniProgram__ComplaintsPerUserPerHour=5 MiniProgram__ComplaintsPerIpPerHour=100000 MiniProgram__LoginsPerIpPerMinute=1000
export Photos__Folder="$out/photos"
export ComplaintNotifications__AcceptedTemplateId="tpl-accepted" ComplaintNotifications__RoutedTemplateId="tpl-routed"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q >"$out/build.log" 2>&1 || { cat "$out/build.log"; fail "build failed"; }
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q >>"$out/build.log" 2>&1 || { cat "$out/build.log"; fail "build failed"; }
host_dll="src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
bench_dll="tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"

galera_root 0 -e "CREATE DATABASE IF NOT EXISTS \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
dotnet "$host_dll" migrate >"$out/migrate.log" 2>&1 || { cat "$out/migrate.log"; fail "migrate failed on Galera"; }
dotnet "$host_dll" seed --preset demo >"$out/seed.log" 2>&1 || { tail -20 "$out/seed.log"; fail "seed failed on Galera"; }
licence=$(galera_root 0 -N "$db" -e "SELECT licence_number FROM enterprises WHERE kind = 'filling' ORDER BY id LIMIT 1")
dotnet "$host_dll" integration-key create --licence "$licence" --tsv 2>/dev/null >"$out/keys.tsv"
log "migrated and seeded on Galera ($((SECONDS - started)) s)"

start_tier "$out" 7110 "7111 7112" "7113 7114" 7119 60 || fail "the instances did not all answer; logs in $out"
start_late_replier "$out" 7115 || fail "the late-reply instance did not answer"
admin_password="Cluster-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
dotnet "$host_dll" create-admin --username "cluster-admin" --password "$admin_password" >"$out/admin.txt" 2>&1 || { cat "$out/admin.txt"; fail "create-admin failed"; }
ready=$(curl -s http://127.0.0.1:7111/health/ready)
log "2 web + 2 worker instances on the clusters behind nginx on 127.0.0.1:7110 ($((SECONDS - started)) s)"

echo "== properties across instances (Redis Cluster + Galera)"
echo "readiness: $ready"
dotnet "$bench_dll" scale-check --proxy http://127.0.0.1:7110 --web http://127.0.0.1:7111,http://127.0.0.1:7112 \
  --wechat http://127.0.0.1:7119 --oa-token "$OfficialAccount__Token" --keys "$out/keys.tsv" \
  --admin "cluster-admin:$admin_password" --late-web http://127.0.0.1:7115 | tee "$out/scale-check.txt"
properties=$(tail -1 "$out/scale-check.txt")

echo "== failover under load"
seconds="${CT_CLUSTER_SECONDS:-60}"
dotnet "$bench_dll" fault-load --url http://127.0.0.1:7110 --keys "$out/keys.tsv" --seconds "$seconds" --users 200 \
  --max-failing-seconds "${CT_CLUSTER_FAILING_SECONDS:-12}" >"$out/load.txt" 2>"$out/load.err" &
load=$!
sleep 10
victim=$(redis_primary_of "{${Redis__KeyPrefix}hangfire}:x")
log "SIGKILL to the Redis primary on $victim (it holds Hangfire's slot)"
kill -9 "$(cat "$CLUSTER_DIR/redis-$victim/redis.pid")"
killed=$SECONDS
survivor=7101; [ "$victim" = 7101 ] && survivor=7102
redis_failover="not within 30 s"
for _ in $(seq 1 120); do
  new=$(redis_primary_of "{${Redis__KeyPrefix}hangfire}:x")
  if [ -n "$new" ] && [ "$new" != "$victim" ] && redis-cli -p "$survivor" cluster info | grep -q 'cluster_state:ok'; then
    redis_failover="$((SECONDS - killed)) s (replica on $new promoted)"; break
  fi
  sleep 0.25
done
log "Redis failover: $redis_failover"
ready_redis=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:7111/health/ready)
sleep $((30 - 10 - (SECONDS - killed) > 0 ? 30 - 10 - (SECONDS - killed) : 1))
log "SIGKILL to the Galera writer (node0, ${GALERA_HOSTS[0]})"
kill -9 "$(cat "$CLUSTER_DIR/galera-0/mariadb.pid")"
galera_killed=$SECONDS
galera_size="?"
for _ in $(seq 1 120); do
  galera_size=$(galera_root 1 -Nse "SHOW STATUS LIKE 'wsrep_cluster_size'" 2>/dev/null | awk '{print $2}')
  [ "$galera_size" = "2" ] && break
  sleep 0.25
done
galera_failover="$((SECONDS - galera_killed)) s until the two others formed the primary component (size $galera_size)"
log "Galera: $galera_failover"
wait "$load"; load_rc=$?
ready_after=$(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:7111/health/ready)
cat "$out/load.txt"
echo "Redis primary killed at 10 s: failover $redis_failover; readiness during it $ready_redis"
echo "Galera writer killed at 30 s: $galera_failover; readiness after $ready_after"
echo "took $((SECONDS - started)) s in all"
[ "$properties" = "RESULT PASS" ] || fail "properties across instances failed"
[ "$load_rc" -eq 0 ] || fail "failover under load failed"
echo "RESULT PASS"
