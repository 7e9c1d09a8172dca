/*
 * tsrecv: receives K MPEG-TS outputs, checks them and measures latency.
 *
 *   tsrecv -m udp  -p BASE_PORT -k K [-d SECONDS] [-w WARMUP] [-P PIDFILE]
 *   tsrecv -m http -p HTTP_PORT -k K [-r ROUTE] [-u PATH] [...]
 *
 * udp:  binds 127.0.0.1:BASE_PORT .. BASE_PORT+K-1 and reads with recvmmsg.
 * http: opens K connections to 127.0.0.1:HTTP_PORT, sends
 *       "GET /live/ROUTE.ts HTTP/1.0" (or -u PATH), skips the response
 *       headers (status must be 200) and reads the body as a TS byte stream.
 *
 * All sockets are served by one epoll loop.  The TS byte stream of each
 * socket is parsed (188-byte packets, resync on 0x47); on PID 0x100 the
 * continuity counter is checked and every payload is scanned for a tsgen
 * stamp record (stamp.h); latency = CLOCK_MONOTONIC after the read() /
 * recvmmsg() that returned the bytes - the send time in the record.
 *
 * The first WARMUP seconds (default 2) are not counted; then SECONDS
 * (default 10) are measured.  With -P, the PIDs listed in PIDFILE (one per
 * line, read at the start of the window) are sampled at the start and end
 * of the window: sut_cpu_s is the sum over all their threads of
 * sum_exec_runtime (/proc/PID/task/TID/schedstat, ns resolution);
 * sut_cpu_ticks_s the same from /proc/PID/stat utime + stime (clock ticks).
 * host_* are /proc/stat deltas (whole machine, tick sampled: unreliable for
 * loads that are periodic at the tick rate, kept for reference only).
 *
 * Output: one JSON line on stdout.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "stamp.h"
#include "tscheck.h"

#define VIDEO_PID   0x100
#define MAX_SOCKS   4096
#define VLEN        64
#define DGRAM_MAX   2048
#define TCP_READ    (256 * 1024)

/* latency histogram: 1 us buckets below 20 ms, 100 us buckets up to 10 s */
#define H_FINE      20000
#define H_COARSE    100000
#define H_BUCKETS   (H_FINE + H_COARSE + 1)

enum { ST_CONNECTING, ST_HEADERS, ST_STREAMING, ST_CLOSED };

typedef struct {
    int       fd;
    int       state;
    int       status;
    size_t    hdr_len;
    char      hdr[2048];
    uint8_t   carry[TS];
    size_t    carry_len;
    int       in_sync;
    uint8_t   cc;                       /* TS_CC_UNSET: none yet */
    int       seq_seen;
    uint64_t  last_seq;
    uint8_t   tail[STAMP_LEN - 1];  /* end of the previous PID 0x100 payload */
    size_t    tail_len;
    /* counted in the measurement window only */
    uint64_t  bytes, pkts, stamps, cc_errors, sync_losses, seq_gaps;
} conn_t;

static int       measuring;
static uint64_t  hist[H_BUCKETS];
static uint64_t  lat_n, lat_max_ns, lat_sum_ns, lat_negative;

static void
hist_add(uint64_t ns)
{
    uint64_t us = ns / 1000;
    size_t   b = us < H_FINE ? us : H_FINE + (us - H_FINE) / 100;
    if (b >= H_BUCKETS) {
        b = H_BUCKETS - 1;
    }
    hist[b]++;
    lat_n++;
    lat_sum_ns += ns;
    if (ns > lat_max_ns) {
        lat_max_ns = ns;
    }
}

static double
hist_pct(double q)
{
    if (lat_n == 0) {
        return -1;
    }
    uint64_t want = (uint64_t) (q * (double) lat_n);
    if (want >= lat_n) {
        want = lat_n - 1;
    }
    uint64_t acc = 0;
    for (size_t b = 0; b < H_BUCKETS; b++) {
        acc += hist[b];
        if (acc > want) {
            return b < H_FINE ? (double) b + 0.5
                              : H_FINE + (double) (b - H_FINE) * 100 + 50;
        }
    }
    return -1;
}

