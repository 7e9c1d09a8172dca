/*
 * libsrt beside the event loop.
 *
 * libsrt has its own threads and its own epoll.  A worker with SRT
 * endpoints runs one thread of ours that owns every libsrt call and the
 * srt_epoll: it opens one SO_REUSEPORT UDP socket per listener port, adopted
 * by libsrt with srt_bind_acquire() (the kernel spreads callers over the
 * workers), accepts publishers and players, connects callers with capped
 * backoff, moves data (ngx_srt_srt_io.c) and refreshes statistics in
 * shared memory every second.
 *
 * Threads and ownership:
 *   - event loop: ngx_srt_libsrt_start/stop, ngx_srt_loop_wake() and the
 *     per-route ring readers that wake this thread;
 *   - SRT thread: everything else in this file, every ngx_srt_conn_t, the
 *     listeners and callers, rt->srt_players;
 *   - libsrt threads: the listen callback and the log handler.  They read
 *     only the immutable port table (swapped by pointer) and shared memory,
 *     and share the pending-handshake table under a mutex.
 * Between the event loop and the thread: two eventfds (one each way, not
 * ngx_notify(), whose single slot belongs to the thread pools) and atomic
 * flags (rt->srt_pending, rt->srt_nplayers, ngx_srt_kicked).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <pthread.h>
#include <semaphore.h>
#include <sys/eventfd.h>
#include <syslog.h>

#include "ngx_srt_libsrt.h"


#define NGX_SRT_EVENTS          256
#define NGX_SRT_HASH            1024
#define NGX_SRT_WAIT_MS         100
#define NGX_SRT_BACKOFF_MIN     500
#define NGX_SRT_BACKOFF_MAX     10000
#define NGX_SRT_STABLE_MS       10000   /* a session this long resets the
                                           backoff */
#define NGX_SRT_DEFAULT_LATENCY 200
#define NGX_SRT_DRAIN_MAX       64      /* messages of a talkative player */


typedef struct {
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;
    ngx_srt_output_t         *output;
    ngx_str_t                *url;
    srt_url_t                *parsed;
    ngx_addr_t               *peer;
    ngx_srt_srt_endpoint_t   *ep;
} ngx_srt_caller_t;


static void *ngx_srt_thread_main(void *arg);
static void ngx_srt_thread_loop(void);
static void ngx_srt_thread_shutdown(void);
static void ngx_srt_sock_event(SRTSOCKET s);
static void ngx_srt_caller_connect(ngx_srt_caller_t *cl, ngx_msec_t now);
static void ngx_srt_caller_event(ngx_srt_caller_t *cl);
static void ngx_srt_caller_retry(ngx_srt_caller_t *cl, ngx_msec_t now,
    ngx_msec_t session);
static void ngx_srt_refresh_stats(void);
static ngx_srt_shm_conn_t *ngx_srt_slot_alloc(void);
static void ngx_srt_slot_free(ngx_srt_shm_conn_t *slot);
static void ngx_srt_slot_reclaim(void);
static void ngx_srt_loop_wake(ngx_event_t *ev);
static void ngx_srt_loop_ring_advanced(ngx_srt_reader_t *reader);


ngx_log_t                   *ngx_srt_thread_log;

/* set before the thread starts, read-only afterwards */
ngx_srt_main_conf_t         *ngx_srt_mcf;
static int                   ngx_srt_to_thread = -1;
static int                   ngx_srt_to_loop = -1;

/* event loop */
static pthread_t             ngx_srt_tid;
static ngx_uint_t            ngx_srt_running;
static ngx_connection_t     *ngx_srt_loop_conn;
static sem_t                 ngx_srt_ready;
static ngx_int_t             ngx_srt_start_rc;

/* both */
static ngx_atomic_t          ngx_srt_stop;
static ngx_atomic_t          ngx_srt_kicked;

/* SRT thread */
int                          ngx_srt_eid = -1;
static ngx_queue_t           ngx_srt_conns;
static ngx_srt_conn_t       *ngx_srt_hash[NGX_SRT_HASH];
static ngx_srt_listener_t   *ngx_srt_listeners;
static ngx_uint_t            ngx_srt_nlisteners;
static ngx_srt_caller_t     *ngx_srt_callers;
static ngx_uint_t            ngx_srt_ncallers;
static ngx_uint_t            ngx_srt_slot_hint;
static char                  ngx_srt_drain[NGX_SRT_MSG_MAX];


/* event loop: start the thread if this worker has SRT endpoints */

