#!/usr/bin/env bash
# Counts the federation node's heap allocations per login: jemalloc's entry
# points (malloc, calloc, realloc, mallocx, and sdallocx for the frees)
# probed with uprobes on a copy of the binary, over 8 s in the middle of a
# 16 s `relais bench` run (scripts/bench-window.sh). Each probe traps into
# the kernel, so the node serves only 30–40 logins a second meanwhile and
# its timings are not figures; and the node's periodic work (the event
# writer's ticks, the statistics) is spread over those few logins, so the
# count moves by up to ±8 % from run to run: compare alternating runs of
# two binaries (docs/benchmarks-log.md, twenty-sixth pass). SQLite allocates
# through glibc's malloc and is not counted.
#
#   scripts/allocations-per-login.sh [relais binary] [-- extra bench arguments]
#   scripts/allocations-per-login.sh target/release/relais -- --durable postgres://… --ephemeral redis://…
#
# Needs perf (linux-perf) and root (uprobes).
set -euo pipefail

. "$(dirname "$0")/bench-window.sh"
bench_window_args "$@"

out=$(mktemp -d)
# The probes name the binary they are set on: a copy of its own, so that
# two runs (before and after a change) do not share them.
cp "$bin" "$out/relais"
cleanup() {
    bench_window_stop
    perf probe -q -d "probe_relais_alloc:*" 2>/dev/null || true
    rm -rf "$out"
}
trap cleanup EXIT

entries=(_rjem_malloc _rjem_calloc _rjem_realloc _rjem_mallocx _rjem_sdallocx)
perf probe -q -d "probe_relais_alloc:*" 2>/dev/null || true
events=()
for f in "${entries[@]}"; do
    perf probe -q -x "$out/relais" -a "probe_relais_alloc:$f=$f" ||
        { echo "cannot probe $f in $bin (root and a jemalloc build are needed)" >&2; exit 1; }
    events+=("probe_relais_alloc:$f")
done

bench_window "$out/relais" "$out" "$(IFS=,; echo "${events[*]}")" "${bench_args[@]}"

awk -F, -v n="$logins" '
    $3 ~ /^probe_relais_alloc:/ {
        name = substr($3, length("probe_relais_alloc:_rjem_") + 1)
        count[name] = $1
        if (name == "sdallocx") frees += $1; else allocs += $1
    }
    END {
        if (n <= 0) { print "no login was counted" > "/dev/stderr"; exit 1 }
        printf "logins %d  allocations/login %.1f (malloc %.1f, calloc %.1f, realloc %.1f, mallocx %.1f)  frees/login %.1f\n",
            n, allocs / n, count["malloc"] / n, count["calloc"] / n, count["realloc"] / n, count["mallocx"] / n, frees / n
    }' "$out/perf.csv"
