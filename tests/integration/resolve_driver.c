/* resolve_driver: drives resolve.c (and so dns.c) for tests/integration/dns_resolve.sh.
 *
 *   resolve_driver [--edns] [--aaaa] [--dnssec] [--tlsa-port N] [--timeout MS] [--retries N]
 *                  SERVER ITEM... [--then ITEM...]
 *   resolve_driver [OPTIONS] [--concurrency N] [--quiet] --file LIST SERVER
 *
 * The second form is scripts/bench-dns's: the items are the lines of LIST (one phase), at most
 * N queries on the wire (dns_opts.max_inflight, as mxsurvey scan's --dns-concurrency), and
 * --quiet prints only the counters.
 *
 * --dnssec turns resolve_opts.dnssec on (DO bit, TXT and TLSA lookups, the CD retry): each
 * domain then prints its DNSSEC states, per MX host the TLSA lookup (records as "USAGE
 * SELECTOR MTYPE hex", as drill prints them) and the MTA-STS and TLSRPT TXT records (octets
 * outside printable ASCII as \xHH), and the counters line adds the TXT, TLSA and CD queries.
 *
 * An ITEM is a domain, "host:NAME" (resolve_host) or "ptr:ADDRESS". The items of one phase
 * are all started at once (so shared names are coalesced); the next phase starts when every
 * callback of the previous one has come (so shared names come from the cache). Results print in item order in a stable
 * text form, then one line of counters per phase. Exits 1 if a handle outlives the resolver
 * and the DNS client (uv_loop_close() fails), 2 on usage errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resolve/dns.h"
#include "resolve/resolve.h"
#include "core/util.h"

struct item {
    const char *text;
    int done;
    char *out; /* the printed result */
};

static int ndone; /* items done so far: a phase waits on this, not on a scan of every item */
static int dnssec; /* --dnssec: print the DNSSEC part of each result */

static const char *dnssec_word(enum resolve_dnssec d)
{
    return d == DNSSEC_UNKNOWN ? "unknown" : resolve_dnssec_str(d);
}

/* "    WHAT: STATUS DNSSEC QNAME (error)", then one line per record. */
static void fmt_rrset(FILE *f, const char *what, const struct resolve_rrset *s, int tlsa)
{
    if (!s->asked) {
        fprintf(f, "    %s: not-asked\n", what);
        return;
    }
    fprintf(f, "    %s: %s %s %s", what, resolve_status_str(s->status), dnssec_word(s->dnssec),
            s->qname);
    if (s->error)
        fprintf(f, " (%s)", s->error);
    fprintf(f, "\n");
    for (int i = 0; i < s->n; i++) {
        const unsigned char *d = s->rr[i].data;
        size_t len = s->rr[i].len, k = 0;
        fprintf(f, "      %s ", tlsa ? "tlsa" : "txt");
        if (tlsa && len >= 3) {
            fprintf(f, "%u %u %u ", d[0], d[1], d[2]);
            k = 3;
        }
        if (!tlsa)
            fputc('"', f);
        for (; k < len; k++) {
            if (tlsa)
                fprintf(f, "%02x", d[k]);
            else if (d[k] >= 0x20 && d[k] < 0x7f && d[k] != '\\' && d[k] != '"')
                fputc(d[k], f);
            else
                fprintf(f, "\\x%02x", d[k]);
        }
        fprintf(f, "%s\n", tlsa ? "" : "\"");
    }
}

static char *fmt_domain(const struct resolve_result *res)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    fprintf(f, "domain %s %s", res->domain, resolve_status_str(res->status));
    if (res->implicit_mx)
        fprintf(f, " implicit");
    if (res->error)
        fprintf(f, " (%s)", res->error);
    fprintf(f, "\n");
    for (int i = 0; i < res->nmx; i++) {
        const struct resolve_mx *m = &res->mx[i];
        fprintf(f, "  mx %u %s", m->pref, m->host);
        for (int k = 0; k < m->nips; k++)
            fprintf(f, " %s", m->ips[k]);
        if (!m->resolved)
            fprintf(f, " - (%s)", m->error ? m->error : "?");
        fprintf(f, "\n");
        if (dnssec) {
            fprintf(f, "    addresses: %s\n", dnssec_word(m->addr_dnssec));
            fmt_rrset(f, "tlsa", &m->tlsa, 1);
        }
    }
    if (dnssec && res->status != RESOLVE_CANCELLED) {
        fprintf(f, "  dnssec mx: %s\n", dnssec_word(res->mx_dnssec));
        fmt_rrset(f, "sts", &res->sts, 0);
        fmt_rrset(f, "tlsrpt", &res->tlsrpt, 0);
    }
    fclose(f);
    return buf;
}

static void on_domain(void *arg, struct resolve_result *res)
{
    struct item *it = arg;
    it->out = fmt_domain(res);
    it->done = 1;
    ndone++;
    resolve_result_free(res);
}

static void on_ptr(void *arg, struct resolve_ptr_result *res)
{
    struct item *it = arg;
    char line[512];
    snprintf(line, sizeof(line), "ptr %s %s%s%s%s%s%s\n", res->ip, resolve_status_str(res->status),
             res->name ? " " : "", res->name ? res->name : "", res->error ? " (" : "",
             res->error ? res->error : "", res->error ? ")" : "");
    it->out = xstrdup(line);
    it->done = 1;
    ndone++;
    resolve_ptr_result_free(res);
}

