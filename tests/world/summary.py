#!/usr/bin/env python3
"""A short terminal summary of a scan folder (used by the demo): domains by status, endpoints
by status, TLS versions and key types."""
import collections
import json
import os
import sys


def main():
    out = sys.argv[1]
    with open(os.path.join(out, "domains.jsonl")) as f:
        domains = [json.loads(l) for l in f]
    with open(os.path.join(out, "hosts.jsonl")) as f:
        hosts = [json.loads(l) for l in f]
    tables = [
        ("domains by status", collections.Counter(d["status"] for d in domains)),
        ("endpoints by status", collections.Counter(h["status"] for h in hosts)),
        ("TLS versions", collections.Counter(h["tls"]["version"] for h in hosts if h["tls"])),
        ("leaf key types", collections.Counter("%s %d" % (h["cert"]["key_type"], h["cert"]["key_bits"])
                                               for h in hosts if h["cert"])),
    ]
    print("%d domains, %d endpoints" % (len(domains), len(hosts)))
    for title, counts in tables:
        print("\n%s" % title)
        for k, v in counts.most_common():
            print("  %-20s %5d" % (k, v))


if __name__ == "__main__":
    main()
