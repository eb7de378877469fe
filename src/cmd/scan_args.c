/* scan_args: the options `scan` and `check` share, stated once (cli.h): parsed into struct
 * sched_opts (scan.h), and the descriptor limit the run will need. */
#include "scan.h"

#include <errno.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>

#include "classify/match.h"
#include "cli.h"
#include "core/util.h"
#include "probe/blocklist.h"
#include "resolve/dns.h"
#include "sched/sched.h"

enum {
    OPT_HELP, OPT_SHARD, OPT_RESOLVER, OPT_PORT, OPT_EHLO, OPT_TIMEOUT, OPT_RETRIES, OPT_RETRY_DELAY,
    OPT_PER_IP, OPT_CONCURRENCY, OPT_RATE, OPT_IPV6, OPT_OUT, OPT_QUIET, OPT_DNS_TIMEOUT,
    OPT_MAX_DOMAINS, OPT_CERT_ONLY, OPT_CA_FILE, OPT_DNS_CONCURRENCY, OPT_NO_VERSION_PROBE,
    OPT_CA_PATH, OPT_MAX_DNS_ERRORS, OPT_RESUME, OPT_ALLOW, OPT_BLOCKLIST, OPT_MAX_MX,
    OPT_MAX_ADDRS, OPT_SOURCE_IP, OPT_SOURCE_IP6, OPT_MODE,
    OPT_NO_INFER, OPT_INFER_CHECK, /* one handshake per server (sched/infer.c) */
    OPT_THREADS, /* probe loops, one a thread (sched/sched_thread.c) */
    OPT_NO_POLICY, OPT_MTA_STS_PORT, /* what a policy-enforcing sender asks (sched/sts_fetch.c) */
};

#define SCAN_MAX_THREADS 64 /* --threads at most */
static int scan_default_threads(void);

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
    /* One probe loop per core (sched/sched_thread.c): the limits above are divided. */
    {.name = "threads", .arg = "N", .help = "probe loops, each on a thread of its own, addresses shared out among them (1-64; default: the CPUs this process may use; scan and probe, the other stages run one); --concurrency, --rate and --dns-concurrency are divided among them, at least 1 each, --per-ip holds as it is", .id = OPT_THREADS},
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
    {.name = "mode", .arg = "cert|full", .help = "full (default): complete each TLS handshake (status ok); cert: stop each after the server's Certificate message (status cert-seen: names and trust are measured, whether a session would complete is not)", .id = OPT_MODE},
    {.name = "cert-only", .help = "deprecated: the same as --mode cert (kept so that old command lines still work)", .id = OPT_CERT_ONLY},
    {.name = "no-version-probe", .help = "no version probe (one extra STARTTLS session per address offering TLS 1.3, for tls_max)", .id = OPT_NO_VERSION_PROBE},
    /* One handshake per server (sched/infer.c). */
    {.name = "no-infer", .help = "probe every endpoint: no record taken from another name's probe at the same address (sni-insensitive, address-down)", .id = OPT_NO_INFER},
    {.name = "infer-check", .arg = "PERCENT", .help = "of the endpoints an SNI-insensitive address would give an inferred record, still probe this share, at random, besides the first (default 5)", .id = OPT_INFER_CHECK},
    /* What a policy-enforcing sender asks (classify/sender.h). */
    {.name = "no-policy", .help = "no DNSSEC, DANE, MTA-STS or TLSRPT: queries without the DO bit, no TLSA or TXT lookups, no policy fetch (the records' dane, dnssec, mta_sts, tlsrpt and policy are null)", .id = OPT_NO_POLICY},
    {.name = "mta-sts-port", .arg = "N", .help = "port of the MTA-STS policy fetch from https://mta-sts.DOMAIN (default 443; the local world: 4443)", .id = OPT_MTA_STS_PORT},
    {.name = "out", .short_name = 'o', .arg = "DIR", .help = "output folder (default reports/<UTC date-time>/)", .id = OPT_OUT},
    {.name = "resume", .arg = "DIR", .help = "continue the stopped or killed scan in DIR, with its FILE and options (those that set the pace may differ)", .id = OPT_RESUME},
    {.name = "shard", .arg = "I/N", .help = "resolve, probe: shard I (0-based) of N of a survey (auto/N: I from SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX); docs/cluster.md", .id = OPT_SHARD},
    {.name = "quiet", .short_name = 'q', .help = "print nothing but errors (no progress line, no figures)", .id = OPT_QUIET},
    CLI_OPT_HELP(OPT_HELP),
};

