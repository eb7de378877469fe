"""One handshake per server, and dead addresses skipped (docs/architecture.md, "How endpoints
are inferred"; src/sched/infer.c).

- A world scan with inference gives every endpoint the record `--no-infer` gives it (the
  inference fields, `attempts` and the timing field `tls_max_from` aside), and some records are
  inferred: the provider address with eight customer names (sni-insensitive), the silent and
  the refusing addresses with six names each (address-down).
- The SNI-switching address (the fixture's sni=: a default certificate, and two names with
  their own) comes out name by name exactly right at the default --infer-check: its first two
  names get the default certificate, the first spot check (always made) gets another one.
- The address whose one name with its own certificate comes last: --infer-check 100 finds it;
  --infer-check 0 shows the documented risk (that name takes the default certificate's record).
- A switch found after names were inferred: sixty names with their own certificate, one
  domain at a time after the first spot check, at --infer-check 20: the names not checked wait
  for the end of the input, so the check that finds the switch turns them into probes, and
  every record is the name's own (before, those written before the switch kept the default
  certificate's record).
- A dead address is contacted at most twice (the fixture's connection log; attempts).
- run.json's counts add up."""
import json
import os
import tempfile

from helpers import cert_names, pem_blocks, s_client, sh
from test_scan import read_jsonl, scan_args

# Fields an inferred record has of its own, and which endpoint of an address finished first
# (it names the version probe's SNI: a matter of timing in any run).
INFER_FIELDS = ("inferred_from", "inference", "attempts")
TIMING_HOST_FIELDS = ("tls_max_from",)

SNISWITCH = "127.10.0.40"
SNILATE = "127.10.0.41"
SILENT = "127.10.0.42"
REFUSED = "127.10.0.43"
BIGPROV = "127.10.0.44"
SNIMANY = "127.10.0.46"
SNIMANY_NAMES = ["mx%d.snimany.example" % i for i in (1, 2, 3)] + [
    "own%d.snimany.example" % i for i in range(1, 61)]
EXTRA = (["sniswitch.example", "silentmany.example", "refusedmany.example"] +
         ["cust%d.example" % i for i in range(1, 9)])
# The world's domains of these shapes: not in data/world/domains.txt (each scan of that list
# would wait out the silent address, and spot checks are random), scanned here only.
WORLD_INFER_DOMAINS = EXTRA + ["snilate.example"] + [
    "snimany%d.example" % i for i in range(1, 64)]


def _scan(ctx, domains, *extra):
    """Scans the domains (a list) with the world's options; returns (hosts by (mx_host, ip),
    domains by line, run.json)."""
    out = tempfile.mkdtemp(prefix="mxs-infer-")
    lst = os.path.join(out, "list.txt")
    with open(lst, "w") as f:
        f.write("".join(d + "\n" for d in domains))
    r = sh(scan_args(ctx, "--out", os.path.join(out, "scan"), *extra, lst), timeout=180)
    assert r.returncode == 0, "scan %s exit %d: %s" % (" ".join(extra), r.returncode, r.stderr)
    d = _scan.last = os.path.join(out, "scan")
    hosts = {(h["mx_host"], h["ip"]): h for h in read_jsonl(os.path.join(d, "hosts.jsonl"))}
    doms = {x["line"]: x for x in read_jsonl(os.path.join(d, "domains.jsonl"))}
    with open(os.path.join(d, "run.json")) as f:
        run = json.load(f)
    return hosts, doms, run


def _world_domains(ctx):
    with open(os.path.join(ctx.root, "data/world/domains.txt")) as f:
        base = [l.strip() for l in f if l.strip() and not l.startswith("#")]
    return base + EXTRA


_cache = {}


def _pair(ctx):
    """The world (bundled list and the shapes above) scanned with inference and without."""
    if "infer" not in _cache:
        _cache["infer"] = _scan(ctx, _world_domains(ctx))
        _cache["all"] = _scan(ctx, _world_domains(ctx), "--no-infer")
    return _cache["infer"], _cache["all"]


def _strip(rec):
    return {k: v for k, v in rec.items() if k not in INFER_FIELDS + TIMING_HOST_FIELDS}


def _cn(rec):
    return rec["cert"]["subject_cn"] if rec.get("cert") else None


