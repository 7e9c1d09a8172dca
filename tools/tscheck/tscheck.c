/*
 * tscheck: MPEG-TS integrity checker (ETSI TR 101 290 priority 1 and basic
 * priority 2), the command line around ts_check.c.
 *
 *   tscheck [-t SECONDS] [-b BITRATE] [-p SECONDS] [--clock stream|arrival]
 *       [--json] INPUT
 *
 *   INPUT   FILE, - (stdin), udp://[ADDR]:PORT (unicast, or a multicast
 *           group to join; RTP is stripped when the datagrams carry it) or
 *           http://HOST[:PORT]/PATH (HTTP/1.1 GET, no TLS, no redirects,
 *           chunked transfer encoding understood)
 *   -t      analyse at most SECONDS: of stream time for files and stdin,
 *           of wall time for udp:// and http:// (which otherwise run until
 *           the server closes, or SIGINT/SIGTERM)
 *   -b      nominal bitrate in bit/s (k, M suffixes): the time base before
 *           the first PCR, and of streams without PCR
 *   -p      the PID_error period (default 5 s)
 *   --clock the time base: stream (PCR / byte position, the default for
 *           files and stdin) or arrival (wall clock of arrival, the default
 *           for udp:// and http://); see ts_check.h
 *   --json  a JSON report instead of the text one
 *
 * Exit status: 0 no priority 1 error, 1 priority 1 errors, 2 usage or I/O
 * error.
 */

#define _GNU_SOURCE                     /* strcasestr() */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "ts_check.h"


#define TC_READ         (TSC_PACKET * 64)
#define TC_DGRAM        65536
#define TC_HTTP_HEAD    16384
#define TC_POLL_MS      100

#define TC_FILE         0
#define TC_UDP          1
#define TC_HTTP         2

/* chunked transfer encoding */
#define DC_SIZE         0
#define DC_SIZE_EXT     1
#define DC_DATA         2
#define DC_DATA_END     3
#define DC_TRAILER      4
#define DC_DONE         5


typedef struct {
    int             state;
    uint64_t        left;
    unsigned        digits;
    unsigned        line;
} tc_dechunk_t;


typedef struct {
    int             kind;
    int             fd;
    int             chunked;
    int             has_length;
    uint64_t        length;             /* Content-Length left */
    tc_dechunk_t    dc;
} tc_input_t;


static volatile sig_atomic_t  tc_stop;


static void
tc_signal(int sig)
{
    (void) sig;
    tc_stop = 1;
}


