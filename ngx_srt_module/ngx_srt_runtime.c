/*
 * Routes created through the API: this worker's part of them.
 *
 * Every worker keeps the same list of API routes (mcf->api_routes) and
 * runs, of each, what it owns by hash: the input socket, the selector, the
 * push outputs; any worker serves HTTP-TS clients.  The API module reads
 * the desired state from SQLite and hands it to ngx_srt_runtime_apply(),
 * which starts, stops or changes only what differs: a change of one output
 * never touches the input or another output.
 *
 * When: a mutating API request bumps the desired generation in shared
 * memory and wakes every worker through its eventfd; the once-a-second
 * tick catches a missed wake-up; a new or respawned worker applies the
 * desired state at start.  Everything here runs on the event loop.
 *
 * srt:// endpoints belong to the SRT thread: every worker serves the
 * listener endpoints (its port table gets them), the owner connects the
 * callers.  What changes is told to the thread in one batch at the end of
 * ngx_srt_runtime_apply(), and removed memory is freed after the thread
 * has let go of it (ngx_srt_libsrt_release()).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"


static ngx_srt_route_t *ngx_srt_runtime_create(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf, ngx_srt_route_desc_t *d);
static void ngx_srt_runtime_update(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf, ngx_srt_route_t *rt, ngx_srt_route_desc_t *d,
    ngx_uint_t fresh);
static void ngx_srt_runtime_destroy(ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt);
static uint32_t ngx_srt_runtime_inputs_hash(ngx_srt_route_desc_t *d);
static ngx_srt_input_t *ngx_srt_runtime_input(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf, ngx_srt_route_t *rt,
    ngx_srt_endpoint_desc_t *e);
static void ngx_srt_runtime_input_free(ngx_srt_route_t *rt);
static void ngx_srt_runtime_input_release(ngx_srt_route_t *rt,
    ngx_srt_input_t *in);
static ngx_srt_output_t *ngx_srt_runtime_output(ngx_cycle_t *cycle,
    ngx_srt_main_conf_t *mcf, ngx_srt_route_t *rt,
    ngx_srt_endpoint_desc_t *e);
static void ngx_srt_runtime_output_free(ngx_srt_output_t *out);
static ngx_int_t ngx_srt_runtime_url(ngx_pool_t *pool, ngx_str_t *url,
    ngx_uint_t output, srt_url_t *parsed, ngx_addr_t *addr,
    ngx_uint_t *multicast, u_char *err, size_t len);
static ngx_int_t ngx_srt_runtime_srt_input(ngx_srt_route_t *rt,
    ngx_srt_input_t *in);
static uint32_t ngx_srt_runtime_hash(ngx_srt_endpoint_desc_t *e);
static ngx_int_t ngx_srt_runtime_redact(ngx_pool_t *pool, ngx_str_t *url,
    ngx_str_t *safe);


ngx_srt_reconcile_pt  ngx_srt_reconcile;

static int64_t        ngx_srt_applied = -1;   /* generation applied here */
static ngx_uint_t     ngx_srt_runtime_exiting;


/*
 * Called on every wake-up and tick: reconciles when the desired state moved
 * past what this worker applied (or when forced, at start).
 */

void
ngx_srt_runtime_check(ngx_cycle_t *cycle, ngx_uint_t force)
{
    int64_t               gen;
    ngx_srt_main_conf_t  *mcf;

    if (ngx_srt_reconcile == NULL || ngx_exiting || ngx_terminate) {
        return;
    }

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled || mcf->global == NULL) {
        return;
    }

    if (!force && ngx_srt_applied >= 0
        && (int64_t) mcf->global->desired <= ngx_srt_applied)
    {
        return;
    }

    gen = ngx_srt_reconcile(cycle);

    if (gen >= 0) {
        ngx_srt_applied = gen;
    }
}


/* a worker committed generation: the others catch up */

void
ngx_srt_desired_changed(ngx_cycle_t *cycle, int64_t generation)
{
    ngx_atomic_uint_t     old;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled || mcf->global == NULL) {
        return;
    }

    /* the counter only moves forward, whoever commits last */
    for ( ;; ) {
        old = mcf->global->desired;

        if ((int64_t) old >= generation
            || ngx_atomic_cmp_set(&mcf->global->desired, old,
                                  (ngx_atomic_uint_t) generation))
        {
            break;
        }
    }

    ngx_srt_wake_workers(mcf);
}