ngx_int_t
ngx_srt_libsrt_start(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf)
{
    int                 err;
    sigset_t            set, old;
    ngx_uint_t          i, j;
    ngx_array_t        *callers;
    ngx_srt_route_t   **rtp;
    ngx_srt_input_t    *in;
    ngx_srt_output_t   *out, **outp;
    ngx_srt_caller_t   *cl;
    ngx_connection_t   *c;

    if (ngx_process != NGX_PROCESS_WORKER
        && ngx_process != NGX_PROCESS_SINGLE)
    {
        return NGX_OK;
    }

    /* the callers this worker owns (pull inputs, push outputs) */

    callers = ngx_array_create(cycle->pool, 4, sizeof(ngx_srt_caller_t));
    if (callers == NULL) {
        return NGX_ERROR;
    }

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        in = rtp[i]->input;

        if (in->srt && in->port == NULL && in->worker == ngx_worker) {
            cl = ngx_array_push(callers);
            if (cl == NULL) {
                return NGX_ERROR;
            }

            ngx_memzero(cl, sizeof(ngx_srt_caller_t));
            cl->route = rtp[i];
            cl->input = in;
            cl->url = &in->url;
            cl->parsed = &in->parsed;
            cl->peer = &in->addr;
            cl->ep = &in->ep;
        }

        outp = rtp[i]->outputs.elts;
        for (j = 0; j < rtp[i]->outputs.nelts; j++) {
            out = outp[j];

            if (!out->srt || out->port || out->worker != ngx_worker) {
                continue;
            }

            cl = ngx_array_push(callers);
            if (cl == NULL) {
                return NGX_ERROR;
            }

            ngx_memzero(cl, sizeof(ngx_srt_caller_t));
            cl->route = rtp[i];
            cl->output = out;
            cl->url = &out->url;
            cl->parsed = &out->parsed;
            cl->peer = &out->peer;
            cl->ep = &out->ep;
        }
    }

    if (callers->nelts == 0 && mcf->srt_ports.nelts == 0) {
        return NGX_OK;
    }

    ngx_srt_callers = callers->elts;
    ngx_srt_ncallers = callers->nelts;

    ngx_srt_listeners = ngx_pcalloc(cycle->pool, sizeof(ngx_srt_listener_t)
                                    * (mcf->srt_ports.nelts + 1));
    if (ngx_srt_listeners == NULL
        || ngx_srt_listen_table(mcf, cycle->log) != NGX_OK)
    {
        return NGX_ERROR;
    }

    for (i = 0; i < ngx_srt_ncallers; i++) {
        ngx_srt_callers[i].ep->sock = SRT_INVALID_SOCK;
        ngx_srt_callers[i].ep->backoff = NGX_SRT_BACKOFF_MIN;
    }

    ngx_srt_nlisteners = mcf->srt_ports.nelts;

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        ngx_srt_listeners[i].port = &((ngx_srt_srt_port_t *)
                                      mcf->srt_ports.elts)[i];
        ngx_srt_listeners[i].sock = SRT_INVALID_SOCK;
        ngx_srt_listeners[i].fd =
                      ngx_srt_srt_port_adopt(cycle, ngx_srt_listeners[i].port);
    }

    ngx_srt_mcf = mcf;
    ngx_srt_thread_log = cycle->log;

    ngx_srt_to_thread = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);
    ngx_srt_to_loop = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);

    if (ngx_srt_to_thread == -1 || ngx_srt_to_loop == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "srt: eventfd() failed");
        return NGX_ERROR;
    }

    c = ngx_get_connection(ngx_srt_to_loop, cycle->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->read->handler = ngx_srt_loop_wake;
    c->read->log = cycle->log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        ngx_free_connection(c);
        return NGX_ERROR;
    }

    ngx_srt_loop_conn = c;

    if (sem_init(&ngx_srt_ready, 0, 0) != 0) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "srt: sem_init() failed");
        return NGX_ERROR;
    }

    /*
     * Signals belong to the event loop: the thread (and the libsrt threads
     * it starts) is born with every signal blocked, so no handler ever
     * runs there and leaves the loop asleep.
     */
    (void) sigfillset(&set);
    (void) pthread_sigmask(SIG_BLOCK, &set, &old);

    err = pthread_create(&ngx_srt_tid, NULL, ngx_srt_thread_main, NULL);

    (void) pthread_sigmask(SIG_SETMASK, &old, NULL);

    if (err != 0) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, err,
                      "srt: cannot start the SRT thread");
        (void) sem_destroy(&ngx_srt_ready);
        return NGX_ERROR;
    }

    while (sem_wait(&ngx_srt_ready) == -1 && ngx_errno == NGX_EINTR) {
        /* void */
    }

    (void) sem_destroy(&ngx_srt_ready);

    if (ngx_srt_start_rc != NGX_OK) {
        (void) pthread_join(ngx_srt_tid, NULL);
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "srt: the SRT thread failed to start");
        return NGX_ERROR;
    }

    ngx_srt_running = 1;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "srt: SRT thread started in worker %ui: %ui listener "
                  "port(s), %ui caller(s)", ngx_worker, ngx_srt_nlisteners,
                  ngx_srt_ncallers);

    return NGX_OK;
}


/* event loop, at exit: the thread closes every SRT socket and ends */

