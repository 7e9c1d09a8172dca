/*
 * UDP and RTP inputs.
 *
 * The socket is an ngx_listening_t of type SOCK_DGRAM: the master opens and
 * binds it, and reloads inherit it, so datagrams wait in the kernel buffer
 * while workers change.  The event module arms it in every worker; at
 * init_process the owner swaps in our batched reader and the others disarm
 * and release it.  (It is not marked reuseport: the event module would
 * clone it into one socket per worker and the kernel would split the
 * stream between them.)  Reading happens under the input ring's lease, so
 * during a reload the old and the new owner never both read.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


#define NGX_SRT_DGRAM_MAX    4096
#define NGX_SRT_RUNS_MAX     16
#define NGX_SRT_RCVBUF       (4 * 1024 * 1024)


static ngx_int_t ngx_srt_udp_input_check_addrs(ngx_conf_t *cf,
    ngx_srt_input_t *in);
static void ngx_srt_udp_input_unexpected(ngx_connection_t *c);
static void ngx_srt_udp_input_join(ngx_srt_input_t *in, ngx_socket_t fd,
    ngx_log_t *log);
static void ngx_srt_udp_input_retry(ngx_event_t *ev);
static void ngx_srt_udp_input_claim(ngx_event_t *ev);
static ngx_int_t ngx_srt_udp_input_claimed(ngx_srt_input_t *in);
static void ngx_srt_udp_input_read(ngx_event_t *rev);


/* receive buffers, shared by all inputs of this (single-threaded) worker */
static u_char          ngx_srt_rbuf[NGX_SRT_BATCH][NGX_SRT_DGRAM_MAX];
static struct iovec    ngx_srt_riov[NGX_SRT_BATCH];
static struct mmsghdr  ngx_srt_rmsg[NGX_SRT_BATCH];
static unsigned        ngx_srt_flags[NGX_SRT_DGRAM_MAX / SRT_TS_PACKET_SIZE];


ngx_int_t
ngx_srt_udp_input_conf(ngx_conf_t *cf, ngx_srt_input_t *in)
{
    ngx_listening_t  *ls;
    struct sockaddr  *sa;

    if (ngx_srt_resolve(cf, &in->url, &in->parsed, 1, &in->addr,
                        &in->multicast)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    sa = in->addr.sockaddr;

    if (in->parsed.nsources && !in->multicast) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid input URL \"%V\": a source filter needs "
                           "a multicast group", &in->url);
        return NGX_ERROR;
    }

    if (in->parsed.nsources && sa->sa_family != AF_INET) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid input URL \"%V\": source-specific "
                           "multicast is supported for IPv4 only", &in->url);
        return NGX_ERROR;
    }

    if (ngx_srt_udp_input_check_addrs(cf, in) != NGX_OK) {
        return NGX_ERROR;
    }

    ls = ngx_srt_dgram_listening(cf, &in->addr, ngx_srt_udp_input_unexpected);
    if (ls == NULL) {
        return NGX_ERROR;
    }

    ls->rcvbuf = in->parsed.rcvbuf > 0 ? in->parsed.rcvbuf : NGX_SRT_RCVBUF;

    /* an index: later listen directives may reallocate the array */
    in->listening_index = cf->cycle->listening.nelts - 1;

    return NGX_OK;
}


/* multicast interface and sources must be IPv4 literals: check at parse */

static ngx_int_t
ngx_srt_udp_input_check_addrs(ngx_conf_t *cf, ngx_srt_input_t *in)
{
    ngx_uint_t      i;
    struct in_addr  a;

    if (in->parsed.localaddr[0]
        && inet_pton(AF_INET, in->parsed.localaddr, &a) != 1)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid input URL \"%V\": localaddr \"%s\" is "
                           "not an IPv4 address", &in->url,
                           in->parsed.localaddr);
        return NGX_ERROR;
    }

    for (i = 0; i < in->parsed.nsources; i++) {
        if (inet_pton(AF_INET, in->parsed.sources[i], &a) != 1) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid input URL \"%V\": source \"%s\" is "
                               "not an IPv4 address", &in->url,
                               in->parsed.sources[i]);
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static void
ngx_srt_udp_input_unexpected(ngx_connection_t *c)
{
    ngx_log_error(NGX_LOG_ALERT, c->log, 0, "unexpected srt input handler");
}


/*
 * Master process: join multicast groups on the (possibly inherited) socket.
 * A socket inherited across reload is already a member: EADDRINUSE is fine.
 * A failure (interface gone) is logged and counted but never returned: an
 * init_module error during reload would make the master exit.
 */

