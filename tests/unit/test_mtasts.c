/* Unit tests for the MTA-STS and TLSRPT readers (src/classify/taglist.c, mtasts.c,
 * tlsrpt_record.c): RFC 8461 §3.1, §3.2, §4.1 and RFC 8460 §3, on hand-made records; every
 * policy is also fed one octet at a time and split at every point, and must read the same. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "classify/mtasts.h"
#include "classify/taglist.h"
#include "classify/tlsrpt_record.h"

static const char *txt(const char *rec, char *id)
{
    return mtasts_txt_error_str(mtasts_txt_parse(rec, strlen(rec), id));
}

TEST(mtasts_txt_record)
{
    char id[MTASTS_ID_MAX + 1];
    CHECK_STR(txt("v=STSv1; id=20160831085700Z;", id), NULL);
    CHECK_STR(id, "20160831085700Z");
    CHECK_STR(txt("v=STSv1;id=abc", id), NULL);
    CHECK_STR(id, "abc");
    CHECK_STR(txt("v=STSv1 ;\tid=abc ; ext=x.y-z ;", id), NULL);
    CHECK_STR(txt("v=STSv1; ext=1; id=A1", id), NULL);
    CHECK_STR(id, "A1");
    CHECK_STR(txt("v=STSv1; id=12345678901234567890123456789012", id), NULL); /* 32 */
    CHECK_STR(txt("v=STSv1; id=123456789012345678901234567890123", id), "bad-id");
    CHECK_STR(txt("v=STSv1; id=a-b", id), "bad-id");
    CHECK_STR(txt("v=STSv1; id=a; id=b", id), "bad-id");
    CHECK_STR(txt("v=STSv1;", id), "no-id");
    CHECK_STR(txt("v=STSv1", id), "no-id");
    CHECK_STR(txt("v=STSv1; ext=1", id), "no-id");
    CHECK_STR(txt("v=stsv1; id=a", id), "syntax"); /* %s"v=STSv1": case-sensitive */
    CHECK_STR(txt("id=a; v=STSv1", id), "syntax");
    CHECK_STR(txt("v=STSv1; id=a;;", id), "syntax");
    CHECK_STR(txt("v=STSv1; id =a", id), "syntax");
    CHECK_STR(txt("v=STSv1; id=a b", id), "syntax");
    CHECK_STR(txt("v=STSv1; _x=1; id=a", id), "syntax");
    CHECK_STR(txt("", id), "syntax");
    /* Every prefix of a valid record parses or fails cleanly (never reads past n). */
    const char *rec = "v=STSv1; id=abc123; ext=v;";
    for (size_t n = 0; n <= strlen(rec); n++) {
        char *cut = malloc(n ? n : 1);
        memcpy(cut, rec, n);
        enum mtasts_txt_error e = mtasts_txt_parse(cut, n, id);
        CHECK(e == MTASTS_TXT_OK || e == MTASTS_TXT_SYNTAX || e == MTASTS_TXT_NO_ID);
        free(cut);
    }
}

TEST(taglist_select_one_record)
{
    const char *recs[] = {"v=spf1 -all", "v=STSv1; id=1", "v=STSv10; id=2", "v=STSv1"};
    size_t lens[4];
    for (int i = 0; i < 4; i++)
        lens[i] = strlen(recs[i]);
    CHECK_INT(taglist_select(recs, lens, 3, "v=STSv1"), 1); /* v=STSv10 is another version */
    CHECK_INT(taglist_select(recs, lens, 4, "v=STSv1"), -2);
    CHECK_INT(taglist_select(recs, lens, 1, "v=STSv1"), -1);
    CHECK_INT(taglist_select(recs, lens, 0, "v=STSv1"), -1);
    CHECK(taglist_has_version("v=TLSRPTv1 ;rua=x", 17, "v=TLSRPTv1"));
    CHECK(!taglist_has_version("v=TLSRPTv1", 9, "v=TLSRPTv1"));
}

/* Reads body whole, one octet at a time and split at every point; all must agree. Returns the
 * error word (NULL: ok) and fills *out from the whole read (caller clears). */
static const char *policy(const char *body, struct mtasts_policy *out, unsigned long *line)
{
    size_t n = strlen(body);
    struct mtasts_reader r;
    mtasts_reader_init(&r);
    mtasts_reader_feed(&r, body, n);
    enum mtasts_policy_error whole = mtasts_reader_end(&r, out);
    if (line)
        *line = r.line;
    struct mtasts_policy p;
    mtasts_reader_init(&r);
    for (size_t i = 0; i < n; i++)
        mtasts_reader_feed(&r, body + i, 1);
    CHECK_INT(mtasts_reader_end(&r, &p), whole);
    CHECK_INT(p.nmx, out->nmx);
    mtasts_policy_clear(&p);
    for (size_t k = 0; k <= n; k++) {
        mtasts_reader_init(&r);
        mtasts_reader_feed(&r, body, k);
        mtasts_reader_feed(&r, body + k, n - k);
        CHECK_INT(mtasts_reader_end(&r, &p), whole);
        CHECK_INT(p.max_age, out->max_age);
        mtasts_policy_clear(&p);
    }
    return mtasts_policy_error_str(whole);
}