static int64_t
tc_now_us(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


static void
tc_usage(FILE *f)
{
    fputs("usage: tscheck [-t SECONDS] [-b BITRATE] [-p SECONDS] "
          "[--clock stream|arrival] [--json] INPUT\n"
          "  INPUT: FILE | - | udp://[ADDR]:PORT | http://HOST[:PORT]/PATH\n"
          "  -t SECONDS   analyse at most this long (stream time for files,"
          " wall time for udp/http)\n"
          "  -b BITRATE   nominal bit/s (k/M suffix): time base without PCR\n"
          "  -p SECONDS   PID_error period (default 5)\n"
          "  --clock C    time base: stream (PCR/bytes) or arrival "
          "(wall clock)\n"
          "  --json       JSON report\n"
          "exit status: 0 no priority 1 error, 1 priority 1 errors, "
          "2 usage or I/O error\n", f);
}


static int
tc_parse_seconds(const char *s, double *v)
{
    char  *end;

    errno = 0;
    *v = strtod(s, &end);

    return errno == 0 && end != s && *end == '\0' && *v > 0 && *v < 1e9;
}


static int
tc_parse_bitrate(const char *s, uint64_t *v)
{
    char    *end;
    double   d;

    errno = 0;
    d = strtod(s, &end);

    if (errno || end == s || d <= 0) {
        return 0;
    }

    if (*end == 'k' || *end == 'K') {
        d *= 1e3;
        end++;
    } else if (*end == 'm' || *end == 'M') {
        d *= 1e6;
        end++;
    } else if (*end == 'g' || *end == 'G') {
        d *= 1e9;
        end++;
    }

    if (*end != '\0' || d < 1000 || d > 1e11) {
        return 0;
    }

    *v = (uint64_t) d;
    return 1;
}


/* udp://[@][ADDR]:PORT[?options ignored] */

static int
tc_open_udp(const char *url)
{
    int                  fd, one, rcvbuf;
    long                 port;
    char                 host[256], *colon, *end, *q;
    struct ip_mreq       mreq;
    struct sockaddr_in   sin;

    url += sizeof("udp://") - 1;
    if (*url == '@') {
        url++;
    }

    if (strlen(url) >= sizeof(host)) {
        fprintf(stderr, "tscheck: udp address too long\n");
        return -1;
    }

    strcpy(host, url);
    q = strchr(host, '?');
    if (q) {
        *q = '\0';
    }

    colon = strrchr(host, ':');
    if (colon == NULL) {
        fprintf(stderr, "tscheck: udp://[ADDR]:PORT expected\n");
        return -1;
    }

    *colon = '\0';
    port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port <= 0 || port > 65535) {
        fprintf(stderr, "tscheck: bad udp port \"%s\"\n", colon + 1);
        return -1;
    }

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t) port);
    sin.sin_addr.s_addr = htonl(INADDR_ANY);

    if (host[0] && inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        fprintf(stderr, "tscheck: bad IPv4 address \"%s\"\n", host);
        return -1;
    }

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("tscheck: socket");
        return -1;
    }

    one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    rcvbuf = 4 * 1024 * 1024;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

    if (bind(fd, (struct sockaddr *) &sin, sizeof(sin)) != 0) {
        fprintf(stderr, "tscheck: bind %s:%ld: %s\n", host[0] ? host : "*",
                port, strerror(errno));
        close(fd);
        return -1;
    }

    if (IN_MULTICAST(ntohl(sin.sin_addr.s_addr))) {
        memset(&mreq, 0, sizeof(mreq));
        mreq.imr_multiaddr = sin.sin_addr;
        mreq.imr_interface.s_addr = htonl(INADDR_ANY);

        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
                       sizeof(mreq)) != 0)
        {
            fprintf(stderr, "tscheck: join %s: %s\n", host, strerror(errno));
            close(fd);
            return -1;
        }
    }

    return fd;
}


/* the TS in a datagram: RTP (version 2) headers stripped */

static const uint8_t *
tc_rtp_strip(const uint8_t *b, size_t *len)
{
    size_t  n, hl, pad;

    n = *len;

    if (n < 12 || b[0] == 0x47 || (b[0] >> 6) != 2) {
        return b;
    }

    hl = 12 + 4 * (size_t) (b[0] & 0x0f);

    if ((b[0] & 0x10) && hl + 4 <= n) {
        hl += 4 + 4 * (((size_t) b[hl + 2] << 8) | b[hl + 3]);
    }

    pad = (b[0] & 0x20) ? b[n - 1] : 0;

    if (hl + pad > n || (n - hl - pad) % TSC_PACKET != 0) {
        return b;               /* not RTP with TS after all */
    }

    *len = n - hl - pad;
    return b + hl;
}


/* http://HOST[:PORT]/PATH: connect, GET, check the status line */

