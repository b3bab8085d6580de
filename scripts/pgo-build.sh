#!/usr/bin/env bash
# The release binary, optimised with a profile of its own logins
# (profile-guided optimisation): rustc builds an instrumented binary, that
# binary runs `relais bench` (the federation, the demo IdPs and the load
# as separate processes, every one of them writing its profile), LLVM
# merges the profiles, and rustc builds again using them — hot paths laid
# out and inlined as they run, cold ones kept small. docs/benchmarks.md
# ("Eleventh pass") has what it saves.
#
#   scripts/pgo-build.sh                      # → target/pgo/relais
#   scripts/pgo-build.sh --durable postgres://postgres@127.0.0.1:5432/test --ephemeral redis://127.0.0.1:6379
#                                             # also trains scale-out (that database gets the bench's demo world)
#
# Needs rustup's llvm-tools (installed when missing): llvm-profdata must
# match rustc's LLVM. Two release builds with fat LTO: 10–15 minutes on
# two cores. The binary's behaviour is the same as `cargo build
# --release`'s; only how it is compiled differs.
set -euo pipefail
cd "$(dirname "$0")/.."

durable=""
ephemeral=""
while [ $# -gt 0 ]; do
  case "$1" in
    --durable) durable="${2:?--durable needs a postgres:// URL}"; shift 2 ;;
    --ephemeral) ephemeral="${2:?--ephemeral needs a redis:// URL}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "pgo-build: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
if { [ -n "$durable" ] && [ -z "$ephemeral" ]; } || { [ -z "$durable" ] && [ -n "$ephemeral" ]; }; then
  echo "pgo-build: --durable and --ephemeral go together (scale-out)" >&2
  exit 2
fi

host=$(rustc -vV | sed -n 's/^host: //p')
profdata="$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata"
if [ ! -x "$profdata" ]; then
  rustup component add llvm-tools
fi

root="$PWD/target/pgo"
profiles="$root/profiles"
rm -rf "$profiles"
mkdir -p "$profiles"

echo "pgo-build: 1/4 the instrumented build" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$profiles" \
  cargo build --release --bin relais --target-dir "$root/generate"

echo "pgo-build: 2/4 training: the logins relais bench runs" >&2
trained="$root/generate/release/relais"
# Every process (the load, the federation, the IdPs) appends to the
# profile of its own binary image; %m merges concurrent writers.
export LLVM_PROFILE_FILE="$profiles/relais-%m.profraw"
"$trained" bench --logins 3000 --concurrency 8 >/dev/null
"$trained" bench --logins 600 --concurrency 8 --new-connections >/dev/null
"$trained" bench --logins 600 --concurrency 8 --plus >/dev/null
"$trained" bench --logins 600 --concurrency 8 --with-dp >/dev/null
"$trained" bench --rate 100 --duration 5 --concurrency 32 >/dev/null
if [ -n "$durable" ]; then
  "$trained" bench --logins 2000 --concurrency 8 --durable "$durable" --ephemeral "$ephemeral" >/dev/null
fi
unset LLVM_PROFILE_FILE

echo "pgo-build: 3/4 merging the profiles" >&2
"$profdata" merge -o "$root/relais.profdata" "$profiles"

echo "pgo-build: 4/4 the optimised build" >&2
# Every crate is built again: cargo cannot tell that the profile changed.
rm -rf "$root/use"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$root/relais.profdata" \
  cargo build --release --bin relais --target-dir "$root/use"
cp "$root/use/release/relais" "$root/relais"
echo "pgo-build: $root/relais" >&2
