#!/usr/bin/env bash
# Brings up MariaDB, Redis and Chromium and runs the test suite against them (WeChat on WireMock), in two
# stages: the main stage (every test but the stress ones), then the stress stage (tests with the trait
# Stage=stress: long, heavy runs whose smaller cases the main stage keeps). CT_TEST_STAGES picks the
# stages ("main stress" by default; "main" or "stress" for one).
# Prints how long each stage took, then ends with one line "N passed, N failed, N skipped" summed over
# both stages; exits non-zero when anything failed.
set -euo pipefail
started=$(date +%s)
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
# Debian's Chromium for the console's browser test (Playwright drives it; nothing is downloaded).
CT_CHROMIUM="$(bash "$CT_ROOT/ops/browser-up.sh")"
export CT_CHROMIUM
# zbarimg reads the printed labels' QR codes back (Debian's zbar-tools).
bash "$CT_ROOT/ops/zbar-up.sh" >/dev/null
# A real local SMTP server for the digest tests (Debian's aiosmtpd).
CT_SMTP_PYTHON="$(bash "$CT_ROOT/ops/smtp-up.sh")"
export CT_SMTP_PYTHON
export_settings
cd "$CT_ROOT"
# The contract checks' npm tools (Redocly CLI, TypeScript, openapi-typescript), exactly as package-lock.json pins them.
(cd miniprogram-contracts && npm ci --no-audit --no-fund --loglevel=error)
stages="${CT_TEST_STAGES:-main stress}"

# Databases left behind by an interrupted run.
for stale in $(mariadb_root -N -e "SHOW DATABASES LIKE '${CT_TEST_DB_PREFIX//_/\\_}\\_%'"); do
  mariadb_root -e "DROP DATABASE \`$stale\`"
done

results="$CT_LOCAL/test-results"
rm -rf "$results"
mkdir -p "$results"
dotnet build CylinderTrace.sln -c Release -nologo -v q
# The layout .editorconfig describes (whitespace, usings, file-scoped namespaces): `dotnet format whitespace` and
# `dotnet format style --severity warn` fix what this finds.
format_status=0
dotnet format whitespace CylinderTrace.sln --verify-no-changes -v q || format_status=1
dotnet format style CylinderTrace.sln --severity warn --verify-no-changes -v q || format_status=1
[ "$format_status" -eq 0 ] || log "code layout differs from .editorconfig: run 'dotnet format whitespace CylinderTrace.sln' and 'dotnet format style CylinderTrace.sln --severity warn'"
status=0

# run_tests STAGE FILTER PROJECT: one trx per stage and project.
run_tests() {
  dotnet test "$3" -c Release --no-build --nologo --filter "$2" \
    --logger "trx;LogFileName=$1-$(basename "$3").trx" --logger "console;verbosity=normal" \
    --results-directory "$results"
}

main_seconds=-; stress_seconds=-
if [[ " $stages " == *" main "* ]]; then
  stage_start=$(date +%s)
  # The WeChat library's tests need no services: they run beside the host's, their output shown after.
  run_tests main "Stage!=stress" tests/CylinderTrace.WeChat.Tests >"$results/main-wechat.log" 2>&1 &
  wechat=$!
  run_tests main "Stage!=stress" tests/CylinderTrace.Tests || status=1
  wait "$wechat" || status=1
  cat "$results/main-wechat.log"
  main_seconds=$(($(date +%s) - stage_start))
fi
if [[ " $stages " == *" stress "* ]]; then
  stage_start=$(date +%s)
  run_tests stress "Stage=stress" tests/CylinderTrace.Tests || status=1
  stress_seconds=$(($(date +%s) - stage_start))
fi

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
if [ "$format_status" -ne 0 ]; then failed=$((failed + 1)); status=1; log "the code layout check failed; counted as 1 failure"; fi
echo "[ops] main stage ${main_seconds} s, stress stage ${stress_seconds} s, total $(($(date +%s) - started)) s"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