static int
tc_open_http(const char *url, tc_input_t *in, uint8_t *body, size_t *blen)
{
    int               fd, rc, status;
    char              host[256], port[8], req[2048], *p, *hdr_end, *h;
    const char       *path, *hp;
    size_t            hl, n, hlen;
    ssize_t           r;
    struct addrinfo   hints, *res, *ai;
    static char       head[TC_HTTP_HEAD + 1];

    hp = url + sizeof("http://") - 1;
    path = strchr(hp, '/');
    if (path == NULL) {
        path = "/";
        hl = strlen(hp);
    } else {
        hl = (size_t) (path - hp);
    }

    if (hl == 0 || hl >= sizeof(host)) {
        fprintf(stderr, "tscheck: bad http URL \"%s\"\n", url);
        return -1;
    }

    memcpy(host, hp, hl);
    host[hl] = '\0';
    strcpy(port, "80");

    p = strrchr(host, ':');
    if (p) {
        if (strlen(p + 1) == 0 || strlen(p + 1) >= sizeof(port)
            || strspn(p + 1, "0123456789") != strlen(p + 1))
        {
            fprintf(stderr, "tscheck: bad http port in \"%s\"\n", url);
            return -1;
        }
        strcpy(port, p + 1);
        *p = '\0';
    }

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "tscheck: %s: %s\n", host, gai_strerror(rc));
        return -1;
    }

    fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0) {
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }

    freeaddrinfo(res);

    if (fd < 0) {
        fprintf(stderr, "tscheck: connect %s:%s: %s\n", host, port,
                strerror(errno));
        return -1;
    }

    n = (size_t) snprintf(req, sizeof(req),
                          "GET %s HTTP/1.1\r\nHost: %.*s\r\n"
                          "User-Agent: tscheck\r\nAccept: */*\r\n"
                          "Connection: close\r\n\r\n", path, (int) hl, hp);

    if (n >= sizeof(req) || write(fd, req, n) != (ssize_t) n) {
        fprintf(stderr, "tscheck: request to %s failed\n", url);
        close(fd);
        return -1;
    }

    hlen = 0;
    hdr_end = NULL;

    while (hdr_end == NULL) {
        if (hlen == TC_HTTP_HEAD) {
            fprintf(stderr, "tscheck: response header too long\n");
            close(fd);
            return -1;
        }

        r = read(fd, head + hlen, TC_HTTP_HEAD - hlen);
        if (r <= 0) {
            fprintf(stderr, "tscheck: %s: no response header\n", url);
            close(fd);
            return -1;
        }

        hlen += (size_t) r;
        head[hlen] = '\0';
        hdr_end = strstr(head, "\r\n\r\n");
    }

    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
        fprintf(stderr, "tscheck: %s: not an HTTP response\n", url);
        close(fd);
        return -1;
    }

    hdr_end[2] = '\0';              /* headers end with one CRLF */

    if (status != 200) {
        p = strchr(head, '\r');
        fprintf(stderr, "tscheck: %s: %.*s\n", url,
                p ? (int) (p - head) : 0, head);

        for (h = head; (h = strchr(h, '\n')) != NULL; ) {
            h++;
            if (strncasecmp(h, "Location:", 9) == 0) {
                p = strchr(h, '\r');
                fprintf(stderr, "tscheck: redirect not followed: %.*s\n",
                        p ? (int) (p - h) : 0, h);
            }
        }

        close(fd);
        return -1;
    }

    for (h = head; (h = strchr(h, '\n')) != NULL; ) {
        h++;
        if (strncasecmp(h, "Transfer-Encoding:", 18) == 0) {
            p = strchr(h, '\r');
            if (p) {
                *p = '\0';
            }
            if (strcasestr(h, "chunked")) {
                in->chunked = 1;
            }
            if (p) {
                *p = '\r';
            }

        } else if (strncasecmp(h, "Content-Length:", 15) == 0) {
            in->has_length = 1;
            in->length = strtoull(h + 15, NULL, 10);
        }
    }

    if (in->chunked) {
        in->has_length = 0;
    }

    n = hlen - (size_t) (hdr_end + 4 - head);
    memcpy(body, hdr_end + 4, n);
    *blen = n;

    return fd;
}


/* chunked transfer decoding in place; returns the data bytes kept */