static const char *const mode_words[] = {
    [SCAN_MODE_FULL] = "full",
    [SCAN_MODE_CERT] = "cert",
};

const char *scan_mode_str(enum scan_mode m)
{
    return (unsigned)m < ARRAY_LEN(mode_words) ? mode_words[m] : "?";
}

int scan_mode_parse(const char *s)
{
    for (size_t i = 0; s && i < ARRAY_LEN(mode_words); i++)
        if (strcmp(mode_words[i], s) == 0)
            return (int)i;
    return -1;
}

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

/* An option's value as run.json types it: a number for the options whose argument is one
 * (N, SECONDS, PERCENT: "20%" is 20), an integer when it is whole; the text as given
 * otherwise, and for a number that does not parse (the option's own check refuses it). */
static json_t *option_value(const struct cli_opt *opt, const char *arg)
{
    if (!arg)
        return json_true();
    if (strcmp(opt->arg, "N") == 0 || strcmp(opt->arg, "SECONDS") == 0 ||
        strcmp(opt->arg, "PERCENT") == 0) {
        char *end;
        errno = 0;
        double v = strtod(arg, &end);
        if (end != arg && *end == '%' && strcmp(opt->arg, "PERCENT") == 0)
            end++;
        if (!errno && end != arg && !*end && isfinite(v)) {
            if (v == floor(v) && fabs(v) < 9e15)
                return json_integer((json_int_t)v);
            return json_real(v);
        }
    }
    return json_string(arg);
}

/* Records the option for run.json, typed (option_value): the repeatable ones (resolver,
 * allow, blocklist) as lists, the others by name. */
static void record_option(json_t *options, const struct cli_opt *opt, const char *arg)
{
    json_t *val = option_value(opt, arg);
    if (opt->id == OPT_RESOLVER || opt->id == OPT_ALLOW || opt->id == OPT_BLOCKLIST) {
        json_t *list = json_object_get(options, opt->name);
        if (!list)
            json_object_set_new(options, opt->name, list = json_array());
        json_array_append_new(list, val);
    } else {
        json_object_set_new(options, opt->name, val ? val : json_null());
    }
}

/* A shard's index or count: decimal digits only (leading zeros read as decimal: "010" is 10),
 * in [lo, hi]. strtol alone would also take " 1", "+1" and "\t1": a --shard spelt so is
 * likely a script's mistake, and a shard run as another than meant writes another's files. */
static int parse_shard_number(const char *s, long lo, long hi, long *out)
{
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    return parse_int(s, lo, hi, out);
}

/* --shard I/N or auto/N (the index from the batch system: Slurm's job arrays, Kubernetes'
 * Indexed Jobs). -1 to go on, or an exit code after saying why. */
static int shard_option(const struct scan_parse *sp, const struct cli_opt *opt, const char *arg)
{
    struct scan_args *a = sp->a;
    if (strcmp(sp->prog, "mxsurvey resolve") != 0 && strcmp(sp->prog, "mxsurvey probe") != 0)
        return bad(sp, opt, arg, "only the survey's stages resolve and probe take a shard "
                                 "(docs/cluster.md)");
    const char *slash = strchr(arg, '/');
    long i = -1, n;
    if (!slash || parse_shard_number(slash + 1, 1, 1000000, &n) < 0)
        return bad(sp, opt, arg, "want I/N or auto/N, N a whole number 1-1000000");
    char idx[32];
    size_t ilen = (size_t)(slash - arg);
    if (ilen == 4 && strncmp(arg, "auto", 4) == 0) {
        const char *env = getenv("SLURM_ARRAY_TASK_ID"), *from = "SLURM_ARRAY_TASK_ID";
        if (!env || !*env) {
            env = getenv("JOB_COMPLETION_INDEX");
            from = "JOB_COMPLETION_INDEX";
        }
        if (!env || !*env)
            return bad(sp, opt, arg, "auto: neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor "
                                     "JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set");
        if (parse_shard_number(env, 0, n - 1, &i) < 0) {
            fprintf(stderr, "%s: --shard %s: %s=%s is not a shard index 0-%ld\n", sp->prog, arg,
                    from, env, n - 1);
            return CLI_EXIT_USAGE;
        }
    } else {
        if (ilen == 0 || ilen >= sizeof(idx))
            return bad(sp, opt, arg, "want I/N or auto/N");
        memcpy(idx, arg, ilen);
        idx[ilen] = '\0';
        if (parse_shard_number(idx, 0, n - 1, &i) < 0)
            return bad(sp, opt, arg, "I must be a whole number from 0 to N-1");
    }
    a->shard = (unsigned)i;
    a->nshards = (unsigned)n;
    a->shard_given = 1;
    return -1;
}