static void
packet(conn_t *c, const uint8_t *p, uint64_t now)
{
    unsigned afc = (p[3] >> 4) & 3;
    size_t   start = (afc & 2) ? 5 + (size_t) p[4] : 4;

    if (measuring) {
        c->pkts++;
    }
    if (ts_pid(p) != VIDEO_PID) {
        return;
    }
    if (ts_cc_check(&c->cc, p) && measuring) {
        c->cc_errors++;
    }
    if (!(afc & 1) || start >= TS) {
        return;
    }
    const uint8_t *pl = p + start;
    size_t         plen = TS - start;
    uint8_t        join[2 * (STAMP_LEN - 1)];
    const uint8_t *r = NULL;
    long           off = stamp_find(pl, plen);

    if (off >= 0) {
        r = pl + off + 4;
    } else if (c->tail_len && !(p[1] & 0x40)) {
        /* a record split across two packets (a remuxer such as ffmpeg
           re-packetises the elementary stream) */
        size_t head = plen < STAMP_LEN - 1 ? plen : STAMP_LEN - 1;
        memcpy(join, c->tail, c->tail_len);
        memcpy(join + c->tail_len, pl, head);
        off = stamp_find(join, c->tail_len + head);
        if (off >= 0 && (size_t) off < c->tail_len) {
            r = join + off + 4;
        }
    }
    c->tail_len = plen < STAMP_LEN - 1 ? plen : STAMP_LEN - 1;
    memcpy(c->tail, pl + plen - c->tail_len, c->tail_len);
    if (r == NULL) {
        return;
    }
    uint64_t ts, seq;
    if (stamp_get(r, &ts) != 0 || stamp_get(r + STAMP_VAL_LEN, &seq) != 0) {
        return;
    }
    if (measuring) {
        c->stamps++;
        if (ts > now) {
            lat_negative++;
        } else {
            hist_add(now - ts);
        }
        if (c->seq_seen && seq > c->last_seq + 1) {
            c->seq_gaps += seq - c->last_seq - 1;
        }
    }
    c->last_seq = seq;
    c->seq_seen = 1;
}

/*
 * Parses buf[0..len) as a TS byte stream; returns the number of bytes
 * consumed (the rest is an incomplete packet, kept by stream sockets).
 */
static size_t
parse(conn_t *c, const uint8_t *buf, size_t len, uint64_t now)
{
    size_t i = 0;
    while (i + TS <= len) {
        if (buf[i] != 0x47 || (i + TS < len && buf[i + TS] != 0x47)) {
            if (c->in_sync && measuring) {
                c->sync_losses++;
            }
            c->in_sync = 0;
            i++;
            continue;
        }
        c->in_sync = 1;
        packet(c, buf + i, now);
        i += TS;
    }
    return i;
}

/* the system under test (-P) */
static pids_t    sut;

