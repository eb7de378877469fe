/* html: see html.h. The page is written top to bottom: run metadata, headline figures, one
 * section per chart, the providers, a footer. Figures are read from summary.json as
 * docs/schema.md ("summary.json") defines them; nothing is recomputed from the records. */
#include "html.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/classify.h"
#include "classify/trust.h"
#include "core/jsonl.h"
#include "core/outfile.h"
#include "html_enforce.h"
#include "html_lines.h"
#include "html_policy.h"
#include "summary.h"
#include "svg.h"
#include "core/util.h"
#include "core/version.h"
#include "probe/probe.h"

#define TOP_PROVIDERS_CHART 20 /* providers drawn as stacked bars; the table lists all */

/* ------------------------------------------------------------------ reading summary.json */

/* The member at a dotted path ("domains.by_pattern"), NULL when absent. */
static const json_t *at(const json_t *root, const char *path)
{
    char key[128];
    const json_t *v = root;
    while (v && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(key))
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return v;
}

static const char *str_at(const json_t *root, const char *path)
{
    return json_string_value(at(root, path));
}

/* An integer member, 0 when absent or not an integer. */
/* ------------------------------------------------------------------ small writers */

static void esc(FILE *f, const char *s)
{
    svg_escape(f, s);
}

/* s escaped, or "n/a" when NULL. */
static void esc_or_na(FILE *f, const char *s)
{
    if (s)
        esc(f, s);
    else
        fputs("<span class=\"na\">n/a</span>", f);
}

/* ------------------------------------------------------------------ value definitions */

/* A known value of a field: its colour, and what it means in one line. */
struct value_def {
    const char *key;              /* the value, when it is no vocabulary word ("null", ...) */
    const char *(*word)(int id);  /* else its vocabulary's one spelling, of id */
    int id;
    int color;
    const char *meaning;
    const char *label; /* shown in charts instead of the key (for "null"); NULL: the key */
};

static const char *pattern_word(int id) { return classify_pattern_str((enum classify_pattern)id); }
static const char *wildcard_word(int id) { return wildcard_class_str((enum wildcard_class)id); }
static const char *reason_word(int id) { return trust_reason_str((enum trust_reason)id); }

/* The value a definition stands for. */
static const char *vd_key(const struct value_def *d)
{
    return d->word ? d->word(d->id) : d->key;
}

/* domains.jsonl `pattern`, in the order of docs/schema.md. */
static const struct value_def patterns[] = {
    {.word = pattern_word, .id = PATTERN_MX_EXACT, .color = 0, .meaning = "the primary MX certificate names the MX host exactly"},
    {.word = pattern_word, .id = PATTERN_MX_WILDCARD, .color = 1, .meaning = "a wildcard standing for one label (*.example.net) covers the MX host"},
    {.word = pattern_word, .id = PATTERN_MX_MULTILABEL, .color = 2, .meaning = "only a wildcard standing for several labels would cover the MX host: fails strict checking"},
    {.word = pattern_word, .id = PATTERN_DOMAIN, .color = 3, .meaning = "the certificate names the email domain (exactly or by wildcard), not the MX host"},
    {.word = pattern_word, .id = PATTERN_PROVIDER, .color = 4, .meaning = "no match, but a certificate name lies in the MX host's registrable domain (the provider's)"},
    {.word = pattern_word, .id = PATTERN_PTR, .color = 5, .meaning = "the certificate matches only the address's reverse-DNS (PTR) name"},
    {.word = pattern_word, .id = PATTERN_UNRELATED, .color = 6, .meaning = "the certificate matches none of the domain, MX host, PTR or provider names"},
    {.word = pattern_word, .id = PATTERN_NO_TLS, .color = 7, .meaning = "a server answered SMTP but no TLS session was made (no STARTTLS, refused, or the handshake failed)"},
    {.word = pattern_word, .id = PATTERN_UNREACHABLE, .color = 8, .meaning = "no MX server could be reached (DNS error, no address, connection failed or timed out)"},
    {.word = pattern_word, .id = PATTERN_NO_MAIL, .color = 9, .meaning = "the domain accepts no mail (null MX, NXDOMAIN, or not a valid name): in no share"},
    {.word = pattern_word, .id = PATTERN_BLOCKED, .color = 11, .meaning = "every MX address is special-purpose (loopback, private, link-local, ...) or on the operator's blocklist, so nothing was probed: in no share"},
};