static size_t
tc_dechunk(tc_dechunk_t *d, uint8_t *b, size_t n)
{
    size_t    i, out, take;
    unsigned  ch, v;

    out = 0;

    for (i = 0; i < n; ) {
        ch = b[i];

        switch (d->state) {

        case DC_SIZE:
            i++;
            if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')
                || (ch >= 'A' && ch <= 'F'))
            {
                v = ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10;
                if (d->left >> 56) {
                    d->state = DC_DONE;     /* absurd chunk size */
                    break;
                }
                d->left = d->left * 16 + v;
                d->digits++;
                break;
            }
            if (ch == '\n') {
                goto size_done;
            }
            d->state = DC_SIZE_EXT;
            break;

        case DC_SIZE_EXT:
            i++;
            if (ch == '\n') {
                goto size_done;
            }
            break;

        size_done:
            if (d->digits == 0) {
                d->state = DC_DONE;         /* not chunked after all */
            } else if (d->left == 0) {
                d->state = DC_TRAILER;
                d->line = 0;
            } else {
                d->state = DC_DATA;
            }
            break;

        case DC_DATA:
            take = n - i < d->left ? n - i : (size_t) d->left;
            memmove(b + out, b + i, take);
            out += take;
            i += take;
            d->left -= take;
            if (d->left == 0) {
                d->state = DC_DATA_END;
            }
            break;

        case DC_DATA_END:
            i++;
            if (ch == '\n') {
                d->state = DC_SIZE;
                d->left = 0;
                d->digits = 0;
            }
            break;

        case DC_TRAILER:
            i++;
            if (ch == '\n') {
                if (d->line == 0) {
                    d->state = DC_DONE;
                }
                d->line = 0;
            } else if (ch != '\r') {
                d->line++;
            }
            break;

        default:
            return out;
        }
    }

    return out;
}