void
ngx_srt_libsrt_stop(ngx_cycle_t *cycle)
{
    uint64_t           one = 1;
    ngx_uint_t         i;
    ngx_srt_route_t  **rtp;

    if (!ngx_srt_running) {
        return;
    }

    ngx_srt_running = 0;

    __atomic_store_n(&ngx_srt_stop, 1, __ATOMIC_SEQ_CST);
    (void) write(ngx_srt_to_thread, &one, sizeof(uint64_t));
    (void) pthread_join(ngx_srt_tid, NULL);

    rtp = ngx_srt_mcf->routes.elts;

    for (i = 0; i < ngx_srt_mcf->routes.nelts; i++) {
        if (rtp[i]->srt_reader.linked) {
            ngx_srt_ring_detach(&rtp[i]->ring, &rtp[i]->srt_reader);
        }
    }

    if (ngx_srt_loop_conn) {
        ngx_close_connection(ngx_srt_loop_conn);
        ngx_srt_loop_conn = NULL;
    }

    (void) close(ngx_srt_to_thread);
    ngx_srt_to_thread = -1;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0, "srt: SRT thread stopped");
}


/* event loop: the thread changed the set of routes with players */

static void
ngx_srt_loop_wake(ngx_event_t *ev)
{
    uint64_t           value;
    ngx_uint_t         i;
    ngx_connection_t  *c;
    ngx_srt_route_t   *rt, **rtp;

    c = ev->data;

    (void) read(c->fd, &value, sizeof(uint64_t));

    rtp = ngx_srt_mcf->routes.elts;

    for (i = 0; i < ngx_srt_mcf->routes.nelts; i++) {
        rt = rtp[i];

        if (!rt->srt_outputs) {
            continue;
        }

        if (rt->srt_nplayers && !rt->srt_reader.linked) {
            rt->srt_reader.handler = ngx_srt_loop_ring_advanced;
            rt->srt_reader.data = rt;
            ngx_srt_ring_attach(&rt->ring, &rt->srt_reader);

            /* anything published before the attach */
            ngx_srt_loop_ring_advanced(&rt->srt_reader);

        } else if (rt->srt_nplayers == 0 && rt->srt_reader.linked) {
            ngx_srt_ring_detach(&rt->ring, &rt->srt_reader);
        }
    }
}


/* event loop: a route ring with SRT players here advanced */

static void
ngx_srt_loop_ring_advanced(ngx_srt_reader_t *reader)
{
    uint64_t          one = 1;
    ngx_srt_route_t  *rt = reader->data;

    __atomic_store_n(&rt->srt_pending, 1, __ATOMIC_SEQ_CST);

    /* one wake-up per batch of rings, however many advanced */
    if (__atomic_exchange_n(&ngx_srt_kicked, 1, __ATOMIC_SEQ_CST) == 0) {
        (void) write(ngx_srt_to_thread, &one, sizeof(uint64_t));
    }
}


void
ngx_srt_notify_loop(void)
{
    uint64_t  one = 1;

    (void) write(ngx_srt_to_loop, &one, sizeof(uint64_t));
}


ngx_msec_t
ngx_srt_thread_msec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (ngx_msec_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


static void *
ngx_srt_thread_main(void *arg)
{
    int         events;
    ngx_uint_t  i;

    ngx_srt_start_rc = NGX_ERROR;

    if (srt_startup() < 0) {
        ngx_log_error(NGX_LOG_EMERG, ngx_srt_thread_log, 0,
                      "srt: srt_startup() failed: %s",
                      srt_getlasterror_str());
        (void) sem_post(&ngx_srt_ready);
        return NULL;
    }

    srt_setloglevel(LOG_WARNING);
    srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME
                    | SRT_LOGF_DISABLE_SEVERITY | SRT_LOGF_DISABLE_EOL);
    srt_setloghandler(NULL, ngx_srt_log_handler);

    ngx_srt_eid = srt_epoll_create();

    if (ngx_srt_eid < 0) {
        ngx_log_error(NGX_LOG_EMERG, ngx_srt_thread_log, 0,
                      "srt: srt_epoll_create() failed: %s",
                      srt_getlasterror_str());
        srt_cleanup();
        (void) sem_post(&ngx_srt_ready);
        return NULL;
    }

    (void) srt_epoll_set(ngx_srt_eid, SRT_EPOLL_ENABLE_EMPTY);

    events = SRT_EPOLL_IN;

    if (srt_epoll_add_ssock(ngx_srt_eid, ngx_srt_to_thread, &events) < 0) {
        ngx_log_error(NGX_LOG_EMERG, ngx_srt_thread_log, 0,
                      "srt: srt_epoll_add_ssock() failed: %s",
                      srt_getlasterror_str());
        srt_epoll_release(ngx_srt_eid);
        srt_cleanup();
        (void) sem_post(&ngx_srt_ready);
        return NULL;
    }

    ngx_queue_init(&ngx_srt_conns);
    ngx_srt_slot_reclaim();

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        ngx_srt_listener_open(&ngx_srt_listeners[i], i);
    }

    ngx_srt_start_rc = NGX_OK;
    (void) sem_post(&ngx_srt_ready);

    ngx_srt_thread_loop();
    ngx_srt_thread_shutdown();

    return NULL;
}


