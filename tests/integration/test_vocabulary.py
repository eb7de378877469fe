"""One vocabulary: each enum's words are typed once, in its one table (its *_str() function or
its word array), and every other file takes them from there (docs/architecture.md,
"Vocabulary"). This test collects the words of each vocabulary from its table and fails when
one of them appears as a string literal anywhere else in src/ (comments do not count).

A word that is also something else (a JSON member name, a word of another vocabulary with its
own table, a CLI option) is allowed only where EXCEPTIONS says so, with the reason. No world is
needed; `python3 tests/integration/test_vocabulary.py` prints the findings on its own."""
import os
import re
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

# name -> (owner file, the function or array whose body is the table)
VOCABULARIES = {
    "pattern": ("src/classify/classify.c", "classify_pattern_words"),
    "wildcard class": ("src/classify/classify.c", "wildcard_class_str"),
    "tlsrpt type": ("src/classify/classify.c", "tlsrpt_types"),
    "match verdict": ("src/classify/match.c", "match_result_str"),
    "probe status": ("src/probe/result.c", "probe_status_str"),
    "resolve status": ("src/resolve/resolve_result.c", "resolve_status_str"),
    "input status": ("src/input/input.c", "input_status_str"),
    "diff kind": ("src/report/diff_out.c", "diff_kind_str"),
    "dns status": ("src/resolve/dns.c", "dns_status_str"),
    "summary outcome": ("src/report/summary.c", "summary_status_str"),
    "trust reason": ("src/classify/trust.c", "reason_words"),
    "scan mode": ("src/cmd/scan_args.c", "mode_words"),
    "record inference": ("src/report/record.c", "record_inference_str"),
    "dane verdict": ("src/classify/dane.c", "verdict_words"),
    "dane record status": ("src/classify/dane.c", "record_words"),
    "mta-sts mode": ("src/classify/mtasts.c", "modes"),
    "mta-sts txt error": ("src/classify/mtasts.c", "txt_errors"),
    "mta-sts policy error": ("src/classify/mtasts.c", "policy_errors"),
    "tlsrpt record error": ("src/classify/tlsrpt_record.c", "errors"),
    "https status": ("src/probe/https.c", "status_words"),
    "acceptance policy": ("src/classify/policy.c", "policy_words"),
    "mta-sts status": ("src/classify/sender_words.c", "sts_words"),
    "sender policy": ("src/classify/sender_words.c", "policy_words"),
    "sender host policy": ("src/classify/sender_words.c", "host_policy_words"),
    "mta-sts check": ("src/classify/sender_words.c", "check_words"),
    "tlsa state": ("src/classify/sender_words.c", "tlsa_words"),
    "tlsrpt status": ("src/classify/sender_words.c", "tlsrpt_words"),
    "dnssec state": ("src/resolve/resolve_result.c", "resolve_dnssec_str"),
}
# A word shared by two vocabularies (the probe status "blocked" and the pattern "blocked") is
# spelled by each of their tables: two words that look alike.

# Words that are also member names of the records and summary files, and column names of the
# CSVs (docs/schema.md: a contract, never renamed): as literals they are nearly always the
# member, so they are not looked for. The vocabulary tables still spell them once.
MEMBER_NAMES = {
    "domain": "pattern word; also the member `domain` of domains.jsonl, diff.json, providers",
    "provider": "pattern word; also the member `provider` of domains.jsonl and providers",
    "ptr": "pattern word; also the member `ptr` of hosts.jsonl and its CSV column",
    "wildcard": "match verdict; also the member `wildcard` of hosts.jsonl and match's output",
    "mx": "diff kind; also the member `mx` of domains.jsonl (and `truncated.mx`)",
    "pattern": "diff kind; also the member `pattern` of domains.jsonl",
    "trust_valid": "diff kind; also the column `trust_valid` of hosts.csv",
    "cert_sha256": "diff kind; also the column `cert_sha256` of hosts.csv",
    "cert": "scan mode; also the member `cert` of hosts.jsonl (and the CSV columns cert_*)",
    "strict": "policy word; also the member `shares.strict` of summary.json and diff.json, trend.csv's column",
    "rfc9525": "policy word; also the member `shares.rfc9525` of summary.json and diff.json, trend.csv's column",
    "policy": "diff kind; also the member `policy` of domains.jsonl, run.json and summary.json `enforcement`",
    "records": "tlsa state; also the member `dane.tlsa.records` of hosts.jsonl",
    "dane": "sender host policy word; also the member `dane` of hosts.jsonl and summary.json `enforcement`",
    "usable": "dane record status; also the member `dane.tlsa.records[].usable` of hosts.jsonl",
}

