/*
 * Shared-memory zone layout, writer leases, and wake-ups.
 *
 * The zone holds a small directory of named blocks (rings, statistics).  On
 * reload the zone is reused when its size is unchanged, and every block is
 * found again by name, so readers in old workers and writers in new ones
 * keep using the same rings.
 *
 * Wake-ups: the master creates one eventfd per worker slot before fork.
 * Slots rotate over NGX_SRT_WAKE_SLOTS across reloads, and the master keeps
 * older slots open, so a writer in a new worker can still wake readers in
 * an old worker that is draining its HTTP clients.  A ring records which
 * slots have readers; its writer signals only those, once per batch.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include <sys/eventfd.h>

#include "ngx_srt_module.h"


typedef struct {
    u_char                    key[NGX_SRT_KEY_LEN];
    uint32_t                  hash;      /* of key: compared first */
    void                     *ptr;
    size_t                    size;
} ngx_srt_dir_entry_t;


typedef struct {
    ngx_uint_t                n;
    ngx_srt_dir_entry_t       entry[NGX_SRT_DIR_ENTRIES];
} ngx_srt_dir_t;


typedef void (*ngx_srt_shm_init_pt)(void *block, void *data);

static void *ngx_srt_shm_get(ngx_slab_pool_t *pool, ngx_srt_dir_t *dir,
    ngx_log_t *log, ngx_srt_shm_init_pt init, void *data, size_t size,
    ngx_uint_t *created, const char *fmt, ...);
static void ngx_srt_shm_ring_init(void *block, void *data);
static void ngx_srt_shm_hls_init(void *block, void *data);
static ngx_int_t ngx_srt_shm_ring(ngx_slab_pool_t *pool, ngx_srt_dir_t *dir,
    ngx_log_t *log, ngx_srt_ring_t *ring, size_t bytes, ngx_str_t *name,
    ngx_str_t *url);
static ngx_int_t ngx_srt_lease_lock_any(ngx_srt_lease_t *lease);
static void ngx_srt_wake_handler(ngx_event_t *ev);
static void ngx_srt_dispatch(ngx_event_t *ev);
static void ngx_srt_ring_wake(ngx_srt_ring_t *ring, ngx_uint_t other_thread);


/* master: wake slots, kept across cycles (see above) */
static ngx_fd_t     ngx_srt_wake_fd[NGX_SRT_WAKE_SLOTS];
static ngx_uint_t   ngx_srt_wake_inited;
static ngx_uint_t   ngx_srt_wake_next;

/* worker: its own slot and the rings it reads */
static ngx_int_t          ngx_srt_wake_slot = -1;
static ngx_msec_t         ngx_srt_generation;
static ngx_connection_t  *ngx_srt_wake_conn;
static ngx_queue_t        ngx_srt_active_rings;
static ngx_event_t        ngx_srt_dispatch_event;