ngx_int_t
ngx_srt_runtime_apply(ngx_cycle_t *cycle, ngx_array_t *desired)
{
    u_char                *seen;
    ngx_uint_t             i, j, n;
    ngx_srt_route_t      **rtp;
    ngx_srt_route_desc_t  *d;
    ngx_srt_main_conf_t   *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL || !mcf->enabled) {
        return NGX_OK;
    }

    n = mcf->api_routes.nelts;

    seen = ngx_calloc(n + 1, cycle->log);
    if (seen == NULL) {
        return NGX_ERROR;
    }

    d = desired->elts;

    for (i = 0; i < desired->nelts; i++) {
        if (!d[i].enabled) {
            continue;
        }

        rtp = mcf->api_routes.elts;

        for (j = 0; j < n; j++) {
            if (rtp[j]->name.len == d[i].name.len
                && ngx_strncmp(rtp[j]->name.data, d[i].name.data,
                               d[i].name.len) == 0)
            {
                break;
            }
        }

        if (j < n) {
            seen[j] = 1;
            ngx_srt_runtime_update(cycle, mcf, rtp[j], &d[i], 0);
            continue;
        }

        /* a config route of the same name wins: the API refuses to make
           one, this only guards against a hand-edited database */
        if (ngx_srt_find_route(cycle, &d[i].name)) {
            continue;
        }

        (void) ngx_srt_runtime_create(cycle, mcf, &d[i]);
    }

    /* from the end: destroy removes from the array */

    for (j = n; j-- > 0; /* void */) {
        if (!seen[j]) {
            rtp = mcf->api_routes.elts;
            ngx_srt_runtime_destroy(mcf, rtp[j]);
        }
    }

    ngx_free(seen);

    /* the SRT thread learns it all at once, after the port table */
    return ngx_srt_libsrt_commit(cycle, mcf);
}


/* the worker exits: sockets close, shared blocks stay for the next one */

void
ngx_srt_runtime_exit(ngx_cycle_t *cycle)
{
    ngx_srt_route_t     **rtp;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL) {
        return;
    }

    ngx_srt_runtime_exiting = 1;

    while (mcf->api_routes.nelts) {
        rtp = mcf->api_routes.elts;
        ngx_srt_runtime_destroy(mcf, rtp[mcf->api_routes.nelts - 1]);
    }
}


static ngx_srt_route_t *
ngx_srt_runtime_create(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_desc_t *d)
{
    ngx_str_t          none = ngx_null_string;
    ngx_pool_t        *pool;
    ngx_srt_route_t   *rt, **rtp;

    pool = ngx_create_pool(4096, cycle->log);
    if (pool == NULL) {
        return NULL;
    }

    rt = ngx_pcalloc(pool, sizeof(ngx_srt_route_t));
    if (rt == NULL) {
        goto failed;
    }

    rt->pool = pool;
    rt->api = 1;
    rt->ring_size = mcf->ring_size;

    rt->scte35_insert = NGX_CONF_UNSET;
    rt->scte35_pid = NGX_CONF_UNSET_UINT;
    rt->scte35_preroll = NGX_CONF_UNSET_MSEC;
    rt->scte35_repeat = NGX_CONF_UNSET_UINT;
    rt->scte35_heartbeat = NGX_CONF_UNSET_MSEC;
    ngx_srt_scte35_defaults(rt);
    ngx_srt_failover_unset(rt);
    ngx_srt_failover_defaults(rt);

    /* NUL-terminated like the names of nginx.conf: the SCTE-35 code and
       SQLite take it as a C string */
    rt->name.data = ngx_pnalloc(pool, d->name.len + 1);
    if (rt->name.data == NULL) {
        goto failed;
    }

    ngx_cpystrn(rt->name.data, d->name.data, d->name.len + 1);
    rt->name.len = d->name.len;
    rt->worker = ngx_srt_owner(&rt->name, "route", &none, mcf->workers);

    if (ngx_array_init(&rt->outputs, pool, 4, sizeof(ngx_srt_output_t *))
        != NGX_OK
        || ngx_array_init(&rt->inputs, pool, 1, sizeof(ngx_srt_input_t *))
           != NGX_OK)
    {
        goto failed;
    }

    ngx_queue_init(&rt->srt_players);

    if (ngx_srt_shm_route(mcf, cycle->log, rt) != NGX_OK) {
        goto failed;
    }

    rtp = ngx_array_push(&mcf->api_routes);
    if (rtp == NULL) {
        goto failed;
    }

    *rtp = rt;

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "srt route \"%V\" added by the API", &rt->name);

    ngx_srt_runtime_update(cycle, mcf, rt, d, 1);

    return rt;

