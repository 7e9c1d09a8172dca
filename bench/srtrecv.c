/*
 * srtrecv: N SRT players in one process, for the SRT fan-out benchmark.
 *
 *   srtrecv -c N -o RESULTS.json [-H HOST] [-p PORT | -P BASEPORT]
 *           [-s STREAMID] [-l LATENCY_MS] [-L LOCAL_BASEPORT [-M K]] [-D]
 *           [-w WARMUP] [-t SECONDS] [-r REPEAT] [-S PIDFILE]
 *           [-T CONNECT_TIMEOUT] [-i NAP_MS] [-q]
 *
 * Opens N SRT caller connections (live mode) to HOST (default 127.0.0.1):
 * all to PORT (-p), or connection i to BASEPORT+i (-P).  With -L,
 * connection i is bound to 127.0.0.1:LOCAL_BASEPORT+i, or with -M K to
 * LOCAL_BASEPORT + i % K (K local UDP ports shared by the connections: libsrt
 * then runs one send and one receive thread per local port instead of per
 * connection); without -L the kernel picks an ephemeral port per
 * connection.  -s sets SRTO_STREAMID, -l SRTO_LATENCY.  -D turns TSBPD
 * (and too-late packet drop) off: no TSBPD thread per connection, messages
 * are delivered as soon as they are in order.  -i sleeps NAP_MS between
 * polls once connected (batches reads; default 0).
 *
 * One thread of ours: non-blocking sockets, one srt_epoll, srt_recvmsg()
 * until the socket is drained.  libsrt adds its own threads (a send and a
 * receive thread per local UDP port, a TSBPD thread per connection unless
 * -D, and a GC thread), as in any libsrt player.
 *
 * Every message is checked: its length must be a multiple of 188 and every
 * 188th byte 0x47 (otherwise it counts as a bad message and is not parsed);
 * the continuity counter of every PID but 0x1fff is checked per connection
 * (payload packets must increment it by one, one duplicate allowed, the
 * discontinuity_indicator resets it).
 *
 * Phases: connect (until every connection is established or has failed, or
 * CONNECT_TIMEOUT, default 15 s, passed; failures are printed), then
 * WARMUP seconds (default 3) not counted, then REPEAT (default 1) windows of
 * SECONDS (default 10) each, back to back.  At every window boundary the
 * per-connection counters, this process's CPU (getrusage: all threads,
 * libsrt's included), the machine's busy time (/proc/stat) and, with -S,
 * the CPU of the PIDs listed in PIDFILE (the system under test, one PID per
 * line, read when the first window starts) are sampled: utime + stime from
 * /proc/PID/stat (clock ticks, all threads) and sum_exec_runtime from
 * /proc/PID/task/TID/schedstat (ns).
 *
 * Output: RESULTS.json (see write_json()); a summary line on stderr.
 * A connection that breaks is counted (closed) and not reopened.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srt/srt.h>

#include "bench.h"
#include "tscheck.h"

#define NPIDS       8192
#define MSG_MAX     2048
#define MAX_CONNS   4096
#define MAX_WINDOWS 100
#define EV_MAX      1024

enum { C_CONNECTING, C_CONNECTED, C_FAILED, C_CLOSED };

typedef struct {
    int64_t loss, drop, recv, ack, nak;
} srt_counts_t;

typedef struct {
    SRTSOCKET  sock;
    int        state;
    int        port;
    int        local_port;
    uint64_t   bytes, msgs, ts_pkts;        /* since connect */
    uint64_t   bad_msgs, cc_errors;
    uint64_t   connect_ns;                  /* time to connect */
    /* at the start of the current window */
    uint64_t   w_bytes, w_msgs, w_cc;
    uint64_t   win_bytes;                   /* in all windows */
    srt_counts_t w_srt;                     /* libsrt totals */
    uint8_t   *last_cc;                     /* NPIDS entries, TS_CC_UNSET */
} conn_t;

