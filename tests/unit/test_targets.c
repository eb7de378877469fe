/* targets.jsonl's records (src/sched/targets.c): each record through JSON text and back,
 * compared field by field with what was written (resolutions with every kind of answer, the
 * MTA-STS state in each of its statuses with its borrowed pointers re-linked, invalid and
 * duplicate lines as the real input reader gives them); the parse's refusals, each naming its
 * field; every field documented in docs/schema.md. The reader and survey_shard:
 * test_targets_reader.c. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "probe/https.h"
#include "sched/sched_int.h"
#include "sched/targets.h"
#include "test.h"

#include "testfs.h"

/* ------------------------------------------------------------------ fixtures */

static char *dupn(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static void blob_set(struct resolve_blob *b, const void *p, size_t n)
{
    b->data = xmalloc(n + 1);
    memcpy(b->data, p, n);
    b->len = n;
}

static void rrset_set(struct resolve_rrset *s, const char *qname, enum resolve_status st,
                      enum resolve_dnssec dn, const char *err)
{
    *s = (struct resolve_rrset){.asked = 1, .qname = dupn(qname), .status = st, .dnssec = dn,
                                .error = dupn(err)};
}

static void rrset_add(struct resolve_rrset *s, const void *p, size_t n)
{
    s->rr = xrealloc(s->rr, (size_t)(s->n + 1) * sizeof(*s->rr));
    blob_set(&s->rr[s->n++], p, n);
}

static struct resolve_result *rr_new(const char *domain, enum resolve_status st, const char *err)
{
    struct resolve_result *rr = xcalloc(1, sizeof(*rr));
    rr->domain = xstrdup(domain);
    rr->status = st;
    rr->error = dupn(err);
    return rr;
}

/* ips: NULL-terminated. */
static struct resolve_mx *mx_add(struct resolve_result *rr, const char *host, unsigned pref,
                                 const char *const *ips, const char *err, enum resolve_dnssec dn)
{
    rr->mx = xrealloc(rr->mx, (size_t)(rr->nmx + 1) * sizeof(*rr->mx));
    struct resolve_mx *m = &rr->mx[rr->nmx++];
    *m = (struct resolve_mx){.host = xstrdup(host), .pref = pref, .error = dupn(err), .addr_dnssec = dn};
    for (; ips && *ips; ips++) {
        m->ips = xrealloc(m->ips, (size_t)(m->nips + 1) * sizeof(*m->ips));
        m->ips[m->nips++] = xstrdup(*ips);
    }
    m->resolved = m->nips > 0;
    return m;
}

static struct sts_state *sts_new(enum sender_sts_status st, const char *id, const char *err)
{
    struct sts_state *s = xcalloc(1, sizeof(*s));
    s->s.status = st;
    snprintf(s->s.id, sizeof(s->s.id), "%s", id ? id : "");
    s->error = dupn(err);
    return s;
}

static void sts_fetched(struct sts_state *s, const char *ip, enum https_status hs, long code)
{
    s->fetch_ip = dupn(ip);
    s->s.fetch_status = https_status_str(hs);
    s->s.http_code = code;
}

/* patterns: NULL-terminated. */
static void sts_policy(struct sts_state *s, enum mtasts_mode mode, long max_age,
                       const char *const *patterns)
{
    s->policy.mode = mode;
    s->policy.max_age = max_age;
    s->policy.has_version = 1;
    for (; patterns && *patterns; patterns++) {
        s->policy.mx = xrealloc(s->policy.mx, (s->policy.nmx + 1) * sizeof(char *));
        s->policy.mx[s->policy.nmx++] = xstrdup(*patterns);
    }
}

/* ------------------------------------------------------------------ comparisons */

static void check_blobs(const struct resolve_blob *a, const struct resolve_blob *b, int n)
{
    for (int i = 0; i < n; i++) {
        CHECK_INT(a[i].len, b[i].len);
        CHECK(a[i].len == b[i].len && (b[i].len == 0 || memcmp(a[i].data, b[i].data, b[i].len) == 0));
    }
}

static void check_rrset(const struct resolve_rrset *a, const struct resolve_rrset *b)
{
    CHECK_INT(a->asked, b->asked);
    if (!b->asked)
        return;
    CHECK_STR(a->qname, b->qname);
    CHECK_INT(a->status, b->status);
    CHECK_INT(a->dnssec, b->dnssec);
    CHECK_STR(a->error, b->error);
    CHECK_INT(a->n, b->n);
    if (a->n == b->n)
        check_blobs(a->rr, b->rr, b->n);
}

static void check_result(const struct resolve_result *a, const struct resolve_result *b)
{
    CHECK(a != NULL);
    if (!a)
        return;
    CHECK_STR(a->domain, b->domain);
    CHECK_INT(a->status, b->status);
    CHECK_STR(a->error, b->error);
    CHECK_INT(a->implicit_mx, b->implicit_mx);
    CHECK_INT(a->mx_cut, b->mx_cut);
    CHECK_INT(a->addrs_cut, b->addrs_cut);
    CHECK_INT(a->mx_dnssec, b->mx_dnssec);
    CHECK_INT(a->nmx, b->nmx);
    for (int i = 0; i < a->nmx && i < b->nmx; i++) {
        const struct resolve_mx *x = &a->mx[i], *y = &b->mx[i];
        CHECK_STR(x->host, y->host);
        CHECK_INT(x->pref, y->pref);
        CHECK_INT(x->nips, y->nips);
        for (int k = 0; k < x->nips && k < y->nips; k++)
            CHECK_STR(x->ips[k], y->ips[k]);
        CHECK_INT(x->resolved, y->resolved);
        CHECK_STR(x->error, y->error);
        CHECK_INT(x->addr_dnssec, y->addr_dnssec);
        check_rrset(&x->tlsa, &y->tlsa);
    }
    check_rrset(&a->sts, &b->sts);
    check_rrset(&a->tlsrpt, &b->tlsrpt);
}

/* b NULL: no state expected. The read-back state is linked as sts_state_link links. */
static void check_sts(const struct sts_state *a, const struct sts_state *b)
{
    CHECK((a == NULL) == (b == NULL));
    if (!a || !b)
        return;
    CHECK_INT(a->s.asked, 1);
    CHECK_INT(a->s.status, b->s.status);
    CHECK_STR(a->s.id, b->s.id);
    CHECK(a->s.fetch_status == b->s.fetch_status); /* the same static word */
    CHECK_INT(a->s.http_code, b->s.http_code);
    CHECK_STR(a->fetch_ip, b->fetch_ip);
    CHECK(a->s.fetch_ip == a->fetch_ip);
    CHECK_STR(a->error, b->error);
    CHECK(a->s.error == a->error);
    CHECK_INT(a->s.policy_error, b->s.policy_error);
    CHECK_INT(a->s.policy_line, b->s.policy_line);
    CHECK(a->s.policy == (a->s.status == STS_OK ? &a->policy : NULL));
    CHECK_STR(sender_sts_status_str(&a->s), sender_sts_status_str(&b->s));
    const struct mtasts_policy *p = &a->policy, *q = &b->policy;
    CHECK_INT(p->mode, q->mode);
    CHECK_INT(p->max_age, q->max_age);
    CHECK_INT(p->has_version, q->has_version);
    CHECK_INT(p->nmx, q->nmx);
    for (size_t i = 0; i < p->nmx && i < q->nmx; i++)
        CHECK_STR(p->mx[i], q->mx[i]);
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT);
}

