#!/usr/bin/env bash
# Scale-out proof (issue 10): two web instances (ports 5101, 5102) and two worker instances against one
# MariaDB (database cylindertrace_scale, demo data) and one Redis, with nginx in front on 5100 (installed
# with apt-get when missing; its config under .local/scale), and a stand-in for WeChat's servers on 5109
# (tests/CylinderTrace.Benchmarks fake-wechat). Then `scale-check` proves, across the instances: sessions,
# rate limits, Official Account message de-duplication, cache invalidation, exactly-once routing by two
# workers, and one shared WeChat access token per app. Last line: RESULT PASS or RESULT FAIL.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
out="$CT_LOCAL/scale"; mkdir -p "$out"

db="${CT_DB_NAME}_scale"
mariadb_root -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
export Database__ConnectionString="$(connection_string "$db")"
export Redis__KeyPrefix="ct-scale-$(date +%s):" Logging__LogLevel__Default=Warning
export WeChat__ApiBaseAddress="http://127.0.0.1:5109/"
export OfficialAccount__Mode=Plaintext
export MiniProgram__ComplaintsPerUserPerHour=5 MiniProgram__ComplaintsPerIpPerHour=100000 MiniProgram__LoginsPerIpPerMinute=1000
export Photos__Folder="$out/photos"
export ComplaintNotifications__AcceptedTemplateId="tpl-accepted" ComplaintNotifications__RoutedTemplateId="tpl-routed"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
host_dll="src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
bench_dll="tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"
tier_pids=()
trap 'stop_tier "$out"' EXIT

dotnet "$host_dll" seed --preset demo >"$out/seed.log" 2>&1
licence=$(mariadb_root -N "$db" -e "SELECT licence_number FROM enterprises WHERE kind = 'filling' ORDER BY id LIMIT 1")
dotnet "$host_dll" integration-key create --licence "$licence" --tsv 2>/dev/null >"$out/keys.tsv"

start_tier "$out" 5100 "5101 5102" "5111 5112" 5109 30 || exit 1
start_late_replier "$out" 5103 || exit 1
admin_password="Scale-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
admin_user="scale-admin-$(date +%s)"
dotnet "$host_dll" create-admin --username "$admin_user" --password "$admin_password" >"$out/admin.txt"
log "2 web + 2 worker instances behind nginx on 127.0.0.1:5100"
dotnet "$bench_dll" scale-check --proxy http://127.0.0.1:5100 --web http://127.0.0.1:5101,http://127.0.0.1:5102 \
  --wechat http://127.0.0.1:5109 --oa-token "$OfficialAccount__Token" --keys "$out/keys.tsv" \
  --admin "$admin_user:$admin_password" --late-web http://127.0.0.1:5103 | tee "$out/scale-check.txt"
