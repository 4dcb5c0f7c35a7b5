#!/usr/bin/env bash
# Installs Debian's headless Chromium for the report-page test (node/tests/regulator.rs:
# it renders report.html with --dump-dom and --screenshot). Idempotent; needs root (or sudo).
# Under CI the test fails if chromium is missing; elsewhere it skips with a message.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "warning: not root and no sudo: cannot install chromium" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
