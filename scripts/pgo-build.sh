#!/usr/bin/env bash
# The release binary, optimised with a profile of its own logins
# (profile-guided optimisation): rustc builds an instrumented binary, that
# binary runs `relais bench` (the federation, the demo IdPs and the load
# as separate processes, every one of them writing its profile), LLVM
# merges the profiles, and rustc builds again using them — hot paths laid
# out and inlined as they run, cold ones kept small. docs/benchmarks-log.md
# ("Eleventh pass") has what it saves.
#
# With --bolt, LLVM's post-link optimiser (BOLT) then lays that binary's
# machine code out by a second profile, taken the same way from a copy
# BOLT instrumented: the hot blocks of every function side by side, the
# cold ones moved away, the functions called together placed together.
# The login's code then fills fewer cache lines and takes fewer branches
# (docs/benchmarks-log.md, "Twenty-seventh pass").
#
#   scripts/pgo-build.sh                      # → target/pgo/relais
#   scripts/pgo-build.sh --bolt               # → target/pgo/relais, PGO then BOLT
#   scripts/pgo-build.sh --durable postgres://postgres@127.0.0.1:5432/test --ephemeral redis://127.0.0.1:6379
#                                             # also trains scale-out (that database gets the bench's demo world)
#
# Needs rustup's llvm-tools (installed when missing): llvm-profdata must
# match rustc's LLVM. --bolt needs llvm-bolt and merge-fdata (Debian's
# bolt-19, installed with apt-get when missing); BOLT works on the linked
# binary, so its version need not match rustc's. A failed login in any
# training or check stops the build. Two release builds with fat LTO
# and the trainings, measured whole with --bolt on two cores: 16 minutes
# on a fast machine; 24 on a slow one, 26 with scale-out training. The
# binary behaves as `cargo build --release`'s does; only how it is
# compiled and laid out differs.
set -euo pipefail
cd "$(dirname "$0")/.."

durable=""
ephemeral=""
bolt=""
while [ $# -gt 0 ]; do
  case "$1" in
    --durable) durable="${2:?--durable needs a postgres:// URL}"; shift 2 ;;
    --ephemeral) ephemeral="${2:?--ephemeral needs a redis:// URL}"; shift 2 ;;
    --bolt) bolt=1; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
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

# BOLT's tools: Debian installs them as llvm-bolt-19 in /usr/bin, the
# real binaries (and the runtime the instrumented binary links) under
# /usr/lib/llvm-19.
bolt_bin=""
if [ -n "$bolt" ]; then
  find_bolt() {
    for b in llvm-bolt llvm-bolt-21 llvm-bolt-20 llvm-bolt-19 llvm-bolt-18; do
      if command -v "$b" >/dev/null; then
        dirname "$(readlink -f "$(command -v "$b")")"
        return
      fi
    done
  }
  bolt_bin=$(find_bolt)
  if [ -z "$bolt_bin" ] && command -v apt-get >/dev/null; then
    # shellcheck source=lib/packages.sh
    . scripts/lib/packages.sh
    apt_install bolt-19 || true
    bolt_bin=$(find_bolt)
  fi
  if [ -z "$bolt_bin" ] || [ ! -x "$bolt_bin/merge-fdata" ]; then
    echo "pgo-build: --bolt needs llvm-bolt and merge-fdata (Debian: apt-get install bolt-19)" >&2
    exit 2
  fi
fi

root="$PWD/target/pgo"
profiles="$root/profiles"
rm -rf "$profiles"
mkdir -p "$profiles"

echo "pgo-build: 1/4 the instrumented build" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$profiles" \
  cargo build --release --bin relais --target-dir "$root/generate"

# One `relais bench` run of the binary given that fails if any login
# failed (`--strict`): a profile of failing logins, or a binary that fails
# them, is of no use.
bench_clean() {
  local bin=$1
  shift
  "$bin" bench "$@" --strict >/dev/null
}