/* hosts.jsonl `wildcard`, most severe first. */
static const struct value_def wildcards[] = {
    {.word = wildcard_word, .id = WILDCARD_BARE, .color = 11, .meaning = "the name is a lone *"},
    {.word = wildcard_word, .id = WILDCARD_PUBLIC_SUFFIX, .color = 6, .meaning = "*. directly over a public suffix (*.com, *.co.uk)"},
    {.word = wildcard_word, .id = WILDCARD_MULTIPLE, .color = 5, .meaning = "more than one * in a name"},
    {.word = wildcard_word, .id = WILDCARD_NON_LEFTMOST, .color = 3, .meaning = "a * label that is not the leftmost (mx.*.example.net)"},
    {.word = wildcard_word, .id = WILDCARD_PARTIAL_LABEL, .color = 4, .meaning = "a * inside a label (f*.example.net)"},
    {.word = wildcard_word, .id = WILDCARD_LEFTMOST, .color = 1, .meaning = "a proper wildcard: the whole leftmost label is * (*.example.net)"},
    {.word = wildcard_word, .id = WILDCARD_NONE, .color = 0, .meaning = "no wildcard name"},
    {.key = "null", .color = 9, .meaning = "no certificate was received", .label = "(no certificate)"},
};

/* hosts.jsonl `trust.reasons`. */
static const struct value_def reasons[] = {
    {.word = reason_word, .id = TRUST_REASON_EXPIRED, .color = 6, .meaning = "a certificate of the chain has expired"},
    {.word = reason_word, .id = TRUST_REASON_NOT_YET_VALID, .color = 6, .meaning = "a certificate of the chain is not valid yet"},
    {.word = reason_word, .id = TRUST_REASON_SELF_SIGNED, .color = 6, .meaning = "the leaf signs itself and is no trust anchor"},
    {.word = reason_word, .id = TRUST_REASON_UNKNOWN_CA, .color = 6, .meaning = "no path to a trust anchor"},
    {.word = reason_word, .id = TRUST_REASON_BAD_SIGNATURE, .color = 6, .meaning = "a signature of the chain does not verify"},
    {.word = reason_word, .id = TRUST_REASON_BAD_KEY_USAGE, .color = 6, .meaning = "a key is used outside its key usage"},
    {.word = reason_word, .id = TRUST_REASON_WEAK_KEY, .color = 6, .meaning = "a key below the profile (RSA under 2048 bits)"},
    {.word = reason_word, .id = TRUST_REASON_OTHER, .color = 6, .meaning = "weak signature hash, unparsable chain, ..."},
};

/* hosts.jsonl `tls.version`. */
static const struct value_def versions[] = {
    {.key = "TLSv1.2", .color = 0},
    {.key = "TLSv1.1", .color = 3},
    {.key = "TLSv1.0", .color = 6},
    {.key = "null", .color = 9, .label = "(no TLS session)"},
};

static const struct value_def max_versions[] = {
    {.key = "TLSv1.3", .color = 1},
    {.key = "TLSv1.2", .color = 0},
    {.key = "TLSv1.1", .color = 3},
    {.key = "TLSv1.0", .color = 6},
    {.key = "null", .color = 9, .label = "(not learnt)"},
};

/* The bars of a map (value -> count): the known values in their order (also at 0 when
 * with_zero), then any other key of the map in byte order, in grey. Returns how many bars
 * were filled into bars (room for ndefs + the map's size). */
static size_t map_bars(const json_t *map, const struct value_def *defs, size_t ndefs,
                       int with_zero, struct svg_bar *bars)
{
    size_t n = 0;
    for (size_t i = 0; i < ndefs; i++) {
        long long v = jsonl_int(map, vd_key(&defs[i]));
        if (!v && !with_zero)
            continue;
        bars[n++] = (struct svg_bar){.label = defs[i].label ? defs[i].label : vd_key(&defs[i]),
                                     .value = v, .color = defs[i].color};
    }
    size_t first_other = n;
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        int known = 0;
        for (size_t i = 0; i < ndefs && !known; i++)
            known = strcmp(vd_key(&defs[i]), k) == 0;
        if (known)
            continue;
        struct svg_bar b = {.label = k, .value = json_is_integer(v) ? json_integer_value(v) : 0,
                            .color = 8};
        size_t j = n++;
        for (; j > first_other && strcmp(bars[j - 1].label, k) > 0; j--)
            bars[j] = bars[j - 1];
        bars[j] = b;
    }
    return n;
}