static void
ngx_srt_thread_loop(void)
{
    int               n, rnum, wnum, lrnum, i;
    uint64_t          value;
    SRTSOCKET         rfds[NGX_SRT_EVENTS], wfds[NGX_SRT_EVENTS];
    SYSSOCKET         lrfds[2];
    ngx_uint_t        k, more;
    ngx_msec_t        now, next_tick;
    ngx_srt_route_t  *rt, **rtp;

    next_tick = 0;
    more = 0;
    rtp = ngx_srt_mcf->routes.elts;

    for ( ;; ) {

        /*
         * Leave as soon as the worker starts shutting down (reload or
         * stop): new workers have opened their own listeners, and an old
         * one keeping its socket in the reuseport group would be handed
         * new callers.  Benign reads of the event loop's signal flags.
         */
        if (__atomic_load_n(&ngx_srt_stop, __ATOMIC_SEQ_CST)
            || ngx_quit || ngx_terminate || ngx_exiting)
        {
            return;
        }

        now = ngx_srt_thread_msec();

        if (now >= next_tick) {
            next_tick = now + 1000;
            ngx_srt_refresh_stats();

            for (k = 0; k < ngx_srt_nlisteners; k++) {
                if (ngx_srt_listeners[k].sock == SRT_INVALID_SOCK
                    && now >= ngx_srt_listeners[k].retry)
                {
                    ngx_srt_listener_open(&ngx_srt_listeners[k], k);
                }
            }
        }

        for (k = 0; k < ngx_srt_ncallers; k++) {
            if (ngx_srt_callers[k].ep->sock == SRT_INVALID_SOCK
                && now >= ngx_srt_callers[k].ep->next_attempt)
            {
                ngx_srt_caller_connect(&ngx_srt_callers[k], now);
            }
        }

        rnum = NGX_SRT_EVENTS;
        wnum = NGX_SRT_EVENTS;
        lrnum = 2;

        n = srt_epoll_wait(ngx_srt_eid, rfds, &rnum, wfds, &wnum,
                           more ? 0 : NGX_SRT_WAIT_MS, lrfds, &lrnum,
                           NULL, NULL);

        if (n <= 0) {
            rnum = 0;
            wnum = 0;
            lrnum = 0;
        }

        if (lrnum > 0) {
            (void) read(ngx_srt_to_thread, &value, sizeof(uint64_t));
        }

        /* errors are reported in both sets: a closed socket is not found
           the second time */

        for (i = 0; i < rnum; i++) {
            ngx_srt_sock_event(rfds[i]);
        }

        for (i = 0; i < wnum; i++) {
            ngx_srt_sock_event(wfds[i]);
        }

        ngx_srt_io_resume_paused(&ngx_srt_conns);

        __atomic_store_n(&ngx_srt_kicked, 0, __ATOMIC_SEQ_CST);

        more = 0;

        for (k = 0; k < ngx_srt_mcf->routes.nelts; k++) {
            rt = rtp[k];

            if (rt->srt_outputs
                && __atomic_exchange_n(&rt->srt_pending, 0, __ATOMIC_SEQ_CST))
            {
                ngx_srt_io_send_route(rt);

                /* a player catching up left some for the next round */
                more |= rt->srt_pending;
            }
        }
    }
}


static void
ngx_srt_thread_shutdown(void)
{
    ngx_uint_t       i;
    ngx_queue_t     *q;
    ngx_srt_conn_t  *c;

    while (!ngx_queue_empty(&ngx_srt_conns)) {
        q = ngx_queue_head(&ngx_srt_conns);
        c = ngx_queue_data(q, ngx_srt_conn_t, all);
        ngx_srt_conn_close(c, "worker shutting down");
    }

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        ngx_srt_listener_close(&ngx_srt_listeners[i]);
    }

    for (i = 0; i < ngx_srt_ncallers; i++) {
        if (ngx_srt_callers[i].ep->sock != SRT_INVALID_SOCK) {
            (void) srt_close(ngx_srt_callers[i].ep->sock);
            ngx_srt_callers[i].ep->sock = SRT_INVALID_SOCK;
        }
    }

    (void) srt_epoll_release(ngx_srt_eid);
    ngx_srt_eid = -1;

    /* the log handler stays: libsrt may still log while cleaning up */
    (void) srt_cleanup();
}


static ngx_srt_conn_t **
ngx_srt_hash_slot(SRTSOCKET s)
{
    ngx_srt_conn_t  **pc;

    for (pc = &ngx_srt_hash[(uint32_t) s % NGX_SRT_HASH];
         *pc && (*pc)->sock != s;
         pc = &(*pc)->hnext)
    {
        /* void */
    }

    return pc;
}


static void
ngx_srt_sock_event(SRTSOCKET s)
{
    ngx_uint_t       i;
    ngx_srt_conn_t  *c;
    SRT_SOCKSTATUS   state;

    c = *ngx_srt_hash_slot(s);

    if (c) {
        state = srt_getsockstate(s);

        if (state != SRTS_CONNECTED) {
            ngx_srt_conn_close(c, state == SRTS_BROKEN ? "connection lost"
                                                       : "closed");
            return;
        }

        if (c->input) {
            ngx_srt_io_receive(c);
            return;
        }

        /* players have nothing to say: drain and ignore (the epoll is
           level-triggered, a talkative player must not make us spin, nor
           keep us from the others) */
        for (i = 0; i < NGX_SRT_DRAIN_MAX; i++) {
            if (srt_recvmsg(s, ngx_srt_drain, sizeof(ngx_srt_drain)) <= 0) {
                break;
            }
        }

        return;
    }

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        if (ngx_srt_listeners[i].sock == s) {
            ngx_srt_listener_accept(&ngx_srt_listeners[i]);
            return;
        }
    }

    for (i = 0; i < ngx_srt_ncallers; i++) {
        if (ngx_srt_callers[i].ep->sock == s
            && ngx_srt_callers[i].ep->connecting)
        {
            ngx_srt_caller_event(&ngx_srt_callers[i]);
            return;
        }
    }
}