/* JSON text back to a target; 0, or -1 with why printed. */
static int parse_text(const char *s, struct target *t, char *why, size_t whylen)
{
    json_error_t je;
    json_t *j = json_loads(s, 0, &je);
    CHECK(j != NULL);
    int rc = targets_parse(j, t, why, whylen);
    json_decref(j);
    return rc;
}

/* rr (and sts, NULL for none; want_sts what is expected back) written, dumped, loaded,
 * parsed: every field equal, and written again the same text. Returns the text (caller
 * frees). */
static char *roundtrip_want(unsigned long line, const char *domain, const struct resolve_result *rr,
                            const struct sts_state *sts, const struct sts_state *want_sts)
{
    json_t *j = targets_domain_json(line, domain, rr, sts);
    char *s = dump(j);
    json_decref(j);
    CHECK(s && !strchr(s, '\n'));
    struct target t;
    char why[256] = "";
    int rc = parse_text(s, &t, why, sizeof(why));
    CHECK_INT(rc, 0);
    if (rc == 0) {
        CHECK_INT(t.kind, TARGET_DOMAIN);
        CHECK_INT(t.line, line);
        CHECK_STR(t.domain, domain);
        check_result(t.rr, rr);
        check_sts(t.sts, want_sts);
        json_t *again = targets_domain_json(t.line, t.domain, t.rr, t.sts);
        char *s2 = dump(again);
        CHECK_STR(s2, s);
        free(s2);
        json_decref(again);
    } else {
        fprintf(stderr, "  refused: %s\n", why);
    }
    target_clear(&t);
    return s;
}

static char *roundtrip(unsigned long line, const char *domain, const struct resolve_result *rr,
                       const struct sts_state *sts)
{
    return roundtrip_want(line, domain, rr, sts, sts);
}

/* ------------------------------------------------------------------ round trips */

static const unsigned char TLSA_EE[] = {3, 1, 1, 0x00, 0xff, 0x10, 0x00, 0x80, 0x7f};
static const unsigned char TLSA_CUT[] = {0x00};
static const char TXT_STS[] = "v=STSv1; id=20260101\x00\xff";

/* Three MX hosts (one of them unresolved, one a "." mixed in), v4 and v6, TLSA with 0x00 and
 * 0xff, TXT records with both, every DNSSEC state, the cap counts. */
