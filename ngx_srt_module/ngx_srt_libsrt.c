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
 * ngx_notify(), whose single slot belongs to the thread pools), atomic
 * flags (rt->srt_pending, rt->srt_nplayers, ngx_srt_kicked) and, for the
 * routes of the API, a command queue under a mutex: the loop tells the
 * thread about new routes with SRT outputs, new callers, a new port table
 * and what it removes; the thread answers each command when done, and only
 * then (and a second later, for the listen callback) does the loop free
 * the memory of what was removed.
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


#define NGX_SRT_GRACE_MS        1000    /* removed memory outlives the
                                           thread's answer by this much */
#define NGX_SRT_TABLE_GRACE_MS  5000


typedef enum {
    NGX_SRT_CMD_ROUTE = 1,              /* send to the route's players */
    NGX_SRT_CMD_CALLER,                 /* connect a caller */
    NGX_SRT_CMD_PORTS,                  /* a new port table */
    NGX_SRT_CMD_RELEASE                 /* close what belongs to a route,
                                           an input or an output */
} ngx_srt_cmd_e;


typedef struct ngx_srt_cmd_s  ngx_srt_cmd_t;

struct ngx_srt_cmd_s {
    ngx_srt_cmd_e             type;
    ngx_srt_route_t          *route;
    ngx_srt_input_t          *input;
    ngx_srt_output_t         *output;
    ngx_srt_table_t          *table;
    ngx_srt_table_t          *old;           /* PORTS: freed by the loop,
                                                after */
    ngx_pool_t               *pool;          /* freed by the loop, after */
    ngx_msec_t                done;          /* loop: answered at */
    ngx_srt_cmd_t            *next;
};


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
static ngx_int_t ngx_srt_caller_add(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out);
static void ngx_srt_cmd_queue(ngx_srt_cmd_e type, ngx_srt_route_t *rt,
    ngx_srt_input_t *in, ngx_srt_output_t *out, ngx_pool_t *pool);
static void ngx_srt_cmd_free(ngx_srt_cmd_t *cmd);
static void ngx_srt_thread_commands(void);
static void ngx_srt_thread_release(ngx_srt_cmd_t *cmd);
static void ngx_srt_thread_ports(ngx_srt_table_t *table);
static void ngx_srt_route_link(ngx_srt_route_t *rt);


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
static ngx_srt_cmd_t        *ngx_srt_batch;      /* not yet posted */
static ngx_srt_cmd_t       **ngx_srt_batch_last = &ngx_srt_batch;
static ngx_srt_cmd_t        *ngx_srt_graveyard;  /* answered, to free */
static ngx_srt_table_t      *ngx_srt_table_now;

/* both, under the mutex */
static pthread_mutex_t       ngx_srt_cmd_mutex = PTHREAD_MUTEX_INITIALIZER;
static ngx_srt_cmd_t        *ngx_srt_todo;
static ngx_srt_cmd_t       **ngx_srt_todo_last = &ngx_srt_todo;
static ngx_srt_cmd_t        *ngx_srt_done;

/* both */
static ngx_atomic_t          ngx_srt_stop;
static ngx_atomic_t          ngx_srt_kicked;

/* SRT thread (and the event loop before it starts) */
int                          ngx_srt_eid = -1;
static ngx_queue_t           ngx_srt_conns;
static ngx_srt_conn_t       *ngx_srt_hash[NGX_SRT_HASH];
static ngx_srt_listener_t    ngx_srt_listeners[NGX_SRT_MAX_PORTS];
static ngx_uint_t            ngx_srt_nlisteners;
static ngx_queue_t           ngx_srt_callers;
static ngx_queue_t           ngx_srt_routes;     /* routes with outputs */
static ngx_uint_t            ngx_srt_slot_hint;
static char                  ngx_srt_drain[NGX_SRT_MSG_MAX];


/*
 * event loop: start the thread if this worker has SRT endpoints in
 * nginx.conf, or always (the API gave it some)
 */

