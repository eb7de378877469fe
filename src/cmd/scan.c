/* scan: the `mxsurvey scan` and `mxsurvey check` subcommands: options into struct sched_opts,
 * the output folder and its run.json, then the scheduler. */
#include "scan.h"

#include <errno.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/sha256.h>

#include "probe/blocklist.h"
#include "cli.h"
#include "resolve/dns.h"
#include "report/out_csv.h"
#include "core/outfile.h"
#include "report/html.h"
#include "input/lineset.h"
#include "classify/match.h"
#include "report.h"
#include "sched/resume.h"
#include "core/rundir.h"
#include "scanfs.h"
#include "sched/sched.h"
#include "report/summary.h"
#include "core/util.h"
#include "core/version.h"

enum {
    OPT_HELP, OPT_RESOLVER, OPT_PORT, OPT_EHLO, OPT_TIMEOUT, OPT_RETRIES, OPT_RETRY_DELAY,
    OPT_PER_IP, OPT_CONCURRENCY, OPT_RATE, OPT_IPV6, OPT_OUT, OPT_QUIET, OPT_DNS_TIMEOUT,
    OPT_MAX_DOMAINS, OPT_CERT_ONLY, OPT_CA_FILE, OPT_DNS_CONCURRENCY, OPT_NO_VERSION_PROBE,
    OPT_CA_PATH, OPT_MAX_DNS_ERRORS, OPT_RESUME, OPT_ALLOW, OPT_BLOCKLIST, OPT_MAX_MX,
    OPT_MAX_ADDRS, OPT_SOURCE_IP, OPT_SOURCE_IP6,
};

static const struct cli_opt scan_opts[] = {
    {.name = "resolver", .arg = "IP[:PORT]", .help = "DNS resolver (repeatable; default: /etc/resolv.conf)", .id = OPT_RESOLVER},
    {.name = "port", .arg = "N", .help = "SMTP port to probe (default 25)", .id = OPT_PORT},
    {.name = "ehlo", .arg = "NAME", .help = "our EHLO argument (default: this machine's host name when fully qualified, else the address literal of each connection's local address)", .id = OPT_EHLO},
    {.name = "timeout", .arg = "SECONDS", .help = "timeout of each SMTP/TLS phase (default 10)", .id = OPT_TIMEOUT},
    {.name = "dns-timeout", .arg = "SECONDS", .help = "timeout of each DNS try (default 2; 2 retries)", .id = OPT_DNS_TIMEOUT},
    {.name = "dns-concurrency", .arg = "N", .help = "DNS queries on the wire at once (default 256)", .id = OPT_DNS_CONCURRENCY},
    {.name = "retries", .arg = "N", .help = "retries after a 4xx reply (default 1)", .id = OPT_RETRIES},
    {.name = "retry-delay", .arg = "SECONDS", .help = "back-off before the first retry, doubling (default 5)", .id = OPT_RETRY_DELAY},
    {.name = "per-ip", .arg = "N", .help = "connections to one address at a time (default 2)", .id = OPT_PER_IP},
    {.name = "concurrency", .arg = "N", .help = "endpoints probed at once (default 500)", .id = OPT_CONCURRENCY},
    {.name = "rate", .arg = "N", .help = "new connections per second at most (default: no limit)", .id = OPT_RATE},
    {.name = "max-domains", .arg = "N", .help = "domains in flight at once (default 1000)", .id = OPT_MAX_DOMAINS},
    {.name = "ca-file", .arg = "FILE", .help = "trust anchors for chain checks, PEM or DER (default /etc/ssl/certs/ca-certificates.crt)", .id = OPT_CA_FILE},
    {.name = "ca-path", .arg = "DIR", .help = "trust anchors: every certificate file in DIR (hashed or not); with --ca-file, both", .id = OPT_CA_PATH},
    {.name = "max-dns-errors", .arg = "PERCENT", .help = "exit 1 when more than PERCENT of DNS queries fail (timeout, SERVFAIL, REFUSED; default 20)", .id = OPT_MAX_DNS_ERRORS},
    {.name = "ipv6", .help = "also probe IPv6 addresses (AAAA)", .id = OPT_IPV6},
    {.name = "allow", .arg = "CIDR", .help = "probe this range although the default blocklist of special-purpose addresses (loopback, RFC 1918, ...) holds it (repeatable; the local world: --allow 127.0.0.0/8 --allow ::1/128)", .id = OPT_ALLOW},
    {.name = "blocklist", .arg = "FILE", .help = "never probe these ranges either: one CIDR or address a line, # comments (repeatable; --allow does not lift them)", .id = OPT_BLOCKLIST},
    {.name = "max-mx", .arg = "N", .help = "MX hosts probed per domain, the most preferred (default 10; 0: all)", .id = OPT_MAX_MX},
    {.name = "max-addrs", .arg = "N", .help = "addresses probed per MX host (default 4; 0: all)", .id = OPT_MAX_ADDRS},
    {.name = "source-ip", .arg = "ADDR", .help = "bind IPv4 probes to this local address (the EHLO address literal follows)", .id = OPT_SOURCE_IP},
    {.name = "source-ip6", .arg = "ADDR", .help = "bind IPv6 probes to this local address", .id = OPT_SOURCE_IP6},
    {.name = "cert-only", .help = "stop each TLS handshake after the server's certificate", .id = OPT_CERT_ONLY},
    {.name = "no-version-probe", .help = "no version probe (one extra STARTTLS session per address offering TLS 1.3, for tls_max)", .id = OPT_NO_VERSION_PROBE},
    {.name = "out", .short_name = 'o', .arg = "DIR", .help = "output folder (default reports/<UTC date-time>/)", .id = OPT_OUT},
    {.name = "resume", .arg = "DIR", .help = "continue the stopped or killed scan in DIR, with its FILE and options (those that set the pace may differ)", .id = OPT_RESUME},
    {.name = "quiet", .short_name = 'q', .help = "print nothing but errors (no progress line, no figures)", .id = OPT_QUIET},
    CLI_OPT_HELP(OPT_HELP),
};