# (file, word) -> why the literal there is not the vocabulary's word typed again. Each must
# still match (test_vocabulary_exceptions_are_used).
EXCEPTIONS = {
    ("src/cmd/scan_args.c", "timeout"): "the option name --timeout",
    ("src/cmd/scan.c", "invalid"): "the member `counts.invalid` of run.json",
    ("src/cmd/scan.c", "blocked"): "the member `counts.blocked` of run.json",
    ("src/report/summary.c", "invalid"): "the key `invalid` of by_trust (trust.valid false)",
    ("src/report/html.c", "invalid"): "the key `invalid` of by_trust (trust.valid false)",
    ("src/report/html.c", "other"): "a chart's category for the values it does not draw one by one",
    ("src/sched/sched.c", "blocked"): "ptr_status of a blocked address (no PTR lookup made)",
    ("src/probe/smtp.c", "timeout"): "a dialogue note of check, not the probe status",
}


def literals(text):
    """(line, string) of every double-quoted C string literal outside comments and char
    literals (adjacent literals are not joined: a vocabulary word is one literal)."""
    out, i, n, line = [], 0, len(text), 1
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            i = j
        elif c in "\"'":
            j, buf = i + 1, []
            while j < n and text[j] != c:
                if text[j] == "\\":
                    buf.append(text[j:j + 2])
                    j += 2
                else:
                    buf.append(text[j])
                    j += 1
            if c == '"':
                out.append((line, "".join(buf)))
            line += text.count("\n", i, j)
            i = j + 1
        else:
            i += 1
    return out


def table_span(text, name):
    """The [start, end) offsets of the body of the function or array `name` in text."""
    m = re.search(r"^[^\n;]*\b%s\b[^\n;]*(\(|\[)[^;{]*(=\s*)?\{" % re.escape(name), text, re.M)
    assert m, "the table %s is not where the test looks for it" % name
    end = text.find("\n}", m.end())
    return m.start(), end


def collect():
    """vocabulary -> set of words; and owner spans file -> [(start, end)]."""
    words, spans = {}, {}
    for vocab, (path, name) in VOCABULARIES.items():
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = f.read()
        a, b = table_span(text, name)
        spans.setdefault(path, []).append((a, b))
        body = text[a:b]
        if "switch" in body:  # a *_str(): the words of its cases, not the fallback after it
            body = body[:body.rfind("\n    }\n")]
        ws = {s for _, s in literals(body) if s}
        assert ws, "no words found in %s (%s)" % (name, path)
        words[vocab] = ws
    return words, spans


def findings():
    words, spans = collect()
    by_word = {}
    for vocab, ws in words.items():
        for w in ws:
            by_word.setdefault(w, set()).add(vocab)
    bad = []
    for dirpath, _, files in os.walk(os.path.join(ROOT, "src")):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h")):
                continue
            path = os.path.relpath(os.path.join(dirpath, fn), ROOT)
            with open(os.path.join(ROOT, path), encoding="utf-8") as f:
                text = f.read()
            # Blank out the owner tables of this file: their words are the one typing.
            for a, b in spans.get(path, []):
                text = text[:a] + re.sub(r"[^\n]", " ", text[a:b]) + text[b:]
            for line, s in literals(text):
                if s not in by_word or s in MEMBER_NAMES or (path, s) in EXCEPTIONS:
                    continue
                bad.append("%s:%d: \"%s\" (%s) typed again" % (path, line, s,
                                                                 ", ".join(sorted(by_word[s]))))
    return bad


def test_vocabulary_typed_once(ctx=None):
    bad = findings()
    assert not bad, "%d vocabulary words typed outside their table:\n  %s" % (
        len(bad), "\n  ".join(bad))


def test_vocabulary_exceptions_are_used(ctx=None):
    """An exception that no longer matches anything is stale: drop it."""
    words, _ = collect()
    every = set().union(*words.values())
    stale = []
    for (path, w), why in EXCEPTIONS.items():
        full = os.path.join(ROOT, path)
        assert why, (path, w)
        if w not in every or w in MEMBER_NAMES:
            stale.append("%s: \"%s\" is no vocabulary word" % (path, w))
            continue
        if not os.path.exists(full):
            stale.append("%s: no such file" % path)
            continue
        with open(full, encoding="utf-8") as f:
            if w not in {s for _, s in literals(f.read())}:
                stale.append("%s: \"%s\" no longer typed there" % (path, w))
    assert not stale, "stale exceptions:\n  " + "\n  ".join(stale)


if __name__ == "__main__":
    bad = findings()
    print("\n".join(bad) if bad else "no vocabulary word typed twice")
    sys.exit(1 if bad else 0)
