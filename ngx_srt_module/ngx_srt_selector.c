/*
 * Route selector: runs in the route's owner worker, reads the input ring
 * and writes the route ring.  With one input it is a copy through the
 * route's SCTE-35 muxer (which may rewrite the PMT and add cue packets)
 * that re-analyzes the stream so the route ring has its own random access
 * points and PSI; failover and continuity counter rewriting will live
 * here.
 *
 * The read position is kept in shared memory (rt->selector->pos), so a new
 * owner after reload or crash resumes exactly where the last one stopped.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"
#include "scte35_mux.h"


#define NGX_SRT_SELECT_MAX   256     /* packets per publish, < margin / 2 */


static void ngx_srt_selector_claim(ngx_event_t *ev);
static ngx_int_t ngx_srt_selector_claimed(ngx_srt_route_t *rt);
static void ngx_srt_selector_run(ngx_srt_reader_t *reader);


/* a publish must stay below the ring's margin / 2 (at least 512 packets) */
typedef char ngx_srt_select_check[
    (NGX_SRT_SELECT_MAX + SCTE35_MUX_MAX_OUT - 1 <= 512) ? 1 : -1];

/* what the muxer made of a batch: its added packets fit after the last */
static unsigned  ngx_srt_select_flags[NGX_SRT_SELECT_MAX + SCTE35_MUX_MAX_OUT];
static uint8_t   ngx_srt_select_out[(NGX_SRT_SELECT_MAX + SCTE35_MUX_MAX_OUT)
                                    * SRT_RING_PKT];


ngx_int_t
ngx_srt_selector_start(ngx_cycle_t *cycle, ngx_srt_route_t *rt)
{
    rt->analyzer = ngx_alloc(sizeof(srt_ts_analyzer_t), cycle->log);
    if (rt->analyzer == NULL) {
        return NGX_ERROR;
    }

    srt_ts_analyzer_init(rt->analyzer);

    if (ngx_srt_scte35_start(rt, cycle->log) != NGX_OK) {
        return NGX_ERROR;
    }

    rt->reader.handler = ngx_srt_selector_run;
    rt->reader.data = rt;

    rt->claim.handler = ngx_srt_selector_claim;
    rt->claim.data = rt;
    rt->claim.log = cycle->log;
    rt->claim.cancelable = 1;

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

    if (rt->input) {
        ngx_srt_ring_detach(&rt->input->ring, &rt->reader);
    }

    rt->owned = 0;

    if (rt->analyzer) {
        ngx_free(rt->analyzer);
        rt->analyzer = NULL;
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
    ngx_int_t  rc;

    rc = ngx_srt_lease_claim(&rt->ring.shm->lease);

    if (rc != NGX_OK) {
        return rc;      /* NGX_BUSY: retry; NGX_DECLINED: a newer owner */
    }

    srt_ring_writer_resume(&rt->ring.shm->ring);

    ngx_memzero(&rt->reader.rd, sizeof(srt_ring_reader_t));

    if (rt->selector->pos_valid) {
        rt->reader.rd.pos = rt->selector->pos;
        rt->reader.rd.started = 1;
    }

    rt->owned = 1;

    ngx_srt_ring_attach(&rt->input->ring, &rt->reader);

    /* catch up with whatever arrived while nobody owned the route */
    ngx_srt_selector_run(&rt->reader);

    return NGX_OK;
}


static void
ngx_srt_selector_run(ngx_srt_reader_t *reader)
{
    size_t               n, i, j, k, m, written;
    uint64_t             overruns;
    ngx_int_t            rc;
    const uint8_t       *p;
    ngx_srt_route_t     *rt;
    srt_ring_t          *src, *dst;

    rt = reader->data;
    src = &rt->input->ring.shm->ring;
    dst = &rt->ring.shm->ring;

    rc = ngx_srt_lease_lock(&rt->ring.shm->lease);

    if (rc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": selector handed over", &rt->name);
        rt->owned = 0;
        ngx_srt_ring_detach(&rt->input->ring, reader);
        return;
    }

    if (rc != NGX_OK) {
        return;
    }

    written = 0;
    overruns = reader->rd.overruns;

    ngx_srt_scte35_take(rt);

    for ( ;; ) {
        n = srt_ring_peek(src, &reader->rd, &p, NGX_SRT_SELECT_MAX);

        if (n == 0) {
            break;
        }

        m = 0;

        for (i = 0; i < n; i++) {
            k = scte35_mux_packet(rt->mux, p + i * SRT_RING_PKT,
                                  ngx_srt_select_out + m * SRT_RING_PKT);

            for (j = m; j < m + k; j++) {
                ngx_srt_select_flags[j] =
                    srt_ts_analyze(rt->analyzer,
                                   ngx_srt_select_out + j * SRT_RING_PKT);
            }

            m += k;

            /* a publish stays below the ring's margin / 2 (512) */
            if (m >= NGX_SRT_SELECT_MAX) {
                srt_ring_write(dst, ngx_srt_select_out, m,
                               ngx_srt_select_flags);
                srt_ring_publish(dst);
                written += m;
                m = 0;
            }
        }

        srt_ring_write(dst, ngx_srt_select_out, m, ngx_srt_select_flags);

        if (!srt_ring_still_valid(src, reader->rd.pos)) {
            /* the input lapped us while copying: the copy may be torn */
            reader->rd.overruns++;
        }

        reader->rd.pos += n;
        written += m;

        srt_ring_publish(dst);
    }

    ngx_srt_scte35_clock_publish(rt);

    rt->selector->pos = reader->rd.pos;
    rt->selector->pos_valid = reader->rd.started;
    rt->selector->packets += written;
    rt->selector->bytes += written * SRT_RING_PKT;
    rt->selector->overruns += reader->rd.overruns - overruns;

    ngx_srt_lease_unlock(&rt->ring.shm->lease);

    if (written) {
        ngx_srt_ring_signal(&rt->ring);
    }
}
