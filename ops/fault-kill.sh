#!/usr/bin/env bash
# Fault: the host is killed with SIGKILL under load and started again. Pass when every complaint and
# fill the host acknowledged is stored exactly once, every complaint is routed exactly once, and no
# answer was a 500 (requests during the restart find nobody listening; they are sent again).
# Settings: CT_FAULT_SECONDS (40).
set -euo pipefail
source "$(dirname "$0")/fault/common.sh"
fault_prepare
host_start
load_start --seconds "${CT_FAULT_SECONDS:-40}"
sleep 10
log "SIGKILL to the host (pid $host_pid)"
kill -9 "$host_pid"
sleep 3
log "starting the host again"
host_start
rc=0
load_finish || rc=$?
exit $rc