static struct resolve_result *rich_result(void)
{
    struct resolve_result *rr = rr_new("example.com", RESOLVE_OK, NULL);
    rr->mx_cut = 2;
    rr->addrs_cut = 3;
    rr->mx_dnssec = DNSSEC_SECURE;
    struct resolve_mx *m = mx_add(rr, "mx1.example.com", 10,
                                  (const char *const[]){"192.0.2.1", "192.0.2.7", "2001:db8::1", NULL},
                                  NULL, DNSSEC_SECURE);
    rrset_set(&m->tlsa, "_25._tcp.mx1.example.com", RESOLVE_OK, DNSSEC_SECURE, NULL);
    rrset_add(&m->tlsa, TLSA_EE, sizeof(TLSA_EE));
    rrset_add(&m->tlsa, TLSA_CUT, sizeof(TLSA_CUT));
    rrset_add(&m->tlsa, "", 0);
    m = mx_add(rr, "mx2.example.net", 20, (const char *const[]){"::ffff:198.51.100.9", NULL}, NULL,
               DNSSEC_BOGUS);
    rrset_set(&m->tlsa, "_25._tcp.mx2.example.net", RESOLVE_DNS_ERROR, DNSSEC_BOGUS,
              "TLSA query: SERVFAIL (DNSSEC bogus)");
    mx_add(rr, "gone.example.org", 30, NULL, "NXDOMAIN", DNSSEC_INSECURE);
    mx_add(rr, ".", 40, NULL, "no address records", DNSSEC_UNKNOWN);
    rrset_set(&rr->sts, "_mta-sts.example.com", RESOLVE_OK, DNSSEC_INSECURE, NULL);
    rrset_add(&rr->sts, TXT_STS, sizeof(TXT_STS) - 1);
    rrset_add(&rr->sts, "\xff", 1);
    rrset_set(&rr->tlsrpt, "_smtp._tls.example.com", RESOLVE_NXDOMAIN, DNSSEC_SECURE, NULL);
    return rr;
}

TEST(targets_roundtrip_ok_result)
{
    struct resolve_result *rr = rich_result();
    struct sts_state *st = sts_new(STS_OK, "20260101", NULL);
    sts_fetched(st, "192.0.2.80", HTTPS_OK, 200);
    sts_policy(st, MTASTS_MODE_ENFORCE, 604800,
               (const char *const[]){"mx1.example.com", "*.example.net", "*.psmtp.example", NULL});
    sts_state_link(st);
    free(roundtrip(12, "example.com", rr, st));
    /* without a state (--no-policy), and with one that says lookups were off: both null */
    free(roundtrip(12, "example.com", rr, NULL));
    st->s.asked = 0;
    free(roundtrip_want(12, "example.com", rr, st, NULL));
    sts_state_free(st);
    resolve_result_free(rr);
}

/* The record's shape, to the octet: what docs/schema.md shows. */
TEST(targets_record_shape)
{
    struct resolve_result *rr = rr_new("example.com", RESOLVE_OK, NULL);
    struct resolve_mx *m = mx_add(rr, "mx.example", 10, (const char *const[]){"192.0.2.1", NULL}, NULL,
                                  DNSSEC_SECURE);
    rrset_set(&m->tlsa, "_25._tcp.mx.example", RESOLVE_OK, DNSSEC_SECURE, NULL);
    rrset_add(&m->tlsa, "\x03\x01\x01\x00\xff", 5);
    rrset_set(&rr->sts, "_mta-sts.example.com", RESOLVE_OK, DNSSEC_INSECURE, NULL);
    rrset_add(&rr->sts, "v=STSv1; id=1", 13);
    struct sts_state *st = sts_new(STS_POLICY, "1", NULL);
    sts_fetched(st, "192.0.2.80", HTTPS_OK, 200);
    st->s.policy_error = MTASTS_POLICY_BAD_MX;
    st->s.policy_line = 4;
    sts_state_link(st);
    char *s = roundtrip(12, "example.com", rr, st);
    CHECK_STR(s, "{\"line\":12,\"kind\":\"domain\",\"domain\":\"example.com\",\"resolve\":{\"status\":\"ok\","
                 "\"error\":null,\"implicit_mx\":false,\"mx_cut\":0,\"addrs_cut\":0,\"mx_dnssec\":null,"
                 "\"mx\":[{\"host\":\"mx.example\",\"pref\":10,\"ips\":[\"192.0.2.1\"],\"resolved\":true,"
                 "\"error\":null,\"addr_dnssec\":\"secure\",\"tlsa\":{\"qname\":\"_25._tcp.mx.example\","
                 "\"status\":\"ok\",\"dnssec\":\"secure\",\"error\":null,\"rr\":[\"030101" "00ff\"]}}],"
                 "\"sts\":{\"qname\":\"_mta-sts.example.com\",\"status\":\"ok\",\"dnssec\":\"insecure\","
                 "\"error\":null,\"rr\":[\"763d53545376313b2069643d31\"]},\"tlsrpt\":null},"
                 "\"mta_sts\":{\"status\":\"bad-mx\",\"id\":\"1\",\"error\":null,\"fetch_ip\":\"192.0.2.80\","
                 "\"fetch_status\":\"ok\",\"http_code\":200,\"policy_error\":\"bad-mx\",\"policy_line\":4,"
                 "\"policy\":null}}");
    free(s);
    sts_state_free(st);
    resolve_result_free(rr);
}