/* A bar chart of map after its title, the definitions of the known values below. */
static void map_chart(FILE *f, const char *title, const json_t *map, const struct value_def *defs,
                      size_t ndefs, int with_zero, long long total)
{
    struct svg_bar *bars = xcalloc(ndefs + json_object_size(map) + 1, sizeof(*bars));
    size_t n = map_bars(map, defs, ndefs, with_zero, bars);
    if (n)
        svg_bar_chart(f, title, bars, n, total, 0);
    else
        fputs("<p class=\"na\">No data.</p>\n", f);
    free(bars);
}

/* A table of the known values: swatch, value, count, share of total, meaning. */
static void defs_table(FILE *f, const char *what, const json_t *map, const struct value_def *defs,
                       size_t ndefs, long long total)
{
    char p[16];
    fprintf(f, "<table class=\"defs\"><thead><tr><th>%s</th><th class=\"num\">count</th>"
               "<th class=\"num\">share</th><th>meaning</th></tr></thead><tbody>\n",
            what);
    for (size_t i = 0; i < ndefs; i++) {
        if (!defs[i].meaning)
            continue;
        long long v = jsonl_int(map, vd_key(&defs[i]));
        fprintf(f, "<tr><td><span class=\"sw\" style=\"background:%s\"></span><code>%s</code></td>"
                   "<td class=\"num\">",
                svg_color(defs[i].color), vd_key(&defs[i]));
        svg_put_count(f, v);
        fputs("</td><td class=\"num\">", f);
        esc(f, svg_format_percent(p, sizeof(p), total > 0 ? (double)v / (double)total : NAN));
        fprintf(f, "</td><td>%s</td></tr>\n", defs[i].meaning);
    }
    fputs("</tbody></table>\n", f);
}

/* ------------------------------------------------------------------ page parts */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{font-family:\"DejaVu Sans\",Verdana,Arial,sans-serif;font-size:15px;line-height:1.45;"
    "color:#1d1d1d;background:#fff;margin:0}"
    "main{max-width:1000px;margin:0 auto;padding:24px 28px 40px}"
    "h1{font-size:26px;margin:0 0 4px}"
    "h2{font-size:19px;margin:36px 0 8px;padding-bottom:4px;border-bottom:2px solid #e3e3e3}"
    "p{margin:6px 0 10px}"
    ".sub{color:#555;margin:0 0 18px}"
    ".na{color:#777}"
    "code{font-family:\"DejaVu Sans Mono\",monospace;font-size:13px}"
    ".hash{word-break:break-all}"
    ".opts code{white-space:nowrap;margin-right:6px}"
    ".warn{background:#fff4d6;border:1px solid #e6b800;padding:8px 12px;margin:12px 0}"
    "table{border-collapse:collapse;margin:8px 0 12px;width:100%}"
    "th,td{text-align:left;padding:4px 10px 4px 0;border-bottom:1px solid #ececec;"
    "vertical-align:top}"
    "th{font-size:13px;color:#555;font-weight:normal}"
    ".meta th{width:170px}"
    ".num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}"
    ".defs td:first-child{white-space:nowrap}"
    ".sw{display:inline-block;width:12px;height:12px;margin-right:7px;vertical-align:-1px;"
    "border:1px solid rgba(0,0,0,.3)}"
    ".cards{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}"
    ".card{border:1px solid #d9d9d9;border-radius:6px;padding:12px 14px}"
    ".card .big{font-size:30px;font-weight:bold;line-height:1.2}"
    ".card .what{font-weight:bold}"
    ".card .frac{color:#444;font-size:14px}"
    ".card .expl{color:#555;font-size:13px;margin:6px 0 0}"
    ".meter{height:8px;background:#e9e9e9;margin:6px 0 2px}"
    ".meter span{display:block;height:8px;background:#0072b2}"
    "svg.chart{display:block;max-width:100%;height:auto;margin:8px 0}"
    "footer{margin-top:40px;color:#666;font-size:13px}"
    "@media (max-width:760px){.cards{grid-template-columns:1fr 1fr}}"
    "@media print{h2{break-after:avoid}svg.chart,.card{break-inside:avoid}}";

/* "2026-11-29T12:52:45Z" -> seconds since the epoch; -1 when not in that form. */
static long long iso_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    char z = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 || z != 'Z')
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