ngx_int_t
ngx_srt_libsrt_start(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_uint_t always)
{
    int                 err;
    sigset_t            set, old;
    ngx_uint_t          i, j;
    ngx_srt_route_t    *rt;
    ngx_srt_input_t    *in, **inp;
    ngx_srt_output_t   *out, **outp;
    ngx_queue_t        *q;
    ngx_srt_table_t    *table;
    ngx_connection_t   *c;
    ngx_srt_listener_t *l;

    if (ngx_srt_running
        || (ngx_process != NGX_PROCESS_WORKER
            && ngx_process != NGX_PROCESS_SINGLE))
    {
        return NGX_OK;
    }

    ngx_queue_init(&ngx_srt_callers);
    ngx_queue_init(&ngx_srt_routes);
    ngx_queue_init(&ngx_srt_conns);

    table = NULL;
    c = NULL;

    /* the callers this worker owns (pull inputs, push outputs), in
       nginx.conf and, when started late, in API routes; later those of
       the API come as commands */

    for (i = 0; (rt = ngx_srt_route_at(mcf, i)); i++) {
        inp = rt->inputs.elts;

        for (j = 0; j < rt->inputs.nelts; j++) {
            in = inp[j];

            if (in->srt && in->worker == ngx_worker
                && (rt->api ? in->parsed.mode == SRT_URL_MODE_CALLER
                            : in->port == NULL)
                && ngx_srt_caller_add(rt, in, NULL) != NGX_OK)
            {
                goto failed;
            }
        }

        outp = rt->outputs.elts;

        for (j = 0; j < rt->outputs.nelts; j++) {
            out = outp[j];

            if (out->srt && out->worker == ngx_worker
                && (rt->api ? out->parsed.mode == SRT_URL_MODE_CALLER
                            : out->port == NULL)
                && ngx_srt_caller_add(rt, NULL, out) != NGX_OK)
            {
                goto failed;
            }
        }
    }

    if (!always && ngx_queue_empty(&ngx_srt_callers)
        && mcf->srt_ports.nelts == 0)
    {
        return NGX_OK;
    }

    for (i = 0; (rt = ngx_srt_route_at(mcf, i)); i++) {
        if (rt->srt_outputs) {
            ngx_srt_route_link(rt);
        }
    }

    table = ngx_srt_ports_build(mcf, NULL, cycle->log);
    if (table == NULL) {
        goto failed;
    }

    ngx_srt_listen_table_set(table);
    ngx_srt_table_now = table;

    for (i = 0; i < table->nports; i++) {
        l = &ngx_srt_listeners[i];
        l->port = table->ports[i];
        l->index = i;
        l->sock = SRT_INVALID_SOCK;
        l->fd = (ngx_socket_t) -1;
        l->failed = 0;

        if (l->port && i < mcf->srt_ports.nelts) {
            l->fd = ngx_srt_srt_port_adopt(cycle, l->port);
        }
    }

    ngx_srt_nlisteners = table->nports;

    ngx_srt_mcf = mcf;
    ngx_srt_thread_log = cycle->log;

    ngx_srt_to_thread = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);
    ngx_srt_to_loop = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);

    if (ngx_srt_to_thread == -1 || ngx_srt_to_loop == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "srt: eventfd() failed");
        goto failed;
    }

    c = ngx_get_connection(ngx_srt_to_loop, cycle->log);
    if (c == NULL) {
        goto failed;
    }

    c->read->handler = ngx_srt_loop_wake;
    c->read->log = cycle->log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        goto failed;
    }

    if (sem_init(&ngx_srt_ready, 0, 0) != 0) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, ngx_errno,
                      "srt: sem_init() failed");
        goto failed;
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
        goto failed;
    }

    while (sem_wait(&ngx_srt_ready) == -1 && ngx_errno == NGX_EINTR) {
        /* void */
    }

    (void) sem_destroy(&ngx_srt_ready);

    if (ngx_srt_start_rc != NGX_OK) {
        (void) pthread_join(ngx_srt_tid, NULL);
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "srt: the SRT thread failed to start");
        goto failed;
    }

    ngx_srt_loop_conn = c;
    ngx_srt_running = 1;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "srt: SRT thread started in worker %ui: %ui listener "
                  "port(s)", ngx_worker, table->nports);

    return NGX_OK;