ngx_int_t
ngx_srt_udp_input_init_master(ngx_cycle_t *cycle, ngx_srt_input_t *in)
{
    if (in->multicast && in->listening->fd != (ngx_socket_t) -1) {
        ngx_srt_udp_input_join(in, in->listening->fd, cycle->log);
    }

    return NGX_OK;
}


static void
ngx_srt_udp_input_join(ngx_srt_input_t *in, ngx_socket_t fd, ngx_log_t *log)
{
    int                      off, rc, opt;
    void                    *arg;
    socklen_t                len;
    ngx_uint_t               i, n;
    struct ip_mreqn          mreq;
    struct ip_mreq_source    smreq;
    struct sockaddr_in      *sin;
    struct in_addr           iface;
#if (NGX_HAVE_INET6)
    struct ipv6_mreq         mreq6;
#endif

    iface.s_addr = htonl(INADDR_ANY);

    if (in->parsed.localaddr[0]) {
        (void) inet_pton(AF_INET, in->parsed.localaddr, &iface);
    }

#if (NGX_HAVE_INET6)
    if (in->addr.sockaddr->sa_family == AF_INET6) {
        ngx_memzero(&mreq6, sizeof(struct ipv6_mreq));
        mreq6.ipv6mr_multiaddr =
                  ((struct sockaddr_in6 *) in->addr.sockaddr)->sin6_addr;

        if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq6,
                       sizeof(mreq6)) == -1
            && ngx_errno != NGX_EADDRINUSE)
        {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "input \"%V\": IPV6_JOIN_GROUP failed", &in->url);
            (void) ngx_atomic_fetch_add(&in->stats->errors, 1);
        }

        return;
    }
#endif

    sin = (struct sockaddr_in *) in->addr.sockaddr;

    /* only the joined group, not every group any socket joined */
    off = 0;
    (void) setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &off, sizeof(int));

    n = in->parsed.nsources ? in->parsed.nsources : 1;

    for (i = 0; i < n; i++) {

        if (in->parsed.nsources) {
            ngx_memzero(&smreq, sizeof(smreq));
            smreq.imr_multiaddr = sin->sin_addr;
            smreq.imr_interface = iface;

            (void) inet_pton(AF_INET, in->parsed.sources[i],
                             &smreq.imr_sourceaddr);

            opt = IP_ADD_SOURCE_MEMBERSHIP;
            arg = &smreq;
            len = sizeof(smreq);

        } else {
            ngx_memzero(&mreq, sizeof(mreq));
            mreq.imr_multiaddr = sin->sin_addr;
            mreq.imr_address = iface;

            opt = IP_ADD_MEMBERSHIP;
            arg = &mreq;
            len = sizeof(mreq);
        }

        rc = setsockopt(fd, IPPROTO_IP, opt, arg, len);

        if (rc == -1 && ngx_errno != NGX_EADDRINUSE) {
            ngx_log_error(NGX_LOG_ERR, log, ngx_errno,
                          "input \"%V\": joining the multicast group failed",
                          &in->url);
            (void) ngx_atomic_fetch_add(&in->stats->errors, 1);
        }
    }
}


ngx_int_t
ngx_srt_udp_input_start(ngx_cycle_t *cycle, ngx_srt_input_t *in)
{
    ngx_connection_t  *c;

    c = in->listening->connection;

    if (c == NULL) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "input \"%V\" has no connection in its owner worker",
                      &in->url);
        return NGX_ERROR;
    }

    /*
     * The connection stays attached to its listening entry, so that at
     * graceful exit nginx deletes the event before closing the socket (the
     * socket is shared with other processes: closing alone would leave it
     * in this worker's epoll set).  That is also why the accept mutex,
     * which arms and disarms listening sockets by itself, is refused.
     */
    if (ngx_use_accept_mutex) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "srt inputs need \"accept_mutex off\" (the default)");
        return NGX_ERROR;
    }

    return ngx_srt_udp_input_attach(cycle, in, c);
}


/*
 * An input of an API route: its owner opens the socket itself.  It is
 * SO_REUSEPORT so that after a reload the new owner can bind before the
 * old one lets go; the old one closes it when it loses the lease.  A bind
 * that fails (the port is taken by something else) is retried every second.
 */