/* An option as given on the command line: "--port 2525", "--ipv6", a list repeated. */
static void option(FILE *f, const char *key, const json_t *v)
{
    if (json_is_array(v)) {
        size_t i;
        const json_t *e;
        json_array_foreach(v, i, e) option(f, key, e);
        return;
    }
    if (json_is_false(v) || json_is_null(v))
        return;
    fputs("<code>--", f);
    esc(f, key);
    if (json_is_string(v)) {
        fputc(' ', f);
        esc(f, json_string_value(v));
    } else if (json_is_integer(v)) {
        fprintf(f, " %lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        fprintf(f, " %g", json_real_value(v));
    } else if (!json_is_true(v)) {
        fputs(" ?", f);
    }
    fputs("</code>\n", f);
}

static void meta_section(FILE *f, const json_t *s)
{
    const json_t *meta = json_object_get(s, "meta");
    const char *started = str_at(meta, "started"), *finished = str_at(meta, "finished");
    fputs("<table class=\"meta\"><tbody>\n<tr><th>tool</th><td>", f);
    esc_or_na(f, str_at(meta, "tool"));
    fputc(' ', f);
    esc(f, str_at(meta, "version"));
    fputs("</td></tr>\n<tr><th>started (UTC)</th><td>", f);
    esc_or_na(f, started);
    fputs("</td></tr>\n<tr><th>finished (UTC)</th><td>", f);
    if (finished) {
        esc(f, finished);
        long long a = iso_time(started), b = iso_time(finished);
        if (a >= 0 && b >= a)
            fprintf(f, " <span class=\"na\">(%lld s)</span>", b - a);
    } else {
        fputs("<span class=\"na\">not finished (the run was still going, or died)</span>", f);
    }
    fputs("</td></tr>\n<tr><th>input</th><td><code>", f);
    esc_or_na(f, str_at(meta, "input"));
    fputs("</code></td></tr>\n<tr><th>input SHA-256</th><td><code class=\"hash\">", f);
    esc_or_na(f, str_at(meta, "input_sha256"));
    fputs("</code></td></tr>\n<tr><th>options</th><td class=\"opts\">", f);
    const json_t *opts = json_object_get(meta, "options");
    if (json_is_object(opts) && json_object_size(opts)) {
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)opts, k, v) option(f, k, v);
    } else {
        fputs("<span class=\"na\">none recorded</span>", f);
    }
    fputs("</td></tr>\n", f);
    const json_t *counts = json_object_get(meta, "counts");
    if (json_is_object(counts)) {
        static const char *const keys[][2] = {
            {"lines", "input lines"}, {"connections", "SMTP connections"}, {"retries", "retries"},
            {"dns_queries", "DNS queries"}, {"dns_cache_hits", "DNS cache hits"}};
        fputs("<tr><th>run figures</th><td>", f);
        for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
            fputs(i ? ", " : "", f);
            svg_put_count(f, jsonl_int(counts, keys[i][0]));
            fprintf(f, " %s", keys[i][1]);
        }
        if (json_is_integer(json_object_get(counts, "dns_failed"))) { /* runs since 0.1 */
            fputs(", ", f);
            svg_put_count(f, jsonl_int(counts, "dns_failed"));
            fputs(" DNS queries failed", f);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("<tr><th>this summary</th><td>made ", f);
    esc_or_na(f, str_at(meta, "generated"));
    fputs(" by mxsurvey ", f);
    esc_or_na(f, str_at(meta, "generator_version"));
    fputs("</td></tr>\n</tbody></table>\n", f);
    if (json_is_true(json_object_get(meta, "interrupted")))
        fputs("<p class=\"warn\" data-warning=\"interrupted\">This run was interrupted "
              "(SIGINT/SIGTERM): the figures cover only the records written before it "
              "stopped.</p>\n",
              f);
    else if (started && !finished) /* started: there was a run.json (written at the start) */
        fputs("<p class=\"warn\" data-warning=\"unfinished\">This run had not finished when "
              "its run.json was last written: the figures may be incomplete.</p>\n",
              f);
    /* A run that stopped before the end of its list says what it did not get to. */
    long long pending = jsonl_int(json_object_get(meta, "counts"), "pending");
    if (pending > 0) {
        fprintf(f, "<p class=\"warn\" data-warning=\"pending\" data-value=\"%lld\">", pending);
        svg_put_count(f, pending);
        fputs(" input line(s) have no record: the run stopped before them. They are listed in "
              "<code>pending.txt</code>; <code>mxsurvey scan --resume</code> scans them.</p>\n",
              f);
    }
    /* `report --lenient` left damaged lines out of the figures. */
    const json_t *sk = json_object_get(meta, "skipped_lines");
    long long skipped = jsonl_int(sk, "hosts.jsonl") + jsonl_int(sk, "domains.jsonl");
    if (skipped > 0) {
        fputs("<p class=\"warn\" data-warning=\"skipped\">", f);
        svg_put_count(f, skipped);
        fputs(" damaged line(s) of hosts.jsonl and domains.jsonl were skipped (--lenient): the "
              "figures leave those records out.</p>\n",
              f);
    }
    /* The resolvers failed too often (or answered nothing): the scan exited 1. */
    const json_t *dns = json_object_get(meta, "dns_errors");
    if (json_is_true(json_object_get(dns, "exceeded"))) {
        fputs("<p class=\"warn\" data-warning=\"dns\">DNS failed too often in this run: ", f);
        esc_or_na(f, str_at(dns, "message"));
        fputs(". Domains with status <code>dns-error</code> (pattern <code>unreachable</code>) "
              "may be the resolvers' failures, not the domains': the shares are not to be "
              "trusted.</p>\n",
              f);
    }
}