def test_inferred_records_equal_probed_ones(ctx):
    (hosts, doms, _), (ref, ref_doms, _) = _pair(ctx)
    assert set(hosts) == set(ref), "endpoints differ: %s" % sorted(set(hosts) ^ set(ref))
    bad = [k for k in ref if _strip(hosts[k]) != _strip(ref[k])]
    assert not bad, "records differ from --no-infer's: %s\n%s\n%s" % (
        bad[:3], json.dumps(_strip(hosts[bad[0]]), sort_keys=True),
        json.dumps(_strip(ref[bad[0]]), sort_keys=True))
    assert doms == ref_doms, "domain records differ"
    kinds = {}
    for (host, ip), h in hosts.items():
        kinds.setdefault(h["inference"], []).append((host, ip))
        if h["inference"] is None:
            assert h["inferred_from"] is None and h["attempts"] >= 1, h
            continue
        assert h["attempts"] == 0, h
        src = hosts.get((h["inferred_from"], ip))
        assert src and src["inference"] is None and src["mx_host"] != host, (h, src)
    assert all(h["inference"] is None and h["inferred_from"] is None for h in ref.values())
    insensitive = [k for k in kinds.get("sni-insensitive", []) if k[1] == BIGPROV]
    assert len(insensitive) >= 1 and len(kinds.get("sni-insensitive", [])) == len(insensitive), kinds
    down = kinds.get("address-down", [])
    assert sorted(ip for _, ip in down) == sorted([REFUSED] * 4 + [SILENT] * 4), down
    assert set(kinds) <= {None, "sni-insensitive", "address-down"}, kinds.keys()


def test_sni_switching_address_name_by_name(ctx):
    (hosts, _, run), _ = _pair(ctx)
    own = {"mx-a.sniswitch.example": "mx-a.sniswitch.example",
           "mx-b.sniswitch.example": "mx-b.sniswitch.example"}
    names = ["mx1.sniswitch.example", "mx2.sniswitch.example", "mx-a.sniswitch.example",
             "mx3.sniswitch.example", "mx-b.sniswitch.example"]
    for name in names:
        want = own.get(name, "default.sniswitch.example")
        # the world itself: the fixture serves that certificate to that name
        rc, out, err = s_client(ctx, SNISWITCH, name)
        pems = pem_blocks(out)
        assert rc == 0 and pems and cert_names(pems[0])[0] == want, (name, rc, err[-200:])
        h = hosts[(name, SNISWITCH)]
        assert h["status"] == "ok" and _cn(h) == want, (name, _cn(h))
        assert h["inference"] is None and h["attempts"] == 1, h  # each probed: the check differed
        assert h["match"]["mx_host"] == ("exact" if name in own else "none"), h["match"]
    assert run["counts"]["infer_switched"] >= 1, run["counts"]


def test_spot_checks_find_a_late_name(ctx):
    names = ["mx%d.snilate.example" % i for i in range(1, 5)] + ["mx-own.snilate.example"]
    hosts, _, run = _scan(ctx, ["snilate.example"], "--infer-check", "100")
    for name in names:
        h = hosts[(name, SNILATE)]
        want = "mx-own.snilate.example" if name.startswith("mx-own") else "default.sniswitch.example"
        assert _cn(h) == want and h["inference"] is None, (name, _cn(h), h["inference"])
    c = run["counts"]
    assert (c["probed"], c["inferred"], c["spot_checked"], c["infer_switched"]) == (5, 0, 3, 1), c
    # --infer-check 0: only the first name after the pair is checked; the late name's record is
    # the default certificate's, marked as inferred: the risk docs/architecture.md states.
    hosts, _, run = _scan(ctx, ["snilate.example"], "--infer-check", "0")
    late = hosts[("mx-own.snilate.example", SNILATE)]
    assert late["inference"] == "sni-insensitive" and _cn(late) == "default.sniswitch.example", late
    # the pair member that finished first supplied it
    assert late["inferred_from"] in ("mx1.snilate.example", "mx2.snilate.example"), late
    assert late["match"]["mx_host"] == "none", late["match"]
    c = run["counts"]
    assert (c["probed"], c["inferred"], c["spot_checked"]) == (3, 2, 1), c


