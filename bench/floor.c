/*
 * floor: the cheapest possible fan-out, used as the benchmark's floor.
 *
 *   floor -i IN_PORT [-u OUT_BASE_PORT -n N [-U]] [-l HTTP_PORT [-N]]
 *         [-t MAX_SECONDS]
 *
 * Receives datagrams on 127.0.0.1:IN_PORT with recvmmsg() and, without
 * looking at them:
 *   -u/-n  sends each one to 127.0.0.1:OUT_BASE_PORT .. +N-1: one
 *          connected socket and one sendmmsg() per destination per received
 *          batch (-U: one unconnected socket and one sendmmsg() batch
 *          covering every destination x datagram; measured slower);
 *   -l     serves HTTP on 127.0.0.1:HTTP_PORT: accepts, reads the request
 *          (any), answers "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t
 *          \r\n\r\n" and writes every datagram to every client with
 *          nonblocking writev() (TCP_NODELAY set unless -N).  A client
 *          whose socket is full loses whole
 *          datagrams (the unwritten tail of a partly written batch is kept,
 *          up to 64 KB, so the stream stays packet aligned).
 * Single thread, one epoll loop; no parsing, no ring, no copies besides the
 * kernel's.  Exits on SIGINT/SIGTERM or after MAX_SECONDS (default 3600)
 * and prints one JSON line of counters on stdout.
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
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define VLEN        64
#define DGRAM_MAX   2048
#define SEND_BATCH  1024
#define MAX_OUT     4096
#define MAX_CLIENTS 4096
#define PENDING_MAX (64 * 1024)

static const char http_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: video/mp2t\r\n\r\n";

typedef struct {
    int       fd;
    int       streaming;
    size_t    req_len;
    char      req[4096];
    size_t    pending_len;
    uint8_t  *pending;
} client_t;

static uint64_t dg_in, bytes_in, udp_sent, udp_errors, tcp_bytes, tcp_drops,
                clients_total, clients_closed;

static void
client_close(int ep, client_t **slot)
{
    client_t *c = *slot;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pending);
    free(c);
    *slot = NULL;
    clients_closed++;
}

/* writes datagrams iov[0..n) to a streaming client */
static void
client_write(int ep, client_t **slot, struct iovec *iov, int n)
{
    client_t *c = *slot;
    size_t    total = 0;
    ssize_t   w;

    if (c->pending_len) {
        w = write(c->fd, c->pending, c->pending_len);
        if (w < 0 && errno != EAGAIN && errno != EINTR) {
            client_close(ep, slot);
            return;
        }
        if (w > 0) {
            tcp_bytes += (uint64_t) w;
            memmove(c->pending, c->pending + w, c->pending_len - (size_t) w);
            c->pending_len -= (size_t) w;
        }
        if (c->pending_len) {
            tcp_drops += (uint64_t) n;
            return;
        }
    }

    for (int i = 0; i < n; i++) {
        total += iov[i].iov_len;
    }
    w = writev(c->fd, iov, n);
    if (w < 0) {
        if (errno != EAGAIN && errno != EINTR) {
            client_close(ep, slot);
            return;
        }
        w = 0;
    }
    tcp_bytes += (uint64_t) w;
    if ((size_t) w == total) {
        return;
    }
    /* keep the rest of the partly written datagram and whole ones after it
       while they fit; drop the others */
    size_t skip = (size_t) w;
    for (int i = 0; i < n; i++) {
        size_t len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        size_t part = len - skip;
        if (skip == 0 && c->pending_len + part > PENDING_MAX) {
            tcp_drops++;
            continue;
        }
        if (c->pending == NULL) {
            c->pending = malloc(PENDING_MAX + DGRAM_MAX);
            if (c->pending == NULL) {
                client_close(ep, slot);
                return;
            }
        }
        memcpy(c->pending + c->pending_len, (uint8_t *) iov[i].iov_base + skip,
               part);
        c->pending_len += part;
        skip = 0;
    }
}

/* sendmmsg() until the batch is done; a datagram that fails is skipped */
static void
send_batch(int fd, struct mmsghdr *m, int n)
{
    int off = 0;
    while (off < n) {
        int s = sendmmsg(fd, m + off, (unsigned) (n - off), 0);
        if (s <= 0) {
            udp_errors++;
            off++;
            continue;
        }
        udp_sent += (uint64_t) s;
        off += s;
    }
}

