#!/usr/bin/env bash
# Installs Debian's zbar-tools when missing: the label tests read the printed QR codes back with zbarimg.
# Safe to run twice. Prints zbarimg's path.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

if ! command -v zbarimg >/dev/null; then
  log "installing zbar-tools with apt-get"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends zbar-tools >/dev/null
fi
command -v zbarimg
