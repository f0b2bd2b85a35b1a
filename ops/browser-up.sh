#!/usr/bin/env bash
# Installs Debian's Chromium for the console's browser test when it is missing (no browser can be
# downloaded by a test tool here). Safe to run twice. Prints the browser's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

browser() { command -v chromium || command -v chromium-browser || true; }
if [ -z "$(browser)" ]; then
  log "installing chromium with apt-get"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi
browser
