/*
 * Route selector: runs in the route's owner worker, reads the active
 * input's ring and writes the route ring.  Every packet goes through the
 * joiner (srt_join.c: byte-exact until the first input switch, then
 * continuity counters, discontinuity indicators, PID remap, PSI versions
 * and optionally timestamps) and the route's SCTE-35 muxer (which may
 * rewrite the PMT and add cue packets), then is re-analyzed so the route
 * ring has its own random access points and PSI.  Which input is active
 * is decided in ngx_srt_failover.c.
 *
 * The read position is kept in shared memory (rt->selector->pos, in the
 * ring of rt->failover->active), so a new owner after reload or crash
 * resumes exactly where the last one stopped.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"
#include "scte35_mux.h"


ngx_srt_switch_log_pt  ngx_srt_switch_log;


#define NGX_SRT_SELECT_MAX   256     /* packets per publish, < margin / 2 */
#define NGX_SRT_SELECT_CAP   (NGX_SRT_SELECT_MAX + SCTE35_MUX_MAX_OUT)


static void ngx_srt_selector_claim(ngx_event_t *ev);
static ngx_int_t ngx_srt_selector_claimed(ngx_srt_route_t *rt);
static void ngx_srt_selector_run(ngx_srt_reader_t *reader);
static void ngx_srt_selector_stage(ngx_srt_route_t *rt, const uint8_t *pkt,
    size_t *m, size_t *written);
static void ngx_srt_selector_flush(ngx_srt_route_t *rt, size_t *m,
    size_t *written);
static uint32_t ngx_srt_selector_hash(ngx_srt_input_t *in);


/*
 * A publish must stay below the ring's margin / 2 (at least 512 packets):
 * the buffer is flushed before a muxer call could overflow it.
 */
typedef char ngx_srt_select_check[
    (NGX_SRT_SELECT_CAP <= 512) ? 1 : -1];

static unsigned  ngx_srt_select_flags[NGX_SRT_SELECT_CAP];
static uint8_t   ngx_srt_select_out[NGX_SRT_SELECT_CAP * SRT_RING_PKT];
static uint8_t   ngx_srt_select_join[SRT_JOIN_MAX_OUT * SRT_RING_PKT];
static uint8_t   ngx_srt_select_psi[SRT_RING_PSI_PKTS * SRT_RING_PKT];


ngx_int_t
ngx_srt_selector_start(ngx_cycle_t *cycle, ngx_srt_route_t *rt)
{
    rt->analyzer = ngx_alloc(sizeof(srt_ts_analyzer_t), cycle->log);
    if (rt->analyzer == NULL) {
        return NGX_ERROR;
    }

    srt_ts_analyzer_init(rt->analyzer);

    rt->join = ngx_alloc(sizeof(srt_join_t), cycle->log);
    if (rt->join == NULL) {
        return NGX_ERROR;
    }

    srt_join_init(rt->join, rt->timestamps_continuous);

    if (ngx_srt_scte35_start(rt, cycle->log) != NGX_OK) {
        return NGX_ERROR;
    }

    rt->reader.handler = ngx_srt_selector_run;
    rt->reader.data = rt;

    rt->claim.handler = ngx_srt_selector_claim;
    rt->claim.data = rt;
    rt->claim.log = cycle->log;
    rt->claim.cancelable = 1;
    rt->health.log = cycle->log;

    if (ngx_srt_selector_claimed(rt) == NGX_BUSY) {
        ngx_add_timer(&rt->claim, 1);
    }

    return NGX_OK;
}


/* the route is removed or its input replaced (API routes) */

void
ngx_srt_selector_stop(ngx_srt_route_t *rt)
{
    if (rt->claim.timer_set) {
        ngx_del_timer(&rt->claim);
    }

    ngx_srt_failover_stop(rt);

    if (rt->active) {
        ngx_srt_ring_detach(&rt->active->ring, &rt->reader);
        rt->active = NULL;
    }

    rt->owned = 0;

    if (rt->analyzer) {
        ngx_free(rt->analyzer);
        rt->analyzer = NULL;
    }

    if (rt->join) {
        ngx_free(rt->join);
        rt->join = NULL;
    }

    ngx_srt_scte35_stop(rt);
}


static void
ngx_srt_selector_claim(ngx_event_t *ev)
{
    ngx_srt_route_t  *rt = ev->data;

    if (!ngx_exiting && ngx_srt_selector_claimed(rt) == NGX_BUSY) {
        ngx_add_timer(ev, 1);
    }
}