def test_switch_after_inferred_names_probes_them(ctx):
    # snimanyN.example's one MX is SNIMANY_NAMES[N-1]; one domain at a time, so each name
    # comes after the checks before it have answered (the pair, then mx3: always checked and
    # the same). own1 is checked with chance 0.2: with 0.8 it and maybe more are inferred
    # first; that no own name at all is checked has chance 0.8^60 (2e-6).
    doms = ["snimany%d.example" % i for i in range(1, len(SNIMANY_NAMES) + 1)]
    hosts, domains, run = _scan(ctx, doms, "--max-domains", "1", "--infer-check", "20")
    rc, out, err = s_client(ctx, SNIMANY, "own7.snimany.example")  # the world serves it
    assert rc == 0 and cert_names(pem_blocks(out)[0])[0] == "own.snimany.example", err[-200:]
    wrong = []
    for line, name in enumerate(SNIMANY_NAMES, 1):
        h = hosts[(name, SNIMANY)]
        own = name.startswith("own")
        want = "own.snimany.example" if own else "default.sniswitch.example"
        if _cn(h) != want or (own and (h["inference"] is not None or h["attempts"] != 1)):
            wrong.append((name, _cn(h), h["inference"]))
        pattern = domains[line]["pattern"]
        if own and pattern != "mx-wildcard":
            wrong.append((doms[line - 1], pattern))
    assert not wrong, wrong
    c = run["counts"]
    assert c["infer_switched"] == 1 and c["inferred"] == 0, c
    assert c["probed"] == len(SNIMANY_NAMES), c
    # the domains set aside meanwhile were in a temporary file of the folder: gone
    assert not [f for f in os.listdir(_scan.last) if f.startswith(".")], os.listdir(_scan.last)


def _accepts(ctx, ip):
    with open(os.path.join(ctx.world_dir, "fixture-conn.log"), errors="replace") as f:
        return sum(1 for l in f if l.startswith("%s:%d " % (ip, ctx.world.smtp_port)) and " accept from " in l)


def test_dead_address_contacted_at_most_twice(ctx):
    before = _accepts(ctx, SILENT)
    hosts, _, run = _scan(ctx, ["silentmany.example", "refusedmany.example"])
    assert _accepts(ctx, SILENT) - before == 2, "silent address accepted %d connections" % (
        _accepts(ctx, SILENT) - before)
    for ip, status in ((SILENT, "timeout"), (REFUSED, "connect-failed")):
        recs = [h for h in hosts.values() if h["ip"] == ip]
        assert len(recs) == 6 and {h["status"] for h in recs} == {status}, recs
        assert sum(h["attempts"] for h in recs) == 2, [h["attempts"] for h in recs]
        assert sorted(str(h["inference"]) for h in recs) == ["None"] * 2 + ["address-down"] * 4
        probed = {h["mx_host"] for h in recs if h["inference"] is None}
        assert all(h["inferred_from"] in probed for h in recs if h["inference"]), recs
        assert len({h["error"] for h in recs}) == 1, {h["error"] for h in recs}
    assert run["counts"]["connections"] == 4, run["counts"]


def test_run_json_counts_add_up(ctx):
    (hosts, _, run), (ref, _, ref_run) = _pair(ctx)
    for hs, rj in ((hosts, run), (ref, ref_run)):
        c = rj["counts"]
        assert c["endpoints"] == len(hs), c
        assert c["probed"] + c["inferred"] + c["inferred_down"] + c["blocked"] == c["endpoints"], c
        assert c["probed"] == sum(1 for h in hs.values() if h["inference"] is None and h["status"] != "blocked")
        assert c["inferred"] == sum(1 for h in hs.values() if h["inference"] == "sni-insensitive")
        assert c["inferred_down"] == sum(1 for h in hs.values() if h["inference"] == "address-down")
        assert c["connections"] == sum(h["attempts"] for h in hs.values()) + c["version_probes"], c
    assert ref_run["counts"]["inferred"] == ref_run["counts"]["inferred_down"] == 0
    assert ref_run["counts"]["spot_checked"] == 0
    assert run["counts"]["spot_checked"] >= 2, run["counts"]  # bigprov's and sniswitch's first
