/*
 * lossy_relay: a UDP relay that puts an impaired network between two SRT
 * peers in tests, because the test kernel has no netem.
 *
 *   lossy_relay -l 127.0.0.1:LPORT -t 127.0.0.1:TPORT [-d DELAY_MS]
 *       [-p LOSS_PERCENT] [-b MAX_BURST] [-s SEED] [-o STATS_FILE]
 *       [-T SECONDS]
 *
 * Datagrams from a client to -l go to -t ("fwd"); datagrams from -t go back
 * to the most recent client ("rev"), because SRT is bidirectional: data one
 * way, ACK/NAK the other.  Both directions are delayed by the same amount
 * and suffer the same loss model: half of the loss is independent random
 * drops, half is bursts of 2..MAX_BURST consecutive datagrams, since SRT
 * recovers from those two patterns quite differently.
 *
 * Prints "ready" on stdout once the sockets are bound; writes a one-line
 * JSON object with the counters to STATS_FILE every second and at exit,
 * and to stderr at exit.  Exits 0 on SIGTERM/SIGINT or after -T SECONDS.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>


#define LR_MAX_DGRAM    2048
#define LR_QUEUE_CAP    65536           /* power of two: ring index mask */
#define LR_RX_BATCH     256
#define LR_SOCK_BUF     (4 * 1024 * 1024)
#define LR_STATS_LEN    2048

#define LR_FWD          0
#define LR_REV          1


typedef struct {
    uint64_t        rx;
    uint64_t        tx;
    uint64_t        tx_err;
    uint64_t        drop_random;
    uint64_t        drop_burst;
    uint64_t        bursts;
    uint64_t        overflow;
    uint64_t        oversize;
} lr_stats_t;


typedef struct {
    uint64_t        rng;
    unsigned        burst_left;
    lr_stats_t      st;
} lr_dir_t;


typedef struct {
    int64_t         due;                /* CLOCK_MONOTONIC, microseconds */
    unsigned        dir;
    size_t          len;
    u_char         *data;
} lr_pkt_t;


static volatile sig_atomic_t    lr_quit;
static int                      lr_sigpipe[2] = { -1, -1 };

static lr_dir_t                 lr_dir[2];
static lr_pkt_t                *lr_queue;
static size_t                   lr_head;
static size_t                   lr_count;

static int                      lr_lfd = -1;
static int                      lr_tfd = -1;
static struct sockaddr_storage  lr_client;
static socklen_t                lr_client_len;

static double                   lr_burst_p;
static double                   lr_random_p;
static unsigned                 lr_max_burst = 5;
static int64_t                  lr_delay = 40000;   /* microseconds */
static double                   lr_loss_pct = 2.0;
static uint64_t                 lr_seed;


static void
lr_usage(void)
{
    fprintf(stderr,
            "usage: lossy_relay -l HOST:PORT -t HOST:PORT [-d DELAY_MS]\n"
            "           [-p LOSS_PERCENT] [-b MAX_BURST] [-s SEED]\n"
            "           [-o STATS_FILE] [-T SECONDS]\n"
            "  defaults: -d 40 -p 2.0 -b 5 -s time-based\n");
}


static int64_t
lr_now(void)
{
    struct timespec  ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);

    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}


/* splitmix64: tiny, good enough for loss decisions, trivially seedable */
static uint64_t
lr_rand(uint64_t *state)
{
    uint64_t  z;

    z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;

    return z ^ (z >> 31);
}


/* uniform in [0, 1) with 53 bits of precision */
static double
lr_uniform(uint64_t *state)
{
    return (double) (lr_rand(state) >> 11) * (1.0 / 9007199254740992.0);
}


/*
 * Burst start probability q and random drop probability r for a target
 * loss fraction p split evenly, with mean burst length m.  Each decision
 * taken outside a burst either starts a burst (probability q, consuming m
 * datagrams on average) or consumes one datagram, dropped with
 * probability r.  Per decision: q*m + (1 - q) datagrams, q*m burst drops
 * and (1 - q)*r random drops; setting both drop shares to p/2 gives q and
 * r below.  At p = 100% this yields r = 1 exactly.
 */