static ngx_int_t
ngx_srt_selector_claimed(ngx_srt_route_t *rt)
{
    ngx_int_t                rc;
    ngx_uint_t               idx;
    ngx_srt_input_t        **inp;
    ngx_srt_shm_failover_t  *fo;

    if (rt->inputs.nelts == 0) {
        return NGX_DECLINED;
    }

    rc = ngx_srt_lease_claim(&rt->ring.shm->lease);

    if (rc != NGX_OK) {
        return rc;      /* NGX_BUSY: retry; NGX_DECLINED: a newer owner */
    }

    srt_ring_writer_resume(&rt->ring.shm->ring);

    /* the input the previous owner was on, if it is still there */

    fo = rt->failover;
    inp = rt->inputs.elts;
    idx = fo->active;

    if (idx >= rt->inputs.nelts
        || fo->active_hash != ngx_srt_selector_hash(inp[idx]))
    {
        idx = 0;
        rt->selector->pos_valid = 0;
    }

    rt->active = inp[idx];
    fo->active = idx;
    fo->active_hash = ngx_srt_selector_hash(rt->active);

    ngx_memzero(&rt->reader.rd, sizeof(srt_ring_reader_t));

    if (rt->selector->pos_valid) {
        rt->reader.rd.pos = rt->selector->pos;
        rt->reader.rd.started = 1;
    }

    rt->owned = 1;
    rt->last_packet = ngx_current_msec;

    ngx_srt_failover_start(rt, rt->health.log);

    ngx_srt_ring_attach(&rt->active->ring, &rt->reader);

    /* catch up with whatever arrived while nobody owned the route */
    ngx_srt_selector_run(&rt->reader);

    return NGX_OK;
}


/*
 * Moves the selector to another input: from its newest random access
 * point (its PAT and PMT first), through a fresh start of the joiner.
 */

void
ngx_srt_selector_switch(ngx_srt_route_t *rt, ngx_srt_input_t *in,
    ngx_uint_t reason)
{
    ngx_srt_input_t         *from;
    ngx_srt_shm_failover_t  *fo;

    rt->next = NULL;
    from = rt->active;

    if (in == from || !rt->owned) {
        return;
    }

    ngx_srt_ring_detach(&from->ring, &rt->reader);

    rt->active = in;

    ngx_memzero(&rt->reader.rd, sizeof(srt_ring_reader_t));

    if (!srt_ring_reader_start(&in->ring.shm->ring, &rt->reader.rd)) {
        /* no keyframe yet: the live edge, the joiner waits for the PMT */
        rt->reader.rd.pos = srt_ring_published(&in->ring.shm->ring);
        rt->reader.rd.started = 1;
    }

    srt_join_switch(rt->join);
    rt->switch_psi = 1;
    rt->switching = 1;

    fo = rt->failover;
    fo->active = in->index;
    fo->active_hash = ngx_srt_selector_hash(in);
    fo->last_from = from->index;
    fo->last_reason = reason;
    fo->last_msec = ngx_srt_unix_msec();

    if (!in->slate) {
        fo->no_input = 0;       /* a signal again, said at once */
    }

    (void) ngx_atomic_fetch_add(&fo->switches, 1);
    (void) ngx_atomic_fetch_add(&fo->by_reason[reason], 1);

    /* the API's request already audited a manual switch */
    if (ngx_srt_switch_log && reason != NGX_SRT_SWITCH_MANUAL) {
        ngx_srt_switch_log(rt, from, in, reason);
    }

    rt->selector->pos = rt->reader.rd.pos;
    rt->selector->pos_valid = 1;

    ngx_log_error(NGX_LOG_NOTICE, ngx_cycle->log, 0,
                  "srt route \"%V\": input \"%V\" -> \"%V\" (%s)",
                  &rt->name, &from->id, &in->id,
                  ngx_srt_switch_reason(reason));

    ngx_srt_ring_attach(&in->ring, &rt->reader);

    ngx_srt_selector_run(&rt->reader);
}


