#!/usr/bin/env bash
# Brings up MariaDB, Redis and Chromium and runs the whole test suite against them (WeChat on WireMock).
# Ends with one line "N passed, N failed, N skipped"; exits non-zero when anything failed.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
# Debian's Chromium for the console's browser test (Playwright drives it; nothing is downloaded).
CT_CHROMIUM="$(bash "$CT_ROOT/ops/browser-up.sh")"
export CT_CHROMIUM
# A real local SMTP server for the digest tests (Debian's aiosmtpd).
CT_SMTP_PYTHON="$(bash "$CT_ROOT/ops/smtp-up.sh")"
export CT_SMTP_PYTHON
export_settings
cd "$CT_ROOT"

# Databases left behind by an interrupted run.
for stale in $(mariadb_root -N -e "SHOW DATABASES LIKE '${CT_TEST_DB_PREFIX//_/\\_}\\_%'"); do
  mariadb_root -e "DROP DATABASE \`$stale\`"
done

results="$CT_LOCAL/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build CylinderTrace.sln -c Release -nologo -v q
status=0
for project in tests/CylinderTrace.WeChat.Tests tests/CylinderTrace.Tests; do
  name=$(basename "$project")
  dotnet test "$project" -c Release --no-build --nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" || status=1
done

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done
[ "$failed" -gt 0 ] && status=1
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; log "a test run failed without a test result (build or host crash); counted as 1 failure"; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