static void
usage(void)
{
    fprintf(stderr,
        "usage: tsrecv -m udp|http -p PORT -k K [-r ROUTE] [-u PATH] "
        "[-d SECONDS] [-w WARMUP] [-P PIDFILE] [-B RCVBUF]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    int         opt, port = 0, k = 1, http = 0, rcvbuf = 2 << 20;
    double      seconds = 10, warmup = 2;
    const char *route = "bench", *path = NULL, *pidfile = NULL;
    char        req[512];

    while ((opt = getopt(argc, argv, "m:p:k:r:u:d:w:P:B:")) != -1) {
        switch (opt) {
        case 'm':
            if (strcmp(optarg, "http") == 0) {
                http = 1;
            } else if (strcmp(optarg, "udp") != 0) {
                usage();
            }
            break;
        case 'p': port = atoi(optarg); break;
        case 'k': k = atoi(optarg); break;
        case 'r': route = optarg; break;
        case 'u': path = optarg; break;
        case 'd': seconds = atof(optarg); break;
        case 'w': warmup = atof(optarg); break;
        case 'P': pidfile = optarg; break;
        case 'B': rcvbuf = atoi(optarg); break;
        default: usage();
        }
    }
    if (!ports_ok(port, http ? 1 : k) || k < 1 || k > MAX_SOCKS
        || seconds <= 0 || seconds > 3600
        || warmup < 0 || warmup > 600)
    {
        usage();
    }
    if (path == NULL) {
        snprintf(req, sizeof(req),
                 "GET /live/%s.ts HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                 "User-Agent: tsrecv\r\n\r\n", route);
    } else {
        snprintf(req, sizeof(req),
                 "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                 "User-Agent: tsrecv\r\n\r\n", path);
    }

    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t) k + 64) {
        rl.rlim_cur = (rlim_t) k + 64;
        if (rl.rlim_max < rl.rlim_cur) {
            rl.rlim_max = rl.rlim_cur;      /* works as root */
        }
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
            perror("setrlimit(RLIMIT_NOFILE)");
            return 1;
        }
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    conn_t *conns = calloc((size_t) k, sizeof(conn_t));
    uint8_t *rbuf = malloc(TS + TCP_READ);
    uint8_t (*dbuf)[DGRAM_MAX] = malloc((size_t) VLEN * DGRAM_MAX);
    struct mmsghdr msgs[VLEN];
    struct iovec   iov[VLEN];
    int ep = epoll_create1(0);
    if (conns == NULL || rbuf == NULL || dbuf == NULL || ep < 0) {
        perror("init");
        return 1;
    }
    memset(msgs, 0, sizeof(msgs));
    for (int i = 0; i < VLEN; i++) {
        iov[i].iov_base = dbuf[i];
        iov[i].iov_len = DGRAM_MAX;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }

    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    for (int i = 0; i < k; i++) {
        conn_t *c = &conns[i];
        c->cc = TS_CC_UNSET;
        c->fd = socket(AF_INET, (http ? SOCK_STREAM : SOCK_DGRAM)
                       | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c->fd < 0) {
            perror("socket");
            return 1;
        }
        sock_buf(c->fd, SO_RCVBUF, rcvbuf);
        struct epoll_event ev = { .data.u32 = (uint32_t) i };
        if (http) {
            sa.sin_port = htons((uint16_t) port);
            if (connect(c->fd, (struct sockaddr *) &sa, sizeof(sa)) != 0
                && errno != EINPROGRESS)
            {
                perror("connect");
                c->state = ST_CLOSED;
                close(c->fd);
                continue;
            }
            c->state = ST_CONNECTING;
            ev.events = EPOLLOUT | EPOLLIN;
        } else {
            sa.sin_port = htons((uint16_t) (port + i));
            if (bind(c->fd, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
                fprintf(stderr, "tsrecv: bind 127.0.0.1:%d: %s\n", port + i,
                        strerror(errno));
                return 1;
            }
            c->state = ST_STREAMING;
            ev.events = EPOLLIN;
        }
        if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
            perror("epoll_ctl");
            return 1;
        }
    }

    uint64_t t0 = now_ns();
    uint64_t t_measure = t0 + (uint64_t) (warmup * 1e9);
    uint64_t t_end = t_measure + (uint64_t) (seconds * 1e9);
    uint64_t cpu0 = 0, cpu1 = 0, wall0 = 0, wall1 = 0, rt0 = 0, rt1 = 0;
    host_cpu_t h0 = { 0 }, h1 = { 0 };
    int      missing0 = 0, missing1 = 0;
    double   self0 = 0, self1 = 0;
    long     tck = sysconf(_SC_CLK_TCK);
    struct epoll_event evs[512];

    while (!stop) {
        uint64_t now = now_ns();
        if (!measuring && now >= t_measure) {
            if (pidfile) {
                pids_load(&sut, pidfile);
                cpu0 = pids_ticks(&sut, &missing0);
                rt0 = pids_sched_ns(&sut);
            }
            host_cpu(&h0);
            self0 = self_cpu();
            wall0 = now_ns();
            measuring = 1;
        }
        if (now >= t_end) {
            break;
        }
        uint64_t next = measuring ? t_end : t_measure;
        int timeout = (int) ((next - now) / 1000000) + 1;
        if (timeout > 100) {
            timeout = 100;
        }
        int n = epoll_wait(ep, evs, 512, timeout);
        for (int e = 0; e < n; e++) {
            conn_t *c = &conns[evs[e].data.u32];
            if (c->state == ST_CLOSED) {
                continue;
            }
            if (!http) {
                /* bounded: at most 8 batches per socket per wakeup */
                for (int round = 0; round < 8; round++) {
                    int got = recvmmsg(c->fd, msgs, VLEN, MSG_DONTWAIT, NULL);
                    if (got <= 0) {
                        break;
                    }
                    uint64_t t = now_ns();
                    for (int m = 0; m < got; m++) {
                        size_t len = msgs[m].msg_len;
                        c->in_sync = 0;
                        if (measuring) {
                            c->bytes += len;
                        }
                        if (len % TS != 0 && measuring) {
                            c->sync_losses++;
                        }
                        parse(c, dbuf[m], len, t);
                    }
                    if (got < VLEN) {
                        break;
                    }
                }
                continue;
            }

            if (c->state == ST_CONNECTING) {
                int err = 0;
                socklen_t el = sizeof(err);
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
                if (err != 0) {
                    fprintf(stderr, "tsrecv: connect: %s\n", strerror(err));
                    c->state = ST_CLOSED;
                    close(c->fd);
                    continue;
                }
                if (write(c->fd, req, strlen(req)) != (ssize_t) strlen(req)) {
                    c->state = ST_CLOSED;
                    close(c->fd);
                    continue;
                }
                struct epoll_event ev = { .events = EPOLLIN,
                                          .data.u32 = evs[e].data.u32 };
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
                c->state = ST_HEADERS;
                continue;
            }

            for (int round = 0; round < 4; round++) {
                uint8_t *dst = rbuf + TS;
                ssize_t  r = read(c->fd, dst, TCP_READ);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    c->state = ST_CLOSED;
                    close(c->fd);
                    break;
                }
                if (r < 0) {
                    break;
                }
                uint64_t t = now_ns();
                size_t   len = (size_t) r;
                if (c->state == ST_HEADERS) {
                    size_t take = len;
                    if (take > sizeof(c->hdr) - 1 - c->hdr_len) {
                        take = sizeof(c->hdr) - 1 - c->hdr_len;
                    }
                    memcpy(c->hdr + c->hdr_len, dst, take);
                    c->hdr_len += take;
                    c->hdr[c->hdr_len] = '\0';
                    char *eoh = strstr(c->hdr, "\r\n\r\n");
                    if (eoh == NULL) {
                        if (c->hdr_len >= sizeof(c->hdr) - 1) {
                            c->state = ST_CLOSED;
                            close(c->fd);
                            break;
                        }
                        continue;
                    }
                    /* hdr[old..] holds dst[0..take): the body starts at
                       dst[hlen - old] */
                    size_t hlen = (size_t) (eoh + 4 - c->hdr);
                    size_t old = c->hdr_len - take;
                    size_t body_off = hlen > old ? hlen - old : 0;
                    c->status = 0;
                    sscanf(c->hdr, "HTTP/%*d.%*d %d", &c->status);
                    if (c->status != 200) {
                        fprintf(stderr, "tsrecv: HTTP status %d\n", c->status);
                        c->state = ST_CLOSED;
                        close(c->fd);
                        break;
                    }
                    c->state = ST_STREAMING;
                    dst += body_off;
                    len -= body_off;
                }
                if (measuring) {
                    c->bytes += len;
                }
                /* prepend the incomplete packet kept from the last read */
                uint8_t *s = dst - c->carry_len;
                memcpy(s, c->carry, c->carry_len);
                len += c->carry_len;
                size_t used = parse(c, s, len, t);
                /* parse() stops at the last complete packet (or while
                   resyncing keeps < 188 bytes) */
                c->carry_len = len - used;
                if (c->carry_len >= TS) {
                    c->carry_len = TS - 1;
                    used = len - c->carry_len;
                }
                memcpy(c->carry, s + used, c->carry_len);
                if ((size_t) r < TCP_READ) {
                    break;
                }
            }
        }
    }

    wall1 = now_ns();
    self1 = self_cpu();
    if (pidfile && measuring) {
        cpu1 = pids_ticks(&sut, &missing1);
        rt1 = pids_sched_ns(&sut);
    }
    host_cpu(&h1);

    double   win = measuring ? (double) (wall1 - wall0) * 1e-9 : 0;
    uint64_t bytes = 0, pkts_sum = 0, pkts_min = UINT64_MAX, pkts_max = 0;
    uint64_t stamps = 0, ccerr = 0, syncl = 0, gaps = 0;
    int      streaming = 0, closed = 0;
    for (int i = 0; i < k; i++) {
        conn_t *c = &conns[i];
        bytes += c->bytes;
        pkts_sum += c->pkts;
        if (c->pkts < pkts_min) pkts_min = c->pkts;
        if (c->pkts > pkts_max) pkts_max = c->pkts;
        stamps += c->stamps;
        ccerr += c->cc_errors;
        syncl += c->sync_losses;
        gaps += c->seq_gaps;
        if (c->state == ST_STREAMING) {
            streaming++;
            close(c->fd);
        } else if (c->state == ST_CLOSED) {
            closed++;
        } else {
            close(c->fd);
        }
    }

    printf("{\"tool\":\"tsrecv\",\"mode\":\"%s\",\"sockets\":%d,"
           "\"streaming\":%d,\"closed\":%d,\"seconds\":%.3f,"
           "\"bytes\":%llu,\"mbps_total\":%.3f,\"mbps_per_socket\":%.3f,"
           "\"pkts_min\":%llu,\"pkts_avg\":%.1f,\"pkts_max\":%llu,"
           "\"stamps\":%llu,\"lat_us\":{\"p50\":%.1f,\"p90\":%.1f,"
           "\"p99\":%.1f,\"p999\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
           "\"lat_negative\":%llu,\"cc_errors\":%llu,\"seq_gaps\":%llu,"
           "\"sync_losses\":%llu,\"recv_cpu_s\":%.3f,"
           "\"host_busy_s\":%.3f,\"host_softirq_s\":%.3f,"
           "\"host_steal_s\":%.3f",
           http ? "http" : "udp", k, streaming, closed, win,
           (unsigned long long) bytes,
           win > 0 ? (double) bytes * 8 / win / 1e6 : 0,
           win > 0 ? (double) bytes * 8 / win / 1e6 / k : 0,
           (unsigned long long) (k ? pkts_min : 0),
           (double) pkts_sum / k, (unsigned long long) pkts_max,
           (unsigned long long) stamps,
           hist_pct(0.50), hist_pct(0.90), hist_pct(0.99), hist_pct(0.999),
           (double) lat_max_ns / 1000,
           lat_n ? (double) lat_sum_ns / (double) lat_n / 1000 : -1,
           (unsigned long long) lat_negative, (unsigned long long) ccerr,
           (unsigned long long) gaps, (unsigned long long) syncl,
           self1 - self0,
           measuring && tck > 0
               ? (double) (h1.busy - h0.busy) / (double) tck : 0,
           measuring && tck > 0
               ? (double) (h1.softirq - h0.softirq) / (double) tck : 0,
           measuring && tck > 0
               ? (double) (h1.steal - h0.steal) / (double) tck : 0);
    if (pidfile) {
        printf(",\"sut_pids\":%d,\"sut_pids_missing\":%d,"
               "\"sut_cpu_s\":%.4f,\"sut_cpu_ticks_s\":%.3f",
               sut.n, missing1 > missing0 ? missing1 : missing0,
               (double) (rt1 - rt0) * 1e-9,
               tck > 0 ? (double) (cpu1 - cpu0) / (double) tck : 0);
    }
    printf("}\n");
    return 0;
}