ngx_int_t
ngx_srt_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_srt_main_conf_t  *omcf = data;

    ngx_uint_t            i, j, created;
    ngx_srt_dir_t        *dir;
    ngx_slab_pool_t      *pool;
    ngx_srt_route_t      *rt, **rtp;
    ngx_srt_input_t     **inp;
    ngx_srt_output_t    **outp;
    ngx_srt_main_conf_t  *mcf;
    ngx_log_t            *log;

    mcf = shm_zone->data;
    pool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    log = shm_zone->shm.log;

    if (omcf || shm_zone->shm.exists) {
        dir = pool->data;

    } else {
        dir = ngx_slab_calloc(pool, sizeof(ngx_srt_dir_t));
        if (dir == NULL) {
            return NGX_ERROR;
        }

        pool->data = dir;
        pool->log_nomem = 0;
    }

    mcf->conns = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                 sizeof(ngx_srt_shm_conns_t),
                                 &created, "conns");
    if (mcf->conns == NULL) {
        return NGX_ERROR;
    }

    mcf->global = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                  sizeof(ngx_srt_shm_global_t), &created,
                                  "global");
    if (mcf->global == NULL) {
        return NGX_ERROR;
    }

    if (created) {
        /* the zone outlives reloads: this is the gateway's start */
        mcf->global->started = ngx_srt_unix_msec();
    }

    mcf->global->reloads += !created;

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        rt = rtp[i];

        if (ngx_srt_shm_route(mcf, log, rt) != NGX_OK) {
            return NGX_ERROR;
        }

        inp = rt->inputs.elts;
        for (j = 0; j < rt->inputs.nelts; j++) {
            if (ngx_srt_shm_input(mcf, log, inp[j]) != NGX_OK) {
                return NGX_ERROR;
            }
        }

        outp = rt->outputs.elts;
        for (j = 0; j < rt->outputs.nelts; j++) {
            /* an HLS output keeps its state when its settings change */
            if (ngx_srt_shm_output(mcf, log, outp[j], "out",
                                   outp[j]->hls ? &outp[j]->id
                                                : &outp[j]->url)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    return NGX_OK;
}


/*
 * The blocks of a route, an input and an output, found by name or created:
 * at configuration in the master, and at run time by every worker for
 * routes made through the API (the directory lock makes that safe).
 */

ngx_int_t
ngx_srt_shm_route(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_route_t *rt)
{
    ngx_uint_t        created;
    ngx_srt_dir_t    *dir;
    ngx_slab_pool_t  *pool;

    pool = (ngx_slab_pool_t *) mcf->zone->shm.addr;
    dir = pool->data;

    if (ngx_srt_shm_ring(pool, dir, log, &rt->ring, rt->ring_size, &rt->name,
                         NULL)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    rt->selector = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                   sizeof(ngx_srt_shm_output_t), &created,
                                   "sel/%V", &rt->name);
    rt->http = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                               sizeof(ngx_srt_shm_http_t),
                               &created, "http/%V", &rt->name);

    if (rt->selector == NULL || rt->http == NULL) {
        return NGX_ERROR;
    }

    rt->failover = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                   sizeof(ngx_srt_shm_failover_t), &created,
                                   "fo/%V", &rt->name);
    if (rt->failover == NULL) {
        return NGX_ERROR;
    }

    rt->scte35 = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                 sizeof(ngx_srt_shm_scte35_t),
                                 &created, "scte/%V", &rt->name);
    if (rt->scte35 == NULL) {
        return NGX_ERROR;
    }

    if (created) {
        /* automatic event ids: unlikely to repeat those of a former run */
        rt->scte35->event_id = (ngx_atomic_uint_t)
                               ((ngx_time() & 0xfffff) << 10);
    }

    return NGX_OK;
}


ngx_int_t
ngx_srt_shm_input(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_input_t *in)
{
    ngx_uint_t        created;
    ngx_srt_dir_t    *dir;
    ngx_slab_pool_t  *pool;

    ngx_str_t         key;
    u_char            buf[128];

    pool = (ngx_slab_pool_t *) mcf->zone->shm.addr;
    dir = pool->data;

    /*
     * nginx.conf inputs by URL (unique in a route); API inputs by id, as
     * their outputs: two of them may have one URL (testsrc://), and a URL
     * may change under an id
     */
    key = in->url;

    if (in->pool) {
        key.data = buf;
        key.len = ngx_snprintf(buf, sizeof(buf), "api:%V", &in->id) - buf;
    }

    if (ngx_srt_shm_ring(pool, dir, log, &in->ring, in->route->ring_size,
                         &in->route->name, &key)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    in->stats = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                sizeof(ngx_srt_shm_input_t),
                                &created, "in/%V/%V", &in->route->name,
                                &key);
    if (in->stats == NULL) {
        return NGX_ERROR;
    }

    if (created) {
        in->stats->since = ngx_srt_unix_msec();
    }

    return NGX_OK;
}


/* kind and key: "out" and the URL in nginx.conf, "aout" and the id for
   API routes, whose URL may change under the same id */

