#!/usr/bin/env bash
# Rewrites miniprogram-contracts/ from the running code: openapi.json (as the host serves it at
# /openapi/mp.json), the examples (from a live walk through every endpoint), and openapi.d.ts
# (openapi-typescript, version pinned in miniprogram-contracts/package-lock.json); and
# docs/integration-openapi.json (as the host serves it at /openapi/integration.json). Commit the result
# with the code change that caused it; the test suite fails while they differ.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bash "$CT_ROOT/ops/services-up.sh"
export_settings
cd "$CT_ROOT"
CT_UPDATE_CONTRACTS=1 dotnet test tests/CylinderTrace.Tests --nologo --filter "FullyQualifiedName~Contracts&FullyQualifiedName!~The_contract_tools"
cd miniprogram-contracts
npm ci --no-audit --no-fund
npm run generate
log "miniprogram-contracts/ updated; review with git diff"