failed:

    /* as if never tried: an API change may try again */

    if (c) {
        ngx_close_connection(c);        /* closes ngx_srt_to_loop */
        ngx_srt_to_loop = -1;
    }

    if (ngx_srt_to_loop != -1) {
        (void) close(ngx_srt_to_loop);
        ngx_srt_to_loop = -1;
    }

    if (ngx_srt_to_thread != -1) {
        (void) close(ngx_srt_to_thread);
        ngx_srt_to_thread = -1;
    }

    for (i = 0; i < NGX_SRT_MAX_PORTS; i++) {
        if (ngx_srt_listeners[i].port && ngx_srt_listeners[i].fd != -1) {
            (void) close(ngx_srt_listeners[i].fd);
        }

        ngx_memzero(&ngx_srt_listeners[i], sizeof(ngx_srt_listener_t));
    }

    ngx_srt_nlisteners = 0;

    if (table) {
        ngx_srt_listen_table_set(NULL);
        ngx_srt_table_now = NULL;
        ngx_destroy_pool(table->pool);
    }

    while (!ngx_queue_empty(&ngx_srt_callers)) {
        q = ngx_queue_head(&ngx_srt_callers);
        ngx_queue_remove(q);
        ngx_free(ngx_queue_data(q, ngx_srt_caller_t, queue));
    }

    for (i = 0; (rt = ngx_srt_route_at(mcf, i)); i++) {
        rt->srt_linked = 0;
    }

    return NGX_ERROR;
}


/* event loop, at exit: the thread closes every SRT socket and ends */

void
ngx_srt_libsrt_stop(ngx_cycle_t *cycle)
{
    uint64_t           one = 1;
    ngx_uint_t         i;
    ngx_srt_route_t   *rt;
    ngx_srt_cmd_t     *cmd;

    if (!ngx_srt_running) {
        return;
    }

    ngx_srt_running = 0;

    __atomic_store_n(&ngx_srt_stop, 1, __ATOMIC_SEQ_CST);
    (void) write(ngx_srt_to_thread, &one, sizeof(uint64_t));
    (void) pthread_join(ngx_srt_tid, NULL);

    for (i = 0; (rt = ngx_srt_route_at(ngx_srt_mcf, i)); i++) {
        if (rt->srt_reader.linked) {
            ngx_srt_ring_detach(&rt->ring, &rt->srt_reader);
        }
    }

    if (ngx_srt_loop_conn) {
        ngx_close_connection(ngx_srt_loop_conn);
        ngx_srt_loop_conn = NULL;
    }

    (void) close(ngx_srt_to_thread);
    ngx_srt_to_thread = -1;

    /* the thread is gone: what it did not answer is free too */

    while (ngx_srt_todo) {
        cmd = ngx_srt_todo;
        ngx_srt_todo = cmd->next;
        ngx_srt_cmd_free(cmd);
    }

    ngx_srt_todo_last = &ngx_srt_todo;

    while (ngx_srt_done) {
        cmd = ngx_srt_done;
        ngx_srt_done = cmd->next;
        ngx_srt_cmd_free(cmd);
    }

    ngx_srt_libsrt_sweep(1);

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0, "srt: SRT thread stopped");
}


/* event loop: the thread changed the set of routes with players, or
   answered commands */