typedef struct {
    double     seconds;
    uint64_t   bytes, msgs, cc_errors;
    int64_t    rcv_loss, rcv_drop;          /* libsrt: lost / too late */
    int64_t    pkts_recv, acks_sent, naks_sent; /* libsrt counters */
    int        streaming;                   /* connections that got data */
    double     mbps_total, mbps_med, mbps_min, mbps_max;
    double     recv_cpu_s;
    double     sut_cpu_s, sut_cpu_sched_s;
    int        sut_missing;
    double     host_busy_pct;               /* % of one core */
} window_t;

static conn_t   *conns;
static int       nconns;
static window_t  windows[MAX_WINDOWS];
static int       nwindows;
static pids_t    sut;                       /* the system under test (-S) */

/* ---- socket id -> connection index (open addressing) ---- */

#define HASH_SIZE   (MAX_CONNS * 4)

static SRTSOCKET hash_sock[HASH_SIZE];
static int       hash_idx[HASH_SIZE];

static void
sock_add(SRTSOCKET s, int i)
{
    unsigned h = ((unsigned) s * 2654435761u) % HASH_SIZE;
    while (hash_idx[h]) {
        h = (h + 1) % HASH_SIZE;
    }
    hash_sock[h] = s;
    hash_idx[h] = i + 1;
}

static int
sock_find(SRTSOCKET s)
{
    unsigned h = ((unsigned) s * 2654435761u) % HASH_SIZE;
    while (hash_idx[h]) {
        if (hash_sock[h] == s) {
            return hash_idx[h] - 1;
        }
        h = (h + 1) % HASH_SIZE;
    }
    return -1;
}

/* ---- TS checks ---- */

static void
check_msg(conn_t *c, const uint8_t *p, int len)
{
    if (len <= 0 || len % TS != 0) {
        c->bad_msgs++;
        return;
    }
    for (int off = 0; off < len; off += TS) {
        if (p[off] != 0x47) {
            c->bad_msgs++;
            return;
        }
    }
    for (int off = 0; off < len; off += TS) {
        const uint8_t *t = p + off;
        unsigned pid = ts_pid(t);
        c->ts_pkts++;
        if (pid == 0x1fff) {
            continue;
        }
        if (ts_cc_check(&c->last_cc[pid], t)) {
            c->cc_errors++;
        }
    }
}

/* ---- windows ---- */

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return x < y ? -1 : x > y;
}

static void
stats_totals(SRTSOCKET s, srt_counts_t *t)
{
    SRT_TRACEBSTATS st;
    memset(t, 0, sizeof(*t));
    if (srt_bstats(s, &st, 0) == 0) {
        t->loss = st.pktRcvLossTotal;
        t->drop = st.pktRcvDropTotal;
        t->recv = st.pktRecvTotal;
        t->ack = st.pktSentACKTotal;
        t->nak = st.pktSentNAKTotal;
    }
}

/* snapshot the counters of every connection at a window start */
static void
window_begin(void)
{
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        c->w_bytes = c->bytes;
        c->w_msgs = c->msgs;
        c->w_cc = c->cc_errors;
        memset(&c->w_srt, 0, sizeof(c->w_srt));
        if (c->state == C_CONNECTED) {
            stats_totals(c->sock, &c->w_srt);
        }
    }
}

