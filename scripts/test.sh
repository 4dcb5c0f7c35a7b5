#!/usr/bin/env bash
# The test command of the README. Everything it needs is installed here; nothing else
# is assumed on a fresh machine except Rust (cargo) itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data ]; then
  echo "error: ../shared/data is missing (the real test data sits beside the checkout)" >&2
  exit 1
fi
cargo test --workspace --all-targets