int main(int argc, char **argv)
{
    struct dns_opts dopts = {.timeout_ms = 300, .retries = 1};
    struct resolve_opts ropts = {0};
    const char *list = NULL;
    int quiet = 0;
    int a = 1;
    for (; a < argc && strncmp(argv[a], "--", 2) == 0 && strcmp(argv[a], "--then") != 0; a++) {
        if (strcmp(argv[a], "--edns") == 0)
            dopts.edns = 1;
        else if (strcmp(argv[a], "--aaaa") == 0)
            ropts.want_aaaa = 1;
        else if (strcmp(argv[a], "--dnssec") == 0)
            ropts.dnssec = dnssec = 1;
        else if (strcmp(argv[a], "--tlsa-port") == 0 && a + 1 < argc)
            ropts.tlsa_port = atoi(argv[++a]);
        else if (strcmp(argv[a], "--timeout") == 0 && a + 1 < argc)
            dopts.timeout_ms = atoi(argv[++a]);
        else if (strcmp(argv[a], "--retries") == 0 && a + 1 < argc)
            dopts.retries = atoi(argv[++a]);
        else if (strcmp(argv[a], "--concurrency") == 0 && a + 1 < argc)
            dopts.max_inflight = atoi(argv[++a]);
        else if (strcmp(argv[a], "--file") == 0 && a + 1 < argc)
            list = argv[++a];
        else if (strcmp(argv[a], "--quiet") == 0)
            quiet = 1;
        else
            goto usage;
    }
    if (list ? a + 1 != argc : a + 1 >= argc)
        goto usage;
    struct sockaddr_storage server;
    if (dns_parse_server(argv[a], &server) < 0) {
        fprintf(stderr, "bad server '%s'\n", argv[a]);
        return 2;
    }
    a++;
    if (list) { /* the list's lines become the arguments */
        FILE *f = fopen(list, "r");
        if (!f) {
            fprintf(stderr, "cannot read '%s'\n", list);
            return 2;
        }
        char **args = NULL, *line = NULL;
        size_t cap = 0, n = 0;
        ssize_t len;
        while ((len = getline(&line, &cap, f)) != -1) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '\0')
                continue;
            args = xrealloc(args, (n + 1) * sizeof(*args));
            args[n++] = xstrdup(line);
        }
        free(line);
        fclose(f);
        argv = args;
        argc = (int)n;
        a = 0;
    }

    uv_loop_t loop;
    uv_loop_init(&loop);
    struct dns_client *dns = dns_client_new(&loop, &server, 1, &dopts);
    struct resolver *r = resolver_new(&loop, dns, &ropts);
    int nitems = argc - a;
    struct item *items = xcalloc((size_t)nitems, sizeof(*items));
    int phase = 0;
    struct resolve_stats before = {0};
    struct dns_stats dbefore = {0};
    while (a < argc) {
        int first = a - (argc - nitems);
        int n = 0, done_before = ndone;
        phase++;
        for (; a < argc && strcmp(argv[a], "--then") != 0; a++, n++) {
            struct item *it = &items[first + n];
            it->text = argv[a];
            if (strncmp(it->text, "ptr:", 4) == 0)
                resolve_ptr(r, it->text + 4, on_ptr, it);
            else if (strncmp(it->text, "host:", 5) == 0)
                resolve_host(r, it->text + 5, on_domain, it);
            else
                resolve_domain(r, it->text, on_domain, it);
        }
        a++; /* past "--then" */
        while (ndone < done_before + n) /* first counts the "--then" before it: not ndone */
            uv_run(&loop, UV_RUN_ONCE);
        for (int i = 0; i < n && !quiet; i++)
            fputs(items[first + i].out, stdout);
        const struct resolve_stats *s = resolver_stats(r);
        const struct dns_stats *d = dns_client_stats(dns);
        printf("phase %d: queries mx=%lu a=%lu aaaa=%lu ptr=%lu; cache hits=%lu coalesced=%lu; "
               "udp=%lu tcp=%lu truncated=%lu timeouts=%lu",
               phase, s->q_mx - before.q_mx, s->q_a - before.q_a, s->q_aaaa - before.q_aaaa,
               s->q_ptr - before.q_ptr, s->cache_hits - before.cache_hits,
               s->coalesced - before.coalesced, d->udp_sent - dbefore.udp_sent,
               d->tcp_sent - dbefore.tcp_sent, d->truncated - dbefore.truncated,
               d->timeouts - dbefore.timeouts);
        if (dnssec)
            printf("; txt=%lu tlsa=%lu cd=%lu", s->q_txt - before.q_txt,
                   s->q_tlsa - before.q_tlsa, s->q_cd - before.q_cd);
        printf("\n");
        before = *s;
        dbefore = *d;
    }

    resolver_free(r);
    dns_client_free(dns);
    uv_run(&loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&loop);
    for (int i = 0; i < nitems; i++)
        free(items[i].out);
    free(items);
    if (list) {
        for (int i = 0; i < argc; i++)
            free(argv[i]);
        free(argv);
    }
    if (rc != 0) {
        fprintf(stderr, "resolve_driver: handles left open at exit: %s\n", uv_strerror(rc));
        return 1;
    }
    return 0;

usage:
    fprintf(stderr, "usage: resolve_driver [--edns] [--aaaa] [--dnssec] [--tlsa-port N] "
                    "[--timeout MS] [--retries N] SERVER ITEM... [--then ITEM...]\n"
                    "       resolve_driver [OPTIONS] [--concurrency N] [--quiet] --file LIST "
                    "SERVER\n");
    return 2;
}