ngx_int_t
ngx_srt_udp_input_open(ngx_cycle_t *cycle, ngx_srt_input_t *in)
{
    int                on, rcvbuf;
    ngx_socket_t       s;
    ngx_connection_t  *c;

    in->claim.handler = ngx_srt_udp_input_retry;
    in->claim.data = in;
    in->claim.log = cycle->log;
    in->claim.cancelable = 1;

    s = ngx_socket(in->addr.sockaddr->sa_family, SOCK_DGRAM, 0);
    if (s == (ngx_socket_t) -1) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "input \"%V\": socket() failed", &in->url);
        goto retry;
    }

    on = 1;
    rcvbuf = in->parsed.rcvbuf > 0 ? in->parsed.rcvbuf : NGX_SRT_RCVBUF;

    if (ngx_nonblocking(s) == -1
        || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(int)) == -1
        || setsockopt(s, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(int)) == -1)
    {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_socket_errno,
                      "input \"%V\": socket setup failed", &in->url);
        (void) ngx_close_socket(s);
        goto retry;
    }

    (void) setsockopt(s, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(int));

    if (bind(s, in->addr.sockaddr, in->addr.socklen) == -1) {
        ngx_log_error(NGX_LOG_ERR, cycle->log, ngx_socket_errno,
                      "input \"%V\" of route \"%V\": bind() failed, "
                      "retrying", &in->url, &in->route->name);
        (void) ngx_close_socket(s);
        goto retry;
    }

    if (in->multicast) {
        ngx_srt_udp_input_join(in, s, cycle->log);
    }

    c = ngx_get_connection(s, cycle->log);
    if (c == NULL) {
        (void) ngx_close_socket(s);
        goto retry;
    }

    c->log = cycle->log;
    c->read->log = cycle->log;
    c->write->log = cycle->log;

    in->own_socket = 1;

    return ngx_srt_udp_input_attach(cycle, in, c);

retry:

    (void) ngx_atomic_fetch_add(&in->stats->errors, 1);
    ngx_add_timer(&in->claim, 1000);

    return NGX_OK;
}


static void
ngx_srt_udp_input_retry(ngx_event_t *ev)
{
    ngx_srt_input_t  *in = ev->data;

    if (!ngx_exiting) {
        (void) ngx_srt_udp_input_open((ngx_cycle_t *) ngx_cycle, in);
    }
}


/* an input of an API route is removed, or its route */

void
ngx_srt_udp_input_stop(ngx_srt_input_t *in)
{
    if (in->claim.timer_set) {
        ngx_del_timer(&in->claim);
    }

    if (in->own_socket && in->connection) {
        ngx_close_connection(in->connection);
    }

    in->connection = NULL;
    in->own_socket = 0;
    in->owned = 0;

    if (in->analyzer) {
        ngx_free(in->analyzer);
        in->analyzer = NULL;
    }
}


/* reads c as the input's socket, once the input's ring is ours */

