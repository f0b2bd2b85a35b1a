# Shared settings of the ops scripts. Every value can be overridden from the environment.
CT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CT_LOCAL="${CT_LOCAL:-$CT_ROOT/.local}"
CT_DB_PORT="${CT_DB_PORT:-3316}"
CT_DB_SOCKET="${CT_DB_SOCKET:-$CT_LOCAL/mariadb/mariadb.sock}"
CT_DB_NAME="${CT_DB_NAME:-cylindertrace}"
CT_DB_USER="${CT_DB_USER:-cylindertrace}"
CT_DB_PASSWORD="${CT_DB_PASSWORD:-cylindertrace-local}"
CT_REDIS_PORT="${CT_REDIS_PORT:-6389}"
mkdir -p "$CT_LOCAL"

log() { printf '[ops] %s\n' "$*" >&2; }

mariadb_client() { command -v mariadb || command -v mysql; }
mariadb_ping() { [ -S "$CT_DB_SOCKET" ] && "$(command -v mariadb-admin || command -v mysqladmin)" --no-defaults --socket="$CT_DB_SOCKET" -u root --connect-timeout=2 ping >/dev/null 2>&1; }
mariadb_root() { "$(mariadb_client)" --no-defaults --socket="$CT_DB_SOCKET" -u root "$@"; }
redis_ping() { [ "$(redis-cli -h 127.0.0.1 -p "$CT_REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

connection_string() {
  echo "Server=127.0.0.1;Port=$CT_DB_PORT;Database=${1:-$CT_DB_NAME};User ID=$CT_DB_USER;Password=$CT_DB_PASSWORD;AllowLoadLocalInfile=true;AllowUserVariables=false"
}

# Local development secrets: made once per checkout, kept in the ignored .local/ folder.
ensure_secrets() {
  umask 077
  touch "$CT_LOCAL/secrets.env"
  add_secret() { grep -q "^export $1=" "$CT_LOCAL/secrets.env" || echo "export $1='$2'" >>"$CT_LOCAL/secrets.env"; }
  add_secret Privacy__EncryptionKey "$(head -c 32 /dev/urandom | base64 -w0)"
  add_secret Privacy__HashKey "$(head -c 32 /dev/urandom | base64 -w0)"
  # Encrypts the console's data-protection key ring in MariaDB (kept out of the database on purpose).
  add_secret DataProtection__KeyEncryptionKey "$(head -c 32 /dev/urandom | base64 -w0)"
  # A stand-in Official Account for local runs; real values come from the WeChat console.
  add_secret OfficialAccount__AppId "wxlocal$(head -c 5 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  add_secret OfficialAccount__AppSecret "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  add_secret OfficialAccount__Token "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  add_secret MiniProgram__AppId "wxlocalmp$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  add_secret MiniProgram__AppSecret "$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # Initial password of the demo console accounts (ops/run.sh); each account must change it at first sign-in.
  add_secret CT_DEMO_STAFF_PASSWORD "Demo-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  add_secret OfficialAccount__EncodingAesKey "$(head -c 32 /dev/urandom | base64 -w0 | tr -d '=' | tr '+/' 'Ab')"
  # shellcheck disable=SC1091
  source "$CT_LOCAL/secrets.env"
}

# The host and the tests read these (ASP.NET Core maps __ to the : of a configuration key).
export_settings() {
  ensure_secrets
  export Database__ConnectionString="$(connection_string)"
  export Redis__Configuration="127.0.0.1:$CT_REDIS_PORT"
  export CT_TEST_DB_SERVER="Server=127.0.0.1;Port=$CT_DB_PORT;User ID=$CT_DB_USER;Password=$CT_DB_PASSWORD;AllowLoadLocalInfile=true"
  export CT_TEST_DB_PREFIX="${CT_DB_NAME}_test"
  export CT_TEST_REDIS="127.0.0.1:$CT_REDIS_PORT"
}

write_env_file() {
  export_settings
  {
    echo "export Database__ConnectionString='$Database__ConnectionString'"
    echo "export Redis__Configuration='$Redis__Configuration'"
    echo "export CT_TEST_DB_SERVER='$CT_TEST_DB_SERVER'"
    echo "export CT_TEST_DB_PREFIX='$CT_TEST_DB_PREFIX'"
    echo "export CT_TEST_REDIS='$CT_TEST_REDIS'"
    cat "$CT_LOCAL/secrets.env"
  } >"$CT_LOCAL/env"
}

# A host for a benchmark, run as ops/run.sh runs it (Release, migrated, demo data, Production), on port $2; its log in
# .local/bench/$1-host.log. Sets host_pid and port, stops the host when the script exits. CT_BENCH_HOST_DLL runs another build.
start_bench_host() {
  local name="$1"
  port="$2"
  bash "$CT_ROOT/ops/services-up.sh"
  export_settings
  cd "$CT_ROOT"
  dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
  dotnet build tests/CylinderTrace.Benchmarks/CylinderTrace.Benchmarks.csproj -c Release -nologo -v q
  local host=(dotnet "${CT_BENCH_HOST_DLL:-src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll}")
  "${host[@]}" migrate
  "${host[@]}" seed --preset demo
  mkdir -p "$CT_LOCAL/bench"
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then log "port $port is already answering; stop that first"; exit 1; fi
  ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}" "${host[@]}" --urls "http://127.0.0.1:$port" >"$CT_LOCAL/bench/$name-host.log" 2>&1 &
  host_pid=$!
  trap 'kill "$host_pid" 2>/dev/null || true' EXIT
  for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { log "the host did not become ready; see $CT_LOCAL/bench/$name-host.log"; exit 1; }
  for _ in $(seq 1 20); do curl -s -o /dev/null "http://127.0.0.1:$port/api/cylinders/FZ0000000001/card"; done
}

# The scale-out tier of ops/scale-out.sh and ops/cluster-check.sh, on the host and database settings already exported:
# a stand-in for WeChat's servers, web instances, worker instances and nginx in front of the web instances, then waits
# until each answers its health check.
#   start_tier OUT PROXY_PORT "WEB_PORTS" "WORKER_PORTS" WECHAT_PORT [READY_SECONDS]
# OUT holds the logs and nginx's files. Appends the processes to the array tier_pids; stop_tier OUT stops them.
# Returns 1 (naming the instance) when one does not answer within READY_SECONDS (default 60).
start_tier() {
  local out="$1" proxy_port="$2" web_ports="$3" worker_ports="$4" wechat_port="$5" ready_seconds="${6:-60}"
  local host_dll="$CT_ROOT/src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll"
  local bench_dll="$CT_ROOT/tests/CylinderTrace.Benchmarks/bin/Release/net10.0/CylinderTrace.Benchmarks.dll"
  mkdir -p "$out/nginx/logs"
  if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
    log "installing nginx with apt-get"
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 || \
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends nginx >/dev/null
  fi
  tier_nginx="$(command -v nginx || echo /usr/sbin/nginx)"
  dotnet "$bench_dll" fake-wechat --port "$wechat_port" >"$out/wechat.log" 2>&1 &
  tier_pids+=($!)
  local port upstream="" urls=()
  for port in $web_ports; do
    Hosting__Roles=web dotnet "$host_dll" --urls "http://127.0.0.1:$port" >"$out/web-$port.log" 2>&1 &
    tier_pids+=($!)
    upstream+="server 127.0.0.1:$port; "
    urls+=("http://127.0.0.1:$port/health/ready")
  done
  for port in $worker_ports; do
    Hosting__Roles=worker dotnet "$host_dll" --urls "http://127.0.0.1:$port" >"$out/worker-$port.log" 2>&1 &
    tier_pids+=($!)
    urls+=("http://127.0.0.1:$port/health/live")
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
  upstream cylindertrace_web { ${upstream}keepalive 32; }
  server {
    listen 127.0.0.1:$proxy_port;
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
  "$tier_nginx" -p "$out/nginx" -c "$out/nginx/nginx.conf" || return 1
  urls+=("http://127.0.0.1:$proxy_port/health/ready")
  local url
  for url in "${urls[@]}"; do
    for _ in $(seq 1 $((ready_seconds * 4))); do curl -sf "$url" >/dev/null && break; sleep 0.25; done
    curl -sf "$url" >/dev/null || { log "$url does not answer; logs in $out"; return 1; }
  done
}

stop_tier() {
  local p
  for p in "${tier_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${tier_nginx:-}" ] && "$tier_nginx" -p "$1/nginx" -c "$1/nginx/nginx.conf" -s stop 2>/dev/null || true
}

# One more web instance of the tier whose Official Account reply budget is spent at once, so every push it takes is
# answered "success" and its reply goes out late, as a customer-service message sent by a worker (scale-check --late-web).
start_late_replier() {
  local out="$1" port="$2"
  OfficialAccount__ReplyBudgetMilliseconds=0 Hosting__Roles=web dotnet "$CT_ROOT/src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll" \
    --urls "http://127.0.0.1:$port" >"$out/web-late-$port.log" 2>&1 &
  tier_pids+=($!)
  for _ in $(seq 1 240); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && return 0; sleep 0.25; done
  log "the late-reply instance on $port does not answer; see $out/web-late-$port.log"; return 1
}
