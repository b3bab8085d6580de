#!/usr/bin/env bash
# Counts what a login costs the federation node in figures that do not move
# with the machine's load: its system calls and context switches per login,
# beside its CPU (perf's task-clock), over 8 s in the middle of a 16 s
# `relais bench` run. On a shared two-core machine one binary's bench time
# varies by ±20 % from minute to minute; these counts vary by about 1 %, so a
# change of a few per cent shows in one pair of runs (docs/benchmarks.md).
#
#   scripts/per-login-counts.sh [relais binary] [-- extra bench arguments]
#   scripts/per-login-counts.sh target/release/relais -- --durable postgres://… --ephemeral redis://…
#   scripts/per-login-counts.sh target/release/relais -- --rate 200 --concurrency 64   # the national peak
#
# Needs perf (linux-perf) and permission to read the node's tracepoints (root,
# or kernel.perf_event_paranoid ≤ -1).
set -euo pipefail

. "$(dirname "$0")/bench-window.sh"
bench_window_args "$@"

out=$(mktemp -d)
trap 'bench_window_stop; rm -rf "$out"' EXIT

bench_window "$bin" "$out" raw_syscalls:sys_enter,context-switches,task-clock "${bench_args[@]}"

awk -F, -v n="$logins" '
    $3 == "raw_syscalls:sys_enter" { sys = $1 }
    $3 == "context-switches"       { cs = $1 }
    $3 == "task-clock"             { cpu = $1 }
    END {
        if (n <= 0) { print "no login was counted" > "/dev/stderr"; exit 1 }
        printf "logins %d  system calls/login %.1f  context switches/login %.1f  CPU ms/login %.3f\n",
            n, sys / n, cs / n, cpu / n
    }' "$out/perf.csv"