failed:

    ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                  "srt route \"%V\" of the API cannot be set up",
                  &d->name);
    ngx_destroy_pool(pool);

    return NULL;
}


/*
 * Brings one route to its desired inputs and outputs.  fresh: the route is
 * new in this process (start, respawn): the selector resumes where the last
 * owner stopped, rather than from the input's live edge.
 */

static void
ngx_srt_runtime_update(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt, ngx_srt_route_desc_t *d, ngx_uint_t fresh)
{
    uint32_t                  hash;
    ngx_uint_t                i, j, n;
    ngx_srt_input_t          *in, **inp;
    ngx_srt_output_t        **outp, *out;
    ngx_srt_endpoint_desc_t  *e;

    /*
     * The inputs: every enabled one runs, the most preferred first, and
     * the selector fails over between them.  Any change of the set (an
     * input added, removed, disabled, its URL or priority changed) starts
     * the route's inputs again; its outputs and players stay.
     */

    hash = ngx_srt_runtime_inputs_hash(d);

    if (hash != rt->input_hash) {

        if (rt->inputs.nelts) {
            ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                          "srt route \"%V\": inputs changed", &rt->name);

            if (rt->worker == (ngx_uint_t) ngx_worker) {
                ngx_srt_selector_stop(rt);
            }

            ngx_srt_runtime_input_free(rt);
        }

        rt->input_hash = hash;
        e = d->inputs.elts;

        for (j = 0; j < d->inputs.nelts; j++) {
            if (!e[j].enabled) {
                continue;
            }

            if (rt->inputs.nelts == NGX_SRT_MAX_INPUTS) {
                ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                              "srt route \"%V\": more than %d enabled "
                              "inputs, \"%V\" is not run", &rt->name,
                              NGX_SRT_MAX_INPUTS, &e[j].id);
                continue;
            }

            in = ngx_srt_runtime_input(cycle, mcf, rt, &e[j]);
            if (in == NULL) {
                continue;
            }

            in->priority = e[j].priority;

            inp = ngx_array_push(&rt->inputs);
            if (inp == NULL) {
                ngx_srt_runtime_input_release(rt, in);
                continue;
            }

            /* by priority; equal ones keep the order of the route */
            for (i = rt->inputs.nelts - 1;
                 i > 0 && inp[-1]->priority > in->priority;
                 i--, inp--)
            {
                inp[0] = inp[-1];
            }

            *inp = in;
        }

        inp = rt->inputs.elts;

        for (i = 0; i < rt->inputs.nelts; i++) {
            inp[i]->index = i;
        }

        rt->input = rt->inputs.nelts ? inp[0] : NULL;

        if (rt->input && rt->worker == (ngx_uint_t) ngx_worker) {
            if (!fresh) {
                /* positions in the old inputs' rings mean nothing in the
                   new ones */
                rt->selector->pos_valid = 0;
            }

            (void) ngx_srt_selector_start(cycle, rt);
        }
    }

    /* outputs: removed, changed, added */

    e = d->outputs.elts;
    n = d->outputs.nelts;

    for (i = rt->outputs.nelts; i-- > 0; /* void */) {
        outp = rt->outputs.elts;
        out = outp[i];

        for (j = 0; j < n; j++) {
            if (e[j].enabled && e[j].id.len == out->id.len
                && ngx_strncmp(e[j].id.data, out->id.data, out->id.len) == 0
                && ngx_srt_runtime_hash(&e[j]) == out->hash)
            {
                break;
            }
        }

        if (j < n) {
            continue;
        }

        ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                      "srt route \"%V\": output \"%V\" removed",
                      &rt->name, &out->id);

        ngx_srt_runtime_output_free(out);

        ngx_memmove(&outp[i], &outp[i + 1],
                    (rt->outputs.nelts - i - 1) * sizeof(ngx_srt_output_t *));
        rt->outputs.nelts--;
    }

    for (j = 0; j < n; j++) {
        if (!e[j].enabled) {
            continue;
        }

        outp = rt->outputs.elts;

        for (i = 0; i < rt->outputs.nelts; i++) {
            if (e[j].id.len == outp[i]->id.len
                && ngx_strncmp(e[j].id.data, outp[i]->id.data,
                               e[j].id.len) == 0)
            {
                break;
            }
        }

        if (i < rt->outputs.nelts) {
            continue;
        }

        out = ngx_srt_runtime_output(cycle, mcf, rt, &e[j]);
        if (out == NULL) {
            continue;
        }

        outp = ngx_array_push(&rt->outputs);
        if (outp == NULL) {
            ngx_srt_runtime_output_free(out);
            continue;
        }

        *outp = out;
    }
}