# The logins both profiles are taken from. Every process (the load, the
# federation, the IdPs) is the binary given, so each writes a profile.
train() {
  local bin=$1
  bench_clean "$bin" --logins 3000 --concurrency 8
  bench_clean "$bin" --logins 600 --concurrency 8 --new-connections
  bench_clean "$bin" --logins 600 --concurrency 8 --plus
  bench_clean "$bin" --logins 600 --concurrency 8 --with-dp
  bench_clean "$bin" --rate 100 --duration 5 --concurrency 32
  if [ -n "$durable" ]; then
    bench_clean "$bin" --logins 2000 --concurrency 8 --durable "$durable" --ephemeral "$ephemeral"
  fi
}

echo "pgo-build: 2/4 training: the logins relais bench runs" >&2
# Each process appends to the profile of its own binary image; %m merges
# concurrent writers.
export LLVM_PROFILE_FILE="$profiles/relais-%m.profraw"
train "$root/generate/release/relais"
unset LLVM_PROFILE_FILE

echo "pgo-build: 3/4 merging the profiles" >&2
"$profdata" merge -o "$root/relais.profdata" "$profiles"

echo "pgo-build: 4/4 the optimised build" >&2
# Every crate is built again: cargo cannot tell that the profile changed.
# BOLT moves functions only in a binary that kept its relocations.
relocs=""
[ -n "$bolt" ] && relocs="-Clink-arg=-Wl,--emit-relocs"
rm -rf "$root/use"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$root/relais.profdata $relocs" \
  cargo build --release --bin relais --target-dir "$root/use"
if [ -z "$bolt" ]; then
  cp "$root/use/release/relais" "$root/relais"
  echo "pgo-build: $root/relais" >&2
  exit 0
fi

echo "pgo-build: BOLT 1/3 the instrumented copy" >&2
layout="$root/bolt"
rm -rf "$layout"
mkdir -p "$layout/profiles"
# A few functions of aws-lc's assembly cannot be instrumented; BOLT leaves
# them as they are and says so, once each.
"$bolt_bin/llvm-bolt" "$root/use/release/relais" -instrument -o "$layout/relais.instrumented" \
  --instrumentation-file="$layout/profiles/relais.fdata" --instrumentation-file-append-pid \
  >"$layout/instrument.log" 2>&1 || { tail -20 "$layout/instrument.log" >&2; exit 1; }

echo "pgo-build: BOLT 2/3 training again, on the instrumented copy" >&2
# Each process writes its profile when it exits (relais bench stops what it
# spawned with SIGTERM, so every one of them does).
train "$layout/relais.instrumented"
"$bolt_bin/merge-fdata" "$layout"/profiles/*.fdata >"$layout/relais.fdata" 2>"$layout/merge.log"

echo "pgo-build: BOLT 3/3 the layout" >&2
# The result keeps its symbol table (perf still names every function) but
# not the debug line tables, which BOLT would have to rewrite for the moved
# code: to read a profile line by line, profile target/pgo/use's binary.
"$bolt_bin/llvm-bolt" "$root/use/release/relais" -o "$root/relais" -data="$layout/relais.fdata" \
  -reorder-blocks=ext-tsp -reorder-functions=cdsort -split-functions -split-strategy=cdsplit \
  -split-all-cold -split-eh -icf=1 -use-gnu-stack -dyno-stats \
  >"$layout/optimise.log" 2>&1 || { tail -20 "$layout/optimise.log" >&2; exit 1; }
# BOLT rewrote the machine code: the result completes logins of every kind
# before it is handed over.
echo "pgo-build: checking the result with relais bench" >&2
bench_clean "$root/relais" --logins 600 --concurrency 8
bench_clean "$root/relais" --logins 300 --concurrency 8 --plus
bench_clean "$root/relais" --logins 300 --concurrency 8 --with-dp
echo "pgo-build: $root/relais (PGO, then BOLT; $layout/optimise.log has BOLT's counts)" >&2
