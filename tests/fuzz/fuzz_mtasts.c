/* libFuzzer harness for the MTA-STS and TLSRPT readers (src/classify/taglist.c, mtasts.c,
 * tlsrpt_record.c). The first octet picks the split points; the rest is read three ways: as an
 * MTA-STS policy body (whole, one octet at a time, and in pieces of the picked size), as an
 * MTA-STS TXT record and as a TLSRPT TXT record. Invariants:
 *   - the three reads of the body give the same result, policy and error line;
 *   - a policy read without error has version, mode, max_age in 0..31557600, patterns that
 *     are lowercase with '*' only as a leading "*." label, and mx unless the mode is none;
 *     each pattern covers a host made by putting a label in place of its '*' (or itself), and
 *     never that host with one more label in front when it is a wildcard;
 *   - more than MTASTS_POLICY_MAX octets are never read without error;
 *   - an id from the TXT record is 1..32 letters and digits; TLSRPT counts add up to at least
 *     one usable URI when the record is valid.
 * Seeds: tests/fuzz/corpus/mtasts/ (the unit tests' policies and records). */
#include "fuzz.h"

#include <ctype.h>

#include "classify/mtasts.h"
#include "classify/tlsrpt_record.h"

static enum mtasts_policy_error read_in(const char *s, size_t n, size_t piece,
                                        struct mtasts_policy *p, unsigned long *line)
{
    struct mtasts_reader r;
    mtasts_reader_init(&r);
    for (size_t i = 0; i < n; i += piece)
        mtasts_reader_feed(&r, s + i, n - i < piece ? n - i : piece);
    enum mtasts_policy_error e = mtasts_reader_end(&r, p);
    *line = r.line;
    return e;
}

static void check_policy(const struct mtasts_policy *p)
{
    REQUIRE(p->has_version);
    REQUIRE(p->mode != MTASTS_MODE_UNSET);
    REQUIRE(p->max_age >= 0 && p->max_age <= MTASTS_MAX_AGE_MAX);
    REQUIRE(p->mode == MTASTS_MODE_NONE || p->nmx > 0);
    for (size_t i = 0; i < p->nmx; i++) {
        const char *m = p->mx[i];
        int wild = m[0] == '*';
        REQUIRE(!wild || m[1] == '.');
        for (const char *c = m + (wild ? 2 : 0); *c; c++)
            REQUIRE(*c != '*' && !isupper((unsigned char)*c));
        char host[600];
        snprintf(host, sizeof(host), "%s%s", wild ? "x" : "", wild ? m + 1 : m);
        REQUIRE(mtasts_mx_covered(m, host));
        REQUIRE(mtasts_policy_covers(p, host) >= 0);
        char deeper[700];
        snprintf(deeper, sizeof(deeper), "y.%s", host);
        if (wild)
            REQUIRE(!mtasts_mx_covered(m, deeper));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t piece = (size_t)data[0] % 17 + 1;
    char *s = fuzz_dup(data + 1, size - 1);
    size_t n = size - 1;

    struct mtasts_policy a, b, c;
    unsigned long la, lb, lc;
    enum mtasts_policy_error ea = read_in(s, n, n ? n : 1, &a, &la);
    enum mtasts_policy_error eb = read_in(s, n, 1, &b, &lb);
    enum mtasts_policy_error ec = read_in(s, n, piece, &c, &lc);
    REQUIRE(ea == eb && ea == ec && la == lb && la == lc);
    REQUIRE(a.nmx == b.nmx && a.nmx == c.nmx && a.max_age == b.max_age && a.mode == c.mode);
    for (size_t i = 0; i < a.nmx; i++)
        REQUIRE(strcmp(a.mx[i], b.mx[i]) == 0 && strcmp(a.mx[i], c.mx[i]) == 0);
    if (ea == MTASTS_POLICY_OK)
        check_policy(&a);
    else
        REQUIRE(a.nmx == 0 && mtasts_policy_error_str(ea) != NULL);
    REQUIRE(n <= MTASTS_POLICY_MAX || ea != MTASTS_POLICY_OK);
    mtasts_policy_clear(&a);
    mtasts_policy_clear(&b);
    mtasts_policy_clear(&c);

    char id[MTASTS_ID_MAX + 1];
    if (mtasts_txt_parse(s, n, id) == MTASTS_TXT_OK) {
        size_t k = strlen(id);
        REQUIRE(k >= 1 && k <= MTASTS_ID_MAX);
        for (size_t i = 0; i < k; i++)
            REQUIRE(isalnum((unsigned char)id[i]));
    }
    struct tlsrpt_record r;
    if (tlsrpt_record_parse(s, n, &r) == TLSRPT_RECORD_OK)
        REQUIRE(r.mailto + r.https >= 1);
    free(s);
    return 0;
}