/* The headline shares of summary.json `shares`. */
static const struct headline {
    const char *key; /* shares.<key>, and the card's data-metric */
    const char *what;
    const char *of; /* the denominator */
    const char *explain;
} headlines[] = {
    {"starttls", "offer STARTTLS", "domains that accept mail",
     "A TLS session was made with the primary MX (any pattern but no-tls and unreachable)."},
    {"strict", "pass strict name checking", "domains with STARTTLS",
     "The primary MX certificate names the MX host exactly, or by a wildcard for one label "
     "(RFC 6125/9525): mx-exact or mx-wildcard."},
    {"multilabel_accepted", "would pass with multi-label wildcards", "domains with STARTTLS",
     "As strict, if *.example.net could also cover a.b.example.net (mx-multilabel too), as "
     "some lax checkers allow."},
    {"valid_chain", "have a valid chain", "domains with STARTTLS",
     "The primary MX sends a chain that leads to a trusted root, names apart."},
    {"rfc9525", "pass without the CN fallback", "domains with STARTTLS",
     "As strict, from subjectAltName names only (RFC 9525 dropped the fallback to the "
     "subject CN)."},
};

static void share_card(FILE *f, const json_t *shares, const struct headline *h)
{
    const json_t *sh = json_object_get(shares, h->key), *val = json_object_get(sh, "share");
    double share = json_is_number(val) ? json_number_value(val) : NAN;
    char p[16], dv[40];
    if (json_is_number(val))
        snprintf(dv, sizeof(dv), "%.15g", share);
    else
        snprintf(dv, sizeof(dv), "null");
    long long num = jsonl_int(sh, "numerator"), den = jsonl_int(sh, "denominator");
    fprintf(f, "<div class=\"card\" data-metric=\"%s\" data-value=\"%s\" data-numerator=\"%lld\""
               " data-denominator=\"%lld\">\n<div class=\"big\">",
            h->key, dv, num, den);
    esc(f, svg_format_percent(p, sizeof(p), share)); /* "<0.1%" */
    fprintf(f, "</div><div class=\"what\">%s</div>\n", h->what);
    double w = isnan(share) ? 0 : share < 0 ? 0 : share > 1 ? 100 : share * 100;
    fprintf(f, "<div class=\"meter\"><span style=\"width:%.1f%%\"></span></div>\n", w);
    fputs("<div class=\"frac\">", f);
    svg_put_count(f, num);
    fputs(" of ", f);
    svg_put_count(f, den);
    fprintf(f, " %s</div>\n<p class=\"expl\">%s</p></div>\n", h->of, h->explain);
}

