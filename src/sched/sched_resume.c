/* sched_resume: `scan --resume`: the scheduler continues a folder (see sched.h sched_resume,
 * docs/schema.md "Resuming a scan"). hosts.jsonl is read back into the endpoint table: each
 * endpoint written there is done (never probed or written again) and keeps what later
 * domains need of it, as a finished endpoint does in a run that never stopped: its status,
 * its certificate's names and verdicts (struct assess_names), and its address's version
 * probe result (tls_max and the rest), which endpoints of the same address still to be
 * probed carry without a second version probe. The lines of domains.jsonl are skipped when
 * the input is read (sched.c sched_fill). */
#include "sched_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jsonl.h"
#include "input/lineset.h"
#include "resume.h"
#include "core/text.h"
#include "probe/tlshello.h"
#include "core/util.h"
#include "core/words.h"

/* A notation string (text.h) back to its octets, as a C string; NULL when absent, not a
 * string, or holding a NUL (no name the scan uses does). Caller frees. */
static char *decoded(const json_t *v)
{
    const char *t = json_string_value(v);
    if (!t)
        return NULL;
    size_t n;
    unsigned char *o = text_unescape(t, strlen(t), &n);
    if (memchr(o, '\0', n)) {
        free(o);
        return NULL;
    }
    return (char *)o;
}

WORDS_OF(w_status, probe_status_str, enum probe_status)
WORDS_OF(w_match, match_result_str, enum match_result)
WORDS_OF(w_dane, dane_verdict_str, enum dane_verdict)

static int status_of(const char *s, enum probe_status *out)
{
    int i = s ? word_index(w_status, PROBE_CERT_SEEN + 1, s) : -1;
    if (i >= 0)
        *out = (enum probe_status)i;
    return i < 0 ? -1 : 0;
}

/* null, absent or an unknown word: MATCH_NULL (whose word is NULL). */
static enum match_result match_of(const json_t *v)
{
    int i = word_index(w_match, MATCH_EXACT + 1, json_string_value(v));
    return i < 0 ? MATCH_NULL : (enum match_result)i;
}

static const char *version_name(uint16_t v, char *buf, size_t len)
{
    return tls_version_name(v);
}

static const char *group_name(uint16_t v, char *buf, size_t len)
{
    return tls_group_name(v);
}

static const char *cipher_name(uint16_t v, char *buf, size_t len)
{
    return tls_cipher_name(v, buf, len);
}

/* A table of TLS names back to their code points, made on first use (every code asked once,
 * not once per record: a resumed folder may hold a million addresses). */
struct names {
    const char *(*fn)(uint16_t, char *, size_t); /* NULL for a code without a name */
    struct hmap m;                                /* name -> code + 1 */
    int made;
};

/* The code of s, the name a record gives it: "0xHHHH" or a name of the table. 0 or -1. */
static int code_of(struct names *t, const char *s, unsigned *out)
{
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && strlen(s) == 6) {
        char *end;
        unsigned long v = strtoul(s + 2, &end, 16);
        if (!*end) {
            *out = (unsigned)v;
            return 0;
        }
    }
    if (!t->made) {
        char buf[TLS_CIPHER_NAME_LEN];
        for (unsigned v = 0xffff + 1; v-- > 0;) { /* the lowest code wins a shared name */
            const char *n = t->fn((uint16_t)v, buf, sizeof(buf));
            if (n)
                hmap_put(&t->m, n, (void *)(uintptr_t)(v + 1));
        }
        t->made = 1;
    }
    uintptr_t v = (uintptr_t)hmap_get(&t->m, s);
    if (!v)
        return -1;
    *out = (unsigned)(v - 1);
    return 0;
}

struct resume_ctx {
    struct scan_run *s;
    struct names versions, ciphers, groups;
    unsigned long endpoints;
};

/* The address's version probe as the record tells it, into the slot (the first record of an
 * address sets it: they all carry the same). Returns NULL, or why the record is refused. */
static const char *seed_version_probe(struct resume_ctx *x, struct ip_slot *slot, const json_t *h)
{
    const json_t *from = json_object_get(h, "tls_max_from"), *error = json_object_get(h, "tls_max_error");
    const char *version = json_string_value(json_object_get(h, "tls_max"));
    if (slot->vp_state != VP_OFF || (!version && json_is_null(from) && json_is_null(error)))
        return NULL; /* set already, or no version probe ran (--no-version-probe) */
    const json_t *hrr = json_object_get(h, "tls_max_hello_retry");
    const char *cipher = json_string_value(json_object_get(h, "tls_max_cipher"));
    const char *group = json_string_value(json_object_get(h, "tls_max_group"));
    if (version) {
        if (!json_is_boolean(hrr) || code_of(&x->versions, version, &slot->vp_version) < 0)
            return "a tls_max this version does not write";
        slot->vp_kind = json_is_true(hrr) ? TLSHELLO_HELLO_RETRY : TLSHELLO_SERVER_HELLO;
        if (cipher && code_of(&x->ciphers, cipher, &slot->vp_cipher) < 0)
            return "an unknown tls_max_cipher";
        if (group && code_of(&x->groups, group, &slot->vp_group) < 0)
            return "an unknown tls_max_group";
    }
    slot->vp_from = decoded(from);
    slot->vp_error = decoded(error);
    slot->vp_state = VP_DONE;
    return NULL;
}

