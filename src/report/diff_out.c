/* diff_out: diff.json, diff.csv and the readable summary of a comparison (see diff_out.h).
 * diff.json is written element by element (each array element one line, dumped by jansson),
 * so a diff of millions of domains never exists whole in memory. diff.csv follows RFC 4180
 * and neutralises cells that a spreadsheet would run as a formula: domain strings of invalid
 * lines are whatever the input list held. */
#include "diff_out.h"
#include "diff.h"
#include "csvw.h"

#include <stdlib.h>
#include <string.h>

#include "core/outdir.h"
#include "core/outfile.h"
#include "core/text.h"
#include "core/util.h"

const char *diff_kind_str(enum diff_kind k)
{
    switch (k) {
    case DIFF_PATTERN:
        return "pattern";
    case DIFF_TRUST_VALID:
        return "trust_valid";
    case DIFF_CERT_SHA256:
        return "cert_sha256";
    case DIFF_MX:
        return "mx";
    case DIFF_POLICY:
        return "policy";
    case DIFF_NKINDS:
        break;
    }
    return "?";
}


/* ------------------------------------------------------------------ values */

static json_t *trust_json(uint8_t t)
{
    return t == TRUST_TRUE ? json_true() : t == TRUST_FALSE ? json_false() : json_null();
}

static const char *trust_str(uint8_t t)
{
    return t == TRUST_TRUE ? "true" : t == TRUST_FALSE ? "false" : NULL;
}

static json_t *str_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* An MX set as text: "10 mx1.example, 20 mx2.example" ("" for the empty set). Caller frees. */
static char *mx_text(const json_t *set)
{
    size_t len = 0, cap = 64;
    char *s = xmalloc(cap);
    s[0] = '\0';
    for (size_t i = 0; i < json_array_size(set); i++) {
        const json_t *e = json_array_get(set, i);
        const char *host = json_string_value(json_object_get(e, "host"));
        size_t need = len + strlen(host ? host : "") + 48;
        if (need > cap) {
            cap = need * 2;
            s = xrealloc(s, cap);
        }
        len += (size_t)snprintf(s + len, cap - len, "%s%" JSON_INTEGER_FORMAT " %s",
                                i ? ", " : "", json_integer_value(json_object_get(e, "pref")),
                                host ? host : "");
    }
    return s;
}

/* ------------------------------------------------------------------ diff.json */

static void put_key(FILE *f, const char *indent, const char *key)
{
    json_t *k = json_string(key);
    fputs(indent, f);
    json_dumpf(k, f, JSON_ENCODE_ANY);
    fputs(": ", f);
    json_decref(k);
}

/* Dumps v (consumed) on the current line. */
static void put_value(FILE *f, json_t *v)
{
    json_dumpf(v, f, JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
    json_decref(v);
}

static json_t *run_json(const char *dir, const json_t *summary)
{
    const json_t *meta = json_object_get(summary, "meta");
    const char *started = json_string_value(json_object_get(meta, "started"));
    const char *finished = json_string_value(json_object_get(meta, "finished"));
    json_t *o = json_object();
    json_object_set_new(o, "dir", json_string(dir));
    json_object_set_new(o, "started", str_json(started));
    json_object_set_new(o, "finished", str_json(finished));
    return o;
}

static json_t *counts_json(const struct diff_counts *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "old_domains", json_integer((json_int_t)c->old_domains));
    json_object_set_new(o, "new_domains", json_integer((json_int_t)c->new_domains));
    json_object_set_new(o, "appeared", json_integer((json_int_t)c->appeared));
    json_object_set_new(o, "vanished", json_integer((json_int_t)c->vanished));
    json_object_set_new(o, "changed", json_integer((json_int_t)c->changed));
    json_object_set_new(o, "unchanged", json_integer((json_int_t)c->unchanged));
    for (int k = 0; k < DIFF_NKINDS; k++)
        json_object_set_new(o, diff_kind_str(k), json_integer((json_int_t)c->kind[k]));
    json_object_set_new(o, "shares_changed", json_integer((json_int_t)c->shares_changed));
    return o;
}

/* {"old": share, "new": share, "delta": new - old}; null where a value is missing. */
static json_t *share_change_json(const json_t *a, const json_t *b)
{
    const json_t *av = json_object_get(a, "share"), *bv = json_object_get(b, "share");
    json_t *o = json_object();
    json_object_set_new(o, "old", json_is_number(av) ? json_real(json_number_value(av)) : json_null());
    json_object_set_new(o, "new", json_is_number(bv) ? json_real(json_number_value(bv)) : json_null());
    json_object_set_new(o, "delta", json_is_number(av) && json_is_number(bv)
                                        ? json_real(json_number_value(bv) - json_number_value(av))
                                        : json_null());
    return o;
}