static void
window_end(window_t *w, double seconds, double *mbps)
{
    int n = 0;
    memset(w, 0, sizeof(*w));
    w->seconds = seconds;
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state == C_FAILED) {
            continue;
        }
        uint64_t b = c->bytes - c->w_bytes;
        c->win_bytes += b;
        w->bytes += b;
        w->msgs += c->msgs - c->w_msgs;
        w->cc_errors += c->cc_errors - c->w_cc;
        if (b > 0) {
            w->streaming++;
        }
        if (c->state == C_CONNECTED) {
            srt_counts_t t;
            stats_totals(c->sock, &t);
            w->rcv_loss += t.loss - c->w_srt.loss;
            w->rcv_drop += t.drop - c->w_srt.drop;
            w->pkts_recv += t.recv - c->w_srt.recv;
            w->acks_sent += t.ack - c->w_srt.ack;
            w->naks_sent += t.nak - c->w_srt.nak;
        }
        mbps[n++] = seconds > 0 ? b * 8.0 / seconds / 1e6 : 0;
    }
    w->mbps_total = seconds > 0 ? w->bytes * 8.0 / seconds / 1e6 : 0;
    if (n > 0) {
        qsort(mbps, (size_t) n, sizeof(double), cmp_double);
        w->mbps_min = mbps[0];
        w->mbps_max = mbps[n - 1];
        w->mbps_med = n % 2 ? mbps[n / 2] : (mbps[n / 2 - 1] + mbps[n / 2]) / 2;
    }
}

/* ---- output ---- */

static void
write_json(FILE *f, const char *host, int port, int base, const char *sid,
    int latency, double connect_s, double total_s, int broken_connect)
{
    int      connected = 0, failed = 0, closed = 0, nm = 0;
    uint64_t bytes = 0, msgs = 0, ts_pkts = 0, bad = 0, cc = 0;
    double   wsec = 0, med = 0, min = 0;
    double  *mbps = calloc((size_t) nconns + 1, sizeof(double));

    for (int w = 0; w < nwindows; w++) {
        wsec += windows[w].seconds;
    }

    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state == C_FAILED) {
            failed++;
            continue;
        }
        connected++;
        if (c->state == C_CLOSED) {
            closed++;
        }
        bytes += c->bytes;
        msgs += c->msgs;
        ts_pkts += c->ts_pkts;
        bad += c->bad_msgs;
        cc += c->cc_errors;
        if (wsec > 0 && mbps) {
            mbps[nm++] = c->win_bytes * 8.0 / wsec / 1e6;
        }
    }
    if (nm > 0) {
        qsort(mbps, (size_t) nm, sizeof(double), cmp_double);
        min = mbps[0];
        med = nm % 2 ? mbps[nm / 2] : (mbps[nm / 2 - 1] + mbps[nm / 2]) / 2;
    }

    fprintf(f, "{\"n\":%d,\"host\":\"%s\",", nconns, host);
    if (base) {
        fprintf(f, "\"base_port\":%d,", base);
    } else {
        fprintf(f, "\"port\":%d,", port);
    }
    fprintf(f, "\"streamid\":\"%s\",\"latency_ms\":%d,", sid ? sid : "",
            latency);
    fprintf(f, "\"connect_s\":%.3f,\"run_s\":%.3f,", connect_s, total_s);
    fprintf(f, "\"clk_tck\":%ld,\"sut_pids\":%d,", sysconf(_SC_CLK_TCK),
            sut.n);

    fprintf(f, "\"windows\":[");
    for (int w = 0; w < nwindows; w++) {
        window_t *x = &windows[w];
        fprintf(f, "%s{\"seconds\":%.4f,\"bytes\":%llu,\"msgs\":%llu,"
                "\"mbps_total\":%.3f,\"mbps_conn_median\":%.4f,"
                "\"mbps_conn_min\":%.4f,\"mbps_conn_max\":%.4f,"
                "\"streaming\":%d,\"cc_errors\":%llu,\"rcv_loss\":%lld,"
                "\"rcv_drop\":%lld,\"pkts_recv\":%lld,\"acks_sent\":%lld,"
                "\"naks_sent\":%lld,\"recv_cpu_s\":%.4f,\"sut_cpu_s\":%.4f,"
                "\"sut_cpu_sched_s\":%.4f,\"sut_missing\":%d,"
                "\"host_busy_pct\":%.1f}",
                w ? "," : "", x->seconds, (unsigned long long) x->bytes,
                (unsigned long long) x->msgs, x->mbps_total, x->mbps_med,
                x->mbps_min, x->mbps_max, x->streaming,
                (unsigned long long) x->cc_errors, (long long) x->rcv_loss,
                (long long) x->rcv_drop, (long long) x->pkts_recv,
                (long long) x->acks_sent, (long long) x->naks_sent,
                x->recv_cpu_s, x->sut_cpu_s,
                x->sut_cpu_sched_s, x->sut_missing, x->host_busy_pct);
    }
    fprintf(f, "],");

    fprintf(f, "\"conns\":[");
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        fprintf(f, "%s{\"i\":%d,\"port\":%d,\"local_port\":%d,"
                "\"state\":\"%s\",\"connect_ms\":%.1f,\"bytes\":%llu,"
                "\"window_bytes\":%llu,\"msgs\":%llu,\"ts_packets\":%llu,"
                "\"bad_msgs\":%llu,\"cc_errors\":%llu}",
                i ? "," : "", i, c->port, c->local_port,
                c->state == C_FAILED ? "failed"
                : c->state == C_CLOSED ? "closed" : "connected",
                c->connect_ns / 1e6, (unsigned long long) c->bytes,
                (unsigned long long) c->win_bytes,
                (unsigned long long) c->msgs,
                (unsigned long long) c->ts_pkts,
                (unsigned long long) c->bad_msgs,
                (unsigned long long) c->cc_errors);
    }
    fprintf(f, "],");

    fprintf(f, "\"totals\":{\"connected\":%d,\"failed\":%d,\"closed\":%d,"
            "\"closed_while_connecting\":%d,\"bytes\":%llu,\"msgs\":%llu,"
            "\"ts_packets\":%llu,\"bad_msgs\":%llu,\"ts_ok\":%s,"
            "\"cc_errors\":%llu,\"windows\":%d,\"window_s\":%.3f,"
            "\"mbps_conn_median\":%.4f,\"mbps_conn_min\":%.4f}}\n",
            connected, failed, closed, broken_connect,
            (unsigned long long) bytes, (unsigned long long) msgs,
            (unsigned long long) ts_pkts, (unsigned long long) bad,
            (bad == 0 && ts_pkts > 0) ? "true" : "false",
            (unsigned long long) cc, nwindows, wsec, med, min);
    free(mbps);
}