/* Parses a whole number in [lo, hi]; 0 on success. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* "20", "20%" or "12.5" in [0, 100]; 0 on success. */
static int parse_percent(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && *end == '%')
        end++;
    if (errno || end == s || *end || !(v >= 0 && v <= 100))
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double lo, double hi, int *ms)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *ms = (int)(v * 1000.0 + 0.5);
    return 0;
}

/* EHLO argument (RFC 5321 4.1.1.1): a fully qualified domain name, or an address literal.
 * A bare host name ("vm") is neither, and stock MTAs refuse it (Postfix's
 * reject_non_fqdn_helo_hostname: "504 5.5.2 need fully-qualified hostname"), which would put
 * the scanner's own fault into the figures as smtp-error. */
enum ehlo_kind { EHLO_FQDN, EHLO_LITERAL, EHLO_OTHER };

static enum ehlo_kind ehlo_kind(const char *name)
{
    size_t n = strlen(name);
    if (n > 2 && name[0] == '[' && name[n - 1] == ']') {
        char ip[INET6_ADDRSTRLEN + 8];
        unsigned char bin[sizeof(struct in6_addr)];
        if (n - 2 >= sizeof(ip))
            return EHLO_OTHER;
        memcpy(ip, name + 1, n - 2);
        ip[n - 2] = '\0';
        if (inet_pton(AF_INET, ip, bin) == 1)
            return EHLO_LITERAL;
        if (strncasecmp(ip, "IPv6:", 5) == 0 && inet_pton(AF_INET6, ip + 5, bin) == 1)
            return EHLO_LITERAL;
        return EHLO_OTHER;
    }
    if (n > 0 && name[n - 1] == '.')
        n--;
    if (memchr(name, '.', n) && match_host_valid(name, n))
        return EHLO_FQDN;
    return EHLO_OTHER;
}

/* The default EHLO argument: this machine's host name when it is fully qualified, else NULL
 * (the probe then sends the address literal of each connection's local address). No DNS
 * lookup: a scanner must not send queries to resolvers it was not told to use. */
static const char *default_ehlo(const char *prog, char *buf, size_t len)
{
    if (gethostname(buf, len) != 0)
        buf[0] = '\0';
    buf[len - 1] = '\0';
    if (buf[0] && ehlo_kind(buf) == EHLO_FQDN)
        return buf;
    fprintf(stderr, "%s: warning: this machine's host name \"", prog);
    for (const char *p = buf; *p; p++)
        fputc((unsigned char)*p > ' ' && (unsigned char)*p < 0x7f ? *p : '?', stderr);
    fprintf(stderr, "\" is not a fully qualified domain name (RFC 5321 4.1.1.1); EHLO sends the "
                    "address literal of each connection's local address ([192.0.2.1]); "
                    "--ehlo NAME chooses a name\n");
    return NULL;
}

/* The state of one parse, for scan_option. */
struct scan_parse {
    const char *prog;
    struct scan_args *a;
};

static int bad(const struct scan_parse *sp, const struct cli_opt *opt, const char *val,
               const char *want)
{
    fprintf(stderr, "%s: --%s %s: %s\n", sp->prog, opt->name, val, want);
    return CLI_EXIT_USAGE;
}

/* A whole number in [lo, hi] into *v; else bad(). Returns -1 to go on or an exit code. */
static int opt_long(const struct scan_parse *sp, const struct cli_opt *opt, const char *arg,
                    long lo, long hi, const char *want, long *v)
{
    return parse_int(arg, lo, hi, v) < 0 ? bad(sp, opt, arg, want) : -1;
}

static int opt_int(const struct scan_parse *sp, const struct cli_opt *opt, const char *arg,
                   long lo, long hi, const char *want, int *out)
{
    long v;
    int rc = opt_long(sp, opt, arg, lo, hi, want, &v);
    if (rc < 0)
        *out = (int)v;
    return rc;
}

/* Seconds in [lo, hi] into *ms; else bad(). */
static int opt_seconds(const struct scan_parse *sp, const struct cli_opt *opt, const char *arg,
                       double lo, double hi, const char *want, int *ms)
{
    return parse_seconds(arg, lo, hi, ms) < 0 ? bad(sp, opt, arg, want) : -1;
}

/* --source-ip ADDR, --source-ip6 ADDR: an address of the family that this machine can bind
 * (tried now, so that a typo fails the start rather than every probe). Returns -1 to go on or
 * an exit code. */
