/* check: `mxsurvey check DOMAIN`: the scan pipeline for one domain, told to a person: the SMTP
 * dialogue of each endpoint (S:/C: lines, like a console SMTP test client), the TLS session,
 * the certificate, and the reference names beside the certificate's names. Exit 0 when some
 * endpoint completed a TLS session (with --mode cert: when some server's certificate came). Every server-supplied byte is made printable first. The records are printed by the
 * output "text" (report/out_text.c); the dialogue by transcript() here. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "scan.h"
#include "core/text.h"
#include "core/util.h"
#include "input/input.h"

struct check {
    struct out_text_result text; /* what the printer saw (output.h) */
    char last_ep[600]; /* "host [ip]" of the dialogue being printed */
};

/* Server text (names in the records' text notation, raw transcript lines) may hold control
 * characters, which a terminal would run as escape sequences: C0 and DEL, and C1 both as raw
 * octets (an 8-bit terminal reads 0x9b as CSI) and as UTF-8 (U+009B). text_put_visible()
 * prints each of them, and every octet that is not valid UTF-8, as \xHH (tests/unit/test_text.c
 * feeds it a certificate's hostile names). */
static void put_safe(FILE *f, const char *s)
{
    text_put_visible(f, s);
}

static void transcript(void *arg, const char *mx_host, const char *ip, char dir, const char *line)
{
    struct check *c = arg;
    char ep[600];
    snprintf(ep, sizeof(ep), "%s [%s]", mx_host, ip);
    if (strcmp(ep, c->last_ep) != 0) {
        snprintf(c->last_ep, sizeof(c->last_ep), "%s", ep);
        printf("== ");
        put_safe(stdout, ep);
        putchar('\n');
    }
    printf("%s ", dir == 'S' ? "S:" : dir == 'C' ? "C:" : " *");
    put_safe(stdout, line);
    putchar('\n');
}

static void check_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey check [OPTIONS] DOMAIN\n\n"
               "Runs the scan pipeline for one domain and prints, for a person, each endpoint's\n"
               "SMTP dialogue (S:/C:), TLS session and certificate, and the reference names\n"
               "(domain, MX host, PTR, greeting and EHLO names) beside the certificate's names.\n"
               "Endpoints are probed one at a time. Writes no files.\n\n");
    fprintf(f, "Takes the options of `mxsurvey scan` (see mxsurvey scan --help); --out is ignored.\n");
    fprintf(f, "\nExit codes: 0 a TLS session was made (with --mode cert: a server's certificate\n"
               "was received), 1 none was, 2 usage error (a DOMAIN that is not a host name\n"
               "included).\n");
}

int cmd_check(int argc, char **argv)
{
    struct scan_args a = {0};
    int rc = scan_parse_args("mxsurvey check", "exactly one DOMAIN", argc, argv, &a, check_usage);
    json_decref(a.options);
    if (rc >= 0)
        return rc;
    /* A DOMAIN that is not a host name is the caller's mistake, not a verdict about a
     * domain: say why and stop (as `scan` would write it, an `invalid` record). The text is
     * the caller's own, shown visible in case it holds control characters. */
    char name[INPUT_NAME_MAX + 1];
    const char *why = NULL;
    if (input_normalize(a.operand, strlen(a.operand), name, sizeof(name), &why) != INPUT_OK) {
        fprintf(stderr, "mxsurvey check: '");
        text_put_visible(stderr, a.operand);
        fprintf(stderr, "' is not a domain name: %s (see --help)\n", why ? why : "blank or a comment");
        blocklist_free(a.blocklist);
        return CLI_EXIT_USAGE;
    }
    struct check c = {0};
    a.o.concurrency = 1; /* one dialogue at a time, so the transcript reads in order */
    a.o.per_ip = 1;
    a.o.infer = 0; /* every endpoint's own dialogue, for a person to read */
    a.o.transcript = transcript;
    a.o.hook_arg = &c;
    a.o.outputs[a.o.noutputs++] = (struct output_use){output_find("text"), &c.text};
    struct sched_counts counts;
    char err[512] = "";
    scan_raise_fd_limit(&a.o);
    rc = sched_run_one(&a.o, a.operand, &counts, err, sizeof(err));
    blocklist_free(a.blocklist);
    if (rc == 2) {
        fprintf(stderr, "mxsurvey check: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    if (counts.interrupted)
        return CLI_EXIT_FAIL;
    return c.text.tls_ok ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