static void
usage(void)
{
    fprintf(stderr,
        "usage: srtrecv -c N -o RESULTS.json [-H HOST] [-p PORT | -P BASEPORT]\n"
        "               [-s STREAMID] [-l LATENCY_MS] [-L LOCAL_BASEPORT]\n"
        "               [-w WARMUP] [-t SECONDS] [-r REPEAT] [-S PIDFILE]\n"
        "               [-T CONNECT_TIMEOUT] [-q]\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    const char *host = "127.0.0.1", *sid = NULL, *out = NULL, *pidfile = NULL;
    int         n = 1, port = 0, base = 0, local_base = 0, latency = -1;
    int         repeat = 1, quiet = 0, opt, nmux = 0, no_tsbpd = 0;
    int         nap_us = 0;
    double      seconds = 10, warmup = 3, conn_timeout = 15;

    while ((opt = getopt(argc, argv, "c:t:p:P:s:l:L:M:Di:H:w:r:S:T:o:q")) != -1) {
        switch (opt) {
        case 'c': n = atoi(optarg); break;
        case 't': seconds = atof(optarg); break;
        case 'p': port = atoi(optarg); break;
        case 'P': base = atoi(optarg); break;
        case 's': sid = optarg; break;
        case 'l': latency = atoi(optarg); break;
        case 'L': local_base = atoi(optarg); break;
        case 'M': nmux = atoi(optarg); break;
        case 'D': no_tsbpd = 1; break;
        case 'i': nap_us = (int) (atof(optarg) * 1000); break;
        case 'H': host = optarg; break;
        case 'w': warmup = atof(optarg); break;
        case 'r': repeat = atoi(optarg); break;
        case 'S': pidfile = optarg; break;
        case 'T': conn_timeout = atof(optarg); break;
        case 'o': out = optarg; break;
        case 'q': quiet = 1; break;
        default: usage();
        }
    }
    if (nmux <= 0 || nmux > n) {
        nmux = n;
    }
    if (n < 1 || n > MAX_CONNS || (port == 0) == (base == 0) || out == NULL
        || repeat < 1 || repeat > MAX_WINDOWS || seconds <= 0)
    {
        usage();
    }

    struct sockaddr_in peer;
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    if (inet_pton(AF_INET, host, &peer.sin_addr) != 1) {
        fprintf(stderr, "srtrecv: bad host %s (IPv4 address expected)\n", host);
        return 2;
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    if (srt_startup() < 0) {
        fprintf(stderr, "srtrecv: srt_startup: %s\n", srt_getlasterror_str());
        return 1;
    }
    srt_setloglevel(quiet ? 2 /* LOG_CRIT */ : 3 /* LOG_ERR */);

    int eid = srt_epoll_create();
    srt_epoll_set(eid, SRT_EPOLL_ENABLE_EMPTY);

    conns = calloc((size_t) n, sizeof(conn_t));
    nconns = n;
    uint8_t *ccmem = malloc((size_t) n * NPIDS);
    double  *mbps = calloc((size_t) n + 1, sizeof(double));
    if (conns == NULL || ccmem == NULL || mbps == NULL) {
        fprintf(stderr, "srtrecv: out of memory\n");
        return 1;
    }
    memset(ccmem, TS_CC_UNSET, (size_t) n * NPIDS);

    uint64_t t0 = now_ns();
    int      pending = 0, failed = 0;
    uint64_t tconn_start[MAX_CONNS];

    for (int i = 0; i < n; i++) {
        conn_t *c = &conns[i];
        c->last_cc = ccmem + (size_t) i * NPIDS;
        c->port = base ? base + i : port;
        c->sock = srt_create_socket();
        if (c->sock == SRT_INVALID_SOCK) {
            fprintf(stderr, "srtrecv: conn %d: srt_create_socket: %s\n", i,
                    srt_getlasterror_str());
            c->state = C_FAILED;
            failed++;
            continue;
        }
        sock_add(c->sock, i);
        int no = 0, live = SRTT_LIVE, tmo = (int) (conn_timeout * 1000);
        srt_setsockflag(c->sock, SRTO_TRANSTYPE, &live, sizeof(live));
        srt_setsockflag(c->sock, SRTO_RCVSYN, &no, sizeof(no));
        srt_setsockflag(c->sock, SRTO_SNDSYN, &no, sizeof(no));
        if (tmo > 0) {
            srt_setsockflag(c->sock, SRTO_CONNTIMEO, &tmo, sizeof(tmo));
        }
        if (latency >= 0) {
            srt_setsockflag(c->sock, SRTO_LATENCY, &latency, sizeof(latency));
        }
        if (no_tsbpd) {
            srt_setsockflag(c->sock, SRTO_TSBPDMODE, &no, sizeof(no));
            srt_setsockflag(c->sock, SRTO_TLPKTDROP, &no, sizeof(no));
        }
        if (sid) {
            srt_setsockflag(c->sock, SRTO_STREAMID, sid, (int) strlen(sid));
        }
        if (local_base) {
            struct sockaddr_in la;
            memset(&la, 0, sizeof(la));
            la.sin_family = AF_INET;
            la.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            c->local_port = local_base + i % nmux;
            la.sin_port = htons((uint16_t) c->local_port);
            if (srt_bind(c->sock, (struct sockaddr *) &la, sizeof(la))
                == SRT_ERROR)
            {
                fprintf(stderr, "srtrecv: conn %d: bind 127.0.0.1:%d: %s\n",
                        i, c->local_port, srt_getlasterror_str());
                srt_close(c->sock);
                c->state = C_FAILED;
                failed++;
                continue;
            }
        }
        int ev = SRT_EPOLL_IN | SRT_EPOLL_OUT | SRT_EPOLL_ERR;
        srt_epoll_add_usock(eid, c->sock, &ev);
        peer.sin_port = htons((uint16_t) c->port);
        tconn_start[i] = now_ns();
        if (srt_connect(c->sock, (struct sockaddr *) &peer, sizeof(peer))
            == SRT_ERROR)
        {
            fprintf(stderr, "srtrecv: conn %d: connect %s:%d: %s\n", i, host,
                    c->port, srt_getlasterror_str());
            srt_epoll_remove_usock(eid, c->sock);
            srt_close(c->sock);
            c->state = C_FAILED;
            failed++;
            continue;
        }
        c->state = C_CONNECTING;
        pending++;
    }

    SRT_EPOLL_EVENT ev[EV_MAX];
    static uint8_t  buf[MSG_MAX];
    int      phase = 0;     /* 0 connect, 1 warmup, 2 window, 3 done */
    int      broken_connect = 0;
    uint64_t phase_end = t0 + (uint64_t) (conn_timeout * 1e9) + 2000000000ull;
    uint64_t wstart = 0;
    uint64_t sut_t0 = 0, sut_s0 = 0;
    double   cpu0 = 0, connect_s = 0;
    int      missing0 = 0;
    host_cpu_t h0 = { 0 };
    long     tck = sysconf(_SC_CLK_TCK);

    if (pending == 0) {
        phase = 1;
        phase_end = now_ns() + (uint64_t) (warmup * 1e9);
    }

    while (!stop && phase < 3) {
        if (nap_us > 0 && phase > 0) {
            usleep((useconds_t) nap_us);    /* let messages accumulate */
        }
        int k = srt_epoll_uwait(eid, ev, EV_MAX, 50);
        if (k < 0) {
            usleep(10000);          /* e.g. nothing left to wait for */
        }
        for (int e = 0; e < k; e++) {
            int i = sock_find(ev[e].fd);
            if (i < 0) {
                continue;
            }
            conn_t *c = &conns[i];

            if (c->state == C_CONNECTING) {
                SRT_SOCKSTATUS st = srt_getsockstate(c->sock);
                if (st == SRTS_CONNECTED) {
                    c->state = C_CONNECTED;
                    c->connect_ns = now_ns() - tconn_start[i];
                    pending--;
                    int rev = SRT_EPOLL_IN | SRT_EPOLL_ERR;
                    srt_epoll_update_usock(eid, c->sock, &rev);
                } else if (st == SRTS_CONNECTING) {
                    continue;
                } else {
                    int r = srt_getrejectreason(c->sock);
                    fprintf(stderr, "srtrecv: conn %d to %s:%d failed: "
                            "reject reason %d: %s\n", i, host, c->port, r,
                            srt_rejectreason_str(r));
                    srt_epoll_remove_usock(eid, c->sock);
                    srt_close(c->sock);
                    c->state = C_FAILED;
                    pending--;
                    failed++;
                    continue;
                }
            }

            if (c->state != C_CONNECTED) {
                continue;
            }

            for (;;) {
                int r = srt_recvmsg(c->sock, (char *) buf, sizeof(buf));
                if (r == SRT_ERROR) {
                    int err = srt_getlasterror(NULL);
                    if (err == SRT_EASYNCRCV) {
                        break;
                    }
                    fprintf(stderr, "srtrecv: conn %d (port %d) closed: %s\n",
                            i, c->port, srt_getlasterror_str());
                    srt_epoll_remove_usock(eid, c->sock);
                    srt_close(c->sock);
                    c->state = C_CLOSED;
                    if (phase == 0) {
                        broken_connect++;
                    }
                    break;
                }
                if (r == 0) {
                    break;
                }
                c->bytes += (uint64_t) r;
                c->msgs++;
                check_msg(c, buf, r);
            }
        }

        uint64_t now = now_ns();

        if (phase == 0 && (pending == 0 || now >= phase_end)) {
            if (pending > 0) {
                for (int i = 0; i < n; i++) {
                    if (conns[i].state == C_CONNECTING) {
                        fprintf(stderr, "srtrecv: conn %d to %s:%d: still "
                                "connecting after %.0f s, given up\n", i, host,
                                conns[i].port, (now - t0) / 1e9);
                        srt_epoll_remove_usock(eid, conns[i].sock);
                        srt_close(conns[i].sock);
                        conns[i].state = C_FAILED;
                        failed++;
                    }
                }
                pending = 0;
            }
            connect_s = (now - t0) / 1e9;
            if (!quiet) {
                fprintf(stderr, "srtrecv: %d/%d connected in %.2f s, %d failed\n",
                        n - failed, n, connect_s, failed);
            }
            phase = 1;
            phase_end = now + (uint64_t) (warmup * 1e9);
        }

        if ((phase == 1 || phase == 2) && now >= phase_end) {
            if (phase == 2) {
                /* close the window */
                window_t *w = &windows[nwindows];
                double    sec = (now - wstart) / 1e9;
                window_end(w, sec, mbps);
                w->recv_cpu_s = self_cpu() - cpu0;
                if (sut.n) {
                    int missing;
                    w->sut_cpu_s = (double) (pids_ticks(&sut, &missing)
                                             - sut_t0) / (double) tck;
                    w->sut_missing = missing > missing0 ? missing : missing0;
                    w->sut_cpu_sched_s = (double) (pids_sched_ns(&sut)
                                                   - sut_s0) / 1e9;
                }
                host_cpu_t h;
                host_cpu(&h);
                if (h.total > h0.total) {
                    w->host_busy_pct = 100.0
                                   * (double) sysconf(_SC_NPROCESSORS_ONLN)
                                   * (double) (h.busy - h0.busy)
                                   / (double) (h.total - h0.total);
                }
                if (!quiet) {
                    fprintf(stderr, "srtrecv: window %d: %.1f s, %.1f Mbit/s "
                            "total, per conn median %.2f min %.2f, %d "
                            "streaming, CC %llu, SUT CPU %.1f%%, own CPU "
                            "%.1f%%, host %.0f%%\n", nwindows + 1, sec,
                            w->mbps_total, w->mbps_med, w->mbps_min,
                            w->streaming, (unsigned long long) w->cc_errors,
                            100 * w->sut_cpu_s / sec,
                            100 * w->recv_cpu_s / sec, w->host_busy_pct);
                }
                nwindows++;
                if (nwindows >= repeat) {
                    phase = 3;
                    break;
                }
            } else if (pidfile && pids_load(&sut, pidfile) != 0) {
                fprintf(stderr, "srtrecv: cannot open %s: %s\n", pidfile,
                        strerror(errno));
            }
            /* open a window */
            phase = 2;
            window_begin();
            if (sut.n) {
                sut_t0 = pids_ticks(&sut, &missing0);
                sut_s0 = pids_sched_ns(&sut);
            }
            host_cpu(&h0);
            cpu0 = self_cpu();
            wstart = now_ns();
            phase_end = wstart + (uint64_t) (seconds * 1e9);
        }
    }

    double total_s = (now_ns() - t0) / 1e9;

    srt_setloglevel(2 /* LOG_CRIT: nothing about the teardown */);

    FILE *f = fopen(out, "w");
    if (f == NULL) {
        fprintf(stderr, "srtrecv: cannot write %s: %s\n", out, strerror(errno));
        return 1;
    }
    write_json(f, host, port, base, sid, latency, connect_s, total_s,
               broken_connect);
    fclose(f);

    for (int i = 0; i < n; i++) {
        if (conns[i].state == C_CONNECTED || conns[i].state == C_CONNECTING) {
            srt_close(conns[i].sock);
        }
    }
    srt_epoll_release(eid);
    srt_cleanup();

    return (stop && nwindows < repeat) ? 3 : 0;
}
