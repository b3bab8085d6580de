#!/usr/bin/env python3
"""Splits a callgrind profile's instructions by library, so that "where do
a login's instructions go" has a command behind it (issue 13; the split is
quoted in docs/benchmarks-log.md from the thirty-seventh pass on).

scripts/instructions-per-login.sh leaves a profile of the node serving
logins; this reads it and prints

  by library   each function's own instructions (its self cost, what it
               runs outside the functions it calls) summed by the library
               the function's source file belongs to: a crate from the
               registry (`serde_json`), one of the workspace's crates
               (`relais_web`), Rust's standard library (`std`), or a C
               library linked in (`aws-lc`, `SQLite`, `jemalloc`) or loaded
               (`libc`, from the shared object when there is no debug info);
  functions    the functions with the most self cost;
  callers      with --callers REGEX, who calls the matching functions, and
               what those calls cost (inclusive), e.g. --callers memcpy.

Code inlined from one crate into another counts for the function it was
inlined into: a generic of serde_json's instantiated and kept as its own
function counts for serde_json, the same code inlined into a handler counts
for the handler's crate.

Usage:
  scripts/callgrind-split.py PROFILE [--per N] [--top N] [--callers REGEX]
  scripts/callgrind-split.py --self-test
--per N divides the counts by N (the logins the profile holds), so they read
as instructions per login.
"""
import argparse, collections, os, re, sys

REGISTRY = re.compile(r"/(?:registry/src/[^/]+|git/checkouts)/([A-Za-z0-9_.\-]+?)-(?:\d+\.\d+\.\d+[^/]*|[0-9a-f]{7,})/")
WORKSPACE = re.compile(r"/crates/([A-Za-z0-9_\-]+)/src/")
# C code compiled by a -sys crate: named for the library, not the crate.
C_LIBRARIES = [
    (re.compile(r"/aws-lc|aws-lc-sys|aws_lc"), "aws-lc"),
    (re.compile(r"sqlite3"), "SQLite"),
    (re.compile(r"jemalloc"), "jemalloc"),
    (re.compile(r"mimalloc"), "mimalloc"),
]


RUST_PATH = re.compile(r"^[<&(*\s]*(?:mut |dyn |const )*([a-z_][a-z0-9_]*)::")


def library(source, shared_object, function=""):
    """The library a function belongs to, from its source file (or, without
    debug information, its name, then the shared object it was loaded
    from)."""
    if source and source != "???":
        for pattern, name in C_LIBRARIES:
            if pattern.search(source):
                return name
        if "/rustc/" in source and "/library/" in source:
            return "std"
        m = REGISTRY.search(source)
        if m:
            return m.group(1).replace("-", "_")
        m = WORKSPACE.search(source)
        if m:
            return "relais_" + m.group(1) if not m.group(1).startswith("relais") else m.group(1)
    if function.startswith("aws_lc_"):
        return "aws-lc"
    m = RUST_PATH.match(function)
    if m and m.group(1) not in ("core", "alloc", "std"):
        return m.group(1)
    if m:
        return "std"
    base = os.path.basename(shared_object or "") or "?"
    if base.startswith("libc.so") or base.startswith("libc-"):
        return "libc"
    if base.startswith("ld-linux"):
        return "ld.so"
    if base.startswith("vgpreload") or base.startswith("valgrind"):
        return "valgrind"
    return base + " (no debug info)"


class Profile:
    """Self cost per function and inclusive cost of each caller → callee
    pair, read from callgrind's format (name compression: `(id) name` the
    first time, `(id)` after; one table for files, one for objects, one for
    functions)."""

    def __init__(self, lines):
        files, objects, functions = {}, {}, {}

        def compressed(table, text):
            m = re.match(r"\((\d+)\)(?: (.*))?$", text)
            if not m:
                return text
            if m.group(2) is not None:
                table[m.group(1)] = m.group(2)
            return table.get(m.group(1), text)

        self.self_cost = collections.Counter()
        self.calls = collections.Counter()
        self.where = {}
        self.total = 0
        self.totals_line = None
        ob = fl = fn = None
        callee = None
        call_cost_next = False
        for raw in lines:
            line = raw.rstrip("\n")
            if not line:
                continue
            head = line[0]
            if head.isdigit() or head in "+-*":
                fields = line.split()
                if len(fields) < 2:
                    continue
                try:
                    cost = int(fields[1])
                except ValueError:
                    continue
                if call_cost_next:
                    call_cost_next = False
                    self.calls[(fn, callee)] += cost
                else:
                    self.self_cost[fn] += cost
                    self.total += cost
                continue
            key, _, value = line.partition("=")
            if key == "ob":
                ob = compressed(objects, value)
            elif key == "fl":
                fl = compressed(files, value)
            elif key in ("fi", "fe", "cfi", "cfl"):
                compressed(files, value)
            elif key == "cob":
                compressed(objects, value)
            elif key == "fn":
                fn = compressed(functions, value)
                self.where.setdefault(fn, library(fl, ob, fn))
            elif key == "cfn":
                callee = compressed(functions, value)
            elif key == "calls":
                call_cost_next = True
            elif line.startswith("totals:"):
                self.totals_line = int(line.split()[1])

    def by_library(self):
        split = collections.Counter()
        for function, cost in self.self_cost.items():
            split[self.where.get(function, "?")] += cost
        return split

    def callers(self, pattern):
        wanted = re.compile(pattern)
        found = collections.Counter()
        for (caller, callee), cost in self.calls.items():
            if callee and wanted.search(callee):
                found[caller] += cost
        return found


