/*
 * SCTE-35 on a route: the route selector passes every packet through the
 * route's muxer (ngx_scte35_module/scte35_mux.c), which advertises the
 * SCTE-35 PID in the PMT, sends queued cues ahead of their splice point and
 * hands the cues it sees in the input to ngx_srt_scte35_seen().
 *
 * Cues come from any worker (the API request lands anywhere): they are
 * posted to the route's mailbox in shared memory and the owner takes them
 * before each batch of packets.  The owner publishes its clock (the
 * output's latest video PTS and when it saw it) so that any worker can
 * anchor a cue on it.  Event loop only.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#include "ngx_srt_module.h"
#include "scte35.h"
#include "scte35_mux.h"


#define NGX_SRT_SCTE35_LOG_PER_SEC   20     /* input cues logged, at most */
#define NGX_SRT_SCTE35_LOG_QUEUE     64     /* records waiting for SQLite */


/* a cue log record, written after the batch of packets (SQLite may wait) */
typedef struct ngx_srt_scte35_rec_s  ngx_srt_scte35_rec_t;

struct ngx_srt_scte35_rec_s {
    ngx_srt_scte35_rec_t     *next;
    ngx_str_t                 route;
    const char               *source;       /* static strings */
    const char               *result;
    u_char                    error[160];   /* "" for none */
    size_t                    len;
    u_char                    section[1];
};


static void ngx_srt_scte35_seen(void *data, const uint8_t *section,
    size_t len);
static void ngx_srt_scte35_defer(ngx_srt_route_t *rt, const char *source,
    const u_char *section, size_t len, const char *result, const char *error);
static void ngx_srt_scte35_flush(ngx_event_t *ev);
static ngx_int_t ngx_srt_scte35_lock(ngx_srt_shm_scte35_t *sh);
static void ngx_srt_scte35_heartbeat(ngx_srt_route_t *rt);
static void ngx_srt_scte35_enable(ngx_srt_route_t *rt);


ngx_srt_scte35_log_pt  ngx_srt_scte35_log;

static ngx_srt_scte35_rec_t   *ngx_srt_scte35_recs;
static ngx_srt_scte35_rec_t  **ngx_srt_scte35_last = &ngx_srt_scte35_recs;
static ngx_uint_t              ngx_srt_scte35_nrecs;
static ngx_event_t             ngx_srt_scte35_flush_ev;


/* the selector's owner starts: a muxer of its own */

ngx_int_t
ngx_srt_scte35_start(ngx_srt_route_t *rt, ngx_log_t *log)
{
    scte35_mux_t  *mux;

    mux = ngx_alloc(sizeof(scte35_mux_t), log);
    if (mux == NULL) {
        return NGX_ERROR;
    }

    /*
     * The PMT is rewritten from the start with "scte35 on", else from the
     * first cue on (ngx_srt_scte35_take()): a route nobody marks keeps its
     * stream untouched.
     */
    scte35_mux_init(mux, (uint16_t) rt->scte35_pid, rt->scte35_insert,
                    ngx_srt_scte35_seen, rt);

    rt->mux = mux;
    rt->heartbeat_last = ngx_current_msec;
    rt->clock_n = 0;
    rt->clock_next = 0;

    /* cues posted while nobody owned the route wait in the mailbox */

    return NGX_OK;
}


/*
 * The owner stops (route removed or changed, reload, exit): copies still in
 * its muxer are lost with it, and reported so, not silently.
 */

void
ngx_srt_scte35_stop(ngx_srt_route_t *rt)
{
    ngx_uint_t     i, n;
    scte35_mux_t  *mux;

    mux = rt->mux;

    if (mux == NULL) {
        return;
    }

    n = scte35_mux_pending(mux);

    if (n) {
        (void) ngx_atomic_fetch_add(&rt->scte35->missed, n);

        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "srt route \"%V\": %ui SCTE-35 cue copies not sent: "
                      "the route's owner stopped", &rt->name, n);

        for (i = 0; i < SCTE35_MUX_QUEUE; i++) {
            if (mux->q_used[i] && ngx_srt_scte35_log) {
                ngx_srt_scte35_log(&rt->name, "api", mux->q[i].data,
                                   mux->q[i].len, "missed",
                                   "the route's owner stopped (reload, "
                                   "crash or change) before it was sent");
            }
        }
    }

    ngx_free(mux);
    rt->mux = NULL;
}


