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
out="$CT_LOCAL/scale"; mkdir -p "$out/nginx/logs"
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  log "installing nginx with apt-get"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 || \
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

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
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; "$nginx_bin" -p "$out/nginx" -c "$out/nginx/nginx.conf" -s stop 2>/dev/null || true' EXIT

dotnet "$host_dll" seed --preset demo >"$out/seed.log" 2>&1
licence=$(mariadb_root -N "$db" -e "SELECT licence_number FROM enterprises WHERE kind = 'filling' ORDER BY id LIMIT 1")
dotnet "$host_dll" integration-key create --licence "$licence" --tsv 2>/dev/null >"$out/keys.tsv"

dotnet "$bench_dll" fake-wechat --port 5109 >"$out/wechat.log" 2>&1 &
pids+=($!)
for port in 5101 5102; do
  Hosting__Roles=web dotnet "$host_dll" --urls "http://127.0.0.1:$port" >"$out/web-$port.log" 2>&1 &
  pids+=($!)
done
for n in 1 2; do
  Hosting__Roles=worker dotnet "$host_dll" --urls "http://127.0.0.1:511$n" >"$out/worker-$n.log" 2>&1 &
  pids+=($!)
done
cat >"$out/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $out/nginx/nginx.pid;
error_log $out/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $out/nginx/body; proxy_temp_path $out/nginx/proxy; fastcgi_temp_path $out/nginx/fastcgi;
  uwsgi_temp_path $out/nginx/uwsgi; scgi_temp_path $out/nginx/scgi;
  upstream cylindertrace_web { server 127.0.0.1:5101; server 127.0.0.1:5102; keepalive 32; }
  server {
    listen 127.0.0.1:5100;
    client_max_body_size 17m;
    location / {
      proxy_pass http://cylindertrace_web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
NGINX
"$nginx_bin" -p "$out/nginx" -c "$out/nginx/nginx.conf"
for url in http://127.0.0.1:5101/health/ready http://127.0.0.1:5102/health/ready http://127.0.0.1:5111/health/live http://127.0.0.1:5112/health/live http://127.0.0.1:5100/health/ready; do
  for _ in $(seq 1 120); do curl -sf "$url" >/dev/null && break; sleep 0.25; done
  curl -sf "$url" >/dev/null || { log "$url does not answer; logs in $out"; exit 1; }
done
log "2 web + 2 worker instances behind nginx on 127.0.0.1:5100"
dotnet "$bench_dll" scale-check --proxy http://127.0.0.1:5100 --web http://127.0.0.1:5101,http://127.0.0.1:5102 \
  --wechat http://127.0.0.1:5109 --oa-token "$OfficialAccount__Token" --keys "$out/keys.tsv" | tee "$out/scale-check.txt"
