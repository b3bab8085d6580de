#!/usr/bin/env bash
# Counts the federation node's heap allocations per login: jemalloc's entry
# points (malloc, calloc, realloc, mallocx, and sdallocx for the frees)
# probed with uprobes on a copy of the binary, over 8 s in the middle of a
# 16 s `relais bench` run. A count, like scripts/instructions-per-login.sh's,
# does not move with the machine's load, so a change that removes a few
# dozen allocations a login shows in one pair of runs, where the CPU figure
# would hide it in its noise (docs/benchmarks.md, twenty-sixth pass).
# SQLite allocates through glibc's malloc and is not counted. Each probe
# traps into the kernel: the bench runs several times slower meanwhile, so
# its timings are not figures.
#
#   scripts/allocations-per-login.sh [relais binary] [-- extra bench arguments]
#   scripts/allocations-per-login.sh target/release/relais -- --durable postgres://… --ephemeral redis://…
#
# Needs perf (linux-perf) and root (uprobes).
set -euo pipefail

bin=target/release/relais
if [[ $# -gt 0 && $1 != -- ]]; then bin=$1; shift; fi
if [[ ${1:-} == -- ]]; then shift; fi

command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
[[ -x $bin ]] || { echo "$bin: no such binary (cargo build --release --bin relais)" >&2; exit 2; }

out=$(mktemp -d)
# The probes name the binary they are set on: a copy of its own, so that
# two runs (before and after a change) do not share them.
cp "$bin" "$out/relais"
bench=""
cleanup() {
    [[ -n $bench ]] && kill "$bench" 2>/dev/null || true
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

"$out/relais" bench --duration 16 "$@" >"$out/bench.json" 2>"$out/bench.err" &
bench=$!

# The bench spawns the node as `relais demo --port N …`, a child of its own.
node=""
for _ in $(seq 100); do
    node=$(pgrep -P "$bench" -f ' demo --port' || true)
    [[ -n $node ]] && break
    sleep 0.1
done
[[ -n $node ]] || { echo "the bench spawned no node" >&2; cat "$out/bench.err" >&2; exit 1; }
port=$(tr '\0' ' ' <"/proc/$node/cmdline" | sed -E 's/.* --port ([0-9]+).*/\1/')

logins() {
    curl -sf "http://127.0.0.1:$port/metrics" |
        awk '/^relais_logins_total/ { n += $NF } END { printf "%d\n", n }'
}

sleep 4 # past the bench's warm-up
before=$(logins)
perf stat -x, -e "$(IFS=,; echo "${events[*]}")" -p "$node" -o "$out/perf.csv" -- sleep 8
after=$(logins)
wait "$bench" || { echo "the bench failed" >&2; cat "$out/bench.err" >&2; exit 1; }
bench=""

awk -F, -v n=$((after - before)) '
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