static void
lr_loss_init(double pct, unsigned max_burst)
{
    double  half, m, q, r;

    if (pct <= 0.0) {
        lr_burst_p = 0.0;
        lr_random_p = 0.0;
        return;
    }

    half = pct / 200.0;
    m = (2.0 + max_burst) / 2.0;

    q = half / (m * (1.0 - half) + half);
    r = half * (q * m + 1.0 - q) / (1.0 - q);

    lr_burst_p = q;
    lr_random_p = r > 1.0 ? 1.0 : r;
}


/* returns 1 if the datagram is to be dropped */
static int
lr_lose(lr_dir_t *d)
{
    unsigned  len;

    if (d->burst_left > 0) {
        d->burst_left--;
        d->st.drop_burst++;
        return 1;
    }

    if (lr_burst_p > 0.0 && lr_uniform(&d->rng) < lr_burst_p) {
        len = 2 + (unsigned) (lr_rand(&d->rng) % (lr_max_burst - 1));
        d->burst_left = len - 1;
        d->st.bursts++;
        d->st.drop_burst++;
        return 1;
    }

    if (lr_random_p > 0.0 && lr_uniform(&d->rng) < lr_random_p) {
        d->st.drop_random++;
        return 1;
    }

    return 0;
}


static void
lr_enqueue(unsigned dir, const u_char *data, size_t len, int64_t now)
{
    lr_pkt_t  *p;

    if (lr_count == LR_QUEUE_CAP) {
        lr_dir[dir].st.overflow++;
        return;
    }

    p = &lr_queue[(lr_head + lr_count) & (LR_QUEUE_CAP - 1)];

    p->data = malloc(len ? len : 1);
    if (p->data == NULL) {
        lr_dir[dir].st.overflow++;
        return;
    }

    memcpy(p->data, data, len);
    p->len = len;
    p->dir = dir;
    p->due = now + lr_delay;

    lr_count++;
}


static void
lr_send(lr_pkt_t *p)
{
    ssize_t    n;
    lr_dir_t  *d;

    d = &lr_dir[p->dir];

    if (p->dir == LR_FWD) {
        n = send(lr_tfd, p->data, p->len, 0);

    } else if (lr_client_len == 0) {
        /* cannot happen in practice: rev traffic follows a client's */
        d->st.tx_err++;
        return;

    } else {
        n = sendto(lr_lfd, p->data, p->len, 0,
                   (struct sockaddr *) &lr_client, lr_client_len);
    }

    /*
     * ECONNREFUSED (a peer not up yet or gone), EAGAIN (full socket
     * buffer) and the like are what an impaired network looks like
     * anyway: count them and carry on.
     */
    if (n < 0 || (size_t) n != p->len) {
        d->st.tx_err++;
        return;
    }

    d->st.tx++;
}


/* forwards every datagram that is due, oldest first */
static void
lr_flush(int64_t now)
{
    lr_pkt_t  *p;

    while (lr_count > 0) {
        p = &lr_queue[lr_head];

        if (p->due > now) {
            break;
        }

        lr_send(p);

        free(p->data);
        p->data = NULL;

        lr_head = (lr_head + 1) & (LR_QUEUE_CAP - 1);
        lr_count--;
    }
}


static void
lr_receive(int fd, unsigned dir, int64_t now)
{
    int                      i;
    ssize_t                  n;
    lr_dir_t                *d;
    socklen_t                salen;
    struct sockaddr_storage  sa;
    u_char                   buf[LR_MAX_DGRAM];

    d = &lr_dir[dir];

    /* bounded batch, so that due datagrams are not starved by a flood */
    for (i = 0; i < LR_RX_BATCH; i++) {
        salen = sizeof(sa);

        /* MSG_TRUNC: Linux returns the real length of an oversized one */
        n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
                     (struct sockaddr *) &sa, &salen);

        if (n < 0) {
            if (errno == EINTR || errno == ECONNREFUSED) {
                /* an ICMP error was reported and is now cleared */
                continue;
            }

            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                fprintf(stderr, "lossy_relay: recvfrom(%s): %s\n",
                        dir == LR_FWD ? "client" : "target",
                        strerror(errno));
            }

            return;
        }

        d->st.rx++;

        if (dir == LR_FWD) {
            memcpy(&lr_client, &sa, salen);
            lr_client_len = salen;
        }

        if ((size_t) n > sizeof(buf)) {
            d->st.oversize++;
            continue;
        }

        if (lr_lose(d)) {
            continue;
        }

        lr_enqueue(dir, buf, (size_t) n, now);
    }
}