static int opt_source(const struct scan_parse *sp, const struct cli_opt *opt, const char *arg,
                      int family, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof(*out));
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)out;
        a->sin_family = AF_INET;
        len = sizeof(*a);
        if (inet_pton(AF_INET, arg, &a->sin_addr) != 1)
            return bad(sp, opt, arg, "expected an IPv4 address (--source-ip6 for IPv6)");
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
        a->sin6_family = AF_INET6;
        len = sizeof(*a);
        if (inet_pton(AF_INET6, arg, &a->sin6_addr) != 1)
            return bad(sp, opt, arg, "expected an IPv6 address (--source-ip for IPv4)");
    }
    int fd = socket(family, SOCK_STREAM, 0), e = 0;
    if (fd < 0 || bind(fd, (struct sockaddr *)out, len) < 0)
        e = errno;
    if (fd >= 0)
        close(fd);
    if (e) {
        char why[256];
        snprintf(why, sizeof(why), "cannot bind to it: %s%s", strerror(e),
                 e == EADDRNOTAVAIL ? " (not an address of this machine)" : "");
        out->ss_family = AF_UNSPEC;
        return bad(sp, opt, arg, why);
    }
    return -1;
}

/* --blocklist FILE: read whole now; a bad line stops the start with its file and line. */
static int opt_blocklist(const struct scan_parse *sp, const char *arg)
{
    char err[512];
    FILE *f = fopen(arg, "r");
    if (!f) {
        fprintf(stderr, "%s: --blocklist %s: cannot open: %s\n", sp->prog, arg, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    int rc = blocklist_read(sp->a->blocklist, f, arg, err, sizeof(err));
    fclose(f);
    if (rc < 0) {
        fprintf(stderr, "%s: --blocklist %s\n", sp->prog, err);
        return CLI_EXIT_USAGE;
    }
    return -1;
}

/* Records the option as given for run.json: the repeatable ones (resolver, allow, blocklist)
 * as lists, the others by name. */
static void record_option(json_t *options, const struct cli_opt *opt, const char *arg)
{
    json_t *val = arg ? json_string(arg) : json_true();
    if (opt->id == OPT_RESOLVER || opt->id == OPT_ALLOW || opt->id == OPT_BLOCKLIST) {
        json_t *list = json_object_get(options, opt->name);
        if (!list)
            json_object_set_new(options, opt->name, list = json_array());
        json_array_append_new(list, val);
    } else {
        json_object_set_new(options, opt->name, val ? val : json_null());
    }
}

static int scan_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    const struct scan_parse *sp = ctx;
    struct scan_args *a = sp->a;
    struct sched_opts *o = &a->o;
    long v;
    int rc = -1;
    record_option(a->options, opt, arg);
    switch (opt->id) {
    case OPT_RESOLVER:
        if (o->nresolvers >= SCHED_MAX_RESOLVERS)
            rc = bad(sp, opt, arg, "too many resolvers (at most 8)");
        else if (dns_parse_server(arg, &o->resolvers[o->nresolvers]) < 0)
            rc = bad(sp, opt, arg, "not an IP address with an optional :PORT");
        else
            o->nresolvers++;
        break;
    case OPT_PORT:
        rc = opt_int(sp, opt, arg, 1, 65535, "expected a port number 1-65535", &o->port);
        break;
    case OPT_EHLO:
        if (!*arg || strlen(arg) > 255 || strpbrk(arg, " \t\r\n"))
            rc = bad(sp, opt, arg, "expected a host name");
        else if (ehlo_kind(arg) == EHLO_OTHER)
            fprintf(stderr, "%s: warning: --ehlo %s is neither a fully qualified domain name nor "
                            "an address literal ([192.0.2.1]); servers may refuse it (RFC 5321 "
                            "4.1.1.1)\n", sp->prog, arg);
        o->ehlo = arg;
        a->ehlo_given = 1;
        break;
    case OPT_TIMEOUT:
        rc = opt_seconds(sp, opt, arg, 0.05, 3600, "expected seconds, 0.05-3600", &o->timeout_ms);
        break;
    case OPT_DNS_TIMEOUT:
        rc = opt_seconds(sp, opt, arg, 0.05, 60, "expected seconds, 0.05-60", &o->dns_timeout_ms);
        break;
    case OPT_DNS_CONCURRENCY:
        rc = opt_int(sp, opt, arg, 1, 100000, "expected 1-100000", &o->dns_concurrency);
        break;
    case OPT_RETRIES:
        rc = opt_int(sp, opt, arg, 0, 10, "expected 0-10", &o->retries);
        break;
    case OPT_RETRY_DELAY:
        rc = opt_seconds(sp, opt, arg, 0, 3600, "expected seconds, 0-3600", &o->retry_delay_ms);
        break;
    case OPT_PER_IP:
        rc = opt_int(sp, opt, arg, 1, 1000, "expected 1-1000", &o->per_ip);
        break;
    case OPT_CONCURRENCY:
        rc = opt_int(sp, opt, arg, 1, 100000, "expected 1-100000", &o->concurrency);
        break;
    case OPT_RATE:
        rc = opt_long(sp, opt, arg, 0, 1000000,
                      "expected connections per second, 0 for no limit", &v);
        if (rc < 0)
            o->rate = (double)v;
        break;
    case OPT_MAX_DOMAINS:
        rc = opt_int(sp, opt, arg, 1, 10000000, "expected 1-10000000", &o->max_domains);
        break;
    case OPT_IPV6:
        o->ipv6 = 1;
        break;
    case OPT_CA_FILE:
        o->ca_file = arg;
        break;
    case OPT_CA_PATH:
        o->ca_path = arg;
        break;
    case OPT_MAX_DNS_ERRORS:
        if (parse_percent(arg, &a->max_dns_errors) < 0)
            rc = bad(sp, opt, arg, "expected a percentage, 0-100");
        break;
    case OPT_ALLOW: {
        char err[256];
        if (blocklist_allow(a->blocklist, arg, err, sizeof(err)) < 0)
            rc = bad(sp, opt, arg, err);
        break;
    }
    case OPT_BLOCKLIST:
        rc = opt_blocklist(sp, arg);
        break;
    case OPT_MAX_MX:
        rc = opt_int(sp, opt, arg, 0, 100000, "expected 0-100000 (0: all)", &o->max_mx);
        break;
    case OPT_MAX_ADDRS:
        rc = opt_int(sp, opt, arg, 0, 100000, "expected 0-100000 (0: all)", &o->max_addrs);
        break;
    case OPT_SOURCE_IP:
        rc = opt_source(sp, opt, arg, AF_INET, &o->source_ip);
        break;
    case OPT_SOURCE_IP6:
        rc = opt_source(sp, opt, arg, AF_INET6, &o->source_ip6);
        break;
    case OPT_CERT_ONLY:
        o->stop_after_certificate = 1;
        break;
    case OPT_NO_VERSION_PROBE:
        o->version_probe = 0;
        break;
    case OPT_OUT:
        a->out = arg;
        break;
    case OPT_QUIET:
        a->quiet = 1;
        break;
    case OPT_RESUME:
        if (strcmp(sp->prog, "mxsurvey scan") != 0)
            rc = bad(sp, opt, arg, "only mxsurvey scan continues a scan folder");
        a->resume = arg;
        break;
    }
    return rc;
}

int scan_parse_args(const char *prog, const char *operand, int argc, char **argv,
                    struct scan_args *a, void (*usage)(FILE *))
{
    const struct cli_command cmd = {
        .prog = prog, CLI_OPTS(scan_opts), .on_option = scan_option,
        .help_id = OPT_HELP, .usage = usage,
        .min_operands = 1, .max_operands = 1, .operands = operand,
    };
    struct scan_parse sp = {.prog = prog, .a = a};
    sched_opts_default(&a->o);
    a->max_dns_errors = SCAN_DEFAULT_MAX_DNS_ERRORS;
    a->options = json_object();
    a->blocklist = blocklist_new();
    a->o.blocklist = a->blocklist;
    int idx;
    int rc = cli_parse(&cmd, argc, argv, &sp, &idx);
    if (rc >= 0) {
        blocklist_free(a->blocklist);
        a->blocklist = NULL;
        a->o.blocklist = NULL;
        return rc;
    }
    if (!a->ehlo_given)
        a->o.ehlo = default_ehlo(prog, a->ehlo, sizeof(a->ehlo));
    a->operand = argv[idx];
    if (a->o.nresolvers == 0) {
        a->o.nresolvers = dns_servers_from_resolv_conf("/etc/resolv.conf", a->o.resolvers,
                                                       SCHED_MAX_RESOLVERS);
        if (a->o.nresolvers <= 0) {
            fprintf(stderr, "%s: no resolver: /etc/resolv.conf names none; give --resolver\n", prog);
            blocklist_free(a->blocklist);
            a->blocklist = NULL;
            a->o.blocklist = NULL;
            return CLI_EXIT_USAGE;
        }
    }
    return -1;
}

/* ------------------------------------------------------------------ scan */

static void scan_usage(FILE *f)
{
    fprintf(f, "Usage: mxsurvey scan [OPTIONS] FILE|-\n"
               "       mxsurvey scan [OPTIONS] --resume DIR FILE|-\n\n"
               "Reads domains (one per line; # comments), looks up their MX hosts, probes each\n"
               "endpoint (MX host x address) once with STARTTLS, and writes hosts.jsonl,\n"
               "domains.jsonl, chains/ and run.json to the output folder as results complete,\n"
               "then summary.json (the aggregates; `mxsurvey report` remakes it), the CSV files\n"
               "and report.html. At the end it prints the headline shares (each with its\n"
               "numerator and denominator, from summary.json) and the files written on\n"
               "standard output; the last line says how the scan ended.\n\n"
               "Nothing is created until every check has passed (options, the list, the CA\n"
               "file or folder, the output folder). A run stops early, exit 1, when no resolver\n"
               "answers any of the first %d queries that end, and ends with exit 1 when more\n"
               "than --max-dns-errors of its DNS queries failed (timeouts, SERVFAIL, REFUSED;\n"
               "NXDOMAIN and empty answers are answers): run.json and report.html say so.\n\n"
               "No special-purpose address is ever contacted, whatever the records name: the\n"
               "IANA IPv4 and IPv6 special-purpose registries (loopback, 0.0.0.0, RFC 1918,\n"
               "link-local, documentation, ...), multicast, and IPv6 forms judged by the IPv4\n"
               "address they carry; such endpoints are written with status blocked and the\n"
               "registry entry in error. --allow exempts a range, --blocklist adds ranges\n"
               "(which --allow never lifts).\n\n",
            SCHED_DNS_DEAD_AFTER);
    cli_print_options(f, scan_opts, (int)ARRAY_LEN(scan_opts));
    fprintf(f, "\nSIGINT/SIGTERM, whenever they come, stop the scan within a few seconds with\n"
               "complete files and a finished run.json (a second one aborts the probes in\n"
               "flight at once); one that comes after every record is written changes nothing.\n"
               "A record is written only with its verdict: what a stop cuts short is not, and a\n"
               "run that stops before the end of its list (a signal, dead resolvers, a full\n"
               "disk) lists the input lines without a record in pending.txt.\n"
               "\n  mxsurvey scan [the same OPTIONS] --resume DIR FILE|-\n\n"
               "continues the scan in DIR, stopped or killed: FILE must be its list (run.json's\n"
               "input_sha256) and the options its own, but for those that only set the pace\n"
               "(--concurrency, --per-ip, --rate, --max-domains, --dns-concurrency, --resolver,\n"
               "--retry-delay, --max-dns-errors, --quiet); it keeps every whole record, drops a\n"
               "cut last line, probes no endpoint already written, and scans the lines without\n"
               "a record (docs/schema.md, \"Resuming a scan\").\n"
               "\nStandard input (-) is copied to a file in $TMPDIR first; a copy that fails or\n"
               "a signal during it ends the command with nothing scanned or left behind.\n"
               "\nExit codes: 0 the scan completed, 1 interrupted (SIGINT/SIGTERM), the DNS\n"
               "failed (see above), a write failed, or the input could not be read to its end\n"
               "(the files hold complete records; the last line says which), 2 usage or input\n"
               "error (nothing created; with --resume: nothing changed).\n");
}

/* Now in UTC: "20261129T122205Z" (compact, for folder names) or ISO 8601. */
static void utc_now(char *buf, size_t len, int compact)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (compact)
        strftime(buf, len, "%Y%m%dT%H%M%SZ", &tm);
    else
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* SHA-256 of a file, hex; "" when it cannot be read (standard input). */
static void file_sha256(const char *path, char out[65])
{
    out[0] = '\0';
    FILE *f = strcmp(path, "-") == 0 ? NULL : fopen(path, "rb");
    if (!f)
        return;
    mbedtls_sha256_context ctx;
    mbedtls_sha256_init(&ctx);
    mbedtls_sha256_starts_ret(&ctx, 0);
    unsigned char buf[65536], sum[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        mbedtls_sha256_update_ret(&ctx, buf, n);
    mbedtls_sha256_finish_ret(&ctx, sum);
    mbedtls_sha256_free(&ctx);
    fclose(f);
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", sum[i]);
}

/* run.json is written whole or not at all (outfile.c), at the start and again at the end.
 * Returns 0, or -1 with err set (err may be NULL). */
static int write_run_json(const char *dir, json_t *run, char *err, size_t errlen)
{
    struct outfile o;
    char buf[4400];
    if (!err) {
        err = buf;
        errlen = sizeof(buf);
    }
    if (outfile_open(&o, dir, "run.json", err, errlen) < 0)
        return -1;
    errno = 0;
    /* 15 significant digits: 0.2 prints as 0.2 (17 would print 0.20000000000000001). */
    if (json_dumpf(run, o.f, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(15)) < 0 ||
        fputc('\n', o.f) == EOF) {
        outfile_error(&o, errno ? errno : EIO, err, errlen);
        outfile_abort(&o);
        return -1;
    }
    return outfile_commit(&o, err, errlen);
}

/* Appends "; why" (or just why) to the reasons a run failed. */
static void add_reason(char *buf, size_t len, const char *why)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, "%s%s", n ? "; " : "", why);
}

