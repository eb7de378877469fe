#!/usr/bin/env python3
"""A short terminal summary of a scan folder (used by the demo), from its summary.json: the
headline shares, then domains by pattern and endpoints by status."""
import json
import os
import sys


def pct(share):
    s = share.get("share")
    return "   n/a" if s is None else "%5.1f%%" % (100 * s)


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "summary.json")) as f:
        s = json.load(f)
    d, e = s["domains"], s["endpoints"]
    print("%d domains, %d endpoints" % (d["total"], e["total"]))
    print()
    labels = [("starttls", "offer STARTTLS (of domains that accept mail)"),
              ("strict", "primary MX cert passes strict name checking"),
              ("multilabel_accepted", "... would pass with multi-label wildcards"),
              ("rfc9525", "... passes without the CN fallback (RFC 9525)"),
              ("valid_chain", "primary MX chain is valid")]
    for key, label in labels:
        sh = s["shares"][key]
        print("  %s  %3d/%-3d  %s" % (pct(sh), sh["numerator"], sh["denominator"], label))
    for title, counts in (("domains by naming pattern", d["by_pattern"]),
                          ("endpoints by status", e["by_status"])):
        print("\n%s" % title)
        for k, v in sorted(counts.items(), key=lambda kv: -kv[1]):
            print("  %-16s %5d" % (k, v))


if __name__ == "__main__":
    main()