static void headline_section(FILE *f, const json_t *s)
{
    const json_t *d = json_object_get(s, "domains"), *e = json_object_get(s, "endpoints");
    const json_t *shares = json_object_get(s, "shares");
    long long nd = jsonl_int(d, "total"), ne = jsonl_int(e, "total");
    fputs("<h2 id=\"headline\">Headline figures</h2>\n<div class=\"cards\">\n", f);
    fprintf(f, "<div class=\"card\" data-metric=\"domains\" data-value=\"%lld\">\n"
               "<div class=\"big\">",
            nd);
    svg_put_count(f, nd);
    fputs("</div><div class=\"what\">domains scanned</div>\n<div class=\"frac\" "
          "data-metric=\"endpoints\" data-value=\"",
          f);
    fprintf(f, "%lld\">", ne);
    svg_put_count(f, ne);
    fputs(" endpoints (MX host &#215; address) probed</div>\n", f);
    /* Endpoints whose address was blocked count in the total, but nothing was sent to them. */
    long long nb = jsonl_int(json_object_get(e, "by_status"), probe_status_str(PROBE_BLOCKED));
    fprintf(f, "<div class=\"frac\" data-metric=\"blocked\" data-value=\"%lld\">", nb);
    svg_put_count(f, nb);
    fputs(" of them never contacted: a special-purpose or blocklisted address (status "
          "<code>blocked</code>)</div>\n<p class=\"expl\">Every input line that is not blank or a "
          "comment; shares below count each domain by its primary MX, the most preferred that "
          "completed TLS.</p></div>\n",
          f);
    for (size_t i = 0; i < ARRAY_LEN(headlines); i++)
        share_card(f, shares, &headlines[i]);
    fputs("</div>\n", f);
}

/* The TLS patterns lead patterns[] (classify.h's order). */
#define TLS_PATTERNS (PATTERN_UNRELATED + 1)

/* One pattern chart and its table, over den, in a box that states it (data-denominator). */
static void pattern_box(FILE *f, const char *name, const char *title, const json_t *map,
                        const struct value_def *defs, size_t ndefs, long long den)
{
    fprintf(f, "<div class=\"lines\" data-chart=\"%s\" data-denominator=\"%lld\">\n", name, den);
    map_chart(f, title, map, defs, ndefs, 1, den);
    defs_table(f, "pattern", map, defs, ndefs, den);
    fputs("</div>\n", f);
}

static void patterns_section(FILE *f, const json_t *s)
{
    const json_t *map = at(s, "domains.by_pattern");
    /* The charts' shares use the cards' denominators: the TLS patterns over the domains with
     * one (the strict, multi-label, valid chain and RFC 9525 cards), the rest over every
     * domain counted once (duplicates aside), so that a bar next to a card is a share of the
     * card's domains. */
    long long tls = jsonl_int(at(s, "shares.strict"), "denominator"), counted = 0;
    json_t *tls_map = json_object(), *rest = json_object();
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)map, k, v) {
        int p = classify_pattern_parse(k);
        json_object_set(p >= 0 && p < TLS_PATTERNS ? tls_map : rest, k, v);
        counted += json_is_integer(v) ? json_integer_value(v) : 0;
    }
    fputs("<h2 id=\"patterns\">Domains by naming pattern</h2>\n<p>How the certificate of each "
          "domain's primary MX relates to the names a sender could check, the first that holds "
          "in this order. The shares are of the ",
          f);
    svg_put_count(f, tls);
    fputs(" domains with a TLS pattern, the denominator of the strict, multi-label, valid chain "
          "and RFC 9525 cards (mx-exact and mx-wildcard add up to the strict card's "
          "numerator):</p>\n",
          f);
    pattern_box(f, "patterns-tls", "Domains with a TLS pattern", tls_map, patterns, TLS_PATTERNS, tls);
    fputs("<p>The domains without one say why there is no certificate; shares of the ", f);
    svg_put_count(f, counted);
    fputs(" domains counted once (every record but the duplicates):</p>\n", f);
    pattern_box(f, "patterns-other", "Domains without a TLS pattern", rest,
                patterns + TLS_PATTERNS, ARRAY_LEN(patterns) - TLS_PATTERNS, counted);
    json_decref(tls_map);
    json_decref(rest);
}