static json_t *change_pair(json_t *old, json_t *new)
{
    json_t *a = json_array();
    json_array_append_new(a, old);
    json_array_append_new(a, new);
    return a;
}

static json_t *changed_json(const struct diff *x, const struct diff_item *it)
{
    const struct dstate *st = it->st;
    json_t *ch = json_object();
    if (st->kinds & 1u << DIFF_PATTERN)
        json_object_set_new(ch, "pattern", change_pair(str_json(diff_str(x, st->pattern)),
                                                       str_json(diff_str(x, st->now->pattern))));
    if (st->kinds & 1u << DIFF_TRUST_VALID)
        json_object_set_new(ch, "trust_valid",
                            change_pair(trust_json(st->trust), trust_json(st->now->trust)));
    if (st->kinds & 1u << DIFF_CERT_SHA256)
        json_object_set_new(ch, "cert_sha256", change_pair(str_json(diff_str(x, st->sha)),
                                                           str_json(diff_str(x, st->now->sha))));
    if (st->kinds & 1u << DIFF_MX)
        json_object_set_new(ch, "mx", change_pair(json_incref(st->now->old_mx),
                                                  json_incref(st->now->mx)));
    if (st->kinds & 1u << DIFF_POLICY)
        json_object_set_new(ch, "policy", change_pair(str_json(diff_str(x, st->policy)),
                                                      str_json(diff_str(x, st->now->policy))));
    json_t *o = json_object();
    json_object_set_new(o, "domain", json_string(it->key));
    json_object_set_new(o, "changes", ch);
    return o;
}

static json_t *listed_json(const struct diff *x, const struct diff_item *it)
{
    json_t *o = json_object();
    json_object_set_new(o, "domain", json_string(it->key));
    json_object_set_new(o, "pattern", str_json(diff_str(x, it->st->pattern)));
    return o;
}

static void put_list(FILE *f, const struct diff *x, const char *name, const struct diff_item *items,
                     size_t n, json_t *(*make)(const struct diff *, const struct diff_item *),
                     int last)
{
    put_key(f, "  ", name);
    fputs(n ? "[\n" : "[]", f);
    for (size_t i = 0; i < n; i++) {
        fputs("    ", f);
        put_value(f, make(x, &items[i]));
        fputs(i + 1 < n ? ",\n" : "\n  ]", f);
    }
    fputs(last ? "\n" : ",\n", f);
}

static void write_json(const struct diff *x, FILE *f)
{
    fputs("{\n", f);
    put_key(f, "  ", "old");
    put_value(f, run_json(x->o->old_dir, x->sum_old));
    fputs(",\n", f);
    put_key(f, "  ", "new");
    put_value(f, run_json(x->o->new_dir, x->sum_new));
    fputs(",\n", f);
    put_key(f, "  ", "counts");
    put_value(f, counts_json(&x->c));
    fputs(",\n", f);
    put_key(f, "  ", "options_differ");
    put_value(f, x->options_differ ? json_incref(x->options_differ) : json_null());
    fputs(",\n", f);
    put_key(f, "  ", "shares");
    fputs("{\n", f);
    for (size_t i = 0; i < DIFF_NSHARES; i++) {
        put_key(f, "    ", diff_share_names[i]);
        put_value(f, share_change_json(diff_share(x->sum_old, diff_share_names[i]),
                                       diff_share(x->sum_new, diff_share_names[i])));
        fputs(i + 1 < DIFF_NSHARES ? ",\n" : "\n  },\n", f);
    }
    put_list(f, x, "appeared", x->appeared, x->nappeared, listed_json, 0);
    put_list(f, x, "vanished", x->vanished, x->nvanished, listed_json, 0);
    put_list(f, x, "changed", x->changed, x->nchanged, changed_json, 1);
    fputs("}\n", f);
}

/* ------------------------------------------------------------------ diff.csv */

/* Cells go through csvw.c: RFC 4180 quoting, formula cells prefixed with a single quote (the
 * domain of an invalid input line is attacker text). */
static void csv_cell(FILE *f, const char *s)
{
    csv_write_cell(f, s);
}

static void csv_row(FILE *f, const char *domain, const char *change, const char *old,
                    const char *new)
{
    csv_cell(f, domain);
    fputc(',', f);
    csv_cell(f, change);
    fputc(',', f);
    csv_cell(f, old);
    fputc(',', f);
    csv_cell(f, new);
    fputs("\r\n", f);
}