#define LR_DIR_FMT                                                            \
    "{\"rx\":%" PRIu64 ",\"tx\":%" PRIu64 ",\"tx_err\":%" PRIu64              \
    ",\"drop_random\":%" PRIu64 ",\"drop_burst\":%" PRIu64                    \
    ",\"bursts\":%" PRIu64 ",\"overflow\":%" PRIu64                           \
    ",\"oversize\":%" PRIu64 "}"

#define LR_DIR_ARGS(s)                                                        \
    (s)->rx, (s)->tx, (s)->tx_err, (s)->drop_random, (s)->drop_burst,         \
    (s)->bursts, (s)->overflow, (s)->oversize


static void
lr_stats_format(char *buf, size_t size)
{
    const lr_stats_t  *f, *r;

    f = &lr_dir[LR_FWD].st;
    r = &lr_dir[LR_REV].st;

    snprintf(buf, size,
             "{\"fwd\":" LR_DIR_FMT ",\"rev\":" LR_DIR_FMT
             ",\"queued\":%zu,\"seed\":%" PRIu64
             ",\"loss_pct\":%.3f,\"delay_ms\":%.3f,\"max_burst\":%u}",
             LR_DIR_ARGS(f), LR_DIR_ARGS(r), lr_count, lr_seed,
             lr_loss_pct, (double) lr_delay / 1000.0, lr_max_burst);
}


/* temp file + rename: a reader sees either the old or the new line */
static int
lr_stats_write(const char *path, const char *line)
{
    int    rc;
    char   tmp[PATH_MAX];
    FILE  *f;

    rc = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long) getpid());
    if (rc < 0 || (size_t) rc >= sizeof(tmp)) {
        errno = ENAMETOOLONG;
        return -1;
    }

    f = fopen(tmp, "w");
    if (f == NULL) {
        return -1;
    }

    fputs(line, f);
    fputc('\n', f);

    rc = ferror(f);

    if (fclose(f) != 0 || rc != 0) {
        unlink(tmp);
        return -1;
    }

    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }

    return 0;
}


static void
lr_stats_save(const char *path)
{
    char        line[LR_STATS_LEN];
    static int  warned;

    lr_stats_format(line, sizeof(line));

    if (lr_stats_write(path, line) != 0 && !warned) {
        /* once: a per-second complaint would drown the test's log */
        fprintf(stderr, "lossy_relay: cannot write \"%s\": %s\n",
                path, strerror(errno));
        warned = 1;
    }
}


static void
lr_on_signal(int signo)
{
    int  saved;

    (void) signo;

    saved = errno;

    lr_quit = 1;

    /* self-pipe: poll() may not have been entered yet to see EINTR */
    if (write(lr_sigpipe[1], "", 1) < 0) {
        /* pipe full: a wakeup is already pending */
    }

    errno = saved;
}


static int
lr_parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
    int               rc;
    char              host[256];
    const char       *colon, *port;
    size_t            hlen;
    struct addrinfo   hints, *res;

    colon = strrchr(s, ':');
    if (colon == NULL || colon[1] == '\0') {
        return -1;
    }

    port = colon + 1;
    hlen = (size_t) (colon - s);

    /* "[::1]:9000" */
    if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
        s++;
        hlen -= 2;
    }

    if (hlen == 0 || hlen >= sizeof(host)) {
        return -1;
    }

    memcpy(host, s, hlen);
    host[hlen] = '\0';

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;

    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        return -1;
    }

    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;

    freeaddrinfo(res);

    return 0;
}