static int scan_option(void *ctx, const struct cli_opt *opt, const char *arg)
{
    const struct scan_parse *sp = ctx;
    struct scan_args *a = sp->a;
    struct sched_opts *o = &a->o;
    long v;
    int rc = -1;
    if (opt->id == OPT_SHARD) /* not in `options`: every shard of a survey records the same */
        return shard_option(sp, opt, arg);
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
    case OPT_MODE:
        if (scan_mode_parse(arg) < 0)
            rc = bad(sp, opt, arg, "expected cert or full");
        else
            a->mode = scan_mode_parse(arg);
        break;
    case OPT_CERT_ONLY:
        a->cert_only = 1;
        break;
    case OPT_NO_VERSION_PROBE:
        o->version_probe = 0;
        break;
    case OPT_NO_INFER:
        o->infer = 0;
        break;
    case OPT_NO_POLICY:
        o->policy = 0;
        break;
    case OPT_MTA_STS_PORT:
        rc = opt_int(sp, opt, arg, 1, 65535, "expected a port, 1-65535", &o->mta_sts_port);
        break;
    case OPT_THREADS:
        if (strcmp(sp->prog, "mxsurvey check") == 0) /* check prints one dialogue in order */
            rc = bad(sp, opt, arg, "only mxsurvey scan and probe run probe threads");
        else
            rc = opt_int(sp, opt, arg, 1, SCAN_MAX_THREADS, "expected 1-64", &o->threads);
        break;
    case OPT_INFER_CHECK:
        if (parse_percent(arg, &o->infer_check_pct) < 0)
            rc = bad(sp, opt, arg, "expected a percentage, 0-100");
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
    if (strcmp(prog, "mxsurvey scan") == 0 || strcmp(prog, "mxsurvey probe") == 0)
        a->o.threads = scan_default_threads(); /* one probe loop per CPU it may use */
    a->nshards = 1;
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
    /* --cert-only is --mode cert: an old cron line keeps its meaning, a contradiction is an
     * error rather than a guess. */
    if (a->cert_only && a->mode == SCAN_MODE_FULL && json_object_get(a->options, "mode")) {
        fprintf(stderr, "%s: --cert-only is --mode %s; it contradicts --mode %s\n", prog,
                scan_mode_str(SCAN_MODE_CERT), scan_mode_str(SCAN_MODE_FULL));
        blocklist_free(a->blocklist);
        a->blocklist = NULL;
        a->o.blocklist = NULL;
        return CLI_EXIT_USAGE;
    }
    if (a->cert_only)
        a->mode = SCAN_MODE_CERT;
    a->o.stop_after_certificate = a->mode == SCAN_MODE_CERT;
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


static int scan_default_threads(void)
{
    unsigned n = uv_available_parallelism(); /* sched_getaffinity: what this process may use */
    return n < 1 ? 1 : n > SCAN_MAX_THREADS ? SCAN_MAX_THREADS : (int)n;
}

void scan_print_options(FILE *f)
{
    cli_print_options(f, scan_opts, (int)ARRAY_LEN(scan_opts));
}

/* Every probe and every DNS query in flight holds a socket: raise the descriptor limit to
 * the hard limit, and say so when even that is below what the options may use. */
void scan_raise_fd_limit(const struct sched_opts *o)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    rlim_t need = (rlim_t)o->concurrency + 3 * (rlim_t)o->max_domains + 64;
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
        fprintf(stderr, "mxsurvey: warning: %lu file descriptors allowed, up to %lu may be needed; "
                        "lower --concurrency or --max-domains, or raise ulimit -n\n",
                (unsigned long)rl.rlim_cur, (unsigned long)need);
}