/* The resolvers' health: run.json's counts.dns_* and its `dns_errors` object (docs/schema.md).
 * Returns 1 when the run must fail for it, with the reason in why. */
static int dns_verdict(const struct sched_counts *c, double limit_pct, json_t *run, char *why,
                       size_t whylen)
{
    unsigned long total = c->dns_answered + c->dns_failed;
    /* No reply to anything: dead or unreachable resolvers (the scan stopped early, or the
     * list was too short for it to notice before the end). REFUSED and SERVFAIL are replies. */
    int no_answer = c->dns_dead || (c->dns_failed > 0 && c->dns_no_reply == total);
    double share = total ? (double)c->dns_failed / (double)total : 0;
    int exceeded = no_answer || (total && share * 100.0 > limit_pct);
    why[0] = '\0';
    if (no_answer)
        snprintf(why, whylen, "no resolver answered: %lu DNS queries got no reply%s", c->dns_no_reply,
                 c->dns_dead ? ", so the scan stopped" : "");
    else if (exceeded)
        snprintf(why, whylen, "%.1f%% of DNS queries failed (%lu of %lu: %lu without a reply, "
                              "%lu SERVFAIL, REFUSED or another error), more than "
                              "--max-dns-errors %g%%: dns-error records may be the resolvers' "
                              "fault, not the domains'",
                 100.0 * share, c->dns_failed, total, c->dns_no_reply, c->dns_failed - c->dns_no_reply,
                 limit_pct);
    json_t *d = json_object();
    json_object_set_new(d, "failed_share", total ? json_real(share) : json_null());
    json_object_set_new(d, "limit", json_real(limit_pct / 100.0));
    json_object_set_new(d, "exceeded", json_boolean(exceeded));
    json_object_set_new(d, "no_answer", json_boolean(no_answer));
    json_object_set_new(d, "message", why[0] ? json_string(why) : json_null());
    json_object_set_new(run, "dns_errors", d);
    return exceeded;
}