/*
 * The options a URL gives an endpoint, on a socket before it connects: on
 * callers and listeners here, and on each accepted socket by the listen
 * callback (the listener socket only has the first URL of its port).
 * secret: also the passphrase and key length.  Returns the name of the
 * option that failed, or NULL.
 */

const char *
ngx_srt_url_options(SRTSOCKET s, srt_url_t *u, ngx_uint_t secret)
{
    int      latency;
    int64_t  v;

#define ngx_srt_set(o, val, len)                                              \
    if (srt_setsockflag(s, o, val, len) == SRT_ERROR) { return #o; }

    latency = u->latency >= 0 ? u->latency : NGX_SRT_DEFAULT_LATENCY;
    ngx_srt_set(SRTO_LATENCY, &latency, sizeof(int));

    if (u->rcvlatency >= 0) {
        ngx_srt_set(SRTO_RCVLATENCY, &u->rcvlatency, sizeof(int));
    }

    if (u->peerlatency >= 0) {
        ngx_srt_set(SRTO_PEERLATENCY, &u->peerlatency, sizeof(int));
    }

    if (secret && u->passphrase[0]) {
        ngx_srt_set(SRTO_PASSPHRASE, u->passphrase,
                    (int) ngx_strlen(u->passphrase));

        if (u->pbkeylen) {
            ngx_srt_set(SRTO_PBKEYLEN, &u->pbkeylen, sizeof(int));
        }
    }

    if (u->maxbw >= 0) {
        v = u->maxbw;
        ngx_srt_set(SRTO_MAXBW, &v, sizeof(int64_t));
    }

    if (u->inputbw >= 0) {
        v = u->inputbw;
        ngx_srt_set(SRTO_INPUTBW, &v, sizeof(int64_t));
    }

    if (u->oheadbw >= 0) {
        ngx_srt_set(SRTO_OHEADBW, &u->oheadbw, sizeof(int));
    }

    if (u->payload_size > 0) {
        ngx_srt_set(SRTO_PAYLOADSIZE, &u->payload_size, sizeof(int));
    }

#undef ngx_srt_set

    return NULL;
}


/* a caller's or a listener's own socket */

ngx_int_t
ngx_srt_sock_options(SRTSOCKET s, srt_url_t *u, ngx_uint_t caller,
    ngx_str_t *url)
{
    int          no, live;
    const char  *opt;

    no = 0;
    live = SRTT_LIVE;

#define ngx_srt_set(o, v, len)                                              \
    if (srt_setsockflag(s, o, v, len) == SRT_ERROR) { opt = #o; goto failed; }

    ngx_srt_set(SRTO_TRANSTYPE, &live, sizeof(int));
    ngx_srt_set(SRTO_RCVSYN, &no, sizeof(int));
    ngx_srt_set(SRTO_SNDSYN, &no, sizeof(int));

    opt = ngx_srt_url_options(s, u, caller);
    if (opt) {
        goto failed;
    }

    if (caller && u->streamid[0]) {
        ngx_srt_set(SRTO_STREAMID, u->streamid,
                    (int) ngx_strlen(u->streamid));
    }

    if (u->connect_timeout > 0) {
        ngx_srt_set(SRTO_CONNTIMEO, &u->connect_timeout, sizeof(int));
    }

    if (u->rcvbuf > 0) {
        ngx_srt_set(SRTO_UDP_RCVBUF, &u->rcvbuf, sizeof(int));
    }

    if (u->sndbuf > 0) {
        ngx_srt_set(SRTO_UDP_SNDBUF, &u->sndbuf, sizeof(int));
    }

#undef ngx_srt_set

    return NGX_OK;

failed:

    ngx_log_error(NGX_LOG_ERR, ngx_srt_thread_log, 0,
                  "srt \"%V\": setting %s failed: %s", url, opt,
                  srt_getlasterror_str());

    return NGX_ERROR;
}


ngx_srt_conn_t *
ngx_srt_conn_create(SRTSOCKET s, ngx_srt_conn_kind_e kind,
    ngx_srt_route_t *rt, ngx_srt_input_t *in, ngx_srt_output_t *out,
    u_char *peer, u_char *streamid)
{
    int                  events, payload, len;
    ngx_srt_conn_t      *c, **pc;
    ngx_srt_shm_conn_t  *slot;

    slot = ngx_srt_slot_alloc();

    if (slot == NULL) {
        /* the statistics table bounds the connections of all workers */
        ngx_srt_reject(NGX_SRT_REJ_OVERLOAD, SRT_REJX_OVERLOAD, NULL, 0, peer,
                       streamid, "connection limit reached, closed");
        (void) srt_close(s);
        return NULL;
    }

    c = ngx_calloc(sizeof(ngx_srt_conn_t), ngx_srt_thread_log);
    if (c == NULL) {
        ngx_srt_slot_free(slot);
        (void) srt_close(s);
        return NULL;
    }

    events = SRT_EPOLL_IN | SRT_EPOLL_ERR;

    if (srt_epoll_add_usock(ngx_srt_eid, s, &events) == SRT_ERROR) {
        ngx_log_error(NGX_LOG_ALERT, ngx_srt_thread_log, 0,
                      "srt: srt_epoll_add_usock() failed: %s",
                      srt_getlasterror_str());
        (void) srt_close(s);
        ngx_srt_slot_free(slot);
        ngx_free(c);
        return NULL;
    }

    c->sock = s;
    c->kind = kind;
    c->route = rt;
    c->input = in;
    c->output = out;
    c->start = ngx_srt_thread_msec();
    c->since = ngx_srt_unix_msec();
    ngx_cpystrn(c->peer, peer, NGX_SRT_PEER_LEN);
    ngx_cpystrn(c->streamid, streamid, NGX_SRT_SID_LEN);

    len = sizeof(int);

    if (srt_getsockflag(s, SRTO_PAYLOADSIZE, &payload, &len) == SRT_ERROR) {
        payload = 0;
    }

    c->chunk = payload >= SRT_RING_PKT ? payload / SRT_RING_PKT : 7;

    pc = ngx_srt_hash_slot(s);
    *pc = c;
    ngx_queue_insert_tail(&ngx_srt_conns, &c->all);

    c->slot = slot;
    slot->id = (ngx_atomic_uint_t) s;
    slot->kind = kind;
    slot->worker = ngx_worker;
    slot->since = c->since;
    ngx_cpystrn(slot->route, rt->name.data,
                ngx_min(rt->name.len + 1, NGX_SRT_NAME_LEN + 1));
    ngx_cpystrn(slot->peer, peer, NGX_SRT_PEER_LEN);
    ngx_cpystrn(slot->streamid, streamid, NGX_SRT_SID_LEN);

    if (in) {
        (void) ngx_atomic_fetch_add(&in->stats->connects, 1);

    } else {
        (void) ngx_atomic_fetch_add(&out->stats->connects, 1);
    }

    (void) ngx_atomic_fetch_add(&ngx_srt_mcf->conns->accepted, 1);

    ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                  "srt route \"%V\": %s %s streamid \"%s\" connected "
                  "in worker %ui", &rt->name, ngx_srt_conn_kind_name(kind),
                  peer, streamid, ngx_worker);

    return c;
}


const char *
ngx_srt_conn_kind_name(ngx_srt_conn_kind_e kind)
{
    switch (kind) {
    case NGX_SRT_CONN_PUBLISHER:
        return "publisher";
    case NGX_SRT_CONN_PULL:
        return "pull";
    case NGX_SRT_CONN_PLAYER:
        return "player";
    default:
        return "push";
    }
}


/* closes and frees: the one-line summary, counters, reconnects */

void
ngx_srt_conn_close(ngx_srt_conn_t *c, const char *why)
{
    ngx_uint_t           i;
    ngx_msec_t           now;
    ngx_srt_conn_t     **pc;
    SRT_TRACEBSTATS      perf;
    ngx_srt_caller_t    *caller;

    now = ngx_srt_thread_msec();

    /* before the input lets go of it: is this a caller's connection? */
    caller = NULL;

    for (i = 0; i < ngx_srt_ncallers; i++) {
        if (ngx_srt_callers[i].ep->conn == c) {
            caller = &ngx_srt_callers[i];
        }
    }

    ngx_memzero(&perf, sizeof(SRT_TRACEBSTATS));

    if (srt_bistats(c->sock, &perf, 0, 1) == SRT_ERROR
        || (perf.pktSentTotal == 0 && perf.pktRecvTotal == 0))
    {
        /* a broken socket has no statistics left: last second's */
        perf.pktSentTotal = c->slot->pkts_sent;
        perf.pktRecvTotal = c->slot->pkts_received;
        perf.pktSndLossTotal = c->slot->pkts_lost;
        perf.pktRetransTotal = c->slot->pkts_retransmitted;
        perf.pktSndDropTotal = c->slot->pkts_dropped;
        perf.pktRcvUndecryptTotal = c->slot->pkts_undecrypted;
        perf.msRTT = (double) c->slot->rtt_us / 1000;
    }

    (void) srt_epoll_remove_usock(ngx_srt_eid, c->sock);
    (void) srt_close(c->sock);

    if (c->input) {
        ngx_srt_io_input_released(c);

    } else {
        ngx_srt_io_player_removed(c);
        ngx_srt_notify_loop();
    }

    ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                  "srt route \"%V\": %s %s streamid \"%s\" closed (%s) "
                  "after %.3fs: sent %L pkts, received %L pkts, lost %L, "
                  "retransmitted %L, dropped %L, undecrypted %L, "
                  "send buffer drops %uL, rtt %.1f ms",
                  &c->route->name, ngx_srt_conn_kind_name(c->kind), c->peer,
                  c->streamid, why, (double) (now - c->start) / 1000,
                  (int64_t) perf.pktSentTotal, (int64_t) perf.pktRecvTotal,
                  (int64_t) (perf.pktSndLossTotal + perf.pktRcvLossTotal),
                  (int64_t) perf.pktRetransTotal,
                  (int64_t) (perf.pktSndDropTotal + perf.pktRcvDropTotal),
                  (int64_t) perf.pktRcvUndecryptTotal,
                  c->slot->send_drops, perf.msRTT);

    pc = ngx_srt_hash_slot(c->sock);
    if (*pc == c) {
        *pc = c->hnext;
    }

    ngx_queue_remove(&c->all);

    ngx_srt_slot_free(c->slot);

    /* a caller connection comes back after a backoff */

    if (caller) {
        caller->ep->conn = NULL;
        caller->ep->sock = SRT_INVALID_SOCK;
        ngx_srt_caller_retry(caller, now, now - c->start);
    }

    ngx_free(c);
}