static void
ngx_srt_runtime_destroy(ngx_srt_main_conf_t *mcf, ngx_srt_route_t *rt)
{
    ngx_uint_t          i;
    ngx_queue_t        *q;
    ngx_srt_route_t   **rtp;
    ngx_srt_reader_t   *reader;
    ngx_srt_output_t  **outp;

    ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                  "srt route \"%V\" of the API stopped here", &rt->name);

    outp = rt->outputs.elts;
    for (i = 0; i < rt->outputs.nelts; i++) {
        ngx_srt_runtime_output_free(outp[i]);
    }

    rt->outputs.nelts = 0;

    /* HTTP-TS clients: they end, and forget the route */

    while (!ngx_queue_empty(&rt->ring.readers)) {
        q = ngx_queue_head(&rt->ring.readers);
        reader = ngx_queue_data(q, ngx_srt_reader_t, queue);

        if (reader->gone) {
            reader->gone(reader);

        } else {
            ngx_srt_ring_detach(&rt->ring, reader);
        }

        if (reader->linked) {
            /* a gone handler must detach: never loop for ever */
            ngx_srt_ring_detach(&rt->ring, reader);
        }
    }

    if (rt->inputs.nelts) {
        ngx_srt_selector_stop(rt);
        ngx_srt_runtime_input_free(rt);
    }

    if (rt->srt_reader.linked) {
        ngx_srt_ring_detach(&rt->ring, &rt->srt_reader);
    }

    rtp = mcf->api_routes.elts;

    for (i = 0; i < mcf->api_routes.nelts; i++) {
        if (rtp[i] == rt) {
            ngx_memmove(&rtp[i], &rtp[i + 1],
                        (mcf->api_routes.nelts - i - 1)
                        * sizeof(ngx_srt_route_t *));
            mcf->api_routes.nelts--;
            break;
        }
    }

    /* the SRT thread may have players or callers of it */
    ngx_srt_libsrt_release(rt, NULL, NULL, rt->pool);
}


/* what decides the running inputs: ids, URLs and priorities of the
   enabled ones, in order */

static uint32_t
ngx_srt_runtime_inputs_hash(ngx_srt_route_desc_t *d)
{
    uint32_t                  crc, h;
    ngx_uint_t                i;
    ngx_srt_endpoint_desc_t  *e;

    e = d->inputs.elts;

    ngx_crc32_init(crc);

    for (i = 0; i < d->inputs.nelts; i++) {
        if (!e[i].enabled) {
            continue;
        }

        h = ngx_srt_runtime_hash(&e[i]);
        ngx_crc32_update(&crc, (u_char *) &h, sizeof(uint32_t));
        ngx_crc32_update(&crc, (u_char *) &e[i].priority,
                         sizeof(e[i].priority));
    }

    ngx_crc32_final(crc);

    return crc;
}


