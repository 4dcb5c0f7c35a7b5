#!/usr/bin/env bash
# The test command of the README. Everything it needs is installed here; nothing else
# is assumed on a fresh machine except Rust (cargo) itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d ../shared/data ]; then
  echo "error: ../shared/data is missing (the real test data sits beside the checkout)" >&2
  exit 1
fi
# snarkjs (npm) for tests/snarkjs_verify.rs, into target/npm (about 5 s). Mandatory under
# CI; elsewhere the test skips with a message when node is missing.
if command -v npm >/dev/null 2>&1; then
  bash scripts/install-snarkjs.sh \
    || echo "warning: could not install snarkjs; tests/snarkjs_verify.rs will skip (or fail under CI)" >&2
fi
# Debian's headless Chromium for node/tests/regulator.rs (it renders the audit report
# page). Mandatory under CI (the test fails without it); elsewhere the test skips with a
# message when chromium is missing.
bash scripts/install-chromium.sh \
  || echo "warning: could not install chromium; the report-page rendering will skip (or fail under CI)" >&2
# On a fresh clone incremental-compilation caches only cost disk (several GB for this
# workspace); CI builds once, so it goes without them.
if [ -n "${CI:-}" ]; then
  export CARGO_INCREMENTAL=0
fi
# Disk is the scarce resource of a CI build (one run failed with "No space left on
# device"): say what there is before and after, so a failure names its cause.
disk_report() {
  echo "disk: $(df -h . | awk 'NR==2 {print $4 " free of " $2}'); target/: $(du -sh target 2>/dev/null | cut -f1)" >&2
}
trap disk_report EXIT
disk_report
cargo test --workspace --all-targets
# The full-size ceremony (three contributors and a beacon for every circuit, then a
# transfer proved with the keys and checked by zktr and snarkjs; about 5 minutes on 2
# cores) is #[ignore]d so that `cargo test` stays quick; CI runs it here. Selected with
# --workspace (not -p) so that it reuses the build above instead of rebuilding the
# ceremony's dependencies with another feature set.
cargo test --workspace --test ceremony -- --ignored