static const char *signal_name(int sig)
{
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

/* --resume DIR: a folder with a run.json (resume_check reads it). 0, or -1 with err set. */
static int check_resume_dir(const char *dir, char *err, size_t errlen)
{
    char path[4200];
    struct stat st;
    snprintf(path, sizeof(path), "%s/run.json", dir);
    if (stat(dir, &st) < 0) {
        snprintf(err, errlen, "--resume %s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--resume %s: not a directory", dir);
        return -1;
    }
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "--resume %s: no scan there (%s: %s)", dir, path, strerror(errno));
        return -1;
    }
    return 0;
}

/* scan --resume: checks DIR's run.json against this round and reads what the folder holds
 * into s (its endpoints, the lines done); *run gets the run.json to write. Nothing changes on
 * disk. Returns 0, or -1 with err set. */
static int resume_start(struct scan_args *a, struct sched *s, const char *input, const char *sha,
                        const char *started, struct lineset *done, json_t **run, char *err,
                        size_t errlen)
{
    struct resume_req rq = {
        .dir = a->out, .input = a->operand, .input_sha256 = sha, .options = a->options,
        .ehlo = a->o.ehlo ? a->o.ehlo : "address-literal", .version_probe = a->o.version_probe,
        .started = started,
    };
    if (resume_check(&rq, run, err, errlen) < 0)
        return -1;
    struct resume_kept k;
    long long htorn = 0;
    unsigned long keps = 0;
    if (resume_read_lines(a->out, input, done, &k, err, errlen) < 0 ||
        sched_resume(s, done, k.domains, k.invalid, &keps, &htorn, err, errlen) < 0) {
        size_t n = strlen(err);
        snprintf(err + n, errlen - n, "; cannot resume %s (repair or remove that line)", a->out);
        json_decref(*run);
        *run = NULL;
        return -1;
    }
    /* What this round found, in its element of `resumed`. */
    json_t *round = json_array_get(json_object_get(*run, "resumed"),
                                   json_array_size(json_object_get(*run, "resumed")) - 1);
    json_t *kept = json_object(), *cut = json_object();
    json_object_set_new(kept, "domains", json_integer((json_int_t)k.domains));
    json_object_set_new(kept, "endpoints", json_integer((json_int_t)keps));
    json_object_set_new(cut, "hosts.jsonl", json_integer(htorn));
    json_object_set_new(cut, "domains.jsonl", json_integer(k.torn));
    json_object_set_new(round, "kept", kept);
    json_object_set_new(round, "cut_octets", cut);
    if (!a->quiet)
        printf("mxsurvey scan: resuming %s: %lu domain and %lu endpoint records kept%s\n", a->out,
               k.domains, keps,
               htorn || k.torn ? ", a cut last line dropped" : "");
    return 0;
}

