#!/usr/bin/env bash
# A throwaway PostgreSQL primary that waits for a synchronous standby a
# given delay away, to measure what logins cost when every commit takes
# milliseconds (docs/benchmarks-log.md, "Twenty-third pass: commits that take milliseconds").
# The standby reaches the primary through a small TCP proxy that delays
# each direction (tc netem is not available on every machine); nothing
# of the machine's own PostgreSQL is touched.
#
#   scripts/sync-standby.sh start [delay_ms]   # default 1 ms each way; prints the URL to bench
#   scripts/sync-standby.sh stop
#
#   relais bench --durable postgres://postgres@127.0.0.1:5434/bench --ephemeral redis://… \
#       --citizen jean,angela,marie,pascal,amina,louis,lucie,camille --rate 300 …
#
# Needs PostgreSQL's server binaries (scripts/install-test-deps.sh) and
# root (the clusters run as the postgres user). Ports 5434 (primary),
# 5435 (standby), 5436 (proxy); data under $DIR (default /tmp/relais-sync).
set -euo pipefail

dir=${DIR:-/tmp/relais-sync}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[[ -n $bin && -x $bin/initdb ]] || { echo "PostgreSQL's server binaries are not installed" >&2; exit 2; }
as_pg() { su postgres -c "$*"; }

stop() {
    for d in standby primary; do
        [[ -f $dir/$d/postmaster.pid ]] && as_pg "$bin/pg_ctl -D $dir/$d -m fast stop" >/dev/null || true
    done
    [[ -f $dir/proxy.pid ]] && kill "$(cat "$dir/proxy.pid")" 2>/dev/null || true
    rm -rf "$dir"
}

case ${1:-} in
stop)
    stop
    echo "sync-standby: stopped"
    ;;
start)
    delay_ms=${2:-1}
    [[ $delay_ms =~ ^[0-9]+(\.[0-9]+)?$ ]] || { echo "delay: milliseconds, not '$delay_ms'" >&2; exit 2; }
    stop
    mkdir -p "$dir/primary" && chown -R postgres "$dir" && chmod 700 "$dir/primary"
    as_pg "$bin/initdb -D $dir/primary -A trust -U postgres" >"$dir/initdb.log"
    cat >>"$dir/primary/postgresql.conf" <<EOF
port = 5434
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
wal_level = replica
max_wal_senders = 4
EOF
    echo "host replication all 127.0.0.1/32 trust" >>"$dir/primary/pg_hba.conf"
    as_pg "$bin/pg_ctl -D $dir/primary -l $dir/primary.log start" >/dev/null
    # The proxy: every chunk forwarded delay_ms after it arrived, in order.
    python3 - "$delay_ms" >"$dir/proxy.log" 2>&1 <<'EOF' &
import asyncio, sys
DELAY = float(sys.argv[1]) / 1000
async def pipe(reader, writer):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()
    async def send():
        while True:
            due, data = await queue.get()
            if data is None:
                writer.close()
                return
            await asyncio.sleep(max(0, due - loop.time()))
            writer.write(data)
            await writer.drain()
    sender = asyncio.create_task(send())
    while True:
        data = await reader.read(65536)
        queue.put_nowait((loop.time() + DELAY, data or None))
        if not data:
            break
    await sender
async def handle(client_reader, client_writer):
    reader, writer = await asyncio.open_connection('127.0.0.1', 5434)
    await asyncio.gather(pipe(client_reader, writer), pipe(reader, client_writer), return_exceptions=True)
async def main():
    server = await asyncio.start_server(handle, '127.0.0.1', 5436)
    async with server:
        await server.serve_forever()
asyncio.run(main())
EOF
    echo $! >"$dir/proxy.pid"
    sleep 0.5
    mkdir -p "$dir/standby" && chown postgres "$dir/standby" && chmod 700 "$dir/standby"
    as_pg "$bin/pg_basebackup -h 127.0.0.1 -p 5434 -U postgres -D $dir/standby"
    touch "$dir/standby/standby.signal" && chown postgres "$dir/standby/standby.signal"
    cat >>"$dir/standby/postgresql.conf" <<EOF
port = 5435
primary_conninfo = 'host=127.0.0.1 port=5436 user=postgres application_name=standby1'
EOF
    as_pg "$bin/pg_ctl -D $dir/standby -l $dir/standby.log start" >/dev/null
    psql -h 127.0.0.1 -p 5434 -U postgres -Atq \
        -c "ALTER SYSTEM SET synchronous_standby_names = 'standby1'" -c "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 50); do
        state=$(psql -h 127.0.0.1 -p 5434 -U postgres -Atc "SELECT sync_state FROM pg_stat_replication WHERE application_name = 'standby1'")
        [[ $state == sync ]] && break
        sleep 0.2
    done
    [[ $state == sync ]] || { echo "the standby did not become synchronous (see $dir/*.log)" >&2; exit 1; }
    psql -h 127.0.0.1 -p 5434 -U postgres -Atqc "CREATE DATABASE bench"
    echo "sync-standby: postgres://postgres@127.0.0.1:5434/bench waits for a standby ${delay_ms} ms away each way"
    ;;
*)
    echo "usage: $0 start [delay_ms] | stop" >&2
    exit 2
    ;;
esac
