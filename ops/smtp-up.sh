#!/usr/bin/env bash
# Installs Debian's aiosmtpd (python3-aiosmtpd) when missing: the digest tests start a real local SMTP
# server with it and read the delivered mail back. Safe to run twice. Prints the python that has it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if ! /usr/bin/python3 -c "import aiosmtpd" 2>/dev/null; then
  log "installing python3-aiosmtpd with apt-get"
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends python3-aiosmtpd >/dev/null
fi
echo /usr/bin/python3