static ngx_srt_input_t *
ngx_srt_runtime_input(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt, ngx_srt_endpoint_desc_t *e)
{
    u_char            err[256];
    ngx_pool_t       *pool;
    ngx_srt_input_t  *in;

    /* its own pool: inputs may be replaced many times in a route's life */

    pool = ngx_create_pool(1024, cycle->log);
    if (pool == NULL) {
        return NULL;
    }

    in = ngx_pcalloc(pool, sizeof(ngx_srt_input_t));
    if (in == NULL) {
        goto failed;
    }

    in->pool = pool;
    in->route = rt;

    in->id.data = ngx_pstrdup(pool, &e->id);
    if (in->id.data == NULL) {
        goto failed;
    }

    in->id.len = e->id.len;

    if (ngx_srt_runtime_url(pool, &e->url, 0, &in->parsed, &in->addr,
                            &in->multicast, err, sizeof(err))
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "srt route \"%V\": input \"%V\": %s", &rt->name,
                      &e->id, err);
        goto failed;
    }

    if (ngx_srt_runtime_redact(pool, &e->url, &in->url) != NGX_OK) {
        goto failed;
    }

    /* all of a route's inputs live in the selector's worker */
    in->worker = rt->worker;

    if (ngx_srt_shm_input(mcf, cycle->log, in) != NGX_OK) {
        goto failed;
    }

    in->last_bytes = in->stats->bytes;

    if (in->parsed.scheme == SRT_URL_SRT) {
        if (ngx_srt_runtime_srt_input(rt, in) != NGX_OK) {
            goto failed;
        }

        return in;
    }

    if (in->parsed.scheme == SRT_URL_TESTSRC) {
        in->local = 1;

        if (in->worker == (ngx_uint_t) ngx_worker
            && ngx_srt_source_open(cycle, in) != NGX_OK)
        {
            ngx_srt_source_stop(in, 0);
            goto failed;
        }

        return in;
    }

    if (in->worker == (ngx_uint_t) ngx_worker
        && ngx_srt_udp_input_open(cycle, in) != NGX_OK)
    {
        ngx_srt_udp_input_stop(in);
        goto failed;
    }

    return in;

failed:

    ngx_destroy_pool(pool);

    return NULL;
}


/*
 * A listener input takes publishers in any worker (the port table has it,
 * after the batch is committed); a caller input pulls in the owner.
 */

static ngx_int_t
ngx_srt_runtime_srt_input(ngx_srt_route_t *rt, ngx_srt_input_t *in)
{
    in->srt = 1;
    in->parsed.rtp = 0;
    in->ep.sock = -1;

    in->srt_analyzer = ngx_palloc(in->pool, sizeof(srt_ts_analyzer_t));
    if (in->srt_analyzer == NULL) {
        return NGX_ERROR;
    }

    srt_ts_analyzer_init(in->srt_analyzer);

    if (in->parsed.mode == SRT_URL_MODE_CALLER
        && in->worker == (ngx_uint_t) ngx_worker)
    {
        ngx_srt_libsrt_caller(rt, in, NULL);
    }

    return NGX_OK;
}


static void
ngx_srt_runtime_input_free(ngx_srt_route_t *rt)
{
    ngx_uint_t         i, n;
    ngx_srt_input_t  **inp;

    inp = rt->inputs.elts;
    n = rt->inputs.nelts;

    rt->input = NULL;
    rt->inputs.nelts = 0;

    for (i = 0; i < n; i++) {
        ngx_srt_runtime_input_release(rt, inp[i]);
    }
}


/* the SRT thread's publisher or caller goes first */

static void
ngx_srt_runtime_input_release(ngx_srt_route_t *rt, ngx_srt_input_t *in)
{
    if (in->srt) {
        ngx_srt_libsrt_release(rt, in, NULL, in->pool);
        return;
    }

    if (in->local) {
        /* at exit the thread must be gone before the process is */
        ngx_srt_source_stop(in, ngx_srt_runtime_exiting);

    } else {
        ngx_srt_udp_input_stop(in);
    }

    ngx_destroy_pool(in->pool);
}