TEST(targets_roundtrip_no_route)
{
    /* implicit MX: the domain itself at preference 0 */
    struct resolve_result *rr = rr_new("implicit.example", RESOLVE_NO_MX, NULL);
    rr->implicit_mx = 1;
    rr->mx_dnssec = DNSSEC_INSECURE;
    mx_add(rr, "implicit.example", 0, (const char *const[]){"192.0.2.5", "2001:db8::5", NULL}, NULL,
           DNSSEC_INSECURE);
    free(roundtrip(1, "implicit.example", rr, NULL));
    resolve_result_free(rr);
    /* no MX and no address: no entries at all */
    rr = rr_new("nomail.example", RESOLVE_NO_MX, NULL);
    free(roundtrip(2, "nomail.example", rr, NULL));
    resolve_result_free(rr);
    rr = rr_new("null.example", RESOLVE_NULL_MX, NULL);
    rr->mx_dnssec = DNSSEC_SECURE;
    free(roundtrip(3, "null.example", rr, NULL));
    resolve_result_free(rr);
    rr = rr_new("nx.example", RESOLVE_NXDOMAIN, NULL);
    rr->mx_dnssec = DNSSEC_BOGUS;
    rrset_set(&rr->sts, "_mta-sts.nx.example", RESOLVE_NXDOMAIN, DNSSEC_UNKNOWN, NULL);
    rrset_set(&rr->tlsrpt, "_smtp._tls.nx.example", RESOLVE_NXDOMAIN, DNSSEC_UNKNOWN, NULL);
    struct sts_state *st = sts_new(STS_NO_TXT, NULL, NULL);
    sts_state_link(st);
    free(roundtrip(4, "nx.example", rr, st));
    sts_state_free(st);
    resolve_result_free(rr);
}

TEST(targets_roundtrip_dns_error)
{
    /* error words with octets that are not UTF-8, a backslash, a NUL-free control character */
    struct resolve_result *rr = rr_new("broken.example", RESOLVE_DNS_ERROR, "MX query: SERVFAIL \xff\x80 \\x41\t");
    free(roundtrip(5, "broken.example", rr, NULL));
    resolve_result_free(rr);
    rr = rr_new("half.example", RESOLVE_OK, NULL);
    mx_add(rr, "mx\xc3.half.example", 5, NULL, "A query: timeout \xc0\xaf", DNSSEC_UNKNOWN);
    rrset_set(&rr->sts, "_mta-sts.half.example", RESOLVE_DNS_ERROR, DNSSEC_UNKNOWN, "TXT query: REFUSED\xfe");
    struct sts_state *st = sts_new(STS_DNS_ERROR, NULL, "TXT query: REFUSED\xfe");
    sts_state_link(st);
    char *s = roundtrip(6, "half.example", rr, st);
    CHECK(strstr(s, "\"A query: timeout \\\\xc0\\\\xaf\"") != NULL); /* the text notation */
    free(s);
    sts_state_free(st);
    resolve_result_free(rr);
}

/* Every status of the state, as sts_fetch.c makes them. */
TEST(targets_roundtrip_sts_states)
{
    struct resolve_result *rr = rr_new("sts.example", RESOLVE_OK, NULL);
    mx_add(rr, "mx.sts.example", 10, (const char *const[]){"192.0.2.25", NULL}, NULL, DNSSEC_UNKNOWN);
    struct sts_state *st[16];
    int n = 0;
    for (int k = STS_NO_TXT; k <= STS_TXT_BAD_ID; k++)
        st[n++] = sts_new((enum sender_sts_status)k, NULL, NULL);
    st[n++] = sts_new(STS_DNS_ERROR, NULL, "TXT query: timeout");
    st[n++] = sts_new(STS_NO_POLICY_HOST, "abc", "no address records");
    st[n] = sts_new(STS_BLOCKED, "abc", "blocked: 10.0.0.0/8 (Private-Use, RFC 1918)");
    st[n++]->fetch_ip = xstrdup("10.1.2.3");
    st[n] = sts_new(STS_FETCH, "abc", "The requested URL returned error: 404");
    sts_fetched(st[n++], "192.0.2.80", HTTPS_HTTP_STATUS, 404);
    st[n] = sts_new(STS_FETCH, "abc", "Connection timed out after 2000 milliseconds");
    sts_fetched(st[n++], "2001:db8::80", HTTPS_TIMEOUT, 0);
    /* a body's error whose word is also a fetch's: told apart by fetch_status */
    st[n] = sts_new(STS_POLICY, "abc", NULL);
    sts_fetched(st[n], "192.0.2.80", HTTPS_OK, 200);
    st[n]->s.policy_error = MTASTS_POLICY_TOO_LARGE;
    st[n]->s.policy_line = 0;
    n++;
    st[n] = sts_new(STS_FETCH, "abc", NULL);
    sts_fetched(st[n++], "192.0.2.80", HTTPS_TOO_LARGE, 200);
    st[n] = sts_new(STS_POLICY, "abc", NULL);
    sts_fetched(st[n], "192.0.2.80", HTTPS_OK, 200);
    st[n]->s.policy_error = MTASTS_POLICY_BAD_MX;
    st[n]->s.policy_line = 7;
    n++;
    st[n] = sts_new(STS_OK, "Z9", NULL);
    sts_fetched(st[n], "192.0.2.80", HTTPS_OK, 200);
    sts_policy(st[n++], MTASTS_MODE_ENFORCE, 86400,
               (const char *const[]){"*.sts.example", "mx.sts.example", "*.\xff.example", NULL});
    st[n] = sts_new(STS_OK, "Z9", NULL);
    sts_fetched(st[n], "192.0.2.80", HTTPS_OK, 200);
    sts_policy(st[n++], MTASTS_MODE_NONE, 0, NULL);
    st[n++] = sts_new(STS_OK, "closed", NULL); /* the loop closed before the fetch: no policy */
    CHECK(n <= 16);
    for (int i = 0; i < n; i++) {
        sts_state_link(st[i]);
        char *s = roundtrip((unsigned long)(100 + i), "sts.example", rr, st[i]);
        /* the status word is domains.jsonl's */
        char want[64];
        snprintf(want, sizeof(want), "\"mta_sts\":{\"status\":\"%s\"", sender_sts_status_str(&st[i]->s));
        CHECK(strstr(s, want) != NULL);
        free(s);
        sts_state_free(st[i]);
    }
    resolve_result_free(rr);
}

