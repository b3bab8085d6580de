#!/usr/bin/env python3
"""Measures the node's bounds from outside (issue 9), against a real
`relais demo` process:

  rss      RSS before/after 20,000 unauthenticated GET /authorize
           (rate limits off, then with the memory store capped);
  conns    20,000 idle and 50 slow half-open connections while normal
           requests keep being served (default limits).

Usage: scripts/measure-bounds.py [rss|conns|all]   (builds nothing: run
`cargo build --release --bin relais` first; uses target/release/relais).
"""
import http.client, json, os, re, resource, socket, subprocess, sys, tempfile, threading, time, urllib.parse
from multiprocessing import Process, Queue

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXE = os.path.join(ROOT, "target", "release", "relais")


def start(port, env_extra):
    d = tempfile.mkdtemp(prefix="relais-measure-")
    env = dict(os.environ, RELAIS_LOG="warn", **env_extra)
    p = subprocess.Popen([EXE, "demo", "--port", str(port), "--canteen-port", "0", "--plus-port", "0", "--mail-port", "0",
                          "--events", "off", "--db", os.path.join(d, "m.db")],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/healthz"); c.getresponse().read(); c.close()
            return p
        except OSError:
            time.sleep(0.1)
    raise SystemExit("relais did not start")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def metrics(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", "/metrics"); body = c.getresponse().read().decode(); c.close()
    return {l.split()[0]: int(l.split()[1]) for l in body.splitlines() if l and not l.startswith("#")}


def authorize_path(port, i):
    q = urllib.parse.urlencode({
        "client_id": "demo-service", "redirect_uri": f"http://localhost:{port}/demo/callback",
        "response_type": "code", "scope": "openid given_name family_name", "state": f"s{i}",
        "nonce": f"nonce-{i:012d}-abcdefghijklmnop", "acr_values": "eidas1"})
    return "/api/v2/authorize?" + q


def flood(port, n, threads=8):
    counts = {}
    lock = threading.Lock()
    def worker(k):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in range(k, n, threads):
            c.request("GET", authorize_path(port, i))
            r = c.getresponse(); r.read()
            with lock:
                counts[r.status] = counts.get(r.status, 0) + 1
            if r.getheader("connection", "").lower() == "close":
                c.close(); c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        c.close()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    t0 = time.time()
    for t in ts: t.start()
    for t in ts: t.join()
    return counts, time.time() - t0


def measure_rss():
    for label, env in [("rate limits off, store bound 2,000,000 (default)", {"RELAIS__LIMITS__RATE_LIMITS": "false"}),
                       ("rate limits off, store bound 5,000 entries", {"RELAIS__LIMITS__RATE_LIMITS": "false", "RELAIS__STORAGE__MEMORY_MAX_ENTRIES": "5000"}),
                       ("default limits (one client IP)", {})]:
        port = 18400
        p = start(port, env)
        try:
            flood(port, 200)  # warm-up: allocator, caches, first keys
            time.sleep(0.5)
            before = rss_kb(p.pid)
            counts, secs = flood(port, 20000)
            time.sleep(0.5)
            after = rss_kb(p.pid)
            m = metrics(port)
            print(f"[rss] {label}: RSS {before/1024:.1f} MiB -> {after/1024:.1f} MiB "
                  f"(+{(after-before)/1024:.1f} MiB, {(after-before)*1024/20000:.0f} B/request); "
                  f"statuses {dict(sorted(counts.items()))}; {20000/secs:.0f} req/s; "
                  f"evicted {m.get('relais_ephemeral_evicted_total')}, rate_limited {m.get('relais_rate_limited_total')}")
        finally:
            p.terminate(); p.wait()


def hold_idle(port, n, q):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    socks, failed = [], 0
    for _ in range(n):
        try:
            s = socket.socket(); s.setblocking(True); s.settimeout(2)
            s.connect(("127.0.0.1", port)); socks.append(s)
        except OSError:
            failed += 1
    q.put(("opened", len(socks), failed))
    time.sleep(20)
    # How many the server closed meanwhile (evicted or timed out).
    closed = 0
    for s in socks:
        try:
            s.setblocking(False)
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
    q.put(("closed", closed, len(socks)))


def hold_slow(port, n, q):
    socks = []
    for _ in range(n):
        s = socket.socket(); s.connect(("127.0.0.1", port))
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"); socks.append(s)
    alive_until = {}
    t0 = time.time()
    while time.time() - t0 < 20:
        for i, s in enumerate(socks):
            if i in alive_until: continue
            try:
                s.sendall(b"X: y\r\n")
            except OSError:
                alive_until[i] = time.time() - t0
        time.sleep(1)
    q.put(("slow", len(alive_until), sorted(alive_until.values())[:1] + sorted(alive_until.values())[-1:]))


def measure_conns():
    port = 18410
    p = start(port, {})
    try:
        q = Queue()
        procs = [Process(target=hold_idle, args=(port, 7000, q)) for _ in range(3)]
        procs.append(Process(target=hold_slow, args=(port, 50, q)))
        for pr in procs: pr.start()
        lat, ok, bad = [], 0, 0
        t0 = time.time()
        i = 0
        while time.time() - t0 < 25:
            i += 1
            s = time.time()
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                c.request("GET", authorize_path(port, i) if i % 2 else "/api/v2/.well-known/openid-configuration")
                r = c.getresponse(); r.read(); c.close()
                if r.status in (200, 303): ok += 1
                else: bad += 1
            except OSError:
                bad += 1
            lat.append(time.time() - s)
            time.sleep(0.02)
        for pr in procs: pr.join(timeout=60)
        results = []
        while not q.empty(): results.append(q.get())
        lat.sort()
        m = metrics(port)
        print(f"[conns] during 21,000 idle + 50 slow half-open connections: normal requests {ok} ok, {bad} failed; "
              f"latency p50 {lat[len(lat)//2]*1000:.1f} ms, p99 {lat[int(len(lat)*0.99)]*1000:.1f} ms, max {lat[-1]*1000:.1f} ms; "
              f"RSS {rss_kb(p.pid)/1024:.1f} MiB")
        print(f"[conns] attacker side: {results}")
        print(f"[conns] server metrics: " + ", ".join(f"{k}={v}" for k, v in m.items() if "connection" in k))
    finally:
        p.terminate(); p.wait()


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    if what in ("rss", "all"): measure_rss()
    if what in ("conns", "all"): measure_conns()