static void endpoints_section(FILE *f, const json_t *s)
{
    const json_t *e = json_object_get(s, "endpoints");
    long long total = jsonl_int(e, "total");
    const json_t *trust = json_object_get(e, "by_trust");
    long long with_cert = jsonl_int(trust, "valid") + jsonl_int(trust, "invalid") + jsonl_int(trust, "unknown");

    fputs("<h2 id=\"wildcards\">Endpoints by wildcard class</h2>\n<p>The most severe wildcard "
          "practice among each endpoint certificate's names (an endpoint is one MX host at one "
          "address).</p>\n",
          f);
    map_chart(f, "Endpoints by wildcard class", json_object_get(e, "by_wildcard"), wildcards,
              ARRAY_LEN(wildcards), 1, total);
    defs_table(f, "class", json_object_get(e, "by_wildcard"), wildcards, ARRAY_LEN(wildcards), total);

    fputs("<h2 id=\"trust\">Trust failure reasons</h2>\n<p>", f);
    svg_put_count(f, jsonl_int(trust, "valid"));
    fputs(" endpoints sent a chain that verifies, ", f);
    svg_put_count(f, jsonl_int(trust, "invalid"));
    fputs(" one that does not, and ", f);
    svg_put_count(f, jsonl_int(trust, "null"));
    fputs(" no certificate. The faults found, as a share of the ", f);
    svg_put_count(f, with_cert);
    fputs(" endpoints with a certificate (one endpoint may have several):</p>\n", f);
    map_chart(f, "Trust failure reasons", json_object_get(e, "by_reason"), reasons,
              ARRAY_LEN(reasons), 1, with_cert);
    defs_table(f, "reason", json_object_get(e, "by_reason"), reasons, ARRAY_LEN(reasons), with_cert);

    fputs("<h2 id=\"tls\">TLS versions</h2>\n<p>The version negotiated with each endpoint "
          "(the scanner's own handshake speaks up to TLS 1.2; failed handshakes have none).</p>\n",
          f);
    map_chart(f, "TLS versions", json_object_get(e, "by_tls_version"), versions,
              ARRAY_LEN(versions), 0, total);
    fputs("<p>The highest version each endpoint's server supports (<code>tls_max</code>): what it "
          "chose when offered TLS 1.3 down to 1.0 in a version probe, one per address.</p>\n",
          f);
    map_chart(f, "TLS versions supported", json_object_get(e, "by_tls_max"), max_versions,
              ARRAY_LEN(max_versions), 0, total);
}

/* A provider's pattern mix in words: "mx-exact 5, mx-multilabel 2". */
static void mix_text(FILE *f, const json_t *by_pattern)
{
    struct svg_bar *bars = xcalloc(ARRAY_LEN(patterns) + json_object_size(by_pattern) + 1, sizeof(*bars));
    size_t n = map_bars(by_pattern, patterns, ARRAY_LEN(patterns), 0, bars);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        fputs("<code>", f);
        esc(f, bars[i].label);
        fputs("</code> ", f);
        svg_put_count(f, bars[i].value);
    }
    free(bars);
}