/* Every word of every enum the record holds is read back as itself. */
TEST(targets_every_word)
{
    struct resolve_result *rr = rr_new("w.example", RESOLVE_OK, NULL);
    struct resolve_mx *m = mx_add(rr, "mx.w.example", 1, NULL, NULL, DNSSEC_UNKNOWN);
    for (int s = RESOLVE_OK; s <= RESOLVE_CANCELLED; s++)
        for (int d = DNSSEC_UNKNOWN; d <= DNSSEC_BOGUS; d++) {
            rr->status = (enum resolve_status)s;
            rr->mx_dnssec = m->addr_dnssec = (enum resolve_dnssec)d;
            resolve_rrset_clear(&m->tlsa);
            rrset_set(&m->tlsa, "_25._tcp.mx.w.example", (enum resolve_status)s, (enum resolve_dnssec)d, NULL);
            free(roundtrip(1, "w.example", rr, NULL));
        }
    for (int h = HTTPS_HTTP_STATUS; h <= HTTPS_FETCH_FAILED; h++) {
        struct sts_state *st = sts_new(STS_FETCH, "a", NULL);
        sts_fetched(st, "192.0.2.1", (enum https_status)h, 0);
        sts_state_link(st);
        free(roundtrip(2, "w.example", rr, st));
        sts_state_free(st);
    }
    for (int e = MTASTS_POLICY_SYNTAX; e <= MTASTS_POLICY_NO_MX; e++) {
        struct sts_state *st = sts_new(STS_POLICY, "a", NULL);
        sts_fetched(st, "192.0.2.1", HTTPS_OK, 200);
        st->s.policy_error = (enum mtasts_policy_error)e;
        st->s.policy_line = (unsigned long)e;
        sts_state_link(st);
        free(roundtrip(3, "w.example", rr, st));
        sts_state_free(st);
    }
    for (int md = MTASTS_MODE_UNSET; md <= MTASTS_MODE_ENFORCE; md++) {
        struct sts_state *st = sts_new(STS_OK, "a", NULL);
        sts_fetched(st, "192.0.2.1", HTTPS_OK, 200);
        sts_policy(st, (enum mtasts_mode)md, -1, (const char *const[]){"mx.w.example", NULL});
        sts_state_link(st);
        free(roundtrip(4, "w.example", rr, st));
        sts_state_free(st);
    }
    resolve_result_free(rr);
}