/* The old and new values of one kind of change as text (caller frees both; NULL for null). */
static void kind_text(const struct diff *x, const struct dstate *st, enum diff_kind k, char **old,
                      char **new)
{
    const char *a = NULL, *b = NULL;
    switch (k) {
    case DIFF_PATTERN:
        a = diff_str(x, st->pattern);
        b = diff_str(x, st->now->pattern);
        break;
    case DIFF_TRUST_VALID:
        a = trust_str(st->trust);
        b = trust_str(st->now->trust);
        break;
    case DIFF_CERT_SHA256:
        a = diff_str(x, st->sha);
        b = diff_str(x, st->now->sha);
        break;
    case DIFF_MX:
        *old = mx_text(st->now->old_mx);
        *new = mx_text(st->now->mx);
        return;
    case DIFF_POLICY:
        a = diff_str(x, st->policy);
        b = diff_str(x, st->now->policy);
        break;
    case DIFF_NKINDS:
        break;
    }
    *old = a ? xstrdup(a) : NULL;
    *new = b ? xstrdup(b) : NULL;
}

static void write_csv(const struct diff *x, FILE *f)
{
    csv_row(f, "domain", "change", "old", "new");
    for (size_t i = 0; i < x->nappeared; i++)
        csv_row(f, x->appeared[i].key, "appeared", NULL, diff_str(x, x->appeared[i].st->pattern));
    for (size_t i = 0; i < x->nvanished; i++)
        csv_row(f, x->vanished[i].key, "vanished", diff_str(x, x->vanished[i].st->pattern), NULL);
    for (size_t i = 0; i < x->nchanged; i++)
        for (int k = 0; k < DIFF_NKINDS; k++) {
            if (!(x->changed[i].st->kinds & 1u << k))
                continue;
            char *old, *new;
            kind_text(x, x->changed[i].st, k, &old, &new);
            csv_row(f, x->changed[i].key, diff_kind_str(k), old, new);
            free(old);
            free(new);
        }
}

/* ------------------------------------------------------------------ writing files */

/* Both files are closed before either is renamed: a failed write leaves both old ones. */
int diff_write_files(const struct diff *x, const char *dir, char *err, size_t errlen)
{
    struct outfile json, csv;
    char made[4096];
    int e = outdir_make(dir, made, sizeof(made)); /* --out with its parents, as scan's */
    if (e < 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(-e));
        return -1;
    }
    if (outfile_open(&json, dir, "diff.json", err, errlen) < 0)
        return -1;
    if (outfile_open(&csv, dir, "diff.csv", err, errlen) < 0) {
        outfile_abort(&json);
        return -1;
    }
    write_json(x, json.f);
    write_csv(x, csv.f);
    struct outfile *const both[] = {&json, &csv};
    return outfile_commit_all(both, ARRAY_LEN(both), err, errlen);
}

/* ------------------------------------------------------------------ the readable summary */

/* Text from the files, for a terminal: text.c's visible form (C0, DEL, C1 and every octet that
 * is not valid UTF-8 as \xHH: an octet 0x9b alone is CSI to an 8-bit terminal). */
static void put_text(FILE *f, const char *s)
{
    if (!s)
        fputs("null", f);
    else
        text_put_visible(f, s);
}

/* "54.29% (19/35)", or "- (0/0)" without a value, into buf. */
static void text_share(char *buf, size_t len, const json_t *s)
{
    const json_t *v = json_object_get(s, "share");
    const json_t *n = json_object_get(s, "numerator"), *d = json_object_get(s, "denominator");
    char frac[64] = "";
    if (json_is_integer(n) && json_is_integer(d))
        snprintf(frac, sizeof(frac), " (%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT ")",
                 json_integer_value(n), json_integer_value(d));
    if (json_is_number(v))
        snprintf(buf, len, "%.2f%%%s", 100.0 * json_number_value(v), frac);
    else
        snprintf(buf, len, "-%s", frac);
}

static void text_shares(const struct diff *x, FILE *f)
{
    fprintf(f, "shares (old -> new, change in percentage points):\n");
    for (size_t i = 0; i < DIFF_NSHARES; i++) {
        const json_t *a = diff_share(x->sum_old, diff_share_names[i]);
        const json_t *b = diff_share(x->sum_new, diff_share_names[i]);
        const json_t *av = json_object_get(a, "share"), *bv = json_object_get(b, "share");
        char old[96], new[96];
        text_share(old, sizeof(old), a);
        text_share(new, sizeof(new), b);
        fprintf(f, "  %-20s %-18s -> ", diff_share_names[i], old);
        if (json_is_number(av) && json_is_number(bv))
            fprintf(f, "%-18s %+.2f\n", new,
                    100.0 * (json_number_value(bv) - json_number_value(av)));
        else
            fprintf(f, "%s\n", new);
    }
}

