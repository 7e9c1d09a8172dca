/*
 * SRT data path, run by the SRT thread: publishers and pull callers write
 * their input ring; players and push callers are fed from the route ring.
 *
 * A player is a reader of the route ring with its own position.  The event
 * loop has one reader per route ring with players (rt->srt_reader) that
 * only marks the route pending and wakes this thread; the thread then sends
 * what is new to every player of the route, straight from the ring (libsrt
 * copies the message into its send buffer, so nothing points into the ring
 * after srt_sendmsg2() returns).  A full send buffer drops the message and
 * counts it: a slow player never holds up the others.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_libsrt.h"


#define NGX_SRT_IO_RECV_MAX   256     /* messages per readable event */
#define NGX_SRT_IO_SEND_MAX   256     /* messages per player per wake-up:
                                         a new player's catch-up is spread
                                         over the next wake-ups */
#define NGX_SRT_IO_PAUSE_MS   10
#define NGX_SRT_IO_FLUSH_MS   250     /* shared output counters, at most */
#define NGX_SRT_IO_FLUSH_BYTES  65536 /* this often per player */


static ngx_int_t ngx_srt_io_send(ngx_srt_conn_t *c, srt_ring_t *ring);
static void ngx_srt_io_pause(ngx_srt_conn_t *c);
static void ngx_srt_io_flush_stats(ngx_srt_conn_t *c, ngx_msec_t now,
    ngx_uint_t force);


static u_char    ngx_srt_io_buf[NGX_SRT_MSG_MAX];
static ngx_uint_t  ngx_srt_io_paused;       /* connections paused */
static unsigned  ngx_srt_io_flags[NGX_SRT_MSG_MAX / SRT_TS_PACKET_SIZE + 1];


void
ngx_srt_io_receive(ngx_srt_conn_t *c)
{
    int                n;
    size_t             bytes;
    ngx_int_t          rc;
    ngx_uint_t         i, packets, broken;
    ngx_srt_input_t   *in;
    ngx_srt_lease_t   *lease;

    in = c->input;
    lease = &in->ring.shm->lease;

    if (!c->claimed) {
        rc = ngx_srt_lease_claim(lease);

        if (rc == NGX_DECLINED) {
            ngx_srt_conn_close(c, "the input belongs to a newer "
                                  "configuration");
            return;
        }

        if (rc != NGX_OK) {
            ngx_srt_io_pause(c);
            return;
        }

        /*
         * Safe without the lock: the previous writer has stopped.  A new
         * publisher is a new stream: continuity is judged afresh, the
         * counters go on.
         */
        srt_ring_writer_resume(&in->ring.shm->ring);
        srt_ts_analyzer_init(in->srt_analyzer);
        ngx_srt_input_resume_counters(in, &in->srt_sync, in->srt_analyzer);
        c->claimed = 1;
    }

    rc = ngx_srt_lease_lock(lease);

    if (rc == NGX_DECLINED) {
        ngx_srt_conn_close(c, "replaced by another publisher");
        return;
    }

    if (rc != NGX_OK) {
        ngx_srt_io_pause(c);
        return;
    }

    bytes = 0;
    packets = 0;
    broken = 0;

    for (i = 0; i < NGX_SRT_IO_RECV_MAX; i++) {
        n = srt_recvmsg(c->sock, (char *) ngx_srt_io_buf, NGX_SRT_MSG_MAX);

        if (n == SRT_ERROR) {
            if (srt_getlasterror(NULL) != SRT_EASYNCRCV) {
                broken = 1;
            }

            break;
        }

        if (n == 0) {
            break;
        }

        bytes += n;
        packets += ngx_srt_input_datagram(in, &in->srt_sync,
                                          in->srt_analyzer, ngx_srt_io_flags,
                                          ngx_srt_io_buf, n);
    }

    ngx_srt_input_publish_counters(in, &in->srt_sync, in->srt_analyzer,
                                   bytes);

    ngx_srt_lease_unlock(lease);

    if (packets) {
        ngx_srt_ring_signal_all(&in->ring);
    }

    if (broken) {
        ngx_srt_conn_close(c, "connection lost");
    }
}


void
ngx_srt_io_input_released(ngx_srt_conn_t *c)
{
    ngx_srt_input_t  *in;

    in = c->input;

    if (c->paused_until) {
        ngx_srt_io_paused--;
    }

    if (in->ep.conn == c) {
        in->ep.conn = NULL;
    }

    /* an API input replaced by one with the same statistics may have its
       publisher here already */
    if (!ngx_srt_conn_publishing(c)) {
        (void) ngx_atomic_cmp_set(&in->stats->publisher, ngx_pid, 0);
    }
}


void
ngx_srt_io_player_added(ngx_srt_conn_t *c)
{
    ngx_srt_route_t  *rt;

    rt = c->route;

    ngx_queue_insert_tail(&rt->srt_players, &c->queue);
    (void) ngx_atomic_fetch_add(&rt->srt_nplayers, 1);

    /* what the ring already has: from the latest keyframe on */
    if (ngx_srt_io_send(c, &rt->ring.shm->ring) == NGX_OK) {
        ngx_srt_io_flush_stats(c, ngx_srt_thread_msec(), 1);
    }
}