/* Invalid and duplicate lines as the real input reader gives them. */
TEST(targets_roundtrip_lines)
{
    char *dir = tfs_mkdtemp("mxs-targets");
    char path[512];
    snprintf(path, sizeof(path), "%s/list.txt", dir);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("example.com\n", f);
    fwrite("bad\0name.example\n", 1, 17, f);   /* line 2: a NUL */
    fputs("caf\xe9\xff.example  \\x41\n", f);    /* line 3: invalid UTF-8, a backslash */
    fputs("EXAMPLE.com.\n", f);                  /* line 4: a duplicate of line 1 */
    for (int i = 0; i < INPUT_LINE_MAX + 50; i++) /* line 5: over-long, cut to 4096 octets */
        fputc(i == 100 ? 0 : 'a' + i % 26, f);
    fputc('\n', f);
    fclose(f);
    char err[512];
    struct input_reader *in = input_reader_open(path, err, sizeof(err));
    CHECK(in != NULL);
    struct input_line l;
    int seen = 0;
    while (in && input_next(in, &l) == 1) {
        json_t *j = targets_line_json(&l);
        if (l.status == INPUT_OK) {
            CHECK(j == NULL);
            continue;
        }
        seen++;
        char *s = dump(j);
        json_decref(j);
        CHECK(s && !strchr(s, '\n'));
        struct target t;
        char why[256] = "";
        CHECK_INT(parse_text(s, &t, why, sizeof(why)), 0);
        CHECK_INT(t.line, l.lineno);
        if (l.status == INPUT_INVALID) {
            CHECK_INT(t.kind, TARGET_INVALID);
            CHECK_INT(t.raw_len, l.raw_len);
            CHECK(t.raw && memcmp(t.raw, l.raw, l.raw_len) == 0 && t.raw[t.raw_len] == '\0');
            CHECK_STR(t.why, l.why);
            CHECK(t.domain == NULL && t.rr == NULL && t.sts == NULL);
        } else {
            CHECK_INT(t.kind, TARGET_DUPLICATE);
            CHECK_STR(t.domain, "example.com");
            CHECK_INT(t.dup_of, 1);
            CHECK_STR(s, "{\"line\":4,\"kind\":\"duplicate\",\"domain\":\"example.com\",\"duplicate_of\":1}");
        }
        if (l.lineno == 2)
            CHECK_STR(s, "{\"line\":2,\"kind\":\"invalid\",\"input\":\"bad\\\\x00name.example\","
                         "\"error\":\"contains a NUL byte\"}");
        if (l.lineno == 5) {
            CHECK_INT(t.raw_len, INPUT_LINE_MAX);
            CHECK_STR(t.why, "line longer than 4096 octets");
        }
        free(s);
        target_clear(&t);
    }
    CHECK_INT(seen, 4);
    input_reader_close(in);
    tfs_rmtree(dir);
    free(dir);
}

/* ------------------------------------------------------------------ refusals */

/* The member at a path ("resolve.mx[0].ips[1]") of root: its parent and the last step (key,
 * or index when key is NULL). */
static json_t *parent_of(json_t *root, const char *path, char *key, size_t keylen, long *index)
{
    json_t *cur = root;
    char buf[160];
    snprintf(buf, sizeof(buf), "%s", path);
    char *p = buf;
    for (;;) {
        size_t n = strcspn(p, ".[");
        char name[64];
        snprintf(name, sizeof(name), "%.*s", (int)n, p);
        p += n;
        long idx = -1;
        json_t *next = n ? json_object_get(cur, name) : cur;
        if (*p == '[') {
            idx = strtol(p + 1, &p, 10);
            p++; /* ']' */
            if (!*p) {
                json_t *parent = n ? next : cur;
                *index = idx;
                key[0] = '\0';
                return parent;
            }
            next = json_array_get(n ? next : cur, (size_t)idx);
        } else if (!*p) {
            snprintf(key, keylen, "%s", name);
            *index = -1;
            return cur;
        }
        cur = next;
        if (*p == '.')
            p++;
    }
}

/* Sets (v non-NULL; stolen) or deletes the member at path. */
static void set_at(json_t *root, const char *path, json_t *v)
{
    char key[64];
    long idx;
    json_t *parent = parent_of(root, path, key, sizeof(key), &idx);
    CHECK(parent != NULL);
    if (idx >= 0)
        CHECK_INT(v ? json_array_set_new(parent, (size_t)idx, v) : json_array_remove(parent, (size_t)idx), 0);
    else
        CHECK_INT(v ? json_object_set_new(parent, key, v) : json_object_del(parent, key), 0);
}

/* A domain record with every part present (a fetched enforce policy, TLSA, TXT). */
static json_t *full_record(void)
{
    struct resolve_result *rr = rich_result();
    struct sts_state *st = sts_new(STS_OK, "id1", NULL);
    sts_fetched(st, "192.0.2.80", HTTPS_OK, 200);
    sts_policy(st, MTASTS_MODE_ENFORCE, 604800, (const char *const[]){"mx1.example.com", "*.example.net", NULL});
    sts_state_link(st);
    json_t *j = targets_domain_json(12, "example.com", rr, st);
    sts_state_free(st);
    resolve_result_free(rr);
    return j;
}

static void refused(json_t *rec, const char *want)
{
    struct target t;
    memset(&t, 0x5a, sizeof(t)); /* zeroed by the parse, whatever it held */
    char why[256] = "";
    CHECK_INT(targets_parse(rec, &t, why, sizeof(why)), -1);
    if (!strstr(why, want))
        fprintf(stderr, "  why \"%s\", expected \"%s\"\n", why, want);
    CHECK(strstr(why, want) != NULL);
    struct target zero;
    memset(&zero, 0, sizeof(zero));
    CHECK(memcmp(&t, &zero, sizeof(t)) == 0); /* cleared: nothing held, nothing leaked */
    json_decref(rec);
}

