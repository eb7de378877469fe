"""The layout of src/ (issue 10, "Done when"): read every `#include "..."` of every file under
src/ and check three rules, with no build and no world.

1. No circle, at two levels, each reported as the nodes around it, each step with the file
   and line of the include:
   - between modules: a module is a .c file with its header (src/probe/smtp.c and
     src/probe/smtp.h are one node, "probe/smtp"); an edge goes from a module to every module
     whose header one of its files includes, directly or through headers that have no .c of
     their own (a private header such as sched_int.h shared by several .c files is seen
     through, not a node). probe.c including smtp.h while smtp.h includes probe.h is a circle;
   - between files: the plain include graph of the files (a.h includes b.h includes a.h).
2. Includes flow down the pipeline only: a file in a stage folder may include from its own
   folder, from an earlier stage, and from core. The order is STAGES below. A file outside
   these folders is reported too.
3. No file in src/ is over MAX_LINES lines.

An include resolves as the compiler resolves it here (`-iquote src`): first next to the
including file, then from src/. Includes that resolve to no file under src/ (system headers
written with quotes, third_party/) are not the layout's business and are left out.

Run alone for the list of findings: python3 tests/integration/test_layout.py [SRC]
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))

# The pipeline, first to last; docs/architecture.md.
STAGES = ["core", "input", "resolve", "probe", "classify", "report", "sched", "cmd"]
MAX_LINES = 800
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def _src(ctx=None):
    return os.path.join(ctx.root if ctx is not None else ROOT, "src")


def source_files(src):
    """Every .c and .h under src/, as paths relative to src/ with '/' separators, sorted."""
    out = []
    for d, dirs, files in os.walk(src):
        dirs.sort()
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                out.append(os.path.relpath(os.path.join(d, f), src).replace(os.sep, "/"))
    return sorted(out)


def includes(src, rel):
    """[(line number, included file relative to src/)] for the quoted includes of src/rel that
    resolve to a file under src/."""
    found = []
    here = os.path.dirname(rel)
    with open(os.path.join(src, rel), encoding="utf-8", errors="replace") as f:
        for n, line in enumerate(f, 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            for cand in (os.path.join(here, m.group(1)), m.group(1)):
                cand = os.path.normpath(cand).replace(os.sep, "/")
                if not cand.startswith("../") and os.path.isfile(os.path.join(src, cand)):
                    found.append((n, cand))
                    break
    return found


def module(rel):
    """probe/smtp.c and probe/smtp.h -> probe/smtp."""
    return os.path.splitext(rel)[0]


def folder(rel):
    return rel.split("/")[0] if "/" in rel else ""


def module_graph(src):
    """{module: {included module: (file, line)}} over the modules that have a .c file: the
    first include that makes each edge; headers without a .c are followed through."""
    files = source_files(src)
    inc = {rel: includes(src, rel) for rel in files}
    units = {module(rel) for rel in files if rel.endswith(".c")}
    graph = {m: {} for m in units}
    for rel in files:
        here = module(rel)
        if here not in units:
            continue
        edges = graph[here]
        seen = set()
        todo = [(n, h, rel) for n, h in inc[rel]]
        while todo:
            n, h, via = todo.pop(0)
            if h in seen:
                continue
            seen.add(h)
            to = module(h)
            if to in units:
                if to != here:
                    edges.setdefault(to, (via, n))
                continue
            todo.extend((m, g, h) for m, g in inc.get(h, []))
    return graph


def file_graph(src):
    """{file: {included file: (file, line)}}: the plain include graph."""
    graph = {}
    for rel in source_files(src):
        edges = graph.setdefault(rel, {})
        for n, h in includes(src, rel):
            if h != rel:
                edges.setdefault(h, (rel, n))
                graph.setdefault(h, {})
    return graph


def circles(graph):
    """One circle per strongly connected component of more than one module, as the list of
    modules around it (first one repeated at the end). Tarjan's algorithm, iterative."""
    index, low, on, stack, comps = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    comps.append(sorted(comp))
    out = []
    for comp in comps:
        members = set(comp)
        # The shortest way back to the component's first module (breadth-first inside it).
        start = comp[0]
        prev = {start: None}
        queue = [start]
        end = None
        while queue and end is None:
            nxt = []
            for v in queue:
                for w in sorted(graph[v]):
                    if w not in members:
                        continue
                    if w == start:
                        end = v
                        break
                    if w not in prev:
                        prev[w] = v
                        nxt.append(w)
                if end is not None:
                    break
            queue = nxt
        path = []
        v = end
        while v is not None:
            path.append(v)
            v = prev[v]
        path.reverse()
        out.append(path + [start])
    return out


