"""docs/schema.md documents every field the scan writes (and the bundled world exercises every
documented field), so the documentation cannot drift from the program."""
import json
import os
import re

from test_scan import world_scan


def documented(ctx):
    """{section: set of field paths} from the first column of docs/schema.md's tables."""
    out, section = {}, None
    with open(os.path.join(ctx.root, "docs/schema.md")) as f:
        for line in f:
            m = re.match(r"^## (\S+)", line)
            if m:
                section = m.group(1)
                out[section] = set()
                continue
            if section and line.startswith("| `"):
                first = line.split("|")[1]
                out[section].update(re.findall(r"`([^`]+)`", first))
    return out


def paths(value, prefix=""):
    """Field paths of a JSON value: objects give a.b, arrays of objects give a[].b."""
    out = set()
    if isinstance(value, dict):
        for k, v in value.items():
            p = prefix + "." + k if prefix else k
            out.add(p)
            out |= paths(v, p)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict):
                out |= paths(v, prefix + "[]")
    return out


def test_every_field_documented(ctx):
    s = world_scan(ctx)
    doc = documented(ctx)
    with open(os.path.join(s["out"], "run.json")) as f:
        run = json.load(f)
    emitted = {
        "hosts.jsonl": set().union(*(paths(h) for h in s["hosts"])),
        "domains.jsonl": set().union(*(paths(d) for d in s["domains"])),
        "run.json": {p for p in paths(run) if not p.startswith("options.")},
    }
    errors = []
    for section, fields in emitted.items():
        missing = fields - doc.get(section, set())
        if missing:
            errors.append("%s: not documented in docs/schema.md: %s" % (section, sorted(missing)))
        if section != "run.json":
            unused = doc.get(section, set()) - fields
            if unused:
                errors.append("%s: documented but never written by the world scan: %s" % (section, sorted(unused)))
    assert not errors, "\n".join(errors)