static ngx_srt_output_t *
ngx_srt_runtime_output(ngx_cycle_t *cycle, ngx_srt_main_conf_t *mcf,
    ngx_srt_route_t *rt, ngx_srt_endpoint_desc_t *e)
{
    u_char              err[256];
    ngx_uint_t          i;
    ngx_pool_t         *pool;
    ngx_srt_output_t   *out, **outp;

    /* an output has its own pool: outputs come and go during a route's
       life, their memory must go with them */

    pool = ngx_create_pool(1024, cycle->log);
    if (pool == NULL) {
        return NULL;
    }

    out = ngx_pcalloc(pool, sizeof(ngx_srt_output_t));
    if (out == NULL) {
        goto failed;
    }

    out->pool = pool;
    out->route = rt;
    out->fd = (ngx_socket_t) -1;
    out->hash = ngx_srt_runtime_hash(e);

    out->id.data = ngx_pstrdup(pool, &e->id);
    if (out->id.data == NULL) {
        goto failed;
    }

    out->id.len = e->id.len;

    if (ngx_srt_runtime_url(pool, &e->url, 1, &out->parsed, &out->peer,
                            &out->multicast, err, sizeof(err))
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "srt route \"%V\": output \"%V\": %s", &rt->name,
                      &e->id, err);
        goto failed;
    }

    if (out->parsed.localaddr[0]
        && ngx_parse_addr(pool, &out->local, (u_char *) out->parsed.localaddr,
                          ngx_strlen(out->parsed.localaddr))
           != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "srt route \"%V\": output \"%V\": invalid localaddr",
                      &rt->name, &e->id);
        goto failed;
    }

    out->pkts_per_dgram = out->parsed.pkt_size > 0
                          ? (ngx_uint_t) out->parsed.pkt_size / SRT_RING_PKT
                          : 7;

    if (ngx_srt_runtime_redact(pool, &e->url, &out->url) != NGX_OK) {
        goto failed;
    }

    out->worker = ngx_srt_owner(&rt->name, "output", &out->id, mcf->workers);

    if (out->parsed.scheme == SRT_URL_HLS) {
        outp = rt->outputs.elts;

        for (i = 0; i < rt->outputs.nelts; i++) {
            if (outp[i]->hls) {
                ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                              "srt route \"%V\": output \"%V\": the route "
                              "has an HLS output already", &rt->name,
                              &e->id);
                goto failed;
            }
        }

        /* the segmenter runs beside the route's selector */
        out->hls = 1;
        out->worker = rt->worker;
    }

    if (ngx_srt_shm_output(mcf, cycle->log, out, "aout", &out->id) != NGX_OK)
    {
        goto failed;
    }

    out->last_bytes = out->stats->bytes;

    if (out->parsed.scheme == SRT_URL_SRT) {
        /* players of a listener output come to any worker; a caller
           output pushes from the owner */
        out->srt = 1;
        out->ep.sock = -1;
        rt->srt_outputs = 1;

        ngx_srt_libsrt_route(rt);

        if (out->parsed.mode == SRT_URL_MODE_CALLER
            && out->worker == (ngx_uint_t) ngx_worker)
        {
            ngx_srt_libsrt_caller(rt, NULL, out);
        }

    } else if (out->worker != (ngx_uint_t) ngx_worker) {
        /* another worker's */

    } else if (out->hls) {
        if (ngx_srt_hls_start(cycle, out) != NGX_OK) {
            (void) ngx_atomic_fetch_add(&out->stats->errors, 1);
        }

    } else {
        (void) ngx_srt_udp_output_start(cycle, out);
    }

    ngx_log_error(NGX_LOG_INFO, cycle->log, 0,
                  "srt route \"%V\": output \"%V\" \"%V\" added",
                  &rt->name, &out->id, &out->url);

    return out;

failed:

    ngx_destroy_pool(pool);

    return NULL;
}