static void refused_with(const char *path, json_t *v, const char *want)
{
    json_t *rec = full_record();
    set_at(rec, path, v);
    refused(rec, want);
}

TEST(targets_parse_refusals)
{
    /* the unchanged record is read */
    json_t *ok = full_record();
    struct target t;
    char why[256];
    CHECK_INT(targets_parse(ok, &t, why, sizeof(why)), 0);
    target_clear(&t);
    json_decref(ok);

    refused(json_array(), "record: not a JSON object");
    refused_with("line", NULL, "line: missing");
    refused_with("line", json_integer(0), "line: 0 is out of range");
    refused_with("line", json_string("12"), "line: not an integer");
    refused_with("kind", json_string("host"), "kind: unknown word \"host\"");
    refused_with("kind", json_null(), "kind: null");
    refused_with("domain", json_integer(5), "domain: not a string");
    refused_with("domain", json_string(""), "domain: empty");
    refused_with("domain", json_string("a\\x00b"), "domain: holds a NUL octet");
    refused_with("resolve", json_null(), "resolve: null in a domain record");
    refused_with("resolve", json_string("ok"), "resolve: not an object or null");
    refused_with("mta_sts", NULL, "mta_sts: missing");
    refused_with("resolve.status", json_string("fine"), "resolve.status: unknown word \"fine\"");
    refused_with("resolve.error", json_integer(1), "resolve.error: not a string or null");
    refused_with("resolve.implicit_mx", json_integer(1), "resolve.implicit_mx: not true or false");
    refused_with("resolve.mx_cut", json_integer(-1), "resolve.mx_cut: -1 is out of range");
    refused_with("resolve.addrs_cut", NULL, "resolve.addrs_cut: missing");
    refused_with("resolve.mx_dnssec", json_string("maybe"), "resolve.mx_dnssec: unknown word \"maybe\"");
    refused_with("resolve.mx", json_object(), "resolve.mx: not an array");
    refused_with("resolve.mx[1]", json_integer(3), "resolve.mx[1]: not an object");
    refused_with("resolve.mx[0].host", json_null(), "resolve.mx[0].host: not a string");
    refused_with("resolve.mx[0].pref", json_integer(-1), "resolve.mx[0].pref: -1 is out of range");
    refused_with("resolve.mx[0].ips[1]", json_string("999.1.1.1"), "resolve.mx[0].ips[1]: not an IP address");
    refused_with("resolve.mx[0].ips[0]", json_integer(4), "resolve.mx[0].ips[0]: not a string");
    refused_with("resolve.mx[1].resolved", NULL, "resolve.mx[1].resolved: missing");
    refused_with("resolve.mx[2].addr_dnssec", json_string("secure!"), "resolve.mx[2].addr_dnssec: unknown word");
    refused_with("resolve.mx[0].tlsa", json_array(), "resolve.mx[0].tlsa: not an object or null");
    refused_with("resolve.mx[0].tlsa.rr[1]", json_string("0g"), "resolve.mx[0].tlsa.rr[1]: not hex at offset 0");
    refused_with("resolve.mx[0].tlsa.rr[0]", json_string("abc"), "resolve.mx[0].tlsa.rr[0]: hex of odd length");
    refused_with("resolve.mx[0].tlsa.status", json_string("nodata!"), "resolve.mx[0].tlsa.status: unknown word");
    refused_with("resolve.sts.rr", json_string("00"), "resolve.sts.rr: not an array");
    refused_with("resolve.sts.dnssec", json_integer(1), "resolve.sts.dnssec: not a string");
    refused_with("resolve.tlsrpt.qname", NULL, "resolve.tlsrpt.qname: missing");
    refused_with("mta_sts.status", json_string("fetched"), "mta_sts.status: unknown word \"fetched\"");
    /* a fetch's word that is not this record's fetch_status */
    refused_with("mta_sts.status", json_string("timeout"), "mta_sts.status: unknown word \"timeout\"");
    refused_with("mta_sts.fetch_status", json_string("slow"), "mta_sts.fetch_status: unknown word \"slow\"");
    refused_with("mta_sts.fetch_ip", json_string("mta-sts.example.com"), "mta_sts.fetch_ip: not an IP address");
    refused_with("mta_sts.id", json_string("123456789012345678901234567890123"),
                 "mta_sts.id: longer than 32 octets");
    refused_with("mta_sts.http_code", json_real(200.0), "mta_sts.http_code: not an integer");
    refused_with("mta_sts.policy_error", json_string("bad"), "mta_sts.policy_error: unknown word \"bad\"");
    refused_with("mta_sts.policy_line", json_integer(-3), "mta_sts.policy_line: -3 is out of range");
    refused_with("mta_sts.policy", json_null(), "mta_sts.policy: null with status ok");
    refused_with("mta_sts.policy.mode", json_string("strict"), "mta_sts.policy.mode: unknown word \"strict\"");
    refused_with("mta_sts.policy.max_age", json_integer(-2), "mta_sts.policy.max_age: -2 is out of range");
    refused_with("mta_sts.policy.mx[1]", json_integer(7), "mta_sts.policy.mx[1]: not a string");
    refused_with("mta_sts.policy.has_version", json_string("yes"), "mta_sts.policy.has_version: not true or false");
    /* a policy with a status other than ok */
    json_t *rec = full_record();
    set_at(rec, "mta_sts.status", json_string("bad-mx"));
    set_at(rec, "mta_sts.policy_error", json_string("bad-mx"));
    refused(rec, "mta_sts.policy: an object with a status other than ok");

    /* invalid and duplicate lines */
    rec = json_pack("{s:i, s:s, s:s}", "line", 3, "kind", "invalid", "error", "contains whitespace");
    refused(rec, "input: missing");
    char *big = xmalloc(4 * (INPUT_LINE_MAX + 1) + 1);
    for (int i = 0; i <= INPUT_LINE_MAX; i++)
        memcpy(big + 4 * i, "\\x00", 4);
    big[4 * (INPUT_LINE_MAX + 1)] = '\0';
    rec = json_pack("{s:i, s:s, s:s, s:s}", "line", 3, "kind", "invalid", "input", big, "error", "x");
    refused(rec, "input: longer than 4096 octets");
    free(big);
    rec = json_pack("{s:i, s:s, s:s, s:n}", "line", 3, "kind", "invalid", "input", "a b", "error");
    refused(rec, "error: not a string");
    rec = json_pack("{s:i, s:s, s:s, s:i}", "line", 7, "kind", "duplicate", "domain", "a.example", "duplicate_of", 0);
    refused(rec, "duplicate_of: 0 is out of range");
    rec = json_pack("{s:i, s:s, s:s}", "line", 7, "kind", "duplicate", "domain", "a.example");
    refused(rec, "duplicate_of: missing");
}