static void providers_section(FILE *f, const json_t *s)
{
    const json_t *prov = json_object_get(s, "providers");
    size_t np = json_array_size(prov), nrows = np < TOP_PROVIDERS_CHART ? np : TOP_PROVIDERS_CHART;
    fputs("<h2 id=\"providers\">Providers</h2>\n", f);
    if (!np) {
        fputs("<p class=\"na\">No domain has an MX host with a registrable domain.</p>\n", f);
        return;
    }
    fprintf(f, "<p>A provider is the registrable domain of a domain's most preferred MX host. "
               "The %zu with the most domains, each bar the mix of their domains' patterns, "
               "all on one axis: a bar's length is its domains (the number at the right):</p>\n",
            nrows);
    /* Categories: the known patterns present in the drawn rows, then "other". */
    enum { NPAT = ARRAY_LEN(patterns) };
    long long *vals = xcalloc(nrows * (NPAT + 1), sizeof(*vals));
    struct svg_stack_row *rows = xcalloc(nrows, sizeof(*rows));
    int used[NPAT + 1] = {0};
    for (size_t r = 0; r < nrows; r++) {
        const json_t *p = json_array_get(prov, r), *bp = json_object_get(p, "by_pattern");
        const char *k;
        const json_t *v;
        json_object_foreach((json_t *)bp, k, v) {
            size_t c = NPAT;
            for (size_t i = 0; i < NPAT; i++)
                if (strcmp(vd_key(&patterns[i]), k) == 0)
                    c = i;
            vals[r * (NPAT + 1) + c] += json_is_integer(v) ? json_integer_value(v) : 0;
        }
        rows[r].label = json_string_value(json_object_get(p, "provider"));
        for (size_t c = 0; c <= NPAT; c++)
            used[c] |= vals[r * (NPAT + 1) + c] > 0;
    }
    /* Compact the categories to those used: the values of each row move with them. */
    struct svg_category cats[NPAT + 1];
    size_t nc = 0;
    for (size_t c = 0; c <= NPAT; c++) {
        if (!used[c])
            continue;
        cats[nc].name = c < NPAT ? vd_key(&patterns[c]) : "other";
        cats[nc].color = c < NPAT ? patterns[c].color : 10;
        for (size_t r = 0; r < nrows; r++)
            vals[r * (NPAT + 1) + nc] = vals[r * (NPAT + 1) + c];
        nc++;
    }
    for (size_t r = 0; r < nrows; r++)
        rows[r].values = vals + r * (NPAT + 1);
    svg_stacked_chart(f, "Largest providers by pattern mix", cats, nc, rows, nrows, SVG_SHARED_AXIS);
    free(rows);
    free(vals);

    fprintf(f, "<table class=\"providers\"><thead><tr><th class=\"num\">#</th><th>provider</th>"
               "<th class=\"num\">domains</th><th class=\"num\">endpoints</th>"
               "<th>pattern mix</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < np; i++) {
        const json_t *p = json_array_get(prov, i);
        fprintf(f, "<tr><td class=\"num\">%zu</td><td><code>", i + 1);
        esc(f, json_string_value(json_object_get(p, "provider")));
        fputs("</code></td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(p, "domains"));
        fputs("</td><td class=\"num\">", f);
        svg_put_count(f, jsonl_int(p, "endpoints"));
        fputs("</td><td>", f);
        mix_text(f, json_object_get(p, "by_pattern"));
        fputs("</td></tr>\n", f);
    }
    fprintf(f, "</tbody></table>\n<p class=\"na\">summary.json lists at most the %d largest "
               "providers.</p>\n",
            SUMMARY_TOP_PROVIDERS);
}

/* ------------------------------------------------------------------ the page */

void html_render(FILE *f, const json_t *s)
{
    const json_t *meta = json_object_get(s, "meta");
    const char *input = str_at(meta, "input"), *started = str_at(meta, "started");
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"mxsurvey " MXSURVEY_VERSION "\">\n<title>"
          "mxsurvey report",
          f);
    if (input) {
        fputs(": ", f);
        esc(f, input);
    }
    if (started) {
        fputs(", ", f);
        esc(f, started);
    }
    fprintf(f, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n", css);
    fputs("<h1>SMTP STARTTLS survey</h1>\n<p class=\"sub\">Which names the mail servers' "
          "certificates carry, and whether a sender checking them strictly would accept "
          "them.</p>\n",
          f);
    meta_section(f, s);
    headline_section(f, s);
    patterns_section(f, s);
    endpoints_section(f, s);
    providers_section(f, s);
    /* Issuers, and where every input line and endpoint went (html_lines.h). */
    html_issuers_section(f, s);
    html_lines_section(f, s);
    html_policy_section(f, s); /* html_policy.h: policies side by side, providers' names */
    html_provider_names_section(f, s);
    html_enforce_section(f, s); /* html_enforce.h: DNSSEC, DANE, MTA-STS, TLSRPT; none when null */
    /* Where the reader finds the schema: installed (make install: MXS_DOCDIR, from the
     * Makefile's PREFIX) and in the source tree; a build not made by the Makefile (the fuzz
     * harnesses) names the source tree's only. PREFIX is the builder's text: escaped too. */
    fputs("<footer>Written by mxsurvey " MXSURVEY_VERSION " from summary.json; every figure is "
          "defined in schema.md: ", f);
#ifdef MXS_DOCDIR
    fputs("<code>", f);
    esc(f, MXS_DOCDIR "/schema.md");
    fputs("</code> (installed) or ", f);
#endif
    fputs("<code>docs/schema.md</code> (the source tree).</footer>\n</main>\n</body>\n</html>\n", f);
}

int html_write(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/summary.json", dir);
    json_t *s = jsonl_read_object(path, err, errlen);
    if (!s)
        return SUMMARY_INPUT_ERROR;
    struct outfile o;
    int rc = SUMMARY_WRITE_ERROR;
    if (outfile_open(&o, dir, "report.html", err, errlen) == 0) {
        html_render(o.f, s);
        if (outfile_commit(&o, err, errlen) == 0)
            rc = SUMMARY_OK;
    }
    json_decref(s);
    return rc;
}
