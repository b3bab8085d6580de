# Sourced by the scripts that count what a login costs the federation node
# (per-login-counts.sh, allocations-per-login.sh): runs `relais bench` for
# 16 s in the background, finds the node it spawned, and counts perf events
# on it over 8 s in the middle of the run, with the logins completed
# meanwhile (from the node's /metrics).
#
#   bench_window BIN OUT EVENTS [bench arguments…]
#     BIN     the relais binary; OUT a directory for the bench's output and
#             perf's (OUT/perf.csv, `perf stat -x,`); EVENTS perf's -e list.
#   Sets `logins`: the logins completed while perf counted.
# The caller's EXIT trap should run `bench_window_stop`.
#
#   bench_window_args "$@"
#     The scripts' arguments, `[relais binary] [-- bench arguments…]`: sets
#     `bin` (default target/release/relais) and the array `bench_args`, and
#     stops with a clear line when perf or the binary is missing.

bench_pid=""

bench_window_args() {
    bin=target/release/relais
    if [[ $# -gt 0 && $1 != -- ]]; then bin=$1; shift; fi
    if [[ ${1:-} == -- ]]; then shift; fi
    bench_args=("$@")
    command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)" >&2; exit 2; }
    [[ -x $bin ]] || { echo "$bin: no such binary (cargo build --release --bin relais)" >&2; exit 2; }
}

bench_window_stop() {
    [[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null || true
}

bench_window() {
    local bin=$1 out=$2 events=$3
    shift 3
    "$bin" bench --duration 16 "$@" >"$out/bench.json" 2>"$out/bench.err" &
    bench_pid=$!

    # The bench spawns the node as `relais demo --port N …`, a child of its own.
    local node="" port
    for _ in $(seq 100); do
        node=$(pgrep -P "$bench_pid" -f ' demo --port' || true)
        [[ -n $node ]] && break
        sleep 0.1
    done
    [[ -n $node ]] || { echo "the bench spawned no node" >&2; cat "$out/bench.err" >&2; exit 1; }
    port=$(tr '\0' ' ' <"/proc/$node/cmdline" | sed -E 's/.* --port ([0-9]+).*/\1/')

    completed() {
        curl -sf "http://127.0.0.1:$port/metrics" |
            awk '/^relais_logins_total/ { n += $NF } END { printf "%d\n", n }'
    }

    sleep 4 # past the bench's warm-up
    local before after
    before=$(completed)
    perf stat -x, -e "$events" -p "$node" -o "$out/perf.csv" -- sleep 8
    after=$(completed)
    wait "$bench_pid" || { echo "the bench failed" >&2; cat "$out/bench.err" >&2; exit 1; }
    bench_pid=""
    logins=$((after - before))
}