/* Every member of a full record (and every array entry), in turn, replaced by each kind of
 * JSON value: read, or refused with a why that begins with that member's path (never a crash,
 * nothing leaked: the sanitizer build checks). */
static void each_path(const json_t *v, const char *path, json_t *out)
{
    char p[160];
    const char *k;
    json_t *m;
    size_t i;
    if (json_is_object(v))
        json_object_foreach((json_t *)v, k, m) {
            snprintf(p, sizeof(p), "%s%s%s", path, *path ? "." : "", k);
            json_array_append_new(out, json_string(p));
            each_path(m, p, out);
        }
    else if (json_is_array(v))
        json_array_foreach(v, i, m) {
            snprintf(p, sizeof(p), "%s[%zu]", path, i);
            json_array_append_new(out, json_string(p));
            each_path(m, p, out);
        }
}

TEST(targets_parse_every_member_damaged)
{
    json_t *rec = full_record(), *paths = json_array();
    each_path(rec, "", paths);
    json_decref(rec);
    CHECK(json_array_size(paths) > 60);
    size_t i, refusals = 0;
    json_t *pv;
    json_array_foreach(paths, i, pv) {
        const char *path = json_string_value(pv);
        for (int kind = 0; kind < 6; kind++) {
            json_t *v = kind == 0 ? json_null() : kind == 1 ? json_integer(-5) : kind == 2 ? json_string("x\\x00")
                      : kind == 3 ? json_array() : kind == 4 ? json_object() : json_true();
            rec = full_record();
            set_at(rec, path, v);
            struct target t;
            char why[256] = "";
            if (targets_parse(rec, &t, why, sizeof(why)) == 0) {
                target_clear(&t);
            } else {
                refusals++;
                size_t n = strlen(path);
                int named = strncmp(why, path, n) == 0 && (why[n] == ':' || why[n] == '.' || why[n] == '[');
                if (!named)
                    fprintf(stderr, "  %s replaced (%d): why \"%s\"\n", path, kind, why);
                CHECK(named);
            }
            json_decref(rec);
        }
    }
    CHECK(refusals > 5 * json_array_size(paths)); /* nearly every change is refused */
    json_decref(paths);
}

/* ------------------------------------------------------------------ docs/schema.md */

/* Every key the three kinds of record write is in docs/schema.md's section, and nothing more. */
TEST(targets_schema_documented)
{
    json_t *have = json_object(), *rec = full_record();
    tfs_key_paths(rec, "", have, NULL);
    json_decref(rec);
    struct input_line inv = {.lineno = 3, .status = INPUT_INVALID, .raw = "a b", .raw_len = 3,
                             .why = "contains whitespace"};
    struct input_line dup = {.lineno = 7, .status = INPUT_DUPLICATE, .name = "a.example", .dup_of = 2};
    rec = targets_line_json(&inv);
    tfs_key_paths(rec, "", have, NULL);
    json_decref(rec);
    rec = targets_line_json(&dup);
    tfs_key_paths(rec, "", have, NULL);
    json_decref(rec);
    json_t *doc = tfs_schema_names("targets.jsonl (staged survey)");
    CHECK(json_array_size(doc) > 40);
    tfs_check_documented(have, doc, "targets.jsonl");
    json_decref(doc);
    json_decref(have);
}