static void
ngx_srt_caller_connect(ngx_srt_caller_t *cl, ngx_msec_t now)
{
    int        events;
    SRTSOCKET  s;

    s = srt_create_socket();

    if (s == SRT_INVALID_SOCK) {
        ngx_log_error(NGX_LOG_ALERT, ngx_srt_thread_log, 0,
                      "srt caller \"%V\": srt_create_socket() failed: %s",
                      cl->url, srt_getlasterror_str());
        ngx_srt_caller_retry(cl, now, 0);
        return;
    }

    if (ngx_srt_sock_options(s, cl->parsed, 1, cl->url) != NGX_OK) {
        goto failed;
    }

    events = SRT_EPOLL_OUT | SRT_EPOLL_ERR;

    if (srt_epoll_add_usock(ngx_srt_eid, s, &events) == SRT_ERROR) {
        goto failed;
    }

    /* non-blocking: completion or failure is reported by the epoll */
    if (srt_connect(s, cl->peer->sockaddr, cl->peer->socklen) == SRT_ERROR) {
        ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                      "srt route \"%V\": connecting to \"%V\" failed: %s",
                      &cl->route->name, cl->url, srt_getlasterror_str());
        (void) srt_epoll_remove_usock(ngx_srt_eid, s);
        goto failed;
    }

    cl->ep->sock = s;
    cl->ep->connecting = 1;

    return;