static void
usage(void)
{
    fprintf(stderr, "usage: floor -i IN_PORT [-u OUT_BASE_PORT -n N [-U]] "
                    "[-l HTTP_PORT [-N]] [-t MAX_SECONDS]\n"
                    "  -U  one unconnected socket, one sendmmsg() batch "
                    "across destinations\n"
                    "  -N  keep Nagle on HTTP clients (no TCP_NODELAY)\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    int    opt, in_port = 0, out_base = 0, nout = 0, http_port = 0;
    double max_seconds = 3600;
    int    unconnected = 0, nodelay = 1;

    while ((opt = getopt(argc, argv, "i:u:n:l:t:UN")) != -1) {
        switch (opt) {
        case 'U': unconnected = 1; break;
        case 'N': nodelay = 0; break;
        case 'i': in_port = atoi(optarg); break;
        case 'u': out_base = atoi(optarg); break;
        case 'n': nout = atoi(optarg); break;
        case 'l': http_port = atoi(optarg); break;
        case 't': max_seconds = atof(optarg); break;
        default: usage();
        }
    }
    if (!ports_ok(in_port, 1) || nout < 0 || nout > MAX_OUT
        || (nout > 0 && !ports_ok(out_base, nout))
        || (http_port != 0 && !ports_ok(http_port, 1)) || max_seconds <= 0)
    {
        usage();
    }

    struct rlimit rl;
    rlim_t want = (rlim_t) MAX_CLIENTS + (rlim_t) nout + 64;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
        rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1, buf = 4 << 20;

    int in = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sock_buf(in, SO_RCVBUF, buf);
    sa.sin_port = htons((uint16_t) in_port);
    if (bind(in, (struct sockaddr *) &sa, sizeof(sa)) != 0) {
        fprintf(stderr, "floor: bind udp %d: %s\n", in_port, strerror(errno));
        return 1;
    }

    int out = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sock_buf(out, SO_SNDBUF, buf);
    struct sockaddr_in *dst = calloc((size_t) (nout ? nout : 1), sizeof(*dst));
    int *outfd = calloc((size_t) (nout ? nout : 1), sizeof(int));
    for (int i = 0; i < nout; i++) {
        dst[i] = sa;
        dst[i].sin_port = htons((uint16_t) (out_base + i));
        if (!unconnected) {
            /* one connected socket per destination: no per-datagram
               address handling or route lookup in the kernel */
            outfd[i] = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
            if (outfd[i] < 0
                || connect(outfd[i], (struct sockaddr *) &dst[i],
                           sizeof(dst[i])) != 0)
            {
                fprintf(stderr, "floor: udp output %d: %s\n", i,
                        strerror(errno));
                return 1;
            }
        }
    }

    int lfd = -1;
    if (http_port) {
        lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sa.sin_port = htons((uint16_t) http_port);
        if (bind(lfd, (struct sockaddr *) &sa, sizeof(sa)) != 0
            || listen(lfd, 1024) != 0)
        {
            fprintf(stderr, "floor: listen tcp %d: %s\n", http_port,
                    strerror(errno));
            return 1;
        }
    }

    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t) -1 };
    epoll_ctl(ep, EPOLL_CTL_ADD, in, &ev);
    if (lfd >= 0) {
        ev.data.u64 = (uint64_t) -2;
        epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    }

    static uint8_t        dbuf[VLEN][DGRAM_MAX];
    static struct iovec   riov[VLEN], siov[VLEN];
    static struct mmsghdr rmsg[VLEN], smsg[SEND_BATCH];
    static client_t      *clients[MAX_CLIENTS];
    int                   nclients = 0;   /* highest used slot + 1 */

    for (int i = 0; i < VLEN; i++) {
        riov[i].iov_base = dbuf[i];
        riov[i].iov_len = DGRAM_MAX;
        rmsg[i].msg_hdr.msg_iov = &riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
    }

    uint64_t end = now_ns() + (uint64_t) (max_seconds * 1e9);
    struct epoll_event evs[256];

    while (!stop && now_ns() < end) {
        int n = epoll_wait(ep, evs, 256, 100);
        for (int e = 0; e < n; e++) {
            uint64_t id = evs[e].data.u64;

            if (id == (uint64_t) -2) {
                /* accept everything pending (bounded by the backlog) */
                for (int a = 0; a < 1024; a++) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                    if (fd < 0) {
                        break;
                    }
                    int slot = -1;
                    for (int s = 0; s < MAX_CLIENTS; s++) {
                        if (clients[s] == NULL) {
                            slot = s;
                            break;
                        }
                    }
                    client_t *c = slot < 0 ? NULL : calloc(1, sizeof(*c));
                    if (c == NULL) {
                        close(fd);
                        continue;
                    }
                    /* no Nagle: every datagram leaves at once */
                    if (nodelay) {
                        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
                                   sizeof(one));
                    }
                    c->fd = fd;
                    clients[slot] = c;
                    if (slot + 1 > nclients) {
                        nclients = slot + 1;
                    }
                    clients_total++;
                    struct epoll_event cev = { .events = EPOLLIN,
                                               .data.u64 = (uint64_t) slot };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }

            if (id != (uint64_t) -1) {
                /* client readable: request bytes, or EOF */
                client_t **slot = &clients[id];
                client_t  *c = *slot;
                if (c == NULL) {
                    continue;
                }
                char    tmp[4096];
                ssize_t r = read(c->fd, tmp, sizeof(tmp));
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    client_close(ep, slot);
                    continue;
                }
                if (r > 0 && !c->streaming) {
                    size_t take = (size_t) r;
                    if (take > sizeof(c->req) - 1 - c->req_len) {
                        take = sizeof(c->req) - 1 - c->req_len;
                    }
                    memcpy(c->req + c->req_len, tmp, take);
                    c->req_len += take;
                    c->req[c->req_len] = '\0';
                    if (strstr(c->req, "\r\n\r\n") != NULL) {
                        if (write(c->fd, http_reply, sizeof(http_reply) - 1)
                            != (ssize_t) sizeof(http_reply) - 1)
                        {
                            client_close(ep, slot);
                            continue;
                        }
                        c->streaming = 1;
                    } else if (c->req_len >= sizeof(c->req) - 1) {
                        client_close(ep, slot);
                    }
                }
                continue;
            }

            /* input: bounded number of batches per wakeup */
            for (int round = 0; round < 16; round++) {
                int got = recvmmsg(in, rmsg, VLEN, MSG_DONTWAIT, NULL);
                if (got <= 0) {
                    break;
                }
                dg_in += (uint64_t) got;
                for (int m = 0; m < got; m++) {
                    siov[m].iov_base = dbuf[m];
                    siov[m].iov_len = rmsg[m].msg_len;
                    bytes_in += rmsg[m].msg_len;
                }

                /* UDP, connected: one sendmmsg() per destination */
                for (int d = 0; !unconnected && d < nout; d++) {
                    for (int m = 0; m < got; m++) {
                        struct msghdr *h = &smsg[m].msg_hdr;
                        h->msg_name = NULL;
                        h->msg_namelen = 0;
                        h->msg_iov = &siov[m];
                        h->msg_iovlen = 1;
                    }
                    send_batch(outfd[d], smsg, got);
                }

                /* UDP, -U: one sendmmsg() batch across destinations */
                int fill = 0;
                for (int d = 0; unconnected && d < nout; d++) {
                    for (int m = 0; m < got; m++) {
                        struct msghdr *h = &smsg[fill].msg_hdr;
                        h->msg_name = &dst[d];
                        h->msg_namelen = sizeof(dst[d]);
                        h->msg_iov = &siov[m];
                        h->msg_iovlen = 1;
                        if (++fill == SEND_BATCH) {
                            send_batch(out, smsg, fill);
                            fill = 0;
                        }
                    }
                }
                if (fill) {
                    send_batch(out, smsg, fill);
                }

                /* HTTP clients */
                for (int s = 0; s < nclients; s++) {
                    if (clients[s] != NULL && clients[s]->streaming) {
                        client_write(ep, &clients[s], siov, got);
                    }
                }
                if (got < VLEN) {
                    break;
                }
            }
        }
    }

    printf("{\"tool\":\"floor\",\"datagrams_in\":%llu,\"bytes_in\":%llu,"
           "\"udp_outputs\":%d,\"udp_sent\":%llu,\"udp_errors\":%llu,"
           "\"http_clients\":%llu,\"http_closed\":%llu,\"tcp_bytes\":%llu,"
           "\"tcp_dropped_datagrams\":%llu}\n",
           (unsigned long long) dg_in, (unsigned long long) bytes_in, nout,
           (unsigned long long) udp_sent, (unsigned long long) udp_errors,
           (unsigned long long) clients_total,
           (unsigned long long) clients_closed,
           (unsigned long long) tcp_bytes, (unsigned long long) tcp_drops);
    return 0;
}
