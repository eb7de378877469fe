/* matchcmd: see matchcmd.h. Reads one certificate (the first of a PEM file, or DER), turns it
 * into a cert_info exactly as a probe does (cert_info_from_der), and runs the functions the
 * scan uses on it: match_presented_from_cert, classify_wildcard_cert, match_reference (and
 * match_lax with --lax), with the Public Suffix List the scan loads (classify_psl_load). Names
 * are written in the text notation of text.h, like the scan's records. Output, one compact
 * JSON object a line:
 *   {"presented":[...],"names_from":"san"|"cn","cn_in_san":BOOL,"wildcard":CLASS}
 *   {"name":NAME,"match":"exact"|"wildcard"|"multilabel"|"none","matched_by":NAME|null}
 * (one line per NAME, in order, with "lax":BOOL added under --lax). */
#include "matchcmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/error.h>
#include <mbedtls/pem.h>

#include "classify/classify.h"
#include "cli.h"
#include "classify/match.h"
#include "report/record.h"
#include "core/text.h"
#include "core/util.h"

/* No certificate file is anywhere near this large; bigger input is refused, not read. */
#define CERT_FILE_MAX (1024 * 1024)

static const char pem_begin[] = "-----BEGIN CERTIFICATE-----";
static const char pem_end[] = "-----END CERTIFICATE-----";

enum { OPT_HELP, OPT_LAX };
static const struct cli_opt match_opts[] = {
    {.name = "lax", .help = "add \"lax\": what a lax matcher (partial-label, multi-label '*', no public-suffix check) would accept", .id = OPT_LAX},
    CLI_OPT_HELP(OPT_HELP),
};

static void match_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey match [OPTIONS] CERT_FILE NAME...\n\n"
               "Checks each NAME against the certificate in CERT_FILE (PEM: the first\n"
               "certificate; or DER) with the scan's rules (RFC 6125 / RFC 9525, strict):\n"
               "SAN dNSNames, or the subject CN only when there is no SAN dNSName; one-label\n"
               "wildcards only, never directly over a public suffix of the PSL (*.com).\n"
               "Prints one JSON line about the certificate, then one per NAME:\n"
               "  {\"presented\":[...],\"names_from\":\"san\"|\"cn\",\"cn_in_san\":BOOL,\"wildcard\":CLASS}\n"
               "  {\"name\":NAME,\"match\":\"exact\"|\"wildcard\"|\"multilabel\"|\"none\",\"matched_by\":...}\n"
               "CLASS: none, leftmost, partial-label, non-leftmost, multiple, public-suffix, bare.\n\n");
    cli_print_options(f, match_opts, (int)ARRAY_LEN(match_opts));
    fprintf(f, "\nExit codes: 0 it ran (whatever matched), 2 usage error or a certificate that\n"
               "cannot be read or parsed.\n");
}

/* Reads the whole file (at most CERT_FILE_MAX octets) into a NUL-terminated buffer. Returns
 * NULL after writing the reason into err. Caller frees. */
static unsigned char *read_file(const char *path, size_t *len, char *err, size_t errsz)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = xmalloc(CERT_FILE_MAX + 2);
    size_t n = fread(buf, 1, CERT_FILE_MAX + 1, f);
    int failed = ferror(f) ? errno : 0;
    fclose(f);
    if (failed) {
        snprintf(err, errsz, "cannot read %s: %s", path, strerror(failed));
        goto fail;
    }
    if (n > CERT_FILE_MAX) {
        snprintf(err, errsz, "%s: larger than %d octets, not a certificate", path, CERT_FILE_MAX);
        goto fail;
    }
    if (n == 0) {
        snprintf(err, errsz, "%s: empty file", path);
        goto fail;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
fail:
    free(buf);
    return NULL;
}

/* The first occurrence of the NUL-terminated needle in data[0..len), or NULL. */
static const unsigned char *find(const unsigned char *data, size_t len, const char *needle)
{
    size_t nl = strlen(needle);
    for (size_t i = 0; i + nl <= len; i++)
        if (data[i] == (unsigned char)needle[0] && memcmp(data + i, needle, nl) == 0)
            return data + i;
    return NULL;
}

/* The DER of the certificate in data: the first PEM CERTIFICATE block when there is one,
 * else data itself taken as DER. Returns a new buffer (caller frees) or NULL with err set. */