failed:

    (void) srt_close(s);
    ngx_srt_caller_retry(cl, now, 0);
}


static void
ngx_srt_caller_event(ngx_srt_caller_t *cl)
{
    int              reason;
    u_char           peer[NGX_SRT_PEER_LEN];
    size_t           len;
    SRTSOCKET        s;
    ngx_msec_t       now;
    ngx_srt_conn_t  *c;
    SRT_SOCKSTATUS   state;

    s = cl->ep->sock;
    state = srt_getsockstate(s);

    if (state == SRTS_CONNECTING) {
        return;
    }

    now = ngx_srt_thread_msec();

    if (state != SRTS_CONNECTED) {
        reason = srt_getrejectreason(s);

        ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                      "srt route \"%V\": \"%V\" did not connect: %s (%d), "
                      "next attempt in %M ms", &cl->route->name, cl->url,
                      srt_rejectreason_str(reason), reason, cl->ep->backoff);

        (void) srt_epoll_remove_usock(ngx_srt_eid, s);
        (void) srt_close(s);
        cl->ep->sock = SRT_INVALID_SOCK;
        cl->ep->connecting = 0;
        ngx_srt_caller_retry(cl, now, 0);
        return;
    }

    cl->ep->connecting = 0;
    (void) srt_epoll_remove_usock(ngx_srt_eid, s);

    len = ngx_sock_ntop(cl->peer->sockaddr, cl->peer->socklen, peer,
                        NGX_SRT_PEER_LEN - 1, 1);
    peer[len] = '\0';

    c = ngx_srt_conn_create(s, cl->input ? NGX_SRT_CONN_PULL
                                         : NGX_SRT_CONN_PUSH,
                            cl->route, cl->input, cl->output, peer,
                            (u_char *) cl->parsed->streamid);
    if (c == NULL) {
        cl->ep->sock = SRT_INVALID_SOCK;
        ngx_srt_caller_retry(cl, now, 0);
        return;
    }

    cl->ep->conn = c;

    if (cl->input) {
        cl->input->ep.conn = c;
        cl->input->stats->publisher = ngx_pid;
        ngx_srt_io_receive(c);

    } else {
        ngx_srt_io_player_added(c);
        ngx_srt_notify_loop();
    }
}


/* capped exponential backoff; a session that lasted resets it */

static void
ngx_srt_caller_retry(ngx_srt_caller_t *cl, ngx_msec_t now,
    ngx_msec_t session)
{
    ngx_srt_srt_endpoint_t  *ep;

    ep = cl->ep;

    if (session >= NGX_SRT_STABLE_MS) {
        ep->backoff = NGX_SRT_BACKOFF_MIN;
    }

    ep->next_attempt = now + ep->backoff;
    ep->backoff = ngx_min(ep->backoff * 2, NGX_SRT_BACKOFF_MAX);
}