/* owner, before a batch: the mailbox into the muxer */

void
ngx_srt_scte35_take(ngx_srt_route_t *rt)
{
    u_char                 hex[2 * NGX_SRT_CUE_MAX + 1];
    uint64_t               pts, msec, seq;
    ngx_srt_shm_cue_t     *c;
    ngx_srt_shm_scte35_t  *sh;
    u_char                 section[NGX_SRT_CUE_MAX];
    uint32_t               len, immediate;
    uint64_t               splice_pts, send_pts;

    sh = rt->scte35;

    if (rt->scte35_heartbeat
        && ngx_current_msec - rt->heartbeat_last >= rt->scte35_heartbeat)
    {
        ngx_srt_scte35_heartbeat(rt);
    }

    while (sh->taken != sh->posted) {
        seq = sh->taken + 1;
        c = &sh->cue[seq % NGX_SRT_CUE_SLOTS];

        if (c->seq != seq) {
            break;                  /* still being written */
        }

        ngx_memory_barrier();

        len = ngx_min(c->len, NGX_SRT_CUE_MAX);
        immediate = c->immediate;
        splice_pts = c->splice_pts;
        send_pts = c->send_pts;
        ngx_memcpy(section, c->section, len);

        /* the copy is complete before a poster may reuse the slot */
        ngx_memory_barrier();
        sh->taken = seq;

        /* a cue whose splice point went by is reported, not sent */

        if (!immediate
            && ngx_srt_scte35_clock(rt, &pts, &msec) == NGX_OK
            && ((splice_pts - pts) & SCTE35_MAX_33) > (SCTE35_MAX_33 >> 1))
        {
            (void) ngx_atomic_fetch_add(&sh->missed, 1);
            *ngx_hex_dump(hex, section, len) = '\0';

            ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                          "srt route \"%V\": SCTE-35 cue %s missed its "
                          "splice point (PTS %uL, now %uL), not sent",
                          &rt->name, hex, splice_pts, pts);

            ngx_srt_scte35_defer(rt, "api", section, len, "missed",
                                 "the splice point went by before the cue "
                                 "could be sent");
            continue;
        }

        ngx_srt_scte35_enable(rt);

        if (scte35_mux_queue(rt->mux, section, len, send_pts, immediate)
            != SCTE35_MUX_OK)
        {
            (void) ngx_atomic_fetch_add(&sh->missed, 1);
            ngx_log_error(NGX_LOG_ERR, ngx_cycle->log, 0,
                          "srt route \"%V\": the SCTE-35 muxer refused a "
                          "cue (queue full or invalid section), dropped",
                          &rt->name);
            ngx_srt_scte35_defer(rt, "api", section, len, "missed",
                                 "the route's SCTE-35 queue was full");
        }
    }
}


/*
 * Owner, after a batch: its clock, for the workers anchoring cues.
 *
 * A sample is a PTS and the wall clock when the selector saw it.  One
 * sample says little: a batch handled late (a busy worker) makes the video
 * look later than it is, and frames leave an encoder's multiplexer earlier
 * or later than their PTS says.  So the published pair is the latest PTS
 * with the median wall clock offset of the samples of the last 6.4 s (one
 * every 100 ms); a jump of the timeline (more than 1 s off) starts afresh.
 */

