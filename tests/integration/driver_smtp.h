/* driver_smtp: blocking SMTP up to STARTTLS for the C drivers (tlshello_driver,
 * tlsfloor_driver): connect, greeting, EHLO, STARTTLS, each read bounded by one deadline.
 * Header-only (static functions): each driver is one .c file built against the library. */
#ifndef MXS_DRIVER_SMTP_H
#define MXS_DRIVER_SMTP_H
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads up to cap octets before the deadline; 0 at EOF, -1 on timeout or error. */
static ssize_t read_some(int fd, void *buf, size_t cap, long long deadline)
{
    long long left = deadline - now_ms();
    if (left <= 0)
        return -1;
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, (int)left) != 1)
        return -1;
    return read(fd, buf, cap);
}

/* One SMTP reply, octet by octet so nothing after it is taken; returns its code or -1. */
static int smtp_reply(int fd, long long deadline)
{
    char line[1024];
    size_t n = 0;
    for (;;) {
        char c;
        if (read_some(fd, &c, 1, deadline) != 1)
            return -1;
        if (c != '\n') {
            if (n < sizeof(line) - 1)
                line[n++] = c;
            continue;
        }
        line[n] = '\0';
        if (n >= 4 && line[3] == ' ')
            return atoi(line);
        if (n == 3)
            return atoi(line);
        n = 0;
    }
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* A TCP connection to ip:port (IPv4), or -1 with errno. */
static int tcp_connect(const char *ip, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ip, &sa.sin_addr) != 1) {
        errno = EINVAL;
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    /* As the scanner's probes (src/probe/smtp.c): without it, Nagle holds a handshake's second
     * write until the peer's delayed ACK, some 40 ms a handshake of doing nothing. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* Greeting, EHLO ehlo, STARTTLS: the last reply's code (220 when TLS may start), -1 when a
 * reply did not come before the deadline. */
static int smtp_starttls(int fd, const char *ehlo, long long deadline)
{
    char cmd[300];
    int code = smtp_reply(fd, deadline);
    snprintf(cmd, sizeof(cmd), "EHLO %s\r\n", ehlo);
    if (code / 100 == 2 && write_all(fd, cmd, strlen(cmd)) == 0)
        code = smtp_reply(fd, deadline);
    if (code == 250 && write_all(fd, "STARTTLS\r\n", 10) == 0)
        code = smtp_reply(fd, deadline);
    return code;
}

#endif