/* every second: libsrt statistics into shared memory */

static void
ngx_srt_refresh_stats(void)
{
    uint64_t             now;
    ngx_queue_t         *q, *next;
    ngx_srt_conn_t      *c;
    SRT_TRACEBSTATS      perf;
    ngx_srt_shm_conn_t  *slot;

    now = ngx_srt_unix_msec();

    for (q = ngx_queue_head(&ngx_srt_conns);
         q != ngx_queue_sentinel(&ngx_srt_conns);
         q = next)
    {
        next = ngx_queue_next(q);
        c = ngx_queue_data(q, ngx_srt_conn_t, all);

        if (srt_getsockstate(c->sock) != SRTS_CONNECTED) {
            ngx_srt_conn_close(c, "connection lost");
            continue;
        }

        slot = c->slot;

        if (slot == NULL || srt_bistats(c->sock, &perf, 1, 1) == SRT_ERROR) {
            continue;
        }

        slot->rtt_us = (int64_t) (perf.msRTT * 1000);
        slot->bandwidth_kbps = (int64_t) (perf.mbpsBandwidth * 1000);
        slot->send_kbps = (int64_t) (perf.mbpsSendRate * 1000);
        slot->recv_kbps = (int64_t) (perf.mbpsRecvRate * 1000);
        slot->flight_pkts = perf.pktFlightSize;
        slot->send_buf_ms = perf.msSndBuf;
        slot->recv_buf_ms = perf.msRcvBuf;

        slot->bytes_sent = perf.byteSentTotal;
        slot->bytes_received = perf.byteRecvTotal;
        slot->pkts_sent = perf.pktSentTotal;
        slot->pkts_received = perf.pktRecvTotal;
        slot->pkts_lost = perf.pktSndLossTotal + perf.pktRcvLossTotal;
        slot->pkts_retransmitted = perf.pktRetransTotal;
        slot->pkts_dropped = perf.pktSndDropTotal + perf.pktRcvDropTotal;
        slot->pkts_undecrypted = perf.pktRcvUndecryptTotal;

        slot->interval_lost = perf.pktSndLoss + perf.pktRcvLoss;
        slot->interval_retransmitted = perf.pktRetrans;
        slot->interval_dropped = perf.pktSndDrop + perf.pktRcvDrop;
        slot->updated = now;
    }
}


/*
 * A statistics slot, claimed with a CAS on its owner pid.  conns->used
 * counts the slots in use, so the listen callback refuses (1402) before
 * the table is full.  Slots of a killed worker are reclaimed at a new
 * thread's start, or here when the table is full (at most once a second).
 */

static ngx_srt_shm_conn_t *
ngx_srt_slot_alloc(void)
{
    ngx_uint_t            i, k, pass;
    ngx_msec_t            now;
    ngx_srt_shm_conns_t  *conns;

    static ngx_msec_t     reclaimed;

    conns = ngx_srt_mcf->conns;

    for (pass = 0; pass < 2; pass++) {

        for (i = 0; i < NGX_SRT_CONN_SLOTS; i++) {
            k = (ngx_srt_slot_hint + i) % NGX_SRT_CONN_SLOTS;

            if (conns->slot[k].pid == 0
                && ngx_atomic_cmp_set(&conns->slot[k].pid, 0, ngx_pid))
            {
                ngx_srt_slot_hint = k + 1;
                (void) ngx_atomic_fetch_add(&conns->used, 1);
                return &conns->slot[k];
            }
        }

        now = ngx_srt_thread_msec();

        if (now - reclaimed < 1000) {
            break;
        }

        reclaimed = now;
        ngx_srt_slot_reclaim();
    }

    return NULL;
}


static void
ngx_srt_slot_free(ngx_srt_shm_conn_t *slot)
{
    ngx_memzero((u_char *) slot + offsetof(ngx_srt_shm_conn_t, id),
                sizeof(ngx_srt_shm_conn_t) - offsetof(ngx_srt_shm_conn_t, id));

    __atomic_store_n(&slot->pid, 0, __ATOMIC_RELEASE);
    (void) ngx_atomic_fetch_add(&ngx_srt_mcf->conns->used, -1);
}


static void
ngx_srt_slot_reclaim(void)
{
    ngx_uint_t            i;
    ngx_atomic_uint_t     pid;
    ngx_srt_shm_conns_t  *conns;

    conns = ngx_srt_mcf->conns;

    for (i = 0; i < NGX_SRT_CONN_SLOTS; i++) {
        pid = conns->slot[i].pid;

        if (pid != 0 && pid != (ngx_atomic_uint_t) ngx_pid
            && kill((ngx_pid_t) pid, 0) == -1 && ngx_errno == NGX_ESRCH
            && ngx_atomic_cmp_set(&conns->slot[i].pid, pid, 0))
        {
            (void) ngx_atomic_fetch_add(&conns->used, -1);
        }
    }
}
