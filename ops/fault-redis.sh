#!/usr/bin/env bash
# Fault: Redis stops under load and comes back. Pass when card lookups and complaints keep answering
# throughout (from MariaDB; complaints stored and routed later), readiness says 503 while Redis is away
# and 200 after, every acknowledged complaint and fill is stored once and every complaint routed once
# (the reconciler catches up), and no answer was a 500. Settings: CT_FAULT_SECONDS (50).
set -euo pipefail
source "$(dirname "$0")/fault/common.sh"
fault_prepare
host_start
load_start --seconds "${CT_FAULT_SECONDS:-50}" --must-not-fail card,complaint
sleep 10
log "stopping Redis"
redis_stop
sleep 5
during=$(ready_status)
log "readiness while Redis is away: $during"
sleep 10
log "starting Redis again"
redis_start
after=000
for _ in $(seq 1 60); do after=$(ready_status); [ "$after" = "200" ] && break; sleep 0.5; done
log "readiness after: $after"
rc=0
load_finish || rc=$?
echo "readiness: while Redis was away $during (expected 503), after $after (expected 200)"
if [ "$during" != "503" ] || [ "$after" != "200" ]; then echo "RESULT FAIL (readiness)"; exit 1; fi
exit $rc
