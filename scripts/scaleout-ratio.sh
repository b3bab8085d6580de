#!/usr/bin/env bash
# Measures issue 13's scale-out goal the way its closing notes report it:
# the node's CPU per login in scale-out (PostgreSQL + Redis) over the same
# binary's embedded figure (SQLite, in-memory ephemeral store), each round
# an embedded run then a scale-out run, so both see the same minute of a
# shared machine; then the median of the rounds' ratios. One run's figure
# moves by several per cent from minute to minute, so a ratio near 1.5 is
# only told apart from it by several rounds (docs/benchmarks.md).
#
#   scripts/scaleout-ratio.sh [relais binary] [rounds]     # default target/release/relais, 5
#   DURABLE=postgres://… REDIS=redis://host:port/db DURATION=12 scripts/scaleout-ratio.sh …
#
# The Redis database (default 9 on 127.0.0.1:6379) is emptied (FLUSHDB)
# before each scale-out run, so every run starts from the same store and a
# run's sessions do not weigh on the next; point REDIS at a database that
# holds nothing else.
set -euo pipefail

bin=${1:-target/release/relais}
rounds=${2:-5}
durable=${DURABLE:-postgres://postgres@127.0.0.1:5432/test}
redis=${REDIS:-redis://127.0.0.1:6379/9}
duration=${DURATION:-12}

[[ -x $bin ]] || { echo "$bin: no such binary (cargo build --release --bin relais)" >&2; exit 2; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "rounds: a positive whole number, not '$rounds'" >&2; exit 2; }
command -v redis-cli >/dev/null || { echo "redis-cli is not installed (scripts/install-test-deps.sh)" >&2; exit 2; }

# redis://[user:password@]host:port/db → redis-cli's arguments.
rest=${redis#redis://}
[[ $rest != "$redis" ]] || { echo "REDIS: a redis:// URL, not '$redis'" >&2; exit 2; }
db=0
[[ $rest == */* ]] && db=${rest##*/} && rest=${rest%%/*}
hostport=${rest##*@}
cli=(redis-cli -h "${hostport%%:*}" -p "${hostport##*:}" -n "$db")
if [[ $rest == *@* ]]; then
    export REDISCLI_AUTH=${rest%%@*}
    REDISCLI_AUTH=${REDISCLI_AUTH#*:}
fi
"${cli[@]}" ping >/dev/null || { echo "Redis at $redis does not answer" >&2; exit 1; }

# The federation process's line of `relais bench` (its pid second): its
# 4th field is the node's CPU milliseconds per login; then the share of the
# machine's CPU time the host took during the run (steal, the bench's
# `machine:` line; "-" where it cannot be read), which says whether a
# round's figures are the node's or the host's.
cpu_per_login() {
    local out
    out=$("$bin" bench --duration "$duration" "$@" 2>&1) || { echo "$out" >&2; return 1; }
    awk '$1 == "federation" && $2 ~ /^[0-9]+$/ && NF >= 6 { cpu = $4 }
         $1 == "machine:" { for (i = 1; i < NF; i++) if ($(i + 1) == "%" && $(i + 3) == "it") steal = $i }
         END { if (cpu == "") exit 1; print cpu, (steal == "" ? "-" : steal) }' <<<"$out" ||
        { echo "no federation figure in the bench's output:" >&2; echo "$out" >&2; return 1; }
}

ratios=()
printf '%-6s %10s %10s %7s %16s\n' round embedded scale-out ratio "host steal %"
for round in $(seq "$rounds"); do
    read -r embedded steal_e < <(cpu_per_login)
    "${cli[@]}" flushdb >/dev/null
    read -r scaleout steal_s < <(cpu_per_login --durable "$durable" --ephemeral "$redis")
    ratio=$(awk -v s="$scaleout" -v e="$embedded" 'BEGIN { printf "%.3f", s / e }')
    ratios+=("$ratio")
    printf '%-6s %10s %10s %7s %16s\n' "$round" "$embedded" "$scaleout" "$ratio" "$steal_e / $steal_s"
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '
    { r[NR] = $1 }
    $1 <= 1.5 { within++ }
    END {
        median = NR % 2 ? r[(NR + 1) / 2] : (r[NR / 2] + r[NR / 2 + 1]) / 2
        printf "scale-out / embedded over %d rounds: %.3f–%.3f×, median %.3f×, %d of %d within 1.5×\n",
            NR, r[1], r[NR], median, within + 0, NR
    }'