/* The end of a run that did not go through its whole list: DIR/pending.txt lists the input
 * lines without a record (counts.pending); a complete run lacks nothing, so a pending.txt of
 * an earlier round goes. Returns -1 with err set when pending.txt could not be written. */
static int pending_end(const char *dir, const char *input, int complete, json_t *counts,
                       unsigned long *n, char *err, size_t errlen)
{
    *n = 0;
    if (complete) {
        pending_remove(dir);
        json_object_set_new(counts, "pending", json_integer(0));
        return 0;
    }
    struct lineset done = {0};
    struct resume_kept k;
    int rc = resume_read_lines(dir, input, &done, &k, err, errlen);
    if (rc == 0)
        rc = pending_write(dir, input, &done, n, err, errlen);
    lineset_free(&done);
    json_object_set_new(counts, "pending", rc == 0 ? json_integer((json_int_t)*n) : json_null());
    if (rc < 0)
        pending_remove(dir); /* an old one would mislead */
    return rc;
}

/* The scan proper; cmd_scan() has blocked SIGINT and SIGTERM, and frees *blocklist. */
static int scan(int argc, char **argv, struct blocklist **blocklist)
{
    struct scan_args a = {0};
    int rc = scan_parse_args("mxsurvey scan", "exactly one FILE (or - for standard input)", argc,
                             argv, &a, scan_usage);
    if (rc >= 0) {
        json_decref(a.options);
        return rc;
    }
    *blocklist = a.blocklist;
    const char *input = a.operand;
    char outbuf[256], err[4400] = "";
    if (a.resume && a.out) {
        fprintf(stderr, "mxsurvey scan: --resume %s writes into %s: no --out with it\n", a.resume,
                a.resume);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    if (a.resume) {
        a.out = a.resume;
    } else if (!a.out) {
        char stamp[32];
        utc_now(stamp, sizeof(stamp), 1);
        snprintf(outbuf, sizeof(outbuf), "reports/%s", stamp);
        a.out = outbuf;
    }
    a.o.out_dir = a.out;
    a.o.outputs[a.o.noutputs++] = &out_jsonl_ops;
    a.o.progress = !a.quiet && isatty(2);

    /* Everything that can refuse to start is checked before anything is made: a scan that
     * exits 2 leaves no folder behind (nor a run.json saying it never finished). */
    if (scanfs_check_input(input, err, sizeof(err)) < 0 ||
        (a.resume ? check_resume_dir(a.out, err, sizeof(err)) : scanfs_check_out(a.out, err, sizeof(err))) < 0) {
        fprintf(stderr, "mxsurvey scan: %s\n", err);
        json_decref(a.options);
        return CLI_EXIT_USAGE;
    }
    /* Standard input that is not a file is copied to a temporary file first, so that reading
     * it never blocks the event loop (memory stays bounded: it goes to disk, not RAM). */
    char spool[4200] = "";
    struct stat st;
    if (strcmp(input, "-") == 0 && (fstat(0, &st) < 0 || !S_ISREG(st.st_mode))) {
        int e = scanfs_spool_stdin(spool, sizeof(spool), err, sizeof(err));
        if (e != 0) {
            fprintf(stderr, "mxsurvey scan: %s\n", err);
            json_decref(a.options);
            return e > 0 ? CLI_EXIT_FAIL : CLI_EXIT_USAGE;
        }
        input = spool;
    } else if (strcmp(input, "-") == 0) {
        /* A file as standard input (< list): read by its name, so that its SHA-256, the
         * lines done and pending.txt all read the same file. */
        input = "/dev/stdin";
    }
    struct sched *s = sched_new(&a.o, input, NULL, err, sizeof(err));
    char made[4096] = "", started[32], finished[32], sha[65];
    int lock = -1;
    json_t *run = NULL;
    struct lineset done = {0};
    utc_now(started, sizeof(started), 0);
    file_sha256(input, sha); /* for standard input, of the copy: what is scanned */
    int e = 0;
    if (s && a.resume) {
        if ((lock = scanfs_lock(a.out, err, sizeof(err))) < 0 ||
            resume_start(&a, s, input, sha, started, &done, &run, err, sizeof(err)) < 0)
            e = -1;
    } else if (s) {
        e = scanfs_make_out(a.out, made, sizeof(made));
        if (e < 0)
            snprintf(err, sizeof(err), "cannot create %s: %s", a.out, strerror(-e));
        else if ((lock = scanfs_lock(a.out, err, sizeof(err))) < 0)
            e = -1;
        run = json_object();
        json_object_set_new(run, "tool", json_string("mxsurvey"));
        json_object_set_new(run, "version", json_string(MXSURVEY_VERSION));
        json_object_set_new(run, "started", json_string(started));
        json_object_set_new(run, "input", json_string(a.operand));
        json_object_set_new(run, "input_sha256", sha[0] ? json_string(sha) : json_null());
        json_object_set_new(run, "options", json_incref(a.options));
        /* What the options came to: the EHLO argument sent, and whether tls_max was measured. */
        json_object_set_new(run, "ehlo", json_string(a.o.ehlo ? a.o.ehlo : "address-literal"));
        json_object_set_new(run, "version_probe", json_boolean(a.o.version_probe));
        /* What is never probed (the lists in force), and the caps. */
        json_object_set_new(run, "blocklist", blocklist_json(a.blocklist));
        json_object_set_new(run, "max_mx", json_integer(a.o.max_mx));
        json_object_set_new(run, "max_addrs", json_integer(a.o.max_addrs));
        json_object_set_new(run, "finished", json_null());
    }
    /* run.json first: a run that dies still says what it was, and that it never finished. */
    struct sched_counts c;
    if (!s || e < 0 || write_run_json(a.out, run, err, sizeof(err)) < 0) {
        sched_free(s);
        rc = 2;
    } else {
        if (!a.resume)
            pending_remove(a.out); /* of an earlier scan in this folder */
        rc = sched_exec(s, &c, err, sizeof(err));
    }
    json_decref(a.options);
    lineset_free(&done);
    if (rc == 2) {
        fprintf(stderr, "mxsurvey scan: %s\n", err);
        /* A start of its own is undone; never another scan's folder (its lock was taken), nor
         * the folder being resumed. */
        if (!a.resume && (lock >= 0 || made[0]))
            scanfs_undo(a.out, made);
        if (spool[0])
            unlink(spool);
        if (lock >= 0)
            close(lock);
        json_decref(run);
        return CLI_EXIT_USAGE;
    }

    char why[16384] = "", dns_why[1024];
    utc_now(finished, sizeof(finished), 0);
    json_object_set_new(run, "finished", json_string(finished));
    json_object_set_new(run, "interrupted", json_boolean(c.interrupted));
    json_t *counts = json_object();
    json_object_set_new(counts, "lines", json_integer((json_int_t)c.lines));
    json_object_set_new(counts, "domains", json_integer((json_int_t)c.domains_done));
    json_object_set_new(counts, "invalid", json_integer((json_int_t)c.invalid));
    json_object_set_new(counts, "endpoints", json_integer((json_int_t)c.endpoints_done));
    json_object_set_new(counts, "connections", json_integer((json_int_t)c.probes));
    json_object_set_new(counts, "retries", json_integer((json_int_t)c.retries));
    json_object_set_new(counts, "version_probes", json_integer((json_int_t)c.version_probes));
    json_object_set_new(counts, "blocked", json_integer((json_int_t)c.blocked));
    json_object_set_new(counts, "dns_queries", json_integer((json_int_t)c.dns_queries));
    json_object_set_new(counts, "dns_cache_hits", json_integer((json_int_t)c.dns_cache_hits));
    json_object_set_new(counts, "dns_answered", json_integer((json_int_t)c.dns_answered));
    json_object_set_new(counts, "dns_failed", json_integer((json_int_t)c.dns_failed));
    json_object_set_new(counts, "dns_no_reply", json_integer((json_int_t)c.dns_no_reply));
    json_object_set_new(run, "counts", counts);
    int dns_bad = dns_verdict(&c, a.max_dns_errors, run, dns_why, sizeof(dns_why));
    /* What the run did not get to: pending.txt (before the copy of standard input goes). */
    unsigned long npending = 0;
    char perr[4400] = "";
    int complete = !c.interrupted && !c.dns_dead && !c.output_error && !c.input_error;
    int pending_bad = pending_end(a.out, input, complete, counts, &npending, perr, sizeof(perr));
    if (spool[0])
        unlink(spool);
    if (c.interrupted)
        add_reason(why, sizeof(why), "interrupted (SIGINT/SIGTERM): only the records written before the stop");
    if (dns_bad) { /* said on the last line */
        add_reason(why, sizeof(why), dns_why);
        rc = CLI_EXIT_FAIL;
    }
    if (c.input_error)
        add_reason(why, sizeof(why), "the input could not be read to its end");
    char werr[4400] = "";
    if (c.output_error)
        snprintf(werr, sizeof(werr), "writing the records to %s failed: %s (its files hold whole "
                                     "records only; once there is room, mxsurvey scan --resume %s "
                                     "%s goes on)", a.out,
                 c.output_errno ? strerror(c.output_errno) : "disk full?", a.out, a.operand);
    if (write_run_json(a.out, run, c.output_error ? NULL : werr, sizeof(werr)) < 0)
        c.output_error = 1;
    json_decref(run);
    if (c.output_error) {
        fprintf(stderr, "mxsurvey scan: %s\n", werr);
        add_reason(why, sizeof(why), werr);
        rc = CLI_EXIT_FAIL;
    }
    if (pending_bad < 0) {
        fprintf(stderr, "mxsurvey scan: %s\n", perr);
        add_reason(why, sizeof(why), perr);
    } else if (!complete) {
        char p[4400];
        snprintf(p, sizeof(p), "%lu input line%s without a record listed in %s/pending.txt "
                               "(mxsurvey scan --resume %s %s goes on)",
                 npending, npending == 1 ? "" : "s", a.out, a.out, a.operand);
        add_reason(why, sizeof(why), p);
    }
    /* The aggregates, by the code `mxsurvey report` runs (reading the files just written). */
    char serr[4400];
    int reports = summary_write(a.out, serr, sizeof(serr)) == SUMMARY_OK &&
                  csv_write_all(a.out, serr, sizeof(serr)) == SUMMARY_OK &&
                  html_write(a.out, serr, sizeof(serr)) == SUMMARY_OK;
    if (!reports) {
        fprintf(stderr, "mxsurvey scan: %s\n", serr);
        add_reason(why, sizeof(why), serr);
        rc = CLI_EXIT_FAIL;
    }
    if (reports && !a.quiet) {
        const char *files[CSV_NTABLES + 7] = {"hosts.jsonl", "domains.jsonl", "run.json",
                                              "summary.json"};
        size_t n = 4;
        for (int t = 0; t < CSV_NTABLES; t++)
            files[n++] = csv_table_file((enum csv_table)t);
        files[n++] = "report.html";
        if (!complete && pending_bad == 0)
            files[n++] = "pending.txt";
        files[n] = NULL;
        report_print(stdout, "mxsurvey scan", a.out, files, (long)c.chains);
    }
    fflush(stdout);
    /* A signal after the loop (blocked since; see cmd_scan) came when every record was out:
     * the results are complete, the reports were finished, and the exit code stands. */
    sigset_t pending;
    int late = c.late_signal;
    if (!late && sigpending(&pending) == 0)
        late = sigismember(&pending, SIGTERM) ? SIGTERM : sigismember(&pending, SIGINT) ? SIGINT : 0;
    if (late && !c.interrupted && !a.quiet)
        fprintf(stderr, "mxsurvey scan: %s came after every record was written: the results are "
                        "complete\n", signal_name(late));
    /* The last line says how it ended. */
    if (why[0])
        fprintf(stderr, "mxsurvey scan: FAILED: %s; see %s\n", why, a.out);
    else if (!a.quiet)
        printf("mxsurvey scan: complete; results in %s\n", a.out);
    if (fflush(stdout) != 0 && rc == 0)
        rc = CLI_EXIT_FAIL;
    if (lock >= 0)
        close(lock);
    return rc;
}

int cmd_scan(int argc, char **argv)
{
    /* SIGINT and SIGTERM are blocked for the whole command and never unblocked here: one that
     * comes before the scan's loop can take it waits (pending) and is handled as soon as the
     * loop starts (sched_exec unblocks them while it runs); one that comes after the loop
     * stays pending, is reported, and dies with the process. Never the default action, which
     * would kill the scan with its run.json saying it never finished. */
    sigset_t stops;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, NULL);
    struct blocklist *blocklist = NULL;
    int rc = scan(argc, argv, &blocklist);
    blocklist_free(blocklist);
    return rc;
}