static void text_listed(const struct diff *x, FILE *f, const char *name,
                        const struct diff_item *items, size_t n, size_t lines)
{
    if (!n)
        return;
    fprintf(f, "%s (%zu):\n", name, n);
    for (size_t i = 0; i < n && i < lines; i++) {
        fputs("  ", f);
        put_text(f, items[i].key);
        fputs("  ", f);
        put_text(f, diff_str(x, items[i].st->pattern));
        fputc('\n', f);
    }
    if (n > lines)
        fprintf(f, "  ... and %zu more\n", n - lines);
}

static void text_kind(const struct diff *x, FILE *f, enum diff_kind k, size_t lines)
{
    if (!x->c.kind[k])
        return;
    fprintf(f, "%s (%lu):\n", diff_kind_str(k), x->c.kind[k]);
    size_t shown = 0;
    for (size_t i = 0; i < x->nchanged && shown < lines; i++) {
        const struct dstate *st = x->changed[i].st;
        if (!(st->kinds & 1u << k))
            continue;
        char *old, *new;
        kind_text(x, st, k, &old, &new);
        fputs("  ", f);
        put_text(f, x->changed[i].key);
        fputs("  ", f);
        put_text(f, old);
        fputs(" -> ", f);
        put_text(f, new);
        fputc('\n', f);
        free(old);
        free(new);
        shown++;
    }
    if (x->c.kind[k] > shown)
        fprintf(f, "  ... and %lu more\n", x->c.kind[k] - shown);
}

static void text_run(FILE *f, const char *dir, const json_t *summary)
{
    const char *started =
        json_string_value(json_object_get(json_object_get(summary, "meta"), "started"));
    put_text(f, dir);
    fputs(" (started ", f);
    put_text(f, started ? started : "unknown");
    fputc(')', f);
}

/* An option's recorded value in words: its text, "given" for a flag, "not given", else JSON. */
static void put_option_value(FILE *f, const json_t *v)
{
    if (json_is_null(v)) {
        fputs("not given", f);
    } else if (json_is_string(v)) {
        put_text(f, json_string_value(v));
    } else if (json_is_true(v)) {
        fputs("given", f);
    } else {
        char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        put_text(f, s ? s : "?");
        free(s);
    }
}

void diff_write_warning(const struct diff *x, FILE *f)
{
    if (!json_array_size(x->options_differ))
        return;
    fputs("mxsurvey diff: warning: the runs used different options that change verdicts, so a "
          "change may be the options' and not the servers': ", f);
    size_t i;
    const json_t *d;
    json_array_foreach(x->options_differ, i, d) {
        fputs(i ? "; --" : "--", f);
        put_text(f, json_string_value(json_object_get(d, "option")));
        fputs(": ", f);
        put_option_value(f, json_object_get(d, "old"));
        fputs(" in OLD, ", f);
        put_option_value(f, json_object_get(d, "new"));
        fputs(" in NEW", f);
    }
    fputs(" (diff.json: options_differ)\n", f);
}

void diff_write_text(const struct diff *x, FILE *f, size_t lines)
{
    const struct diff_counts *c = &x->c;
    fputs("mxsurvey diff: ", f);
    text_run(f, x->o->old_dir, x->sum_old);
    fputs(" -> ", f);
    text_run(f, x->o->new_dir, x->sum_new);
    fprintf(f, "\ndomains: %lu -> %lu; appeared %lu, vanished %lu, changed %lu, unchanged %lu\n",
            c->old_domains, c->new_domains, c->appeared, c->vanished, c->changed, c->unchanged);
    fputs("changes:", f);
    for (int k = 0; k < DIFF_NKINDS; k++)
        fprintf(f, "%s %s %lu", k ? "," : "", diff_kind_str(k), c->kind[k]);
    fputc('\n', f);
    text_shares(x, f);
    text_listed(x, f, "appeared", x->appeared, x->nappeared, lines);
    text_listed(x, f, "vanished", x->vanished, x->nvanished, lines);
    for (int k = 0; k < DIFF_NKINDS; k++)
        text_kind(x, f, k, lines);
    if (!c->appeared && !c->vanished && !c->changed && !c->shares_changed)
        fputs("no changes\n", f);
}

/* ------------------------------------------------------------------ the whole */

int diff_dirs(const struct diff_opts *o, struct diff_counts *c, char *err, size_t errlen)
{
    struct diff x;
    int rc = diff_compute(o, &x, err, errlen);
    if (rc != DIFF_ERROR && diff_write_files(&x, o->out_dir ? o->out_dir : o->new_dir, err, errlen) < 0)
        rc = DIFF_ERROR;
    if (rc != DIFF_ERROR)
        diff_write_warning(&x, stderr);
    if (rc != DIFF_ERROR && o->text)
        diff_write_text(&x, o->text, o->text_lines ? o->text_lines : DIFF_TEXT_LINES);
    if (c)
        *c = x.c;
    diff_release(&x);
    return rc;
}
