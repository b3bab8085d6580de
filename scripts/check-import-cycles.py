#!/usr/bin/env python3
"""Fails when two source files of a crate import each other, directly or
through others (`use crate::…`, `use super::…`, `use self::…`, re-exports
included; `mod x;` declarations are not imports). Run by scripts/test.sh."""
import os
import re
import sys

USE = re.compile(r'^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+([^;]+);', re.M)


def module_files(src):
    files = {}
    for dirpath, _, names in os.walk(src):
        for n in names:
            if not n.endswith('.rs'):
                continue
            path = os.path.join(dirpath, n)
            rel = os.path.relpath(path, src)[:-3].split(os.sep)
            if rel[-1] in ('lib', 'main', 'mod'):
                rel = rel[:-1]
            files[tuple(rel)] = path
    return files


def expand(tree):
    """`a::{b, c::{d}}` -> [a::b, a::c::d] (as lists of segments)."""
    tree = re.sub(r'\s+as\s+\w+', '', tree)
    tree = re.sub(r'\s+', '', tree)
    out = []

    def walk(prefix, t):
        if '{' not in t:
            out.append(prefix + t.split('::'))
            return
        i = t.index('{')
        head = [p for p in t[:i].split('::') if p]
        inner = t[i + 1:t.rindex('}')]
        depth, start = 0, 0
        for k, ch in enumerate(inner + ','):
            if ch == '{':
                depth += 1
            elif ch == '}':
                depth -= 1
            elif ch == ',' and depth == 0:
                part = inner[start:k]
                start = k + 1
                if part:
                    walk(prefix + head, part)
    walk([], tree)
    return out


def resolve(files, here, path):
    if path[0] == 'crate':
        mod = []
        rest = path[1:]
    elif path[0] in ('super', 'self'):
        mod = list(here)
        rest = path
        while rest and rest[0] in ('super', 'self'):
            if rest[0] == 'super':
                mod = mod[:-1]
            rest = rest[1:]
    elif tuple(list(here) + [path[0]]) in files:
        # `use child::Item;` (a path relative to this module)
        mod = list(here)
        rest = path
    else:
        return None
    best = tuple(mod)
    for seg in rest:
        cand = tuple(mod + [seg])
        if cand in files:
            mod.append(seg)
            best = cand
        else:
            break
    return best if best in files else None


def cycles(src):
    files = module_files(src)
    edges = {m: set() for m in files}
    for m, path in files.items():
        text = open(path, encoding='utf-8').read()
        # Unit tests (`#[cfg(test)] mod tests`) are inside the file they test.
        text = re.split(r'#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*mod\s+\w+\s*\{', text)[0]
        for tree in USE.findall(text):
            for p in expand(tree):
                t = resolve(files, m, p)
                if t is not None and t != m:
                    edges[m].add(t)
    # strongly connected components (Tarjan)
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(files[c] for c in comp))
    sys.setrecursionlimit(10000)
    for v in files:
        if v not in index:
            strong(v)
    return out


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'crates')
    found = []
    for crate in sorted(os.listdir(root)):
        src = os.path.join(root, crate, 'src')
        if os.path.isdir(src):
            found += cycles(src)
    for comp in found:
        print('import cycle: ' + ' <-> '.join(os.path.relpath(f, os.path.join(root, '..')) for f in comp))
    if found:
        sys.exit(1)
    print('import cycles: none')


main()