void
ngx_srt_scte35_clock_publish(ngx_srt_route_t *rt)
{
    int64_t                d[NGX_SRT_CLOCK_SAMPLES], delta, t;
    uint64_t               pts, msec, last;
    ngx_uint_t             i, j, n;
    ngx_srt_shm_scte35_t  *sh;
    scte35_mux_t          *mux;

    mux = rt->mux;
    sh = rt->scte35;

    if (mux == NULL || !scte35_mux_clock(mux, &pts)) {
        return;
    }

    sh->pid = scte35_mux_pid(mux);
    sh->inserted = mux->sections_inserted;
    sh->pmt_rewrites = mux->pmt_rewrites;

    msec = ngx_srt_unix_msec();
    sh->clock_last = (ngx_atomic_uint_t) msec;

    if (rt->clock_n) {
        last = (rt->clock_next + NGX_SRT_CLOCK_SAMPLES - 1)
               % NGX_SRT_CLOCK_SAMPLES;

        if (msec - rt->clock_msec[last] < 100) {
            return;
        }
    }

    rt->clock_pts[rt->clock_next] = pts;
    rt->clock_msec[rt->clock_next] = msec;
    rt->clock_next = (rt->clock_next + 1) % NGX_SRT_CLOCK_SAMPLES;

    if (rt->clock_n < NGX_SRT_CLOCK_SAMPLES) {
        rt->clock_n++;
    }

    /* each sample's offset from this one's, in 90 kHz ticks */

    n = 0;

    for (i = 0; i < rt->clock_n; i++) {
        delta = (int64_t) ((rt->clock_pts[i] - pts) & SCTE35_MAX_33);

        if (delta > (int64_t) (SCTE35_MAX_33 >> 1)) {
            delta -= (int64_t) SCTE35_MAX_33 + 1;
        }

        t = ((int64_t) rt->clock_msec[i] - (int64_t) msec) * 90 - delta;

        if (t > 90000 || t < -90000) {
            /* another timeline: this sample alone */
            rt->clock_pts[0] = pts;
            rt->clock_msec[0] = msec;
            rt->clock_n = 1;
            rt->clock_next = 1;
            n = 1;
            d[0] = 0;
            break;
        }

        /* insertion sort: 64 at most */
        for (j = n; j > 0 && d[j - 1] > t; j--) {
            d[j] = d[j - 1];
        }

        d[j] = t;
        n++;
    }

    msec = (uint64_t) ((int64_t) msec + d[n / 2] / 90);

    /* a seqlock: readers retry while the count is odd or moved */

    (void) ngx_atomic_fetch_add(&sh->clock_seq, 1);
    ngx_memory_barrier();
    sh->clock_pts = pts;
    sh->clock_msec = msec;
    ngx_memory_barrier();
    (void) ngx_atomic_fetch_add(&sh->clock_seq, 1);
}


/* any worker: the owner's clock */

ngx_int_t
ngx_srt_scte35_clock(ngx_srt_route_t *rt, uint64_t *pts, uint64_t *msec)
{
    ngx_uint_t             i;
    ngx_atomic_uint_t      seq;
    ngx_srt_shm_scte35_t  *sh;

    sh = rt->scte35;

    for (i = 0; i < 100; i++) {
        seq = sh->clock_seq;
        ngx_memory_barrier();

        *pts = sh->clock_pts;
        *msec = sh->clock_msec;

        ngx_memory_barrier();

        if (!(seq & 1) && seq == sh->clock_seq) {
            return *msec ? NGX_OK : NGX_DECLINED;
        }
    }

    return NGX_DECLINED;
}


/*
 * Any worker: posts a cue for the owner.  NGX_BUSY when the mailbox is
 * full (the owner is gone or far behind).
 */