void
ngx_srt_io_player_removed(ngx_srt_conn_t *c)
{
    ngx_queue_remove(&c->queue);
    (void) ngx_atomic_fetch_add(&c->route->srt_nplayers, -1);

    ngx_srt_io_flush_stats(c, ngx_srt_thread_msec(), 1);
}


void
ngx_srt_io_send_route(ngx_srt_route_t *rt)
{
    srt_ring_t      *ring;
    ngx_msec_t       now;
    ngx_queue_t     *q, *next;
    ngx_srt_conn_t  *c;

    ring = &rt->ring.shm->ring;
    now = ngx_srt_thread_msec();

    for (q = ngx_queue_head(&rt->srt_players);
         q != ngx_queue_sentinel(&rt->srt_players);
         q = next)
    {
        next = ngx_queue_next(q);
        c = ngx_queue_data(q, ngx_srt_conn_t, queue);

        if (ngx_srt_io_send(c, ring) == NGX_OK) {
            ngx_srt_io_flush_stats(c, now, 0);
        }
    }
}


/* NGX_DONE: the connection was closed (and freed) */

static ngx_int_t
ngx_srt_io_send(ngx_srt_conn_t *c, srt_ring_t *ring)
{
    int             rc, err;
    size_t          n;
    uint64_t        first;
    ngx_uint_t      sent;
    const uint8_t  *p;

    if (!c->rd.started && !srt_ring_reader_start(ring, &c->rd)) {
        return NGX_OK;      /* no keyframe yet */
    }

    for (sent = 0; sent < NGX_SRT_IO_SEND_MAX; sent++) {
        n = srt_ring_peek(ring, &c->rd, &p, c->chunk);

        if (n == 0) {
            return NGX_OK;
        }

        first = c->rd.pos;

        rc = srt_sendmsg2(c->sock, (const char *) p, n * SRT_RING_PKT, NULL);

        if (rc == SRT_ERROR) {
            err = srt_getlasterror(NULL);

            if (err != SRT_EASYNCSND) {
                /* flushes the counters; the queue walk saved next */
                ngx_srt_conn_close(c, "send failed");
                return NGX_DONE;
            }

            c->send_drops++;

        } else {
            c->bytes_out += rc;
        }

        if (!srt_ring_still_valid(ring, first)) {
            /* lapped while sending: the message may be torn */
            c->rd.overruns++;
        }

        c->rd.pos += n;
    }

    /* more to send: come back at once, after the others */
    __atomic_store_n(&c->route->srt_pending, 1, __ATOMIC_SEQ_CST);

    return NGX_OK;
}


/*
 * The input ring's lock is held by another process (stopped, or stuck):
 * stop listening for data for a moment, else the level-triggered epoll
 * would spin the thread.  libsrt keeps the data in its receive buffer.
 */

static void
ngx_srt_io_pause(ngx_srt_conn_t *c)
{
    int  events;

    events = SRT_EPOLL_ERR;

    if (srt_epoll_update_usock(ngx_srt_eid, c->sock, &events) != SRT_ERROR) {
        c->paused_until = ngx_srt_thread_msec() + NGX_SRT_IO_PAUSE_MS;
        ngx_srt_io_paused++;
    }
}


/* SRT thread, every loop: resume the inputs whose pause is over */

void
ngx_srt_io_resume_paused(ngx_queue_t *conns)
{
    int              events;
    ngx_msec_t       now;
    ngx_queue_t     *q;
    ngx_srt_conn_t  *c;

    if (ngx_srt_io_paused == 0) {
        return;
    }

    now = ngx_srt_thread_msec();

    for (q = ngx_queue_head(conns);
         q != ngx_queue_sentinel(conns);
         q = ngx_queue_next(q))
    {
        c = ngx_queue_data(q, ngx_srt_conn_t, all);

        if (c->paused_until == 0 || now < c->paused_until) {
            continue;
        }

        c->paused_until = 0;
        ngx_srt_io_paused--;

        events = SRT_EPOLL_IN | SRT_EPOLL_ERR;
        (void) srt_epoll_update_usock(ngx_srt_eid, c->sock, &events);
    }
}


/*
 * Adds what this player sent to its output's counters, which every
 * worker's players share: every 250 ms or 64 KB, not at every message, so
 * hundreds of players do not fight over one cache line (and at close).
 */

static void
ngx_srt_io_flush_stats(ngx_srt_conn_t *c, ngx_msec_t now, ngx_uint_t force)
{
    ngx_srt_shm_output_t  *st;

    if (!force && c->bytes_out < NGX_SRT_IO_FLUSH_BYTES
        && now - c->flushed < NGX_SRT_IO_FLUSH_MS)
    {
        return;
    }

    c->flushed = now;
    st = c->output->stats;

    if (c->bytes_out) {
        (void) ngx_atomic_fetch_add(&st->bytes, c->bytes_out);
        (void) ngx_atomic_fetch_add(&st->packets,
                                    c->bytes_out / SRT_RING_PKT);
        st->last_data = ngx_srt_unix_msec();
        c->bytes_out = 0;
    }

    if (c->send_drops) {
        (void) ngx_atomic_fetch_add(&st->drops, c->send_drops);
        c->slot->send_drops += c->send_drops;
        c->send_drops = 0;
    }

    if (c->rd.overruns) {
        (void) ngx_atomic_fetch_add(&st->overruns, c->rd.overruns);
        c->rd.overruns = 0;
    }
}
