#!/usr/bin/env bash
# Installs snarkjs 0.7 from npm into target/npm (about 5 s), where the tests
# (zktr_testkit::snarkjs) and scripts/ceremony-crosscheck.sh look for it. Idempotent;
# fails if npm is missing or the install fails (callers decide whether that is fatal).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -x target/npm/node_modules/.bin/snarkjs ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is needed to install snarkjs" >&2
  exit 1
fi
mkdir -p target/npm
npm install --no-audit --no-fund --prefix target/npm snarkjs@0.7 >/dev/null