static unsigned char *certificate_der(const unsigned char *data, size_t len, size_t *der_len,
                                      const char *path, char *err, size_t errsz)
{
    const unsigned char *begin = find(data, len, pem_begin);
    if (!begin) {
        unsigned char *der = xmalloc(len);
        memcpy(der, data, len);
        *der_len = len;
        return der;
    }
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    size_t used = 0;
    /* data is NUL-terminated (read_file), so the PEM reader cannot run past it. */
    int rc = mbedtls_pem_read_buffer(&pem, pem_begin, pem_end, begin, NULL, 0, &used);
    if (rc != 0) {
        char why[128];
        mbedtls_strerror(rc, why, sizeof(why));
        snprintf(err, errsz, "%s: cannot decode the PEM certificate: %s", path, why);
        mbedtls_pem_free(&pem);
        return NULL;
    }
    size_t n = pem.buflen; /* mbedTLS 2.28 has no accessor; the fields are public */
    unsigned char *der = xmalloc(n ? n : 1);
    memcpy(der, pem.buf, n);
    *der_len = n;
    mbedtls_pem_free(&pem);
    return der;
}

/* One compact JSON line. Names keep their own characters (text.h), so a C1 control such as
 * U+009B (CSI) could reach a terminal raw: written \u009b instead, the same JSON value. */
static void print_json(json_t *o)
{
    char *s = json_dumps(o, JSON_COMPACT);
    if (s) {
        char *safe = text_json_escape_c1(s);
        puts(safe);
        free(safe);
        free(s);
    }
    json_decref(o);
}

static int match_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    int *lax = ctx;
    if (opt->id == OPT_LAX)
        *lax = 1;
    return -1;
}

static const struct cli_command match_cmd = {
    .prog = "mxsurvey match", CLI_OPTS(match_opts), .on_option = match_option,
    .help_id = OPT_HELP, .usage = match_usage,
    .min_operands = 2, .max_operands = -1, .operands = "CERT_FILE and at least one NAME",
};

int cmd_match(int argc, char **argv)
{
    const char *prog = match_cmd.prog;
    int lax = 0, idx;
    int rc = cli_parse(&match_cmd, argc, argv, &lax, &idx);
    if (rc >= 0)
        return rc;

    char err[512];
    size_t len = 0, der_len = 0;
    unsigned char *data = read_file(argv[idx], &len, err, sizeof(err));
    unsigned char *der = data ? certificate_der(data, len, &der_len, argv[idx], err, sizeof(err))
                              : NULL;
    free(data);
    if (!der) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return CLI_EXIT_USAGE;
    }
    struct cert_info *ci = cert_info_from_der(der, der_len);
    free(der);
    if (ci->error) {
        fprintf(stderr, "%s: %s: not a certificate mbedTLS can parse: %s\n", prog, argv[idx],
                ci->error);
        cert_info_free(ci);
        return CLI_EXIT_USAGE;
    }

    psl_ctx_t *psl = classify_psl_load();
    struct match_presented pres;
    match_presented_from_cert(&pres, ci);

    json_t *head = json_object();
    json_t *names = json_array();
    for (size_t i = 0; i < pres.n; i++)
        json_array_append_new(names, record_text_as_is(match_presented_name(&pres, i)));
    json_object_set_new(head, "presented", names);
    json_object_set_new(head, "names_from", json_string(pres.names_from));
    json_object_set_new(head, "cn_in_san", json_boolean(pres.cn_in_san));
    json_object_set_new(head, "wildcard",
                        json_string(wildcard_class_str(classify_wildcard_cert(psl, ci))));
    print_json(head);

    for (int i = idx + 1; i < argc; i++) {
        const char *by = NULL;
        enum match_result m = match_reference(psl, &pres, argv[i], &by);
        json_t *o = json_object();
        json_object_set_new(o, "name", record_text(argv[i]));
        json_object_set_new(o, "match", json_string(match_result_str(m)));
        json_object_set_new(o, "matched_by", record_text_as_is(by)); /* a presented name */
        if (lax)
            json_object_set_new(o, "lax", json_boolean(match_lax(&pres, argv[i], NULL)));
        print_json(o);
    }
    psl_free(psl);
    cert_info_free(ci);
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