int
main(int argc, char **argv)
{
    int                 opt, json, clock_set, rc, io_error, done, r;
    double              tmax, d;
    size_t              n;
    ssize_t             got;
    int64_t             arrival, start;
    uint64_t            bitrate;
    ts_check_t         *c;
    const char         *input;
    const uint8_t      *data;
    tc_input_t          in;
    ts_check_opts_t     opts;
    struct pollfd       pfd;
    struct sigaction    sa;
    static uint8_t      buf[TC_DGRAM];

    static const struct option  longopts[] = {
        { "json",  no_argument,       NULL, 'j' },
        { "clock", required_argument, NULL, 'c' },
        { "help",  no_argument,       NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };

    json = 0;
    bitrate = 0;
    clock_set = -1;
    tmax = 0;
    memset(&opts, 0, sizeof(opts));

    while ((opt = getopt_long(argc, argv, "t:b:p:jh", longopts, NULL)) != -1)
    {
        switch (opt) {

        case 't':
            if (!tc_parse_seconds(optarg, &tmax)) {
                fprintf(stderr, "tscheck: bad -t \"%s\"\n", optarg);
                return 2;
            }
            break;

        case 'b':
            if (!tc_parse_bitrate(optarg, &bitrate)) {
                fprintf(stderr, "tscheck: bad -b \"%s\"\n", optarg);
                return 2;
            }
            opts.bitrate = bitrate;
            break;

        case 'p':
            if (!tc_parse_seconds(optarg, &d)) {
                fprintf(stderr, "tscheck: bad -p \"%s\"\n", optarg);
                return 2;
            }
            opts.pid_timeout_us = (int64_t) (d * 1e6);
            break;

        case 'j':
            json = 1;
            break;

        case 'c':
            if (strcmp(optarg, "stream") == 0) {
                clock_set = TSC_CLOCK_STREAM;
            } else if (strcmp(optarg, "arrival") == 0) {
                clock_set = TSC_CLOCK_ARRIVAL;
            } else {
                fprintf(stderr, "tscheck: --clock stream|arrival\n");
                return 2;
            }
            break;

        case 'h':
            tc_usage(stdout);
            return 0;

        default:
            tc_usage(stderr);
            return 2;
        }
    }

    if (optind != argc - 1) {
        tc_usage(stderr);
        return 2;
    }

    input = argv[optind];
    memset(&in, 0, sizeof(in));
    n = 0;

    if (strncmp(input, "udp://", 6) == 0) {
        in.kind = TC_UDP;
        in.fd = tc_open_udp(input);

    } else if (strncmp(input, "http://", 7) == 0) {
        in.kind = TC_HTTP;
        in.fd = tc_open_http(input, &in, buf, &n);

    } else if (strstr(input, "://") != NULL) {
        fprintf(stderr, "tscheck: unsupported input \"%s\" (file, -, "
                "udp://, http://)\n", input);
        return 2;

    } else if (strcmp(input, "-") == 0) {
        in.kind = TC_FILE;
        in.fd = 0;

    } else {
        in.kind = TC_FILE;
        in.fd = open(input, O_RDONLY);
        if (in.fd < 0) {
            fprintf(stderr, "tscheck: %s: %s\n", input, strerror(errno));
        }
    }

    if (in.fd < 0) {
        return 2;
    }

    opts.clock = in.kind == TC_FILE ? TSC_CLOCK_STREAM : TSC_CLOCK_ARRIVAL;
    if (clock_set >= 0) {
        opts.clock = (tsc_clock_t) clock_set;
    }

    c = malloc(sizeof(ts_check_t));
    if (c == NULL) {
        fprintf(stderr, "tscheck: out of memory\n");
        return 2;
    }

    ts_check_init(c, &opts);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = tc_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    start = tc_now_us();
    io_error = 0;
    done = 0;

    /* HTTP: the body bytes that came with the header */
    if (n > 0) {
        if (in.chunked) {
            n = tc_dechunk(&in.dc, buf, n);
        }
        if (in.has_length) {
            if (n > in.length) {
                n = (size_t) in.length;
            }
            in.length -= n;
        }
        arrival = opts.clock == TSC_CLOCK_ARRIVAL ? tc_now_us() : -1;
        ts_check_feed(c, buf, n, arrival);
    }

    while (!done && !tc_stop) {

        if (in.kind == TC_HTTP
            && ((in.has_length && in.length == 0)
                || (in.chunked && in.dc.state == DC_DONE)))
        {
            break;
        }

        if (tmax > 0) {
            if (opts.clock == TSC_CLOCK_STREAM
                && ts_check_now_us(c) >= (int64_t) (tmax * 1e6))
            {
                break;
            }
            if (in.kind != TC_FILE
                && tc_now_us() - start >= (int64_t) (tmax * 1e6))
            {
                break;
            }
        }

        pfd.fd = in.fd;
        pfd.events = POLLIN;
        pfd.revents = 0;

        r = poll(&pfd, 1, TC_POLL_MS);
        arrival = tc_now_us();

        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            perror("tscheck: poll");
            io_error = 1;
            break;
        }

        if (r == 0) {
            if (opts.clock == TSC_CLOCK_ARRIVAL) {
                ts_check_tick(c, arrival);
            }
            if (tmax > 0 && opts.clock == TSC_CLOCK_ARRIVAL
                && arrival - start >= (int64_t) (tmax * 1e6))
            {
                break;
            }
            continue;
        }

        if (in.kind == TC_UDP) {
            got = recv(in.fd, buf, sizeof(buf), 0);
        } else {
            got = read(in.fd, buf, TC_READ);
        }

        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            fprintf(stderr, "tscheck: %s: %s\n", input, strerror(errno));
            io_error = 1;
            break;
        }

        if (got == 0) {
            if (in.kind == TC_UDP) {
                continue;
            }
            if (in.kind == TC_HTTP && in.has_length && in.length > 0) {
                fprintf(stderr, "tscheck: %s: connection closed %" PRIu64
                        " bytes early\n", input, in.length);
            }
            break;
        }

        n = (size_t) got;
        data = buf;

        if (in.kind == TC_UDP) {
            data = tc_rtp_strip(buf, &n);

        } else if (in.kind == TC_HTTP) {
            if (in.chunked) {
                n = tc_dechunk(&in.dc, buf, n);
            }
            if (in.has_length) {
                if (n > in.length) {
                    n = (size_t) in.length;
                }
                in.length -= n;
            }
        }

        ts_check_feed(c, data, n,
                      opts.clock == TSC_CLOCK_ARRIVAL ? arrival : -1);
    }

    if (in.fd > 0) {
        close(in.fd);
    }

    if (opts.clock == TSC_CLOCK_ARRIVAL) {
        ts_check_tick(c, tc_now_us());
    }

    ts_check_finish(c);

    if (json) {
        ts_check_print_json(c, stdout);
    } else {
        printf("input        %s\n", input);
        ts_check_print_text(c, stdout);
    }

    fflush(stdout);

    rc = ts_check_priority1(c) ? 1 : 0;
    if (io_error) {
        rc = 2;
    }

    free(c);

    return rc;
}