static void
ngx_srt_selector_run(ngx_srt_reader_t *reader)
{
    size_t                   n, i, m, written;
    uint64_t                 overruns;
    ngx_int_t                rc;
    const uint8_t           *p;
    ngx_srt_route_t         *rt;
    srt_ring_t              *src;
    ngx_srt_shm_failover_t  *fo;

    rt = reader->data;
    src = &rt->active->ring.shm->ring;

    rc = ngx_srt_lease_lock(&rt->ring.shm->lease);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": selector handed over", &rt->name);
        rt->owned = 0;
        ngx_srt_failover_stop(rt);
        ngx_srt_ring_detach(&rt->active->ring, reader);
        return;
    }

    if (rc != NGX_OK) {
        return;
    }

    written = 0;
    m = 0;
    overruns = reader->rd.overruns;

    srt_join_time(rt->join, ngx_current_msec);
    ngx_srt_scte35_take(rt);

    if (rt->switch_psi) {
        /* receivers get the new input's tables before anything else */
        rt->switch_psi = 0;
        n = srt_ring_psi(src, ngx_srt_select_psi);

        for (i = 0; i < n; i++) {
            ngx_srt_selector_stage(rt, ngx_srt_select_psi + i * SRT_RING_PKT,
                                   &m, &written);
        }
    }

    for ( ;; ) {
        n = srt_ring_peek(src, &reader->rd, &p, NGX_SRT_SELECT_MAX);

        if (n == 0) {
            break;
        }

        for (i = 0; i < n; i++) {
            ngx_srt_selector_stage(rt, p + i * SRT_RING_PKT, &m, &written);
        }

        if (!srt_ring_still_valid(src, reader->rd.pos)) {
            /* the input lapped us while copying: the copy may be torn */
            reader->rd.overruns++;
        }

        reader->rd.pos += n;

        ngx_srt_selector_flush(rt, &m, &written);
    }

    /* the new input's PSI when its ring had nothing more yet */
    ngx_srt_selector_flush(rt, &m, &written);

    ngx_srt_scte35_clock_publish(rt);

    rt->selector->pos = reader->rd.pos;
    rt->selector->pos_valid = reader->rd.started;
    rt->selector->packets += written;
    rt->selector->bytes += written * SRT_RING_PKT;
    rt->selector->overruns += reader->rd.overruns - overruns;

    fo = rt->failover;
    fo->dropped = rt->join->dropped;
    fo->di_packets = rt->join->di_packets;
    fo->psi_versions = rt->join->psi_versions;

    ngx_srt_lease_unlock(&rt->ring.shm->lease);

    if (written) {
        if (rt->switching) {
            /* how long the output went without packets around a switch */
            rt->switching = 0;
            fo->last_gap = ngx_current_msec - rt->last_packet;
        }

        rt->last_packet = ngx_current_msec;
        ngx_srt_ring_signal(&rt->ring);
    }

    /* the next input's keyframe may have come: switch there */
    ngx_srt_failover_poll(rt);
}


/* one input packet through the joiner and the muxer into the batch */

static void
ngx_srt_selector_stage(ngx_srt_route_t *rt, const uint8_t *pkt, size_t *m,
    size_t *written)
{
    size_t    i, j, k, n;
    uint8_t  *out;

    n = srt_join_packet(rt->join, pkt, ngx_srt_select_join);

    for (i = 0; i < n; i++) {
        if (*m > NGX_SRT_SELECT_MAX) {
            /* a publish stays below the ring's margin / 2 (512) */
            ngx_srt_selector_flush(rt, m, written);
        }

        out = ngx_srt_select_out + *m * SRT_RING_PKT;
        k = scte35_mux_packet(rt->mux, ngx_srt_select_join + i * SRT_RING_PKT,
                              out);

        for (j = 0; j < k; j++) {
            ngx_srt_select_flags[*m + j] =
                srt_ts_analyze(rt->analyzer, out + j * SRT_RING_PKT);
        }

        *m += k;
    }
}


/* the batch into the route ring, published */

static void
ngx_srt_selector_flush(ngx_srt_route_t *rt, size_t *m, size_t *written)
{
    srt_ring_t  *dst;

    if (*m == 0) {
        return;
    }

    dst = &rt->ring.shm->ring;

    srt_ring_write(dst, ngx_srt_select_out, *m, ngx_srt_select_flags);
    srt_ring_publish(dst);

    *written += *m;
    *m = 0;
}


static uint32_t
ngx_srt_selector_hash(ngx_srt_input_t *in)
{
    return ngx_crc32_short(in->url.data, in->url.len);
}
