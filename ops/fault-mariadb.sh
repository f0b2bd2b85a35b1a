#!/usr/bin/env bash
# Fault: MariaDB stops under load and comes back. Pass when no answer is a 500 (writes get 503
# problem responses and are sent again; fill checks answer from the cache as designed), every
# acknowledged complaint and fill is stored once (nothing half-written), every complaint is routed
# once, and everything answers again after. Stops the shared local MariaDB (ops/services-up.sh starts
# it again). Settings: CT_FAULT_SECONDS (50).
set -euo pipefail
source "$(dirname "$0")/fault/common.sh"
fault_prepare
host_start
load_start --seconds "${CT_FAULT_SECONDS:-50}"
sleep 10
log "stopping MariaDB"
"$(command -v mariadb-admin || command -v mysqladmin)" --no-defaults --socket="$CT_DB_SOCKET" -u root shutdown
sleep 5
during=$(ready_status)
log "readiness while MariaDB is away: $during"
sleep 10
log "starting MariaDB again"
bash "$CT_ROOT/ops/services-up.sh" >/dev/null
after=000
for _ in $(seq 1 60); do after=$(ready_status); [ "$after" = "200" ] && break; sleep 0.5; done
rc=0
load_finish || rc=$?
echo "readiness: while MariaDB was away $during (expected 503), after $after (expected 200)"
if [ "$during" != "503" ] || [ "$after" != "200" ]; then echo "RESULT FAIL (readiness)"; exit 1; fi
exit $rc