static void
ngx_srt_runtime_output_free(ngx_srt_output_t *out)
{
    ngx_srt_shm_output_t  *st;

    st = out->stats;

    if (out->owned && ngx_srt_lease_lock(&st->lease) == NGX_OK) {
        /* gone for good: a new output of this id starts at the live edge */
        st->pos_valid = 0;
        st->last_data = 0;

        if (out->hls_shm) {
            ngx_srt_hls_remove(out);
        }

        ngx_srt_lease_unlock(&st->lease);
    }

    if (out->srt) {
        /* its players or its caller go first */
        ngx_srt_libsrt_release(out->route, NULL, out, out->pool);
        return;
    }

    if (out->hls) {
        ngx_srt_hls_stop(out);

    } else {
        ngx_srt_udp_output_stop(out);
    }

    ngx_destroy_pool(out->pool);
}


/* the URL as logs, shared-memory keys and the API show it */

static ngx_int_t
ngx_srt_runtime_redact(ngx_pool_t *pool, ngx_str_t *url, ngx_str_t *safe)
{
    size_t  size;

    /* every "passphrase=" may grow by "***" */
    size = url->len * 2 + 4;

    safe->data = ngx_pnalloc(pool, size);
    if (safe->data == NULL) {
        return NGX_ERROR;
    }

    safe->len = srt_url_redact((char *) url->data, url->len,
                               (char *) safe->data, size);

    return NGX_OK;
}


static uint32_t
ngx_srt_runtime_hash(ngx_srt_endpoint_desc_t *e)
{
    uint32_t  crc;

    ngx_crc32_init(crc);
    ngx_crc32_update(&crc, e->id.data, e->id.len);
    ngx_crc32_update(&crc, (u_char *) "\n", 1);
    ngx_crc32_update(&crc, e->url.data, e->url.len);
    ngx_crc32_final(crc);

    return crc;
}


/*
 * The API's check of an endpoint URL before it is stored: the same rules
 * as the runtime applies, so a stored endpoint always starts.
 */

ngx_int_t
ngx_srt_endpoint_check(ngx_pool_t *pool, ngx_str_t *url, ngx_uint_t output,
    ngx_addr_t *addr, ngx_srt_bind_e *bind, u_char *err, size_t len)
{
    ngx_int_t   rc;
    srt_url_t   parsed;
    ngx_uint_t  multicast;

    rc = ngx_srt_runtime_url(pool, url, output, &parsed, addr, &multicast,
                             err, len);

    if (rc == NGX_OK && bind) {
        if (parsed.scheme == SRT_URL_SRT) {
            *bind = (parsed.mode == SRT_URL_MODE_LISTENER) ? NGX_SRT_BIND_SRT
                                                           : NGX_SRT_BIND_NONE;

        } else if (parsed.scheme == SRT_URL_TESTSRC
                   || parsed.scheme == SRT_URL_HLS)
        {
            *bind = NGX_SRT_BIND_NONE;

        } else {
            *bind = output ? NGX_SRT_BIND_NONE : NGX_SRT_BIND_UDP;
        }
    }

    return rc;
}


static ngx_int_t
ngx_srt_runtime_url(ngx_pool_t *pool, ngx_str_t *url, ngx_uint_t output,
    srt_url_t *parsed, ngx_addr_t *addr, ngx_uint_t *multicast, u_char *err,
    size_t len)
{
    char              perr[SRT_URL_ERR_LEN];
    ngx_url_t         u;
    ngx_uint_t        listen, srt;
    struct in_addr    a;

    if (srt_url_parse((char *) url->data, url->len, output, parsed, perr)
        != 0)
    {
        ngx_snprintf(err, len, "invalid URL: %s%Z", perr);
        return NGX_DECLINED;
    }

    if (parsed->scheme == SRT_URL_TESTSRC || parsed->scheme == SRT_URL_HLS) {
        ngx_memzero(addr, sizeof(ngx_addr_t));
        *multicast = 0;
        return NGX_OK;        /* made in-process, or files: no address */
    }

    srt = (parsed->scheme == SRT_URL_SRT);

    /* SRT listeners bind, inputs and outputs alike; UDP inputs bind */
    listen = srt ? (parsed->mode == SRT_URL_MODE_LISTENER) : !output;

    if (!listen && parsed->host[0] == '\0') {
        ngx_snprintf(err, len, "an output URL needs a destination "
                     "address%Z");
        return NGX_DECLINED;
    }

    /* numeric only: the event loop never waits for DNS */

    if (ngx_srt_parse_host(pool, parsed, listen, 1, &u) != NGX_OK) {
        ngx_snprintf(err, len, "invalid address: %s%Z",
                     u.err ? u.err : "unknown error");
        return NGX_DECLINED;
    }

    if (u.naddrs == 0) {
        ngx_snprintf(err, len, "host names are not supported on API routes, "
                     "use an IP address%Z");
        return NGX_DECLINED;
    }

    *addr = u.addrs[0];
    *multicast = ngx_srt_multicast(addr->sockaddr);

    if (srt && *multicast) {
        ngx_snprintf(err, len, "SRT needs a unicast address%Z");
        return NGX_DECLINED;
    }

    if (!output && !srt) {
        if (parsed->nsources && !*multicast) {
            ngx_snprintf(err, len, "a source filter needs a multicast "
                         "group%Z");
            return NGX_DECLINED;
        }

        if (parsed->localaddr[0]
            && inet_pton(AF_INET, parsed->localaddr, &a) != 1)
        {
            ngx_snprintf(err, len, "localaddr \"%s\" is not an IPv4 "
                         "address%Z", parsed->localaddr);
            return NGX_DECLINED;
        }
    }

    return NGX_OK;
}