def report(profile, per, top, callers, out):
    total = profile.total
    if total == 0:
        print("the profile holds no instructions", file=out)
        return 1

    def row(cost, name):
        return f"{100 * cost / total:6.2f} %  {cost / per:>14,.0f}  {name[:140]}"

    unit = "instructions" if per == 1 else f"instructions / {per:g}"
    print(f"total {total:,} instructions" + ("" if per == 1 else f", {total / per:,.0f} per login"), file=out)
    print(f"\nby library (self cost; {unit})", file=out)
    for name, cost in profile.by_library().most_common():
        if 100 * cost / total >= 0.1:
            print(row(cost, name), file=out)
    if top > 0:
        print(f"\nfunctions (self cost; {unit})", file=out)
        for name, cost in profile.self_cost.most_common(top):
            print(row(cost, f"{name}  [{profile.where.get(name, '?')}]"), file=out)
    if callers:
        found = profile.callers(callers)
        print(f"\ncallers of /{callers}/ (inclusive cost of their calls; {unit})", file=out)
        for name, cost in found.most_common(top):
            print(row(cost, name), file=out)
        print(row(sum(found.values()), "(all)"), file=out)
    return 0


SAMPLE = """# callgrind format
version: 1
positions: line
events: Ir

ob=(1) /usr/lib/x86_64-linux-gnu/libc.so.6
fl=(1) ???
fn=(1) __memcpy_avx_unaligned_erms
0 300

ob=(2) /tmp/relais
fl=(2) /work/main/crates/web/src/journey/token.rs
fn=(2) relais_web::journey::token::token
12 500
fi=(3) /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/serde_json-1.0.154/src/ser.rs
40 100
fe=(2)
13 50
cob=(1)
cfi=(1)
cfn=(1)
calls=2 0
14 200
cfn=(3) serde_json::ser::format_escaped_str
calls=1 0
15 400

fl=(3)
fn=(3)
88 400
cob=(1)
cfi=(1)
cfn=(1)
calls=1 0
89 100

fl=(4) /rustc/59807616e1fa2540724bfbac14d7976d7e4a3860/library/core/src/str/converts.rs
fn=(4) core::str::converts::from_utf8
7 250
fl=(5) /aws-lc/crypto/fipsmodule/ec/p256.c
fn=(5) ecp_nistz256_point_double
1 1000

totals: 2600
"""


def self_test():
    profile = Profile(SAMPLE.splitlines())
    assert profile.total == 2600 == profile.totals_line, profile.total
    split = profile.by_library()
    assert split == {"libc": 300, "relais_web": 650, "serde_json": 400, "std": 250, "aws-lc": 1000}, split
    assert profile.self_cost["relais_web::journey::token::token"] == 650
    callers = profile.callers("memcpy")
    assert callers == {"relais_web::journey::token::token": 200, "serde_json::ser::format_escaped_str": 100}, callers
    assert library("/root/.cargo/registry/src/index.crates.io-x/tikv-jemalloc-sys-0.6.1/src/lib.rs", None) == "jemalloc"
    assert library("/root/.cargo/registry/src/index.crates.io-x/form_urlencoded-1.2.2/src/lib.rs", None) == "form_urlencoded"
    assert library("/root/.cargo/registry/src/index.crates.io-x/aws-lc-rs-1.19.0/src/evp_pkey.rs", None) == "aws-lc"
    assert library("/root/.cargo/registry/src/index.crates.io-x/libsqlite3-sys-0.30.1/sqlite3/sqlite3.c", None) == "SQLite"
    assert library("???", "/usr/lib/x86_64-linux-gnu/libm.so.6") == "libm.so.6 (no debug info)"
    assert library("???", "/tmp/relais", "aws_lc_0_47_0_bignum_montinv_p256") == "aws-lc"
    assert library("???", "/tmp/relais", "hashbrown::map::HashMap<K,V,S,A>::get") == "hashbrown"
    assert library("???", "/tmp/relais", "<&mut serde_json::ser::Serializer<W> as x::Y>::f") == "serde_json"
    assert library("???", "/usr/lib/x86_64-linux-gnu/libc.so.6", "__memcpy_avx_unaligned_erms") == "libc"
    print("callgrind-split self-test: ok")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("profile", nargs="?")
    parser.add_argument("--per", type=float, default=1, help="divide counts by this (logins in the profile)")
    parser.add_argument("--top", type=int, default=25, help="functions listed")
    parser.add_argument("--callers", help="list the callers of functions matching this regex")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test()
    if not args.profile:
        parser.error("a callgrind profile is needed (scripts/instructions-per-login.sh leaves one)")
    if args.per <= 0:
        parser.error("--per must be positive")
    try:
        with open(args.profile, errors="replace") as lines:
            profile = Profile(lines)
    except OSError as error:
        print(f"{args.profile}: {error.strerror}", file=sys.stderr)
        return 2
    return report(profile, args.per, args.top, args.callers, sys.stdout)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BrokenPipeError:  # piped into head: the reader has what it wanted
        sys.stderr.close()
        sys.exit(0)