TEST(mtasts_policy_body)
{
    struct mtasts_policy p;
    unsigned long line = 0;
    CHECK_STR(policy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\n"
                     "mx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n",
                     &p, NULL),
              NULL);
    CHECK_STR(mtasts_mode_str(p.mode), "enforce");
    CHECK_INT(p.max_age, 604800);
    CHECK_INT(p.nmx, 3);
    CHECK_STR(p.mx[1], "*.example.net");
    mtasts_policy_clear(&p);
    /* LF endings, no final newline, WSP after ':' and at the end, unknown keys, case of mx. */
    CHECK_STR(policy("version:STSv1\nmode:\ttesting  \nmx: MX.Example.COM\nfoo_bar: any thing\n"
                     "max_age: 0",
                     &p, NULL),
              NULL);
    CHECK_STR(p.mx[0], "mx.example.com");
    CHECK_INT(p.max_age, 0);
    mtasts_policy_clear(&p);
    /* none needs no mx; blank lines are ignored. */
    CHECK_STR(policy("version: STSv1\n\nmode: none\nmax_age: 31557600\n\n", &p, NULL), NULL);
    CHECK_INT(p.nmx, 0);
    mtasts_policy_clear(&p);
    struct {
        const char *body, *err;
        unsigned long line;
    } bad[] = {
        {"version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "bad-version", 1},
        {"version: stsv1\nmode: enforce\nmx: a.example\nmax_age: 1\n", "bad-version", 1},
        {"version: STSv1\nmode: Enforce\nmx: a.example\nmax_age: 1\n", "bad-mode", 2},
        {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "bad-max-age", 4},
        {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n", "bad-max-age", 4},
        {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1\n", "bad-max-age", 4},
        {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1d\n", "bad-max-age", 4},
        {"version: STSv1\nmode: enforce\nmx: *.*.example\nmax_age: 1\n", "bad-mx", 3},
        {"version: STSv1\nmode: enforce\nmx: mail.*.example\nmax_age: 1\n", "bad-mx", 3},
        {"version: STSv1\nmode: enforce\nmx: a_b.example\nmax_age: 1\n", "bad-mx", 3},
        {"version: STSv1\nmode: enforce\nmx: *\nmax_age: 1\n", "bad-mx", 3},
        {"version: STSv1\nmode: enforce\nmode: testing\nmx: a.example\nmax_age: 1\n", "duplicate", 3},
        {"mode: enforce\nmx: a.example\nmax_age: 1\n", "no-version", 0},
        {"version: STSv1\nmx: a.example\nmax_age: 1\n", "no-mode", 0},
        {"version: STSv1\nmode: enforce\nmx: a.example\n", "no-max-age", 0},
        {"version: STSv1\nmode: testing\nmax_age: 1\n", "no-mx", 0},
        {"version: STSv1\nmode enforce\n", "syntax", 2},
        {"version: STSv1\nmode:\n", "syntax", 2},
        {"version: STSv1\r\rmode: none\n", "syntax", 1},
        {"version: STSv1\nmode: none\r", "syntax", 2},
        {"<html>redirected</html>\n", "syntax", 1},
        {"version: STSv1\nmode: none\x01\n", "syntax", 2},
        {"", "no-version", 0},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *e = policy(bad[i].body, &p, &line);
        CHECK_STR(e, bad[i].err);
        if (e && strcmp(e, bad[i].err) == 0 && line != bad[i].line)
            fprintf(stderr, "  case %zu: line %lu, expected %lu\n", i, line, bad[i].line);
        CHECK(line == bad[i].line);
        CHECK_INT(p.nmx, 0);
    }
}

TEST(mtasts_policy_size_cap)
{
    size_t n = MTASTS_POLICY_MAX + 1;
    char *body = malloc(n);
    memset(body, '\n', n);
    const char *head = "version: STSv1\nmode: none\nmax_age: 1\n";
    memcpy(body, head, strlen(head));
    struct mtasts_reader r;
    struct mtasts_policy p;
    mtasts_reader_init(&r);
    CHECK_INT(mtasts_reader_feed(&r, body, n - 1), MTASTS_POLICY_OK); /* exactly the cap */
    CHECK_STR(mtasts_policy_error_str(mtasts_reader_feed(&r, body, 1)), "too-large");
    CHECK_STR(mtasts_policy_error_str(mtasts_reader_end(&r, &p)), "too-large");
    mtasts_reader_init(&r);
    mtasts_reader_feed(&r, body, n - 1);
    CHECK_STR(mtasts_policy_error_str(mtasts_reader_end(&r, &p)), NULL);
    mtasts_policy_clear(&p);
    /* A line longer than any field could be is a syntax error, not an overflow. */
    memset(body, 'a', 5000);
    memcpy(body, "mx: ", 4);
    mtasts_reader_init(&r);
    CHECK_STR(mtasts_policy_error_str(mtasts_reader_feed(&r, body, 5000)), "syntax");
    CHECK_STR(mtasts_policy_error_str(mtasts_reader_end(&r, &p)), "syntax");
    free(body);
}

TEST(mtasts_mx_patterns)
{
    /* RFC 8461 §4.1's own examples, and the Postini case. */
    CHECK(mtasts_mx_covered("mail.example.com", "mail.example.com"));
    CHECK(mtasts_mx_covered("mail.example.com", "MAIL.Example.com."));
    CHECK(mtasts_mx_covered("*.example.com", "mail.example.com"));
    CHECK(!mtasts_mx_covered("*.example.com", "example.com"));
    CHECK(!mtasts_mx_covered("*.example.com", "foo.mail.example.com"));
    CHECK(!mtasts_mx_covered("*.psmtp.example", "customer.example.s6a1.psmtp.example"));
    CHECK(mtasts_mx_covered("*.s6a1.psmtp.example", "customer-example.s6a1.psmtp.example"));
    CHECK(!mtasts_mx_covered("*.example.com", ".example.com"));
    CHECK(!mtasts_mx_covered("*.example.com", "mailexample.com"));
    CHECK(!mtasts_mx_covered("example.com", "mail.example.com"));
    CHECK(!mtasts_mx_covered("mail.example.com", ""));
    struct mtasts_policy p;
    CHECK_STR(policy("version: STSv1\nmode: enforce\nmx: a.example\nmx: *.b.example\nmax_age: 9\n",
                     &p, NULL),
              NULL);
    CHECK_INT(mtasts_policy_covers(&p, "x.b.example"), 1);
    CHECK_INT(mtasts_policy_covers(&p, "a.example"), 0);
    CHECK_INT(mtasts_policy_covers(&p, "x.a.example"), -1);
    mtasts_policy_clear(&p);
}

static const char *rpt(const char *rec, struct tlsrpt_record *r)
{
    return tlsrpt_record_error_str(tlsrpt_record_parse(rec, strlen(rec), r));
}

TEST(tlsrpt_record_fields)
{
    struct tlsrpt_record r;
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:reports@example.com", &r), NULL);
    CHECK_INT(r.mailto, 1);
    CHECK_STR(rpt("v=TLSRPTv1;rua=https://reporting.example.com/v1/tlsrpt", &r), NULL);
    CHECK_INT(r.https, 1);
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a@x.example , https://r.example/p ;ext=1;", &r), NULL);
    CHECK_INT(r.mailto, 1);
    CHECK_INT(r.https, 1);
    CHECK_INT(r.bad, 0);
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a@x.example,ftp://r.example/", &r), NULL);
    CHECK_INT(r.bad, 1);
    CHECK_STR(rpt("v=TLSRPTv1; rua=MAILTO:a@x.example", &r), NULL);
    CHECK_STR(rpt("v=TLSRPTv1; rua=ftp://r.example/", &r), "bad-uri");
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:nobody", &r), "bad-uri");
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:@x.example", &r), "bad-uri");
    CHECK_STR(rpt("v=TLSRPTv1; rua=https:r.example", &r), "bad-uri");
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a@x.example,", &r), NULL);
    CHECK_INT(r.bad, 1);
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a b@x.example", &r), "bad-uri");
    CHECK_STR(rpt("v=TLSRPTv1;", &r), "no-rua");
    CHECK_STR(rpt("v=TLSRPTv1; ext=1", &r), "no-rua");
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a@x.example; rua=mailto:b@x.example", &r),
              "duplicate-rua");
    CHECK_STR(rpt("v=TLSRPTv2; rua=mailto:a@x.example", &r), "syntax");
    CHECK_STR(rpt("rua=mailto:a@x.example; v=TLSRPTv1", &r), "syntax");
    CHECK_STR(rpt("v=TLSRPTv1; ext=a b; rua=mailto:a@x.example", &r), "syntax");
    CHECK_STR(rpt("v=TLSRPTv1; rua=mailto:a@x.example\x01", &r), "syntax");
    CHECK_STR(rpt("", &r), "syntax");
}