static int
lr_socket(const struct sockaddr_storage *ss)
{
    int  fd, size;

    fd = socket(ss->ss_family, SOCK_DGRAM, 0);
    if (fd < 0) {
        return -1;
    }

    if (fcntl(fd, F_SETFL, O_NONBLOCK) != 0
        || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
    {
        close(fd);
        return -1;
    }

    /*
     * Large buffers, so that the kernel does not add loss of its own on
     * top of the configured one; best effort, capped by rmem_max/wmem_max.
     */
    size = LR_SOCK_BUF;
    (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
    (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

    return fd;
}


static int
lr_parse_double(const char *s, double min, double max, double *out)
{
    char    *end;
    double   v;

    errno = 0;
    v = strtod(s, &end);

    if (errno != 0 || end == s || *end != '\0' || !(v >= min && v <= max)) {
        return -1;
    }

    *out = v;

    return 0;
}


/* returns milliseconds until "when", rounded up so we never wake early */
static int64_t
lr_ms_until(int64_t when, int64_t now)
{
    if (when <= now) {
        return 0;
    }

    return (when - now + 999) / 1000;
}


int
main(int argc, char **argv)
{
    int                      c, timeout, seeded;
    char                    *end, line[LR_STATS_LEN];
    double                   v, seconds;
    int64_t                  now, deadline, next_stats, ms, t;
    uint64_t                 s;
    socklen_t                llen, tlen;
    const char              *stats_path, *laddr, *taddr;
    struct pollfd            pfd[3];
    struct timespec          ts;
    struct sigaction         sa;
    struct sockaddr_storage  lss, tss;

    laddr = NULL;
    taddr = NULL;
    stats_path = NULL;
    seconds = 0.0;
    seeded = 0;

    while ((c = getopt(argc, argv, "l:t:d:p:b:s:o:T:h")) != -1) {
        switch (c) {

        case 'l':
            laddr = optarg;
            break;

        case 't':
            taddr = optarg;
            break;

        case 'd':
            if (lr_parse_double(optarg, 0.0, 3600000.0, &v) != 0) {
                fprintf(stderr, "lossy_relay: bad delay \"%s\"\n", optarg);
                return 2;
            }

            lr_delay = (int64_t) (v * 1000.0 + 0.5);
            break;

        case 'p':
            if (lr_parse_double(optarg, 0.0, 100.0, &lr_loss_pct) != 0) {
                fprintf(stderr, "lossy_relay: bad loss \"%s\"\n", optarg);
                return 2;
            }

            break;

        case 'b':
            if (lr_parse_double(optarg, 2.0, 1000000.0, &v) != 0
                || v != (double) (unsigned) v)
            {
                fprintf(stderr, "lossy_relay: bad max burst \"%s\" "
                        "(an integer >= 2)\n", optarg);
                return 2;
            }

            lr_max_burst = (unsigned) v;
            break;

        case 's':
            errno = 0;
            lr_seed = strtoull(optarg, &end, 10);

            if (errno != 0 || end == optarg || *end != '\0'
                || optarg[0] == '-')
            {
                fprintf(stderr, "lossy_relay: bad seed \"%s\"\n", optarg);
                return 2;
            }

            seeded = 1;
            break;

        case 'o':
            stats_path = optarg;
            break;

        case 'T':
            if (lr_parse_double(optarg, 0.001, 1e9, &seconds) != 0) {
                fprintf(stderr, "lossy_relay: bad time \"%s\"\n", optarg);
                return 2;
            }

            break;

        default:
            lr_usage();
            return 2;
        }
    }

    if (laddr == NULL || taddr == NULL || optind != argc) {
        lr_usage();
        return 2;
    }

    if (lr_parse_addr(laddr, &lss, &llen) != 0
        || lr_parse_addr(taddr, &tss, &tlen) != 0)
    {
        fprintf(stderr, "lossy_relay: bad address, want IP:PORT\n");
        return 2;
    }

    if (!seeded) {
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
        s ^= (uint64_t) getpid() << 32;

        /* 53 bits: survives any JSON reader that parses into a double */
        lr_seed = lr_rand(&s) & ((1ULL << 53) - 1);
    }

    /* one stream per direction, so that replays do not depend on timing */
    s = lr_seed;
    lr_dir[LR_FWD].rng = lr_rand(&s);
    lr_dir[LR_REV].rng = lr_rand(&s);

    lr_loss_init(lr_loss_pct, lr_max_burst);

    lr_queue = calloc(LR_QUEUE_CAP, sizeof(lr_pkt_t));
    if (lr_queue == NULL) {
        fprintf(stderr, "lossy_relay: out of memory\n");
        return 1;
    }

    if (pipe(lr_sigpipe) != 0
        || fcntl(lr_sigpipe[0], F_SETFL, O_NONBLOCK) != 0
        || fcntl(lr_sigpipe[1], F_SETFL, O_NONBLOCK) != 0)
    {
        fprintf(stderr, "lossy_relay: pipe: %s\n", strerror(errno));
        return 1;
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = lr_on_signal;
    sigemptyset(&sa.sa_mask);

    if (sigaction(SIGTERM, &sa, NULL) != 0
        || sigaction(SIGINT, &sa, NULL) != 0)
    {
        fprintf(stderr, "lossy_relay: sigaction: %s\n", strerror(errno));
        return 1;
    }

    lr_lfd = lr_socket(&lss);
    if (lr_lfd < 0 || bind(lr_lfd, (struct sockaddr *) &lss, llen) != 0) {
        fprintf(stderr, "lossy_relay: bind %s: %s\n", laddr, strerror(errno));
        return 1;
    }

    /*
     * Connected: the target sees the relay's own port, and only the
     * target's replies reach this socket.
     */
    lr_tfd = lr_socket(&tss);
    if (lr_tfd < 0 || connect(lr_tfd, (struct sockaddr *) &tss, tlen) != 0) {
        fprintf(stderr, "lossy_relay: connect %s: %s\n", taddr,
                strerror(errno));
        return 1;
    }

    fprintf(stderr, "lossy_relay: %s -> %s delay %.3f ms loss %.3f%% "
            "max burst %u seed %" PRIu64 "\n",
            laddr, taddr, (double) lr_delay / 1000.0, lr_loss_pct,
            lr_max_burst, lr_seed);

    printf("ready\n");
    fflush(stdout);

    now = lr_now();
    deadline = seconds > 0.0 ? now + (int64_t) (seconds * 1e6) : 0;
    next_stats = now + 1000000;

    pfd[0].fd = lr_lfd;
    pfd[0].events = POLLIN;
    pfd[1].fd = lr_tfd;
    pfd[1].events = POLLIN;
    pfd[2].fd = lr_sigpipe[0];
    pfd[2].events = POLLIN;

    while (!lr_quit) {
        now = lr_now();

        if (deadline != 0 && now >= deadline) {
            break;
        }

        lr_flush(now);

        if (stats_path != NULL && now >= next_stats) {
            lr_stats_save(stats_path);

            next_stats += 1000000;
            if (next_stats <= now) {
                next_stats = now + 1000000;
            }
        }

        ms = -1;

        if (lr_count > 0) {
            ms = lr_ms_until(lr_queue[lr_head].due, now);
        }

        if (deadline != 0) {
            t = lr_ms_until(deadline, now);
            ms = (ms < 0 || t < ms) ? t : ms;
        }

        if (stats_path != NULL) {
            t = lr_ms_until(next_stats, now);
            ms = (ms < 0 || t < ms) ? t : ms;
        }

        timeout = ms > INT_MAX ? INT_MAX : (int) ms;

        if (poll(pfd, 3, timeout) < 0) {
            if (errno == EINTR) {
                continue;
            }

            fprintf(stderr, "lossy_relay: poll: %s\n", strerror(errno));
            return 1;
        }

        if (pfd[2].revents) {
            while (read(lr_sigpipe[0], line, sizeof(line)) > 0) {
                /* drain */
            }
        }

        now = lr_now();

        /* POLLERR too: reading is what clears a pending ICMP error */
        if (pfd[0].revents & (POLLIN | POLLERR)) {
            lr_receive(lr_lfd, LR_FWD, now);
        }

        if (pfd[1].revents & (POLLIN | POLLERR)) {
            lr_receive(lr_tfd, LR_REV, now);
        }
    }

    lr_stats_format(line, sizeof(line));

    if (stats_path != NULL && lr_stats_write(stats_path, line) != 0) {
        fprintf(stderr, "lossy_relay: cannot write \"%s\": %s\n",
                stats_path, strerror(errno));
    }

    fprintf(stderr, "%s\n", line);

    return 0;
}
