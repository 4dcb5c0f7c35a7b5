#!/usr/bin/env bash
# A full-size ceremony made with zktr and checked with snarkjs, every step timed.
#
#   bash scripts/ceremony-crosscheck.sh [WORKDIR]      (default: a new temporary folder)
#
# What it does, for every circuit zktr has, over a one-party phase 1 of 2^16 (the size the
# README starts from; tests and measurement only, a deployment starts from the public
# Perpetual Powers of Tau):
#   zktr ceremony phase1 new, init, contribute (two participants), beacon, verify,
#   r1cs, then `snarkjs zkey verify <circuit>.r1cs pot.ptau <circuit>.zkey` per circuit.
# Each step prints its wall time and peak memory (GNU time); the script stops at the
# first step that fails. It is not part of `scripts/test.sh` (about 26 minutes on 2 cores
# with a release binary); CI covers the same commands on the small threshold circuit
# (tests/cli_ceremony.rs). Figures from a run are in docs/performance.md.
#
# Needs: cargo, GNU time (/usr/bin/time), npm (scripts/install-snarkjs.sh puts snarkjs
# 0.7 into target/npm). ZKTR=path/to/zktr skips the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ ! -x /usr/bin/time ]; then
  echo "error: GNU time (/usr/bin/time) is needed to measure memory (Debian: apt-get install time)" >&2
  exit 2
fi
if [ -z "${ZKTR:-}" ]; then
  cargo build --release --bin zktr
  ZKTR="$repo/target/release/zktr"
fi
bash scripts/install-snarkjs.sh
snarkjs="$repo/target/npm/node_modules/.bin/snarkjs"

work=${1:-$(mktemp -d -t zktr-ceremony-XXXXXX)}
mkdir -p "$work"
echo "working in $work"

step() {
  local label=$1
  shift
  echo "== $label" >&2
  /usr/bin/time -f "   $label: %e s wall, %M KB max RSS" "$@"
}

step "phase1 new --power 16" "$ZKTR" ceremony phase1 new --power 16 --out "$work/pot.ptau"
step "init (every circuit)" "$ZKTR" ceremony init --ptau "$work/pot.ptau" --out "$work/c0"
step "contribute (alice)" "$ZKTR" ceremony contribute --ptau "$work/pot.ptau" \
  --in "$work/c0" --out "$work/c1" --name alice
step "contribute (bob)" "$ZKTR" ceremony contribute --ptau "$work/pot.ptau" \
  --in "$work/c1" --out "$work/c2" --name bob
step "beacon" "$ZKTR" ceremony beacon --ptau "$work/pot.ptau" --in "$work/c2" \
  --out "$work/final" --beacon 0000000000000000000157a4f6b5c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6
step "verify (whole transcript)" "$ZKTR" ceremony verify --ptau "$work/pot.ptau" --dir "$work/final"
step "r1cs export" "$ZKTR" ceremony r1cs --out "$work/r1cs"

for zkey in "$work"/final/*.zkey; do
  name=$(basename "$zkey" .zkey)
  step "snarkjs zkey verify $name" "$snarkjs" zkey verify \
    "$work/r1cs/$name.r1cs" "$work/pot.ptau" "$zkey"
done
echo "every circuit's final key verified with zktr and with snarkjs ($work)"
