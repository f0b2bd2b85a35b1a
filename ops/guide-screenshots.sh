#!/usr/bin/env bash
# Retakes the Chinese user guide's screenshots (docs/zh/images/, small palette PNGs) by running the administrators' and
# inspectors' browser tests and the hotline's (handlers and supervisors) with CT_GUIDE_SCREENSHOTS=1 against the local
# MariaDB, Redis and Chromium.
# Run after changing the console's pages, look at the pictures, and commit them with the change.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
CT_CHROMIUM="$(bash "$CT_ROOT/ops/browser-up.sh")"
export CT_CHROMIUM
export_settings
cd "$CT_ROOT"
dotnet build tests/CylinderTrace.Tests -c Release -nologo -v q
CT_GUIDE_SCREENSHOTS=1 dotnet test tests/CylinderTrace.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~The_console_for_administrators_and_inspectors_in_a_browser|FullyQualifiedName~The_hotline_in_a_browser"
log "screenshots in docs/zh/images/"
ls -la docs/zh/images/