ngx_int_t
ngx_srt_shm_output(ngx_srt_main_conf_t *mcf, ngx_log_t *log,
    ngx_srt_output_t *out, const char *kind, ngx_str_t *key)
{
    ngx_uint_t        created;
    ngx_srt_dir_t    *dir;
    ngx_slab_pool_t  *pool;

    pool = (ngx_slab_pool_t *) mcf->zone->shm.addr;
    dir = pool->data;

    out->stats = ngx_srt_shm_get(pool, dir, log, NULL, NULL,
                                 sizeof(ngx_srt_shm_output_t),
                                 &created, "%s/%V/%V", kind,
                                 &out->route->name, key);
    if (out->stats == NULL) {
        return NGX_ERROR;
    }

    if (created) {
        out->stats->since = ngx_srt_unix_msec();
    }

    if (out->hls) {
        out->hls_shm = ngx_srt_shm_get(pool, dir, log, ngx_srt_shm_hls_init,
                                       NULL, sizeof(ngx_srt_shm_hls_t),
                                       &created, "hls/%V/%V",
                                       &out->route->name, key);
        if (out->hls_shm == NULL) {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static ngx_int_t
ngx_srt_shm_ring(ngx_slab_pool_t *pool, ngx_srt_dir_t *dir, ngx_log_t *log,
    ngx_srt_ring_t *ring, size_t bytes, ngx_str_t *name, ngx_str_t *url)
{
    uint32_t     capacity;
    ngx_uint_t   created;
    ngx_str_t    none = ngx_string("-");

    capacity = srt_ring_capacity(bytes);

    /* the capacity is part of the name: a resized ring is a new ring */
    ring->shm = ngx_srt_shm_get(pool, dir, log, ngx_srt_shm_ring_init,
                                &capacity,
                                offsetof(ngx_srt_shm_ring_t, ring)
                                + srt_ring_size(capacity),
                                &created, "ring/%V/%V/%uD", name,
                                url ? url : &none, capacity);
    if (ring->shm == NULL) {
        return NGX_ERROR;
    }

    ngx_queue_init(&ring->readers);
    ring->nreaders = 0;

    return NGX_OK;
}


static void
ngx_srt_shm_ring_init(void *block, void *data)
{
    srt_ring_init(&((ngx_srt_shm_ring_t *) block)->ring, *(uint32_t *) data);
}


static void
ngx_srt_shm_hls_init(void *block, void *data)
{
    ngx_srt_hls_init_shm(block);
}


static void *
ngx_srt_shm_get(ngx_slab_pool_t *pool, ngx_srt_dir_t *dir, ngx_log_t *log,
    ngx_srt_shm_init_pt init, void *data, size_t size, ngx_uint_t *created,
    const char *fmt, ...)
{
    u_char               key[NGX_SRT_KEY_LEN], *last;
    uint32_t             crc, hash;
    ngx_uint_t           level;
    va_list              args;
    ngx_uint_t           i;
    ngx_srt_dir_entry_t *e;

    va_start(args, fmt);
    last = ngx_vslprintf(key, key + NGX_SRT_KEY_LEN - 1, fmt, args);
    va_end(args);

    if (last >= key + NGX_SRT_KEY_LEN - 1) {
        /* a long URL: keep a prefix and make it unique with a checksum */
        crc = ngx_crc32_long(key, NGX_SRT_KEY_LEN - 1);
        last = ngx_sprintf(key + NGX_SRT_KEY_LEN - 12, "#%08xD", crc);
    }

    *last = '\0';
    *created = 0;

    hash = ngx_crc32_short(key, last - key);

    /* at run time (API routes) a full zone is an error, not the end */
    level = (ngx_process == NGX_PROCESS_WORKER) ? NGX_LOG_ERR : NGX_LOG_EMERG;

    /* workers add blocks at run time (API routes): one at a time */
    ngx_shmtx_lock(&pool->mutex);

    for (i = 0; i < dir->n; i++) {
        e = &dir->entry[i];

        if (e->hash == hash && e->size == size
            && ngx_strcmp(e->key, key) == 0)
        {
            ngx_shmtx_unlock(&pool->mutex);
            return e->ptr;
        }
    }

    if (dir->n == NGX_SRT_DIR_ENTRIES) {
        ngx_shmtx_unlock(&pool->mutex);
        ngx_log_error(level, log, 0, "srt zone directory is full (%d entries)",
                      NGX_SRT_DIR_ENTRIES);
        return NULL;
    }

    e = &dir->entry[dir->n];

    e->ptr = ngx_slab_calloc_locked(pool, size);
    if (e->ptr == NULL) {
        ngx_shmtx_unlock(&pool->mutex);
        ngx_log_error(level, log, 0, "srt zone is too small for \"%s\" "
                      "(%uz bytes), increase shm_size", key, size);
        return NULL;
    }

    /*
     * Initialised before it can be found: a worker making the same API
     * route at the same time must never see a ring without its capacity.
     */
    if (init) {
        init(e->ptr, data);
    }

    ngx_cpystrn(e->key, key, NGX_SRT_KEY_LEN);
    e->hash = hash;
    e->size = size;
    dir->n++;

    ngx_shmtx_unlock(&pool->mutex);

    *created = 1;

    return e->ptr;
}


/* leases */

/*
 * Takes ownership under the batch lock, so it never interleaves with a
 * batch of the previous owner.  A worker of an older configuration never
 * takes a lease back from a newer one (NGX_DECLINED): this orders a reload
 * against an old worker still retrying its own claim.
 */

ngx_int_t
ngx_srt_lease_claim(ngx_srt_lease_t *lease)
{
    if (ngx_srt_lease_lock_any(lease) != NGX_OK) {
        return NGX_BUSY;
    }

    if (lease->gen > (ngx_atomic_uint_t) ngx_srt_generation) {
        ngx_srt_lease_unlock(lease);
        return NGX_DECLINED;
    }

    lease->owner = ngx_pid;
    lease->gen = ngx_srt_generation;
    lease->worker = ngx_worker;
    lease->since = ngx_time();

    ngx_srt_lease_unlock(lease);

    return NGX_OK;
}


/*
 * Takes the batch lock.  A holder that died (SIGKILL in the middle of a
 * batch) is detected with kill(pid, 0) and its lock taken over.  Returns
 * NGX_DECLINED when another process owns the lease now.
 */

ngx_int_t
ngx_srt_lease_lock(ngx_srt_lease_t *lease)
{
    if (ngx_srt_lease_lock_any(lease) != NGX_OK) {
        return NGX_BUSY;
    }

    if (lease->owner != (ngx_atomic_uint_t) ngx_pid) {
        ngx_srt_lease_unlock(lease);
        return NGX_DECLINED;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_srt_lease_lock_any(ngx_srt_lease_t *lease)
{
    ngx_uint_t        spin;
    ngx_atomic_uint_t holder;

    for (spin = 0; /* void */; spin++) {

        holder = lease->lock;

        if (holder == 0) {
            if (ngx_atomic_cmp_set(&lease->lock, 0, ngx_pid)) {
                break;
            }

            continue;
        }

        if (holder == (ngx_atomic_uint_t) ngx_pid) {
            break;      /* a previous batch of ours died half-way: resume */
        }

        if ((spin & 1023) == 1023) {
            if (kill((ngx_pid_t) holder, 0) == -1 && ngx_errno == NGX_ESRCH
                && ngx_atomic_cmp_set(&lease->lock, holder, ngx_pid))
            {
                break;
            }

            if (spin > 64 * 1024) {
                return NGX_BUSY;
            }

            ngx_sched_yield();

        } else {
            ngx_cpu_pause();
        }
    }

    return NGX_OK;
}


void
ngx_srt_lease_unlock(ngx_srt_lease_t *lease)
{
    (void) ngx_atomic_cmp_set(&lease->lock, ngx_pid, 0);
}


/* wake-ups */

ngx_int_t
ngx_srt_wake_init_master(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf)
{
    ngx_uint_t  i, slot;

    if (!ngx_srt_wake_inited) {
        for (i = 0; i < NGX_SRT_WAKE_SLOTS; i++) {
            ngx_srt_wake_fd[i] = -1;
        }

        ngx_srt_wake_inited = 1;
    }

    mcf->wake_base = ngx_srt_wake_next;

    for (i = 0; i < mcf->workers; i++) {
        slot = (mcf->wake_base + i) % NGX_SRT_WAKE_SLOTS;

        if (ngx_srt_wake_fd[slot] != -1) {
            (void) close(ngx_srt_wake_fd[slot]);
        }

        ngx_srt_wake_fd[slot] = eventfd(0, EFD_NONBLOCK|EFD_CLOEXEC);

        if (ngx_srt_wake_fd[slot] == -1) {
            ngx_log_error(NGX_LOG_ALERT, cycle->log, ngx_errno,
                          "eventfd() failed");
            return NGX_ERROR;
        }
    }

    ngx_srt_wake_next = (mcf->wake_base + mcf->workers) % NGX_SRT_WAKE_SLOTS;

    return NGX_OK;
}


ngx_int_t
ngx_srt_wake_init_worker(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf)
{
    ngx_connection_t  *c;

    ngx_queue_init(&ngx_srt_active_rings);

    ngx_srt_generation = mcf->generation;

    ngx_srt_dispatch_event.handler = ngx_srt_dispatch;
    ngx_srt_dispatch_event.log = cycle->log;

    ngx_srt_wake_slot = (mcf->wake_base + ngx_worker) % NGX_SRT_WAKE_SLOTS;

    if (ngx_srt_wake_fd[ngx_srt_wake_slot] == -1) {
        ngx_log_error(NGX_LOG_EMERG, cycle->log, 0,
                      "srt wake-up slot %i has no eventfd",
                      ngx_srt_wake_slot);
        return NGX_ERROR;
    }

    c = ngx_get_connection(ngx_srt_wake_fd[ngx_srt_wake_slot], cycle->log);
    if (c == NULL) {
        return NGX_ERROR;
    }

    c->read->handler = ngx_srt_wake_handler;
    c->read->log = cycle->log;
    c->log = cycle->log;

    if (ngx_add_event(c->read, NGX_READ_EVENT, 0) != NGX_OK) {
        ngx_free_connection(c);
        return NGX_ERROR;
    }

    ngx_srt_wake_conn = c;

    return NGX_OK;
}


void
ngx_srt_wake_exit_worker(void)
{
    if (ngx_srt_wake_conn) {
        /* the fd stays open: the master owns the slot */
        ngx_free_connection(ngx_srt_wake_conn);
        ngx_srt_wake_conn->fd = (ngx_socket_t) -1;
        ngx_srt_wake_conn = NULL;
    }
}


static void
ngx_srt_wake_handler(ngx_event_t *ev)
{
    uint64_t           value;
    ngx_connection_t  *c;

    c = ev->data;

    if (read(c->fd, &value, sizeof(uint64_t)) == -1
        && ngx_errno != NGX_EAGAIN)
    {
        ngx_log_error(NGX_LOG_ALERT, ev->log, ngx_errno,
                      "read(eventfd) failed");
    }

    /* the same eventfd says "the desired state changed" */
    ngx_srt_runtime_check((ngx_cycle_t *) ngx_cycle, 0);

    ngx_srt_dispatch(ev);
}


/* after a change of the API's desired state: every worker reconciles */

void
ngx_srt_wake_workers(ngx_srt_main_conf_t *mcf)
{
    uint64_t    one = 1;
    ngx_uint_t  i, slot;

    for (i = 0; i < mcf->workers; i++) {
        slot = (mcf->wake_base + i) % NGX_SRT_WAKE_SLOTS;

        if (ngx_srt_wake_fd[slot] != -1) {
            (void) write(ngx_srt_wake_fd[slot], &one, sizeof(uint64_t));
        }
    }
}


/* runs every local reader of every ring that advanced */

static void
ngx_srt_dispatch(ngx_event_t *ev)
{
    uint64_t           seq;
    ngx_queue_t       *rq, *rnext, *q, *next;
    ngx_srt_ring_t    *ring;
    ngx_srt_reader_t  *reader;

    for (rq = ngx_queue_head(&ngx_srt_active_rings);
         rq != ngx_queue_sentinel(&ngx_srt_active_rings);
         rq = rnext)
    {
        rnext = ngx_queue_next(rq);
        ring = (ngx_srt_ring_t *) ((u_char *) rq
                                   - offsetof(ngx_srt_ring_t, active));

        seq = srt_ring_published(&ring->shm->ring);

        if (seq == ring->seen) {
            continue;
        }

        ring->seen = seq;

        for (q = ngx_queue_head(&ring->readers);
             q != ngx_queue_sentinel(&ring->readers);
             q = next)
        {
            next = ngx_queue_next(q);
            reader = ngx_queue_data(q, ngx_srt_reader_t, queue);
            reader->handler(reader);
        }
    }
}


void
ngx_srt_ring_attach(ngx_srt_ring_t *ring, ngx_srt_reader_t *reader)
{
    if (reader->linked) {
        return;
    }

    ngx_queue_insert_tail(&ring->readers, &reader->queue);
    reader->linked = 1;

    if (ring->nreaders++ == 0) {
        ngx_queue_insert_tail(&ngx_srt_active_rings, &ring->active);

        /* the bit first: a batch published after it is signalled to us */
        (void) __atomic_fetch_or(&ring->shm->wake_mask,
                                 (ngx_atomic_uint_t) 1 << ngx_srt_wake_slot,
                                 __ATOMIC_SEQ_CST);

        ring->seen = srt_ring_published(&ring->shm->ring);
    }
}


void
ngx_srt_ring_detach(ngx_srt_ring_t *ring, ngx_srt_reader_t *reader)
{
    if (!reader->linked) {
        return;
    }

    ngx_queue_remove(&reader->queue);
    reader->linked = 0;

    if (--ring->nreaders == 0) {
        ngx_queue_remove(&ring->active);

        (void) __atomic_fetch_and(&ring->shm->wake_mask,
                                  ~((ngx_atomic_uint_t) 1
                                    << ngx_srt_wake_slot),
                                  __ATOMIC_SEQ_CST);
    }
}


/* called by a writer after publishing a batch */

void
ngx_srt_ring_signal(ngx_srt_ring_t *ring)
{
    ngx_srt_ring_wake(ring, 0);
}


/*
 * The same from any thread of a worker (the SRT thread writes input rings):
 * our own slot is woken through its eventfd too, since posted events belong
 * to the event loop.
 */

void
ngx_srt_ring_signal_all(ngx_srt_ring_t *ring)
{
    ngx_srt_ring_wake(ring, 1);
}


static void
ngx_srt_ring_wake(ngx_srt_ring_t *ring, ngx_uint_t other_thread)
{
    uint64_t           one = 1;
    ngx_uint_t         slot;
    ngx_atomic_uint_t  mask;

    mask = ring->shm->wake_mask;

    for (slot = 0; mask; slot++, mask >>= 1) {
        if (!(mask & 1)) {
            continue;
        }

        if (!other_thread && (ngx_int_t) slot == ngx_srt_wake_slot) {
            if (!ngx_srt_dispatch_event.posted) {
                ngx_post_event(&ngx_srt_dispatch_event, &ngx_posted_events);
            }

            continue;
        }

        if (ngx_srt_wake_fd[slot] != -1) {
            (void) write(ngx_srt_wake_fd[slot], &one, sizeof(uint64_t));
        }
    }
}


ngx_uint_t
ngx_srt_worker_slot(void)
{
    return (ngx_uint_t) ngx_srt_wake_slot;
}


ngx_uint_t
ngx_srt_http_clients(ngx_srt_shm_http_t *http)
{
    ngx_uint_t  i, n;

    n = 0;

    for (i = 0; i < NGX_SRT_WAKE_SLOTS; i++) {
        n += http->clients[i];
    }

    return n;
}


/* single writer per table: no atomics needed beyond the stores */

void
ngx_srt_count_pid(ngx_srt_pid_count_t *table, ngx_uint_t pid)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_SRT_CC_PIDS; i++) {
        if (table[i].count == 0) {
            table[i].pid = pid;
        }

        if (table[i].pid == pid) {
            table[i].count++;
            return;
        }
    }
}
