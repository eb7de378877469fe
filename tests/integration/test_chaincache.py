"""Each distinct chain verified once (src/classify/chaincache.h): a world scan verifies as many
chains as it saw distinct ones, answers the rest from the cache, and every record of one chain
carries the same verdict (test_scan.check_cert compares each record's trust with what the world
says, and test_world with openssl verify). run.json counts the work: counts.chain_verifications
and counts.chain_cache_hits (docs/schema.md)."""
import json
import os

from test_scan import world_scan


def test_each_distinct_chain_verified_once(ctx):
    s = world_scan(ctx)
    with open(os.path.join(s["out"], "run.json")) as f:
        counts = json.load(f)["counts"]
    with_chain = [h for h in s["hosts"] if h["chain_sha256"]]
    chains = {}
    for h in with_chain:
        chains.setdefault(tuple(h["chain_sha256"]), set()).add(json.dumps(h["trust"], sort_keys=True))
    # the world's certificates start and end their validity on other days than today, so
    # every chain's verdict is kept: one verification per distinct chain, the rest hits
    assert counts["chain_verifications"] == len(chains), (counts, len(chains))
    assert counts["chain_verifications"] + counts["chain_cache_hits"] == len(with_chain), counts
    assert counts["chain_cache_hits"] > 0 and counts["chain_verifications"] < len(with_chain), counts
    assert counts["chain_verifications"] < counts["endpoints"], counts
    same = [c for c, verdicts in chains.items() if len(verdicts) != 1]
    assert not same, "one chain, several verdicts: %s" % same
    with open(os.path.join(s["out"], "summary.json")) as f:
        meta = json.load(f)["meta"]["counts"]
    assert meta["chain_verifications"] == counts["chain_verifications"], meta