def circle_findings(src):
    found = []
    for what, graph in (("module", module_graph(src)), ("file", file_graph(src))):
        for c in circles(graph):
            steps = ["%s (%s:%d)" % (c[i + 1], *graph[c[i]][c[i + 1]]) for i in range(len(c) - 1)]
            found.append("include circle between %ss: %s -> %s" % (what, c[0], " -> ".join(steps)))
    return found


def order_findings(src):
    rank = {s: i for i, s in enumerate(STAGES)}
    found = []
    for rel in source_files(src):
        here = folder(rel)
        if here not in rank:
            found.append("src/%s: not in a stage folder (%s)" % (rel, ", ".join(STAGES)))
            continue
        for n, inc in includes(src, rel):
            there = folder(inc)
            if there not in rank or (there != "core" and rank[there] > rank[here]):
                found.append("src/%s:%d includes %s: %s comes after %s in the pipeline"
                             % (rel, n, inc, there or "src/", here))
    return found


def length_findings(src):
    found = []
    for rel in source_files(src):
        with open(os.path.join(src, rel), "rb") as f:
            n = sum(1 for _ in f)
        if n > MAX_LINES:
            found.append("src/%s: %d lines (at most %d)" % (rel, n, MAX_LINES))
    return found


def _check(findings):
    assert not findings, "%d finding(s):\n  %s" % (len(findings), "\n  ".join(findings))


def test_layout_no_include_circle(ctx):
    _check(circle_findings(_src(ctx)))


def test_layout_includes_follow_pipeline(ctx):
    _check(order_findings(_src(ctx)))


def test_layout_file_length(ctx):
    _check(length_findings(_src(ctx)))


def map_findings(src, doc):
    """Every .c file of src/ (and every header without one) is named in docs/architecture.md
    under the heading of its own folder (### `src/FOLDER/`): the map stays true."""
    sections, cur = {}, None
    for line in open(doc, encoding="utf-8"):
        m = re.match(r"### `src/([a-z_]+)/`", line)
        if m:
            cur = m.group(1)
        elif line.startswith("#"):
            cur = None
        elif cur:
            sections.setdefault(cur, set()).update(re.findall(r"`([A-Za-z0-9_]+\.[ch])`", line))
    found = []
    for rel in source_files(src):
        base, ext = os.path.splitext(rel)
        if ext == ".h" and os.path.exists(os.path.join(src, base + ".c")):
            continue
        d, name = folder(rel), os.path.basename(rel)
        if name not in sections.get(d, set()):
            found.append("%s: not named under ### `src/%s/` in docs/architecture.md" % (rel, d))
    return found


def test_layout_architecture_map(ctx):
    src = _src(ctx)
    _check(map_findings(src, os.path.join(os.path.dirname(src), "docs", "architecture.md")))


def _self_test():
    """The checks on a made-up tree: a circle, an upward include and a long file are found."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        def w(rel, text):
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
        w("probe/a.h", '#include "core/u.h"\n')
        w("probe/a.c", '#include "a.h"\n#include "b.h"\n')
        w("probe/b.h", "\n")
        w("probe/b.c", '#include "b.h"\n#include "a.h"\n')
        w("core/u.h", '#include "sched/s.h"\n#include <stdio.h>\n#include "missing.h"\n')
        w("sched/s.h", "x\n" * (MAX_LINES + 1))
        w("probe/x.h", '#include "y.h"\n')
        w("probe/y.h", '#include "x.h"\n')
        w("probe/p.c", '#include "p_int.h"\n')
        w("probe/p.h", "\n")
        w("probe/p_int.h", '#include "p.h"\n#include "a.h"\n')
        c = circle_findings(d)
        assert c == ["include circle between modules: probe/a -> probe/b (probe/a.c:2) -> probe/a (probe/b.c:2)",
                     "include circle between files: probe/x.h -> probe/y.h (probe/x.h:1) -> probe/x.h (probe/y.h:1)"], c
        assert module_graph(d)["probe/p"] == {"probe/a": ("probe/p_int.h", 2)}, module_graph(d)
        o = order_findings(d)
        assert o == ["src/core/u.h:1 includes sched/s.h: sched comes after core in the pipeline"], o
        n = length_findings(d)
        assert n == ["src/sched/s.h: %d lines (at most %d)" % (MAX_LINES + 1, MAX_LINES)], n


def test_layout_self_test(ctx):
    _self_test()


if __name__ == "__main__":
    _self_test()
    src = sys.argv[1] if len(sys.argv) > 1 else _src()
    all_found = circle_findings(src) + order_findings(src) + length_findings(src)
    for line in all_found:
        print(line)
    print("layout: %d finding(s)" % len(all_found))
    sys.exit(1 if all_found else 0)
