#!/usr/bin/env bash
# Brings up MariaDB and Redis, applies migrations, loads the demo data set (once) and runs the host.
#   ops/run.sh                 demo data, http://127.0.0.1:5080
#   CT_PRESET=fuzhou ops/run.sh  the full-scale city (takes minutes the first time)
#   CT_HTTP_PORT=8080 ops/run.sh
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
dotnet build src/CylinderTrace/CylinderTrace.csproj -c Release -nologo -v q
host=(dotnet "src/CylinderTrace/bin/Release/net10.0/CylinderTrace.dll")
"${host[@]}" migrate
"${host[@]}" seed --preset "${CT_PRESET:-demo}"
"${host[@]}" demo-console --password "$CT_DEMO_STAFF_PASSWORD"
url="http://127.0.0.1:${CT_HTTP_PORT:-5080}"
log "CylinderTrace is starting at $url"
log "  try $url/c/FZ0000000001, the page a cylinder's QR opens (FZ0000000001-7 show each state; FZ9999999999 is unregistered), or $url/api/cylinders/FZ0000000001/card"
log "  health: $url/health/ready"
log "  console: $url/console  (accounts admin, gl-supervisor, gl-handler, gl-market, gl-inspector; first password $CT_DEMO_STAFF_PASSWORD, changed at first sign-in)"
# The demo behaves as production does: bad input is a 4xx problem, details only in the log (Development's error page
# would show stack traces to anyone and turn unreadable requests into 500s).
export ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Production}"
# Labels' QR codes and the Official Account's links point at this demo host.
export CardPage__PublicBaseUrl="${CardPage__PublicBaseUrl:-$url}"
exec "${host[@]}" --urls "$url"
