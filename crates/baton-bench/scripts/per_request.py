#!/usr/bin/env python3
"""Instructions per request from callgrind, by function, for stacks side by side.

    per_request.py DELTA_N BASE_SMALL BASE_LARGE [NAME SMALL LARGE]...
                   [--match REGEX]... [--top K]

Each stack is given as two callgrind outputs of the loopback bench's `callgrind` mode, one
with N requests and one with N + DELTA_N after the same warm-up: the difference divided by
DELTA_N is the cost of one request, start-up and warm-up cancelled out. The first pair is the
baseline (`uninstrumented`); every other stack is printed as its total and, per function, as
what it adds to the baseline: inclusive instructions, self instructions and calls per request.
Inclusive figures of recursive functions count the recursion more than once.
"""

import argparse
import re
import sys
from collections import defaultdict


def interned(table, spec):
    """A name in callgrind's compressed form: `(id) name` the first time, `(id)` after."""
    m = re.match(r"\((\d+)\)(?: (.*))?", spec)
    if not m:
        return spec
    if m.group(2) is not None:
        table[m.group(1)] = m.group(2)
    return table.get(m.group(1), spec)


def parse(path):
    """Self cost, inclusive cost and call count per function name, and the total."""
    names = {}
    files = {}

    def name_of(spec):
        return interned(names, spec)

    def file_of(spec):
        return interned(files, spec)

    self_cost = defaultdict(int)
    by_source = defaultdict(int)
    fl = fi = None

    incl = defaultdict(int)
    calls = defaultdict(int)
    global edges
    edges = defaultdict(int)
    total = 0
    fn = None
    callee = None
    pending_calls = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c = line[0]
            if line.startswith("fl="):
                fl = fi = file_of(line[3:])
                continue
            if line.startswith("fi=") or line.startswith("fe="):
                fi = file_of(line[3:])
                continue
            if line.startswith("cfi=") or line.startswith("cfl="):
                file_of(line[4:])
                continue
            if line.startswith("fn="):
                fn = name_of(line[3:])
                fi = fl
                continue
            if line.startswith("cfn="):
                callee = name_of(line[4:])
                continue
            if line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
                continue
            if c.isdigit() or c in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_calls is not None:
                    calls[callee] += pending_calls
                    edges[(fn, callee)] += pending_calls
                    incl[callee] += cost
                    if fn is not None:
                        incl_children[fn] += cost
                    pending_calls = None
                else:
                    self_cost[fn] += cost
                    by_source[source(fi, fn)] += cost
                    total += cost
                continue
            if line.startswith("summary:") or line.startswith("totals:"):
                continue
    return self_cost, incl, calls, total, by_source


def source(path, fn):
    """The crate, or the part of the standard library or libc, that code comes from."""
    path = path or ""
    m = re.search(r"/registry/src/[^/]+/([A-Za-z0-9_-]+?)-\d+\.\d+[^/]*/", path)
    if m:
        return m.group(1)
    m = re.search(r"/library/(\w+)/src/(\w+)", path)
    if m:
        return f"{m.group(1)}::{m.group(2)}"
    m = re.search(r"/crates/([\w-]+)/", path)
    if m:
        return m.group(1)
    if "malloc" in path or (fn or "").startswith(("malloc", "free", "_int_", "realloc", "unlink_chunk")):
        return "libc malloc"
    if "memcpy" in (fn or "") or "memmove" in (fn or "") or "memset" in (fn or ""):
        return "libc mem*"
    if "libc" in path or "/glibc" in path or path.startswith("./"):
        return "libc other"
    return "other: " + (path.rsplit("/", 1)[-1] or "?")


incl_children = defaultdict(int)
edges = defaultdict(int)


def callers(small, large, delta, pattern):
    """Calls per request into functions matching `pattern`, by caller."""
    parse(small)
    s_edges = dict(edges)
    parse(large)
    l_edges = dict(edges)
    out = defaultdict(float)
    pat = re.compile(pattern)
    for (caller, callee), n in l_edges.items():
        if pat.search(callee or ""):
            out[caller] += (n - s_edges.get((caller, callee), 0)) / delta
    return out


