#!/usr/bin/env bash
# Runs every cargo-fuzz target on its committed corpus.
#   scripts/fuzz.sh            full run: 10^7 executions or 30 minutes each
#   scripts/fuzz.sh 15         short run: 15 seconds each (CI: 10)
# Needs the nightly toolchain and cargo-fuzz (installed here when missing).
# New inputs found are added to fuzz/corpus/<target>; a crash stops the run
# with the input saved under fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-1800}"
runs=10000000
if [ "$#" -gt 0 ]; then runs=-1; fi  # short run: time-bound only
if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "NOT RUN: fuzz targets — no nightly toolchain (cargo-fuzz needs it)" >&2
  exit 0
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
# FUZZ_TARGETS="jws jwe" runs only those (e.g. two runners on two cores).
read -r -a targets <<< "${FUZZ_TARGETS:-authorize_params jws jwe jwk idp_response client_proofs}"
cargo +nightly fuzz build -O
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "fuzz: $t (runs=${runs:-unbounded}, max ${secs}s)"
  cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -runs="$runs" -max_total_time="$secs" -max_len=8192 -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|Done|SUMMARY|ERROR|artifact" || true
  if ls "artifacts/$t"/{crash,leak,oom,timeout}-* >/dev/null 2>&1; then
    echo "fuzz: $t crashed; input in fuzz/artifacts/$t" >&2
    exit 1
  fi
done