/* What later domains need of the endpoint's certificate (assess_endpoint's `keep`). */
static void seed_names(struct scan_run *s, struct endpoint *ep, const json_t *h)
{
    struct assess_names *n = &ep->names;
    const json_t *cert = json_object_get(h, "cert");
    n->psl = s->psl;
    const json_t *valid = json_object_get(json_object_get(h, "trust"), "valid");
    n->trust_valid = json_is_true(valid);
    if (!json_is_object(cert) || !json_is_null(json_object_get(cert, "parse_error")))
        return; /* no (parsable) certificate */
    n->has_cert = 1;
    const char *cn = json_string_value(json_object_get(cert, "subject_cn"));
    n->cn = cn ? xstrdup(cn) : NULL; /* the notation is what assess keeps too */
    const json_t *san = json_object_get(cert, "san_dns");
    size_t nsan = json_array_size(san);
    n->san = xcalloc(nsan ? nsan : 1, sizeof(*n->san));
    for (size_t i = 0; i < nsan; i++) {
        const char *name = json_string_value(json_array_get(san, i));
        if (name)
            n->san[n->nsan++] = xstrdup(name);
    }
    const char *from = json_string_value(json_object_get(h, "names_from"));
    n->names_from = from && strcmp(from, "cn") == 0 ? "cn" : "san";
    const json_t *match = json_object_get(h, "match");
    n->mx_match = match_of(json_object_get(match, "mx_host"));
    n->ptr_match = match_of(json_object_get(match, "ptr"));
    n->provider_match = json_is_true(json_object_get(h, "cert_provider_match"));
}

/* The DANE verdict a domain still to be written needs of a kept endpoint (`dane`; null:
 * none, as a --no-policy run's). */
static void seed_dane(struct endpoint *ep, const json_t *dane)
{
    const char *v = json_string_value(json_object_get(dane, "verdict"));
    int d = v ? word_index(w_dane, DANE_FAIL + 1, v) : -1;
    if (d >= 0)
        ep->dane = (enum dane_verdict)d;
    ep->dane_applies = json_is_true(json_object_get(dane, "applies"));
}

static int host_cb(void *arg, const struct jsonl_rec *r, char *why, size_t whylen)
{
    struct resume_ctx *x = arg;
    struct scan_run *s = x->s;
    const json_t *h = r->obj;
    char *host = decoded(json_object_get(h, "mx_host"));
    const char *ip = json_string_value(json_object_get(h, "ip"));
    enum probe_status st;
    const char *no = NULL;
    if (!host || !ip)
        no = "no \"mx_host\" or \"ip\" string";
    else if (status_of(json_string_value(json_object_get(h, "status")), &st) < 0)
        no = "no \"status\" this version writes";
    if (no) {
        free(host);
        snprintf(why, whylen, "%s", no);
        return JSONL_REFUSE;
    }
    x->endpoints++;
    size_t klen = strlen(host) + strlen(ip) + 2;
    char *key = xmalloc(klen);
    snprintf(key, klen, "%s|%s", host, ip);
    int seen = hmap_get(&s->endpoints, key) != NULL;
    free(key);
    if (!seen) {
        struct endpoint *ep = sched_endpoint_add(s, host, ip);
        ep->state = EP_DONE;
        ep->recorded = 1;
        ep->probed_done = ep->ptr_done = 1;
        ep->final_status = st;
        seed_names(s, ep, h);
        seed_dane(ep, json_object_get(h, "dane"));
    }
    free(host);
    const char *chain = json_string_value(json_object_get(h, "chain_file"));
    if (chain) /* counted once (the chains output keeps the file) */
        hmap_put(&s->chains_named, chain, (void *)1);
    no = seed_version_probe(x, loop_ip_slot(run_loop_of(s, ip), ip), h);
    if (no) {
        snprintf(why, whylen, "%s", no);
        return JSONL_REFUSE;
    }
    return 0;
}

int sched_resume_hosts(struct scan_run *s, const char *path, unsigned long *kept, long long *torn,
                       char *err, size_t errlen)
{
    struct resume_ctx x = {.s = s, .versions.fn = version_name, .ciphers.fn = cipher_name,
                           .groups.fn = group_name};
    struct names *tables[] = {&x.versions, &x.ciphers, &x.groups};
    for (size_t i = 0; i < ARRAY_LEN(tables); i++)
        hmap_init(&tables[i]->m);
    struct jsonl_opts jo = {.whole_lines_only = 1};
    /* No file: a round killed before it made its files wrote nothing. */
    int rc = access(path, F_OK) < 0 && errno == ENOENT ? JSONL_OK
                                                      : jsonl_each(path, &jo, host_cb, &x, err, errlen);
    for (size_t i = 0; i < ARRAY_LEN(tables); i++)
        hmap_free(&tables[i]->m, NULL);
    if (rc != JSONL_OK)
        return -1;
    *torn = jo.torn;
    *kept = x.endpoints;
    s->append = 1;
    s->kept_endpoints = x.endpoints;
    return 0;
}

int sched_resume(struct scan_run *s, const struct lineset *done, unsigned long kept_domains,
                 unsigned long kept_invalid, unsigned long kept_duplicates,
                 unsigned long *kept_endpoints, long long *torn, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/hosts.jsonl", s->o->out_dir);
    if (sched_resume_hosts(s, path, kept_endpoints, torn, err, errlen) < 0)
        return -1;
    s->done_lines = done;
    s->kept_domains = kept_domains;
    s->kept_invalid = kept_invalid;
    s->kept_duplicates = kept_duplicates;
    return 0;
}