ngx_int_t
ngx_srt_scte35_post(ngx_srt_route_t *rt, const u_char *section, size_t len,
    uint64_t splice_pts, uint64_t send_pts, ngx_uint_t immediate)
{
    uint64_t               seq;
    ngx_srt_shm_cue_t     *c;
    ngx_srt_shm_scte35_t  *sh;

    sh = rt->scte35;

    if (len > NGX_SRT_CUE_MAX) {
        return NGX_ERROR;
    }

    if (ngx_srt_scte35_lock(sh) != NGX_OK) {
        return NGX_BUSY;
    }

    seq = sh->posted + 1;

    if (seq - sh->taken > NGX_SRT_CUE_SLOTS) {
        ngx_unlock(&sh->lock);
        return NGX_BUSY;
    }

    c = &sh->cue[seq % NGX_SRT_CUE_SLOTS];

    c->seq = 0;
    ngx_memory_barrier();

    c->splice_pts = splice_pts;
    c->send_pts = send_pts;
    c->immediate = (uint32_t) immediate;
    c->len = (uint32_t) len;
    ngx_memcpy(c->section, section, len);

    ngx_memory_barrier();
    c->seq = seq;
    sh->posted = seq;

    /* ngx_unlock() is a plain store: the writes above go first */
    ngx_memory_barrier();
    ngx_unlock(&sh->lock);

    return NGX_OK;
}


/*
 * The posters' lock holds a pid: a poster killed while holding it must not
 * lock the mailbox for ever, so a lock held by a dead process is taken
 * over.
 */

static ngx_int_t
ngx_srt_scte35_lock(ngx_srt_shm_scte35_t *sh)
{
    ngx_uint_t         i;
    ngx_atomic_uint_t  pid;

    for (i = 0; i < 100000; i++) {
        pid = sh->lock;

        if (pid == 0) {
            if (ngx_atomic_cmp_set(&sh->lock, 0, ngx_pid)) {
                return NGX_OK;
            }

            continue;
        }

        if ((i & 1023) == 1023 && kill((ngx_pid_t) pid, 0) == -1
            && ngx_errno == NGX_ESRCH
            && ngx_atomic_cmp_set(&sh->lock, pid, ngx_pid))
        {
            return NGX_OK;
        }

        ngx_cpu_pause();
    }

    return NGX_BUSY;
}


/* muxer: a section complete on the input's SCTE-35 PID */

static void
ngx_srt_scte35_seen(void *data, const uint8_t *section, size_t len)
{
    ngx_srt_route_t *rt = data;

    int                    rc;
    char                   err[160];
    const char            *result;
    ngx_msec_t             now;
    scte35_section_t      *sec;
    ngx_srt_shm_scte35_t  *sh;

    sh = rt->scte35;

    (void) ngx_atomic_fetch_add(&sh->seen, 1);

    sec = ngx_alloc(sizeof(scte35_section_t), ngx_cycle->log);
    if (sec == NULL) {
        return;
    }

    rc = scte35_decode(section, len, sec, err, sizeof(err));
    ngx_free(sec);

    if (rc == SCTE35_OK) {
        result = "seen";
        err[0] = '\0';

    } else if (rc == SCTE35_BAD_CRC) {
        result = "bad_crc";
        (void) ngx_atomic_fetch_add(&sh->bad_crc, 1);

    } else {
        result = "invalid";
        (void) ngx_atomic_fetch_add(&sh->invalid, 1);
    }

    /* hostile input must not flood the log or the database */

    now = ngx_current_msec;

    if (now - rt->seen_logged >= 1000) {
        if (rt->seen_quiet > NGX_SRT_SCTE35_LOG_PER_SEC) {
            ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                          "srt route \"%V\": %ui SCTE-35 sections of the "
                          "input not logged", &rt->name,
                          rt->seen_quiet - NGX_SRT_SCTE35_LOG_PER_SEC);
        }

        rt->seen_logged = now;
        rt->seen_quiet = 0;
    }

    if (rt->seen_quiet++ >= NGX_SRT_SCTE35_LOG_PER_SEC) {
        return;
    }

    if (rc != SCTE35_OK) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": SCTE-35 section in the input: %s "
                      "(passed through)", &rt->name, err);
    }

    ngx_srt_scte35_defer(rt, "input", section, len, result,
                         err[0] ? err : NULL);
}