ngx_int_t
ngx_srt_udp_input_attach(ngx_cycle_t *cycle, ngx_srt_input_t *in,
    ngx_connection_t *c)
{
    ngx_int_t  rc;

    if (in->analyzer == NULL) {
        in->analyzer = ngx_alloc(sizeof(srt_ts_analyzer_t), cycle->log);
        if (in->analyzer == NULL) {
            return NGX_ERROR;
        }

        srt_ts_analyzer_init(in->analyzer);
    }

    c->data = in;
    c->read->handler = ngx_srt_udp_input_read;
    in->connection = c;

    in->claim.handler = ngx_srt_udp_input_claim;
    in->claim.data = in;
    in->claim.log = cycle->log;
    in->claim.cancelable = 1;

    rc = ngx_srt_udp_input_claimed(in);

    if (rc == NGX_DECLINED && in->own_socket) {
        ngx_close_connection(c);
        in->connection = NULL;
        in->own_socket = 0;
        return NGX_OK;
    }

    if (rc != NGX_OK) {
        if (c->read->active) {
            (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
        }

        /* the previous owner is in the middle of a batch: retry shortly */
        if (rc == NGX_BUSY) {
            ngx_add_timer(&in->claim, 1);
        }

        return NGX_OK;
    }

    if (!c->read->active
        && ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* a worker that does not own the input lets go of the shared socket */

void
ngx_srt_udp_input_release(ngx_srt_input_t *in)
{
    ngx_connection_t  *c;

    c = in->listening->connection;

    if (c == NULL) {
        return;
    }

    if (c->read->active) {
        (void) ngx_del_event(c->read, NGX_READ_EVENT, 0);
    }

    /* nginx closes the listening fd itself at exit */
    ngx_free_connection(c);
    c->fd = (ngx_socket_t) -1;
    in->listening->connection = NULL;
}


static void
ngx_srt_udp_input_claim(ngx_event_t *ev)
{
    ngx_int_t         rc;
    ngx_srt_input_t  *in = ev->data;

    if (ngx_exiting) {
        return;
    }

    rc = ngx_srt_udp_input_claimed(in);

    if (rc != NGX_OK) {
        if (rc == NGX_BUSY) {
            ngx_add_timer(ev, 1);
        }

        return;
    }

    if (!in->connection->read->active
        && ngx_add_event(in->connection->read, NGX_READ_EVENT, 0) != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, ev->log, 0,
                      "input \"%V\": cannot arm the socket", &in->url);
    }
}


/* takes over the input ring and continues the counters where they were */

static ngx_int_t
ngx_srt_udp_input_claimed(ngx_srt_input_t *in)
{
    ngx_int_t  rc;

    rc = ngx_srt_lease_claim(&in->ring.shm->lease);

    if (rc != NGX_OK) {
        if (rc == NGX_DECLINED) {
            ngx_log_error(NGX_LOG_INFO, in->connection->log, 0,
                          "srt route \"%V\": input \"%V\" belongs to a "
                          "newer configuration", &in->route->name, &in->url);
        }

        return rc;
    }

    /* safe without the lock: the previous owner has stopped writing */
    srt_ring_writer_resume(&in->ring.shm->ring);

    ngx_srt_input_resume_counters(in, &in->sync, in->analyzer);
    in->last_bytes = in->stats->bytes;
    in->owned = 1;

    ngx_log_error(NGX_LOG_INFO, in->connection->log, 0,
                  "srt route \"%V\": input \"%V\" started in worker %ui",
                  &in->route->name, &in->url, ngx_worker);

    return NGX_OK;
}


static void
ngx_srt_udp_input_read(ngx_event_t *rev)
{
    int                    n, i, round;
    size_t                 bytes;
    ngx_int_t              rc;
    ngx_uint_t             packets;
    ngx_connection_t      *c;
    ngx_srt_input_t       *in;
    ngx_srt_shm_input_t   *st;

    c = rev->data;
    in = c->data;
    st = in->stats;

    rc = ngx_srt_lease_lock(&in->ring.shm->lease);

    if (rc == NGX_DECLINED) {
        /* a worker of a newer generation took this input over */
        ngx_log_error(NGX_LOG_INFO, c->log, 0,
                      "srt route \"%V\": input \"%V\" handed over",
                      &in->route->name, &in->url);
        in->owned = 0;

        if (in->own_socket) {
            /* leave the port to the new owner's socket */
            ngx_close_connection(c);
            in->connection = NULL;
            in->own_socket = 0;
            return;
        }

        (void) ngx_del_event(rev, NGX_READ_EVENT, 0);
        return;
    }

    if (rc != NGX_OK) {
        return;
    }

    for (i = 0; i < NGX_SRT_BATCH; i++) {
        ngx_srt_riov[i].iov_base = ngx_srt_rbuf[i];
        ngx_srt_riov[i].iov_len = NGX_SRT_DGRAM_MAX;
        ngx_srt_rmsg[i].msg_hdr.msg_iov = &ngx_srt_riov[i];
        ngx_srt_rmsg[i].msg_hdr.msg_iovlen = 1;
        ngx_srt_rmsg[i].msg_hdr.msg_name = NULL;
        ngx_srt_rmsg[i].msg_hdr.msg_namelen = 0;
        ngx_srt_rmsg[i].msg_hdr.msg_control = NULL;
        ngx_srt_rmsg[i].msg_hdr.msg_controllen = 0;
        ngx_srt_rmsg[i].msg_hdr.msg_flags = 0;
    }

    bytes = 0;
    packets = 0;

    /* a bounded number of batches, so one input cannot starve the loop */

    for (round = 0; round < 8; round++) {

        n = recvmmsg(c->fd, ngx_srt_rmsg, NGX_SRT_BATCH, MSG_DONTWAIT, NULL);

        if (n == -1) {
            if (ngx_socket_errno != NGX_EAGAIN
                && ngx_socket_errno != NGX_EINTR)
            {
                (void) ngx_atomic_fetch_add(&st->errors, 1);
                ngx_log_error(NGX_LOG_INFO, c->log, ngx_socket_errno,
                              "srt input \"%V\": recvmmsg() failed",
                              &in->url);
            }

            break;
        }

        for (i = 0; i < n; i++) {
            bytes += ngx_srt_rmsg[i].msg_len;

            if (ngx_srt_rmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
                in->sync.truncated++;
            }

            packets += ngx_srt_input_datagram(in, &in->sync, in->analyzer,
                                              ngx_srt_flags, ngx_srt_rbuf[i],
                                              ngx_srt_rmsg[i].msg_len);
        }

        if (n < NGX_SRT_BATCH) {
            break;
        }
    }

    ngx_srt_input_publish_counters(in, &in->sync, in->analyzer, bytes);

    ngx_srt_lease_unlock(&in->ring.shm->lease);

    if (packets) {
        ngx_srt_ring_signal(&in->ring);
    }
}


/*
 * Feeds one datagram (UDP, RTP or an SRT message) into the input ring.
 * Called by the ring's writer only: the event loop for UDP, the SRT thread
 * for SRT; each passes its own sync state, analyzer and flags buffer.
 */

ngx_uint_t
ngx_srt_input_datagram(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer, unsigned *flags, u_char *buf, size_t len)
{
    size_t         hlen, pad, r, k, nruns, total;
    srt_ts_run_t   runs[NGX_SRT_RUNS_MAX];
    const u_char  *pkt;

    if (in->parsed.rtp != 0 && !in->srt) {
        hlen = srt_ts_rtp_header_len(buf, len, in->parsed.rtp == 1, &pad);

        if (hlen) {
            sync->rtp_datagrams++;
            buf += hlen;
            len -= hlen + pad;
        }
    }

    nruns = srt_ts_find_runs(buf, len, runs, NGX_SRT_RUNS_MAX, sync);
    total = 0;

    for (r = 0; r < nruns; r++) {
        pkt = buf + runs[r].offset;

        for (k = 0; k < runs[r].count; k++) {
            flags[k] = srt_ts_analyze(analyzer, pkt + k * SRT_TS_PACKET_SIZE);

            if (flags[k] & SRT_TS_F_CC_ERROR) {
                ngx_srt_count_pid(in->stats->cc_by_pid,
                                  srt_ts_pid(pkt + k * SRT_TS_PACKET_SIZE));
            }
        }

        srt_ring_write(&in->ring.shm->ring, pkt, runs[r].count, flags);
        total += runs[r].count;
    }

    /*
     * Publish every datagram (a plain store): the writer must never run
     * further ahead of what readers see than the ring's margin, whatever
     * the size of the receive batch.  Readers are signalled once a batch.
     */
    if (total) {
        srt_ring_publish(&in->ring.shm->ring);
    }

    return total;
}


/* a new writer continues the counters where the previous one left them */

void
ngx_srt_input_resume_counters(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer)
{
    ngx_srt_shm_input_t  *st;

    st = in->stats;

    ngx_memzero(sync, sizeof(srt_ts_sync_t));
    sync->datagrams = st->datagrams;
    sync->packets = st->packets;
    sync->sync_losses = st->sync_losses;
    sync->garbage_bytes = st->garbage_bytes;
    sync->truncated = st->truncated;
    sync->rtp_datagrams = st->rtp_datagrams;
    sync->in_sync = 1;          /* garbage first after a takeover is a loss */
    analyzer->cc_errors = st->cc_errors;
    analyzer->video_width = (uint16_t) (st->video_size >> 16);
    analyzer->video_height = (uint16_t) (st->video_size & 0xffff);
}


/* single writer: plain stores publish the counters */

void
ngx_srt_input_publish_counters(ngx_srt_input_t *in, srt_ts_sync_t *sync,
    srt_ts_analyzer_t *analyzer, size_t bytes)
{
    uint64_t              now;
    ngx_srt_shm_input_t  *st;

    st = in->stats;

    st->bytes += bytes;
    st->datagrams = sync->datagrams;
    st->packets = sync->packets;
    st->sync_losses = sync->sync_losses;
    st->garbage_bytes = sync->garbage_bytes;
    st->truncated = sync->truncated;
    st->rtp_datagrams = sync->rtp_datagrams;
    st->cc_errors = analyzer->cc_errors;
    st->video_size = ((ngx_atomic_uint_t) analyzer->video_width << 16)
                     | analyzer->video_height;

    if (bytes) {
        now = ngx_srt_unix_msec();

        if (st->last_data + 1000 < now) {
            st->since = now;     /* live again after a pause */
        }

        st->last_data = now;
    }
}