def load(path):
    global incl_children
    incl_children = defaultdict(int)
    self_cost, callee_incl, calls, total, by_source = parse(path)
    # A function's inclusive cost: its own, plus what its calls cost. Entry points (thread
    # starts) are never a callee, so fall back to self + children for them.
    inclusive = {}
    for name in set(self_cost) | set(callee_incl) | set(incl_children):
        inclusive[name] = max(callee_incl.get(name, 0), self_cost.get(name, 0) + incl_children.get(name, 0))
    return self_cost, inclusive, calls, total, by_source


def per_request(small, large, delta):
    s_self, s_incl, s_calls, s_total, s_src = load(small)
    l_self, l_incl, l_calls, l_total, l_src = load(large)
    keys = set(s_incl) | set(l_incl) | set(s_self) | set(l_self)
    out = {}
    for k in keys:
        out[k] = (
            (l_incl.get(k, 0) - s_incl.get(k, 0)) / delta,
            (l_self.get(k, 0) - s_self.get(k, 0)) / delta,
            (l_calls.get(k, 0) - s_calls.get(k, 0)) / delta,
        )
    src = {k: (l_src.get(k, 0) - s_src.get(k, 0)) / delta for k in set(s_src) | set(l_src)}
    return (l_total - s_total) / delta, out, src


def short(name, width=110):
    name = re.sub(r"::h[0-9a-f]{16}$", "", name)
    return name if len(name) <= width else name[: width - 1] + "…"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("delta", type=int)
    ap.add_argument("files", nargs="+")
    ap.add_argument("--match", action="append", default=[])
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--callers", help="calls per request into functions matching this, by caller")
    args = ap.parse_args()
    base_small, base_large, *rest = args.files
    if len(rest) % 3:
        sys.exit("stacks are NAME SMALL LARGE triples")
    if args.callers:
        base = callers(base_small, base_large, args.delta, args.callers)
        for i in range(0, len(rest), 3):
            name, small, large = rest[i : i + 3]
            theirs = callers(small, large, args.delta, args.callers)
            print(f"\n{name}: calls per request into /{args.callers}/ added over the baseline, by caller")
            rows = sorted(((theirs.get(k, 0) - base.get(k, 0), k) for k in set(theirs) | set(base)), reverse=True)
            for n, k in rows[: args.top]:
                if abs(n) >= 0.05:
                    print(f"  {n:>7.2f}  {short(k)}")
        return
    base_total, base, base_src = per_request(base_small, base_large, args.delta)
    print(f"uninstrumented: {base_total:,.0f} instructions per request")
    for i in range(0, len(rest), 3):
        name, small, large = rest[i : i + 3]
        total, fns, src = per_request(small, large, args.delta)
        print(f"\n{name}: {total:,.0f} instructions per request, +{total - base_total:,.0f} over uninstrumented")
        print("  added instructions per request by the code's source (inlined code counted where it comes from):")
        added = sorted(((src.get(k, 0) - base_src.get(k, 0), k) for k in set(src) | set(base_src)), reverse=True)
        for cost, k in added:
            if abs(cost) >= 100:
                print(f"  {cost:>10,.0f}  {k}")
        rows = []
        for k, (inc, slf, calls) in fns.items():
            b_inc, b_slf, b_calls = base.get(k, (0, 0, 0))
            rows.append((k, inc - b_inc, slf - b_slf, calls - b_calls))
        if args.match:
            pats = [re.compile(p) for p in args.match]
            chosen = [r for r in rows if any(p.search(r[0]) for p in pats)]
        else:
            chosen = rows
        chosen.sort(key=lambda r: -abs(r[1]))
        print(f"{'+incl/req':>10} {'+self/req':>10} {'+calls/req':>10}  function")
        for k, inc, slf, calls in chosen[: args.top]:
            print(f"{inc:>10,.0f} {slf:>10,.0f} {calls:>10.2f}  {short(k)}")
        top_self = sorted(rows, key=lambda r: -r[2])[: args.top]
        print(f"\n  largest self-cost additions ({name}):")
        for k, inc, slf, calls in top_self:
            print(f"  {slf:>10,.0f} {calls:>8.2f}  {short(k)}")


if __name__ == "__main__":
    main()