/* two inputs conflict when they would receive on the same UDP port */

ngx_int_t
ngx_srt_addr_conflict(ngx_addr_t *a, ngx_addr_t *b)
{
    if (ngx_inet_get_port(a->sockaddr) != ngx_inet_get_port(b->sockaddr)) {
        return 0;
    }

    if (ngx_inet_wildcard(a->sockaddr) || ngx_inet_wildcard(b->sockaddr)) {
        return 1;
    }

    return ngx_cmp_sockaddr(a->sockaddr, a->socklen, b->sockaddr, b->socklen,
                            0)
           == NGX_OK;
}


/*
 * An input of nginx.conf or an SRT listener port receiving on addr.  An
 * SRT listener (srt) may share an SRT port of nginx.conf on the same
 * address: the streamid picks the route.
 */

ngx_int_t
ngx_srt_config_conflict(ngx_cycle_t *cycle, ngx_addr_t *addr, ngx_uint_t srt,
    u_char *err, size_t len)
{
    ngx_uint_t            i, j;
    ngx_srt_route_t     **rtp;
    ngx_srt_input_t     **inp;
    ngx_srt_srt_port_t   *port;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    if (mcf == NULL) {
        return 0;
    }

    port = mcf->srt_ports.elts;

    for (i = 0; i < mcf->srt_ports.nelts; i++) {
        if (ngx_inet_get_port(port[i].addr.sockaddr)
            != ngx_inet_get_port(addr->sockaddr))
        {
            continue;
        }

        if (!srt) {
            ngx_snprintf(err, len, "UDP port %d is the SRT listener \"%V\" "
                         "of nginx.conf%Z",
                         (int) ngx_inet_get_port(addr->sockaddr),
                         &port[i].url);
            return 1;
        }

        if (ngx_cmp_sockaddr(port[i].addr.sockaddr, port[i].addr.socklen,
                             addr->sockaddr, addr->socklen, 1)
            != NGX_OK)
        {
            ngx_snprintf(err, len, "SRT port %d listens on another address "
                         "in nginx.conf (\"%V\")%Z",
                         (int) ngx_inet_get_port(addr->sockaddr),
                         &port[i].url);
            return 1;
        }
    }

    rtp = mcf->routes.elts;

    for (i = 0; i < mcf->routes.nelts; i++) {
        inp = rtp[i]->inputs.elts;

        for (j = 0; j < rtp[i]->inputs.nelts; j++) {
            if (inp[j]->srt || inp[j]->local
                || !ngx_srt_addr_conflict(&inp[j]->addr, addr))
            {
                continue;
            }

            ngx_snprintf(err, len, "UDP port %d is used by the input \"%V\" "
                         "of route \"%V\" in nginx.conf%Z",
                         (int) ngx_inet_get_port(addr->sockaddr),
                         &inp[j]->url, &rtp[i]->name);
            return 1;
        }
    }

    return 0;
}