static void
ngx_srt_loop_wake(ngx_event_t *ev)
{
    uint64_t           value;
    ngx_uint_t         i;
    ngx_srt_cmd_t     *cmd, *next;
    ngx_connection_t  *c;
    ngx_srt_route_t   *rt;

    c = ev->data;

    (void) read(c->fd, &value, sizeof(uint64_t));

    for (i = 0; (rt = ngx_srt_route_at(ngx_srt_mcf, i)); i++) {

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

    (void) pthread_mutex_lock(&ngx_srt_cmd_mutex);
    cmd = ngx_srt_done;
    ngx_srt_done = NULL;
    (void) pthread_mutex_unlock(&ngx_srt_cmd_mutex);

    for ( /* void */ ; cmd; cmd = next) {
        next = cmd->next;
        cmd->done = ngx_current_msec;
        cmd->next = ngx_srt_graveyard;
        ngx_srt_graveyard = cmd;
    }
}


/*
 * event loop, every second: frees what the thread let go of a while ago
 * (all: the thread has stopped).  A port table replaced by a PORTS command
 * waits longer: a libsrt listen callback may have loaded it just before.
 */

void
ngx_srt_libsrt_sweep(ngx_uint_t all)
{
    ngx_msec_t       grace;
    ngx_srt_cmd_t   *cmd, **pcmd;

    for (pcmd = &ngx_srt_graveyard; *pcmd; /* void */) {
        cmd = *pcmd;
        grace = cmd->old ? NGX_SRT_TABLE_GRACE_MS : NGX_SRT_GRACE_MS;

        if (all || ngx_current_msec - cmd->done >= grace) {
            *pcmd = cmd->next;
            ngx_srt_cmd_free(cmd);
            continue;
        }

        pcmd = &cmd->next;
    }
}


/*
 * The API's routes.  ngx_srt_runtime.c says what changed with these calls
 * while it applies the desired state, then ngx_srt_libsrt_commit()
 * publishes the new port table and only then hands the batch to the
 * thread: what is released is out of the table before the thread closes
 * its connections, so no new one can reach it.
 */

void
ngx_srt_libsrt_route(ngx_srt_route_t *rt)
{
    ngx_srt_cmd_queue(NGX_SRT_CMD_ROUTE, rt, NULL, NULL, NULL);
}


void
ngx_srt_libsrt_caller(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out)
{
    ngx_srt_cmd_queue(NGX_SRT_CMD_CALLER, rt, in, out, NULL);
}


/* the pool, if any, is destroyed once the thread let go of all that is
   in it: route, input or output */

void
ngx_srt_libsrt_release(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out, ngx_pool_t *pool)
{
    ngx_srt_cmd_t  *cmd, **pcmd;

    if (ngx_srt_running) {
        ngx_srt_cmd_queue(NGX_SRT_CMD_RELEASE, rt, in, out, pool);
        return;
    }

    /* the thread never saw it, and must not: a batch that may start the
       thread forgets it */

    for (pcmd = &ngx_srt_batch; *pcmd; /* void */) {
        cmd = *pcmd;

        if (out ? cmd->output == out
                : in ? cmd->input == in : cmd->route == rt)
        {
            *pcmd = cmd->next;
            ngx_free(cmd);
            continue;
        }

        pcmd = &cmd->next;
    }

    ngx_srt_batch_last = &ngx_srt_batch;

    while (*ngx_srt_batch_last) {
        ngx_srt_batch_last = &(*ngx_srt_batch_last)->next;
    }

    if (pool) {
        ngx_destroy_pool(pool);
    }
}


static void
ngx_srt_cmd_queue(ngx_srt_cmd_e type, ngx_srt_route_t *rt,
    ngx_srt_input_t *in, ngx_srt_output_t *out, ngx_pool_t *pool)
{
    ngx_srt_cmd_t  *cmd;

    cmd = ngx_calloc(sizeof(ngx_srt_cmd_t), ngx_cycle->log);

    if (cmd == NULL) {
        /* rather a leak than memory freed under the thread */
        return;
    }

    cmd->type = type;
    cmd->route = rt;
    cmd->input = in;
    cmd->output = out;
    cmd->pool = pool;

    *ngx_srt_batch_last = cmd;
    ngx_srt_batch_last = &cmd->next;
}


static void
ngx_srt_cmd_free(ngx_srt_cmd_t *cmd)
{
    if (cmd->pool) {
        ngx_destroy_pool(cmd->pool);
    }

    if (cmd->old) {
        ngx_destroy_pool(cmd->old->pool);
    }

    ngx_free(cmd);
}


ngx_int_t
ngx_srt_libsrt_commit(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf)
{
    uint64_t          one = 1;
    uint32_t          sig;
    ngx_uint_t        nlisteners, callers;
    ngx_srt_cmd_t    *cmd, *batch, **pcmd;
    ngx_srt_table_t  *t;

    batch = ngx_srt_batch;
    ngx_srt_batch = NULL;
    ngx_srt_batch_last = &ngx_srt_batch;

    sig = ngx_srt_ports_signature(mcf, &nlisteners);

    if (!ngx_srt_running) {
        callers = 0;

        for (cmd = batch; cmd; cmd = cmd->next) {
            callers |= (cmd->type == NGX_SRT_CMD_CALLER);
        }

        if ((!callers && nlisteners == 0)
            || ngx_srt_libsrt_start(cycle, mcf, 1) != NGX_OK)
        {
            if (callers || nlisteners) {
                ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                              "srt: the SRT endpoints of API routes are not "
                              "served in this worker");
            }

            while (batch) {
                cmd = batch;
                batch = cmd->next;
                ngx_srt_cmd_free(cmd);
            }

            return NGX_OK;
        }

        /* the new thread has the current table and every caller of the
           API routes (ngx_srt_libsrt_start() looked) */

        for (pcmd = &batch; *pcmd; /* void */) {
            cmd = *pcmd;

            if (cmd->type == NGX_SRT_CMD_CALLER) {
                *pcmd = cmd->next;
                ngx_free(cmd);
                continue;
            }

            pcmd = &cmd->next;
        }
    }

    if (sig != ngx_srt_table_now->signature) {
        t = ngx_srt_ports_build(mcf, ngx_srt_table_now, cycle->log);
        cmd = t ? ngx_calloc(sizeof(ngx_srt_cmd_t), cycle->log) : NULL;

        if (cmd == NULL) {
            /*
             * The current table may still name what is released: rather
             * leak its memory than free it under a listen callback.  The
             * next change tries the table again.
             */
            ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                          "srt: the SRT port table cannot be rebuilt");

            if (t) {
                ngx_destroy_pool(t->pool);
            }

            for (cmd = batch; cmd; cmd = cmd->next) {
                cmd->pool = NULL;
            }

        } else {
            ngx_srt_listen_table_set(t);

            /* first of the batch: the listeners follow the table; the old
               one is freed after the answer */

            cmd->type = NGX_SRT_CMD_PORTS;
            cmd->table = t;
            cmd->old = ngx_srt_table_now;
            cmd->next = batch;
            batch = cmd;

            ngx_srt_table_now = t;
        }
    }

    if (batch == NULL) {
        return NGX_OK;
    }

    (void) pthread_mutex_lock(&ngx_srt_cmd_mutex);

    *ngx_srt_todo_last = batch;

    for (cmd = batch; cmd->next; cmd = cmd->next) { /* void */ }

    ngx_srt_todo_last = &cmd->next;

    (void) pthread_mutex_unlock(&ngx_srt_cmd_mutex);

    (void) write(ngx_srt_to_thread, &one, sizeof(uint64_t));

    return NGX_OK;
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

    ngx_srt_slot_reclaim();

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        if (ngx_srt_listeners[i].port) {
            ngx_srt_listener_open(&ngx_srt_listeners[i], i);
        }
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
    ngx_queue_t      *q;
    ngx_srt_route_t  *rt;
    ngx_srt_caller_t *cl;

    next_tick = 0;
    more = 0;

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
                if (ngx_srt_listeners[k].port
                    && ngx_srt_listeners[k].sock == SRT_INVALID_SOCK
                    && now >= ngx_srt_listeners[k].retry)
                {
                    ngx_srt_listener_open(&ngx_srt_listeners[k], k);
                }
            }
        }

        for (q = ngx_queue_head(&ngx_srt_callers);
             q != ngx_queue_sentinel(&ngx_srt_callers);
             q = ngx_queue_next(q))
        {
            cl = ngx_queue_data(q, ngx_srt_caller_t, queue);

            if (cl->ep->sock == SRT_INVALID_SOCK
                && now >= cl->ep->next_attempt)
            {
                ngx_srt_caller_connect(cl, now);
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

        ngx_srt_thread_commands();

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

        for (q = ngx_queue_head(&ngx_srt_routes);
             q != ngx_queue_sentinel(&ngx_srt_routes);
             q = ngx_queue_next(q))
        {
            rt = ngx_queue_data(q, ngx_srt_route_t, srt_link);

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
    ngx_uint_t         i;
    ngx_queue_t       *q;
    ngx_srt_conn_t    *c;
    ngx_srt_caller_t  *cl;

    while (!ngx_queue_empty(&ngx_srt_conns)) {
        q = ngx_queue_head(&ngx_srt_conns);
        c = ngx_queue_data(q, ngx_srt_conn_t, all);
        ngx_srt_conn_close(c, "worker shutting down");
    }

    for (i = 0; i < ngx_srt_nlisteners; i++) {
        ngx_srt_listener_close(&ngx_srt_listeners[i]);
    }

    while (!ngx_queue_empty(&ngx_srt_callers)) {
        q = ngx_queue_head(&ngx_srt_callers);
        cl = ngx_queue_data(q, ngx_srt_caller_t, queue);

        if (cl->ep->sock != SRT_INVALID_SOCK) {
            (void) srt_close(cl->ep->sock);
            cl->ep->sock = SRT_INVALID_SOCK;
        }

        ngx_queue_remove(q);
        ngx_free(cl);
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
    ngx_uint_t         i;
    ngx_queue_t       *q;
    ngx_srt_conn_t    *c;
    ngx_srt_caller_t  *cl;
    SRT_SOCKSTATUS     state;

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

    for (q = ngx_queue_head(&ngx_srt_callers);
         q != ngx_queue_sentinel(&ngx_srt_callers);
         q = ngx_queue_next(q))
    {
        cl = ngx_queue_data(q, ngx_srt_caller_t, queue);

        if (cl->ep->sock == s && cl->ep->connecting) {
            ngx_srt_caller_event(cl);
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
    ngx_cpystrn(slot->endpoint, in ? in->id.data : out->id.data,
                ngx_min((in ? in->id.len : out->id.len) + 1,
                        NGX_SRT_NAME_LEN + 1));
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


/* another connection of this thread writes c's input statistics */

ngx_uint_t
ngx_srt_conn_publishing(ngx_srt_conn_t *c)
{
    ngx_queue_t     *q;
    ngx_srt_conn_t  *o;

    for (q = ngx_queue_head(&ngx_srt_conns);
         q != ngx_queue_sentinel(&ngx_srt_conns);
         q = ngx_queue_next(q))
    {
        o = ngx_queue_data(q, ngx_srt_conn_t, all);

        if (o != c && o->input && o->input->stats == c->input->stats) {
            return 1;
        }
    }

    return 0;
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
    ngx_msec_t           now;
    ngx_srt_conn_t     **pc;
    SRT_TRACEBSTATS      perf;
    ngx_srt_caller_t    *caller;

    now = ngx_srt_thread_msec();

    caller = c->caller;

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
    c->caller = cl;

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


/* a caller to connect: the event loop before the thread starts, or the
   thread on a command */

static ngx_int_t
ngx_srt_caller_add(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_srt_output_t *out)
{
    ngx_srt_caller_t  *cl;

    cl = ngx_calloc(sizeof(ngx_srt_caller_t), ngx_cycle->log);
    if (cl == NULL) {
        return NGX_ERROR;
    }

    cl->route = rt;
    cl->input = in;
    cl->output = out;

    if (in) {
        cl->url = &in->url;
        cl->parsed = &in->parsed;
        cl->peer = &in->addr;
        cl->ep = &in->ep;

    } else {
        cl->url = &out->url;
        cl->parsed = &out->parsed;
        cl->peer = &out->peer;
        cl->ep = &out->ep;
    }

    cl->ep->sock = SRT_INVALID_SOCK;
    cl->ep->connecting = 0;
    cl->ep->next_attempt = 0;
    cl->ep->backoff = NGX_SRT_BACKOFF_MIN;
    cl->ep->conn = NULL;

    ngx_queue_insert_tail(&ngx_srt_callers, &cl->queue);

    return NGX_OK;
}


/* a route whose players and push callers this thread feeds */

static void
ngx_srt_route_link(ngx_srt_route_t *rt)
{
    if (!rt->srt_linked) {
        ngx_queue_insert_tail(&ngx_srt_routes, &rt->srt_link);
        rt->srt_linked = 1;
    }
}


/* SRT thread: the event loop's commands, in their order, then answered */

static void
ngx_srt_thread_commands(void)
{
    ngx_srt_cmd_t  *list, *cmd;

    (void) pthread_mutex_lock(&ngx_srt_cmd_mutex);
    list = ngx_srt_todo;
    ngx_srt_todo = NULL;
    ngx_srt_todo_last = &ngx_srt_todo;
    (void) pthread_mutex_unlock(&ngx_srt_cmd_mutex);

    if (list == NULL) {
        return;
    }

    for (cmd = list; /* void */ ; cmd = cmd->next) {

        switch (cmd->type) {

        case NGX_SRT_CMD_ROUTE:
            ngx_srt_route_link(cmd->route);
            break;

        case NGX_SRT_CMD_CALLER:
            if (ngx_srt_caller_add(cmd->route, cmd->input, cmd->output)
                != NGX_OK)
            {
                ngx_log_error(NGX_LOG_ALERT, ngx_srt_thread_log, 0,
                              "srt route \"%V\": the caller cannot be "
                              "added", &cmd->route->name);
            }

            break;

        case NGX_SRT_CMD_PORTS:
            ngx_srt_thread_ports(cmd->table);
            break;

        case NGX_SRT_CMD_RELEASE:
            ngx_srt_thread_release(cmd);
            break;
        }

        if (cmd->next == NULL) {
            break;
        }
    }

    (void) pthread_mutex_lock(&ngx_srt_cmd_mutex);
    cmd->next = ngx_srt_done;
    ngx_srt_done = list;
    (void) pthread_mutex_unlock(&ngx_srt_cmd_mutex);

    ngx_srt_notify_loop();
}


/*
 * SRT thread: a route, an input or an output of the API is going away:
 * its callers stop and its connections close.  The event loop frees its
 * memory after the answer.
 */

#define ngx_srt_released(cmd, rt, in, out)                                   \
    ((cmd)->output ? (out) == (cmd)->output                                   \
     : (cmd)->input ? (in) == (cmd)->input : (rt) == (cmd)->route)

static void
ngx_srt_thread_release(ngx_srt_cmd_t *cmd)
{
    ngx_queue_t       *q, *next;
    ngx_srt_conn_t    *c;
    ngx_srt_caller_t  *cl;

    for (q = ngx_queue_head(&ngx_srt_callers);
         q != ngx_queue_sentinel(&ngx_srt_callers);
         q = next)
    {
        next = ngx_queue_next(q);
        cl = ngx_queue_data(q, ngx_srt_caller_t, queue);

        if (!ngx_srt_released(cmd, cl->route, cl->input, cl->output)) {
            continue;
        }

        c = cl->ep->conn;

        if (c) {
            /* no reconnect */
            c->caller = NULL;
            cl->ep->conn = NULL;
            ngx_srt_conn_close(c, "removed by the API");

        } else if (cl->ep->sock != SRT_INVALID_SOCK) {
            (void) srt_epoll_remove_usock(ngx_srt_eid, cl->ep->sock);
            (void) srt_close(cl->ep->sock);
        }

        cl->ep->sock = SRT_INVALID_SOCK;
        cl->ep->connecting = 0;

        ngx_queue_remove(q);
        ngx_free(cl);
    }

    for (q = ngx_queue_head(&ngx_srt_conns);
         q != ngx_queue_sentinel(&ngx_srt_conns);
         q = next)
    {
        next = ngx_queue_next(q);
        c = ngx_queue_data(q, ngx_srt_conn_t, all);

        if (ngx_srt_released(cmd, c->route, c->input, c->output)) {
            ngx_srt_conn_close(c, "removed by the API");
        }
    }

    if (cmd->input == NULL && cmd->output == NULL
        && cmd->route->srt_linked)
    {
        ngx_queue_remove(&cmd->route->srt_link);
        cmd->route->srt_linked = 0;
    }
}


/* SRT thread: the listeners follow a new port table, slot by slot */

static void
ngx_srt_thread_ports(ngx_srt_table_t *t)
{
    ngx_uint_t           i, n;
    ngx_srt_listener_t  *l;
    ngx_srt_srt_port_t  *port;

    n = ngx_max(t->nports, ngx_srt_nlisteners);

    for (i = 0; i < n; i++) {
        l = &ngx_srt_listeners[i];
        port = (i < t->nports) ? t->ports[i] : NULL;

        if (l->port && port
            && ngx_cmp_sockaddr(l->port->addr.sockaddr, l->port->addr.socklen,
                                port->addr.sockaddr, port->addr.socklen, 1)
               == NGX_OK)
        {
            /* the same port, maybe more or fewer routes: still open */
            l->port = port;
            continue;
        }

        if (l->port) {
            ngx_log_error(NGX_LOG_INFO, ngx_srt_thread_log, 0,
                          "srt listener \"%V\" closed: no route uses it",
                          &l->port->url);
            ngx_srt_listener_close(l);
            l->port = NULL;
        }

        if (port) {
            l->port = port;
            l->index = i;
            l->sock = SRT_INVALID_SOCK;
            l->fd = (ngx_socket_t) -1;
            l->failed = 0;
            ngx_srt_listener_open(l, i);
        }
    }

    ngx_srt_nlisteners = t->nports;
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