/*
 * The cue log is SQLite: written from a posted event after the batch, not
 * in the middle of the selector (a busy database may wait up to 500 ms).
 */

static void
ngx_srt_scte35_defer(ngx_srt_route_t *rt, const char *source,
    const u_char *section, size_t len, const char *result, const char *error)
{
    ngx_srt_scte35_rec_t  *r;

    if (ngx_srt_scte35_log == NULL) {
        return;
    }

    if (ngx_srt_scte35_nrecs >= NGX_SRT_SCTE35_LOG_QUEUE) {
        ngx_log_error(NGX_LOG_WARN, ngx_cycle->log, 0,
                      "srt route \"%V\": the cue log is behind, a %s cue "
                      "is not logged", &rt->name, result);
        return;
    }

    r = ngx_alloc(sizeof(ngx_srt_scte35_rec_t) + len + rt->name.len,
                  ngx_cycle->log);
    if (r == NULL) {
        return;
    }

    r->next = NULL;
    r->source = source;
    r->result = result;
    r->len = len;
    ngx_memcpy(r->section, section, len);
    r->route.data = r->section + len;
    r->route.len = rt->name.len;
    ngx_memcpy(r->route.data, rt->name.data, rt->name.len);
    ngx_cpystrn(r->error, (u_char *) (error ? error : ""), sizeof(r->error));

    *ngx_srt_scte35_last = r;
    ngx_srt_scte35_last = &r->next;
    ngx_srt_scte35_nrecs++;

    if (!ngx_srt_scte35_flush_ev.posted) {
        ngx_srt_scte35_flush_ev.handler = ngx_srt_scte35_flush;
        ngx_srt_scte35_flush_ev.log = ngx_cycle->log;
        ngx_post_event(&ngx_srt_scte35_flush_ev, &ngx_posted_events);
    }
}


static void
ngx_srt_scte35_flush(ngx_event_t *ev)
{
    ngx_srt_scte35_rec_t  *r;

    while (ngx_srt_scte35_recs) {
        r = ngx_srt_scte35_recs;
        ngx_srt_scte35_recs = r->next;
        ngx_srt_scte35_nrecs--;

        if (ngx_srt_scte35_log) {
            ngx_srt_scte35_log(&r->route, r->source, r->section, r->len,
                               r->result, r->error[0] ? (char *) r->error
                                                      : NULL);
        }

        ngx_free(r);
    }

    ngx_srt_scte35_last = &ngx_srt_scte35_recs;
}


/*
 * The first cue of a route that did not advertise SCTE-35: from the next
 * PMT on the muxer rewrites it (with a new version), and the cue waits for
 * that PMT to go out.
 */

static void
ngx_srt_scte35_enable(ngx_srt_route_t *rt)
{
    scte35_mux_t  *mux = rt->mux;

    if (!mux->insert) {
        mux->insert = 1;
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": the PMT advertises SCTE-35 from now "
                      "on", &rt->name);
    }
}


static void
ngx_srt_scte35_heartbeat(ngx_srt_route_t *rt)
{
    size_t             len;
    u_char             buf[64];
    scte35_section_t  *sec;

    rt->heartbeat_last = ngx_current_msec;

    /* heartbeats never crowd out cues (no carriage yet, or a busy PID) */
    if (scte35_mux_pending(rt->mux)) {
        return;
    }

    sec = ngx_alloc(sizeof(scte35_section_t), ngx_cycle->log);
    if (sec == NULL) {
        return;
    }

    scte35_section_init(sec);
    sec->splice_command_type = SCTE35_SPLICE_NULL;

    if (scte35_encode(sec, buf, sizeof(buf), &len, NULL, 0) == SCTE35_OK) {
        ngx_srt_scte35_enable(rt);
        (void) scte35_mux_queue(rt->mux, buf, len, 0, 1);
    }

    ngx_free(sec);
}
