/*
 * The HLS output of a route (hls://): a reader of the route ring in the
 * route's owner worker that cuts the TS into segments at keyframes
 * (srt_hls_cut.c), starts each with the stream's PAT and PMT, follows the
 * route's SCTE-35 cues, and hands every finished segment with the new
 * playlists to nginx's thread pool, which writes them next to the other
 * routes' (a temporary name, then rename(): readers see whole files) and
 * deletes the segments whose grace period is over.  The event loop never
 * touches the disk.
 *
 * The window, the sequence numbers, the ad break and the open segment's
 * ring position live in shared memory (ngx_srt_shm_hls_t): a new owner
 * (reload, crash) goes on with the same playlist and rebuilds the open
 * segment from the ring when the ring still holds it.  Any worker serves
 * the files (ngx_http_srt_hls_module.c).
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>

#if !(NGX_THREADS)
#error the HLS output needs nginx built --with-threads
#endif

#include <ngx_thread_pool.h>
#include <dirent.h>

#include "ngx_srt_module.h"
#include "srt_hls.h"
#include "srt_hls_cut.h"
#include "scte35.h"


#define NGX_SRT_HLS_BUF_MIN      (1024 * 1024)
#define NGX_SRT_HLS_BUF_MAX      (64 * 1024 * 1024)  /* a segment */
#define NGX_SRT_HLS_QUEUE        4       /* segments waiting for the disk */
#define NGX_SRT_HLS_PLAYLIST     (64 * 1024)
#define NGX_SRT_HLS_UNLINK       64      /* deletions per write */
#define NGX_SRT_HLS_PSI_PKTS     8
#define NGX_SRT_HLS_CHUNK        512     /* packets read at a time */
#define NGX_SRT_HLS_EVENT_AGE    (600 * 90000ULL)  /* 10 min, 90 kHz */

/* what a splice event does (ngx_srt_hls_event_t.out) */
#define NGX_SRT_HLS_IN           0       /* ends the break */
#define NGX_SRT_HLS_OUT          1       /* starts one */
#define NGX_SRT_HLS_CMD          2       /* another command: SCTE35-CMD */
#define NGX_SRT_HLS_TS_MASK      ((1ULL << 33) - 1)
#define NGX_SRT_HLS_TS_HALF      (1ULL << 32)


/* a finished segment waiting for the writer */
typedef struct {
    u_char                   *buf;
    size_t                    len;
    srt_hls_segment_t         seg;
} ngx_srt_hls_done_t;


typedef struct ngx_srt_hls_s  ngx_srt_hls_t;


/* what one thread task writes and deletes */
typedef struct {
    ngx_srt_hls_t            *hls;
    u_char                   *seg;          /* NULL: nothing to write */
    size_t                    seg_len;
    uint64_t                  seq;
    size_t                    playlist_len;
    size_t                    master_len;
    uint64_t                  unlink[NGX_SRT_HLS_UNLINK];
    ngx_uint_t                nunlink;
    ngx_uint_t                clean;        /* delete old runs' files */
    ngx_uint_t                purge;        /* delete everything */
    ngx_err_t                 err;
    const char               *failed;       /* what, for the log */
    char                      path[NGX_MAX_PATH];
} ngx_srt_hls_job_t;


struct ngx_srt_hls_s {
    ngx_srt_output_t         *out;          /* NULL once stopped */
    ngx_srt_shm_hls_t        *shm;
    srt_url_hls_t             conf;
    ngx_log_t                *log;
    u_char                   *dir;          /* PATH/ROUTE, NUL-terminated */
    size_t                    dir_len;
    u_char                    name[NGX_SRT_NAME_LEN + 1];  /* the route's */

    ngx_thread_pool_t        *pool;
    ngx_thread_task_t        *task;
    ngx_srt_hls_job_t        *job;          /* task->ctx */
    char                     *playlist;     /* NGX_SRT_HLS_PLAYLIST */
    char                     *master;

    srt_ts_analyzer_t         analyzer;
    srt_hls_cutter_t          cutter;
    uint64_t                  overruns;
    uint64_t                  last_pts;     /* the cut PID's last PTS */
    unsigned                  have_t:1;

    /* the open segment */
    u_char                   *buf;
    size_t                    len;
    size_t                    cap;
    unsigned                  open:1;
    unsigned                  disc:1;       /* it is a discontinuity */
    unsigned                  gap:1;        /* the next one will be */
    unsigned                  busy:1;       /* a task is in flight */
    unsigned                  purge:1;      /* removed: delete the files */
    unsigned                  purged:1;
    uint64_t                  start_pts;    /* its first frame's PTS */
    size_t                    vpes;         /* offsets of the last video */
    size_t                    apes;         /* and audio PES starts; 0:
                                               none in this segment */
    unsigned                  vskip:1;      /* the new input's packets */
    unsigned                  askip:1;      /* before its first PES start */
    srt_hls_pes_t             vfill;        /* how much of the current */
    srt_hls_pes_t             afill;        /* video and audio PES came */
    int64_t                   pdt_us;       /* its date, unix us */

    /* the stream's latest PAT and PMT, copied into each segment */
    u_char                    pat[NGX_SRT_HLS_PSI_PKTS * SRT_RING_PKT];
    u_char                    pmt[NGX_SRT_HLS_PSI_PKTS * SRT_RING_PKT];
    ngx_uint_t                npat;
    ngx_uint_t                npmt;
    uint16_t                  scte35_pid;   /* from the PMT, 0: none */

    /* an SCTE-35 section being reassembled */
    u_char                    sec[SCTE35_MAX_SECTION + SRT_RING_PKT];
    size_t                    sec_len;
    unsigned                  sec_on:1;

    char                      vcodec[SRT_HLS_CODEC_LEN];
    char                      acodec[SRT_HLS_CODEC_LEN];

    ngx_srt_hls_done_t        queue[NGX_SRT_HLS_QUEUE];
    ngx_uint_t                nqueue;
};


static void ngx_srt_hls_claim(ngx_event_t *ev);
static ngx_int_t ngx_srt_hls_claimed(ngx_srt_output_t *out);
static void ngx_srt_hls_seed(ngx_srt_hls_t *hls, srt_ring_t *ring);
static void ngx_srt_hls_read(ngx_srt_reader_t *reader);
static void ngx_srt_hls_packet(ngx_srt_hls_t *hls, const u_char *pkt,
    uint64_t seq);
static void ngx_srt_hls_psi(ngx_srt_hls_t *hls, const u_char *pkt,
    uint16_t pid, unsigned flags);
static void ngx_srt_hls_pmt(ngx_srt_hls_t *hls);
static void ngx_srt_hls_begin(ngx_srt_hls_t *hls, uint64_t pts,
    uint64_t seq);
static void ngx_srt_hls_close(ngx_srt_hls_t *hls, uint64_t duration);
static void ngx_srt_hls_abandon(ngx_srt_hls_t *hls, const char *why);
static ngx_int_t ngx_srt_hls_append(ngx_srt_hls_t *hls, const u_char *p,
    size_t n);
static void ngx_srt_hls_trim(ngx_srt_hls_t *hls, uint16_t pid, size_t off);
static void ngx_srt_hls_scte35(ngx_srt_hls_t *hls, const u_char *pkt);
static void ngx_srt_hls_section(ngx_srt_hls_t *hls, const u_char *p,
    size_t len);
static void ngx_srt_hls_event(ngx_srt_hls_t *hls, ngx_uint_t out,
    uint32_t id, uint64_t pts, uint64_t duration, ngx_uint_t auto_return,
    const u_char *section, size_t len);
static ngx_int_t ngx_srt_hls_due(ngx_srt_hls_t *hls, uint64_t t);
static uint64_t ngx_srt_hls_distance(uint64_t a, uint64_t b);
static void ngx_srt_hls_cues(ngx_srt_hls_t *hls, srt_hls_segment_t *seg);
static void ngx_srt_hls_post(ngx_srt_hls_t *hls);
static void ngx_srt_hls_write(void *data, ngx_log_t *log);
static ngx_int_t ngx_srt_hls_mkdir(ngx_srt_hls_job_t *job);
static ngx_int_t ngx_srt_hls_file(ngx_srt_hls_job_t *job, const char *name,
    const void *data, size_t len);
static void ngx_srt_hls_clean(ngx_srt_hls_job_t *job, ngx_uint_t all);
static void ngx_srt_hls_purge(ngx_srt_hls_t *hls);
static void ngx_srt_hls_forget(ngx_srt_shm_hls_t *sh);
static void ngx_srt_hls_written(ngx_event_t *ev);
static void ngx_srt_hls_unwind(ngx_srt_hls_t *hls, uint64_t seq);
static void ngx_srt_hls_free(ngx_srt_hls_t *hls);


static ngx_str_t  ngx_srt_hls_pool_name = ngx_string("default");

/* decoded sections are large: one for the process, event loop only */
static scte35_section_t  ngx_srt_hls_sec;

/* ring packets being read, copied out of the ring */
static u_char  ngx_srt_hls_chunk[NGX_SRT_HLS_CHUNK * SRT_RING_PKT];


void
ngx_srt_hls_init_shm(ngx_srt_shm_hls_t *sh)
{
    /*
     * Segment names are their sequence numbers: start from the clock, in
     * tenths of a second (faster than segments are made), so that a
     * restart (new shared memory) never reuses a name a CDN may still
     * hold.
     */
    sh->next_seq = ngx_srt_unix_msec() / 100;
}


ngx_int_t
ngx_srt_hls_start(ngx_cycle_t *cycle, ngx_srt_output_t *out)
{
    u_char               *p;
    size_t                len;
    ngx_srt_hls_t        *hls;
    ngx_srt_main_conf_t  *mcf;

    mcf = ngx_srt_get_main_conf(cycle);

    hls = ngx_calloc(sizeof(ngx_srt_hls_t), cycle->log);
    if (hls == NULL) {
        return NGX_ERROR;
    }

    hls->out = out;
    hls->shm = out->hls_shm;
    hls->conf = out->parsed.hls;
    hls->log = cycle->log;

    len = ngx_min(out->route->name.len, NGX_SRT_NAME_LEN);
    ngx_memcpy(hls->name, out->route->name.data, len);

    if (out->route->name.len == 0 || out->route->name.data[0] == '.') {
        /* "." or "..": the directory would not be the route's own */
        ngx_log_error(NGX_LOG_ERR, cycle->log, 0,
                      "srt route \"%V\": a name starting with \".\" "
                      "cannot have an HLS output", &out->route->name);
        ngx_free(hls);
        return NGX_ERROR;
    }

    hls->pool = ngx_thread_pool_get(cycle, &ngx_srt_hls_pool_name);
    if (hls->pool == NULL) {
        ngx_log_error(NGX_LOG_ALERT, cycle->log, 0,
                      "srt route \"%V\": no thread pool for HLS",
                      &out->route->name);
        ngx_free(hls);
        return NGX_ERROR;
    }

    hls->dir_len = mcf->hls_path.len + 1 + out->route->name.len;

    hls->dir = ngx_alloc(hls->dir_len + 1, cycle->log);
    hls->task = ngx_calloc(sizeof(ngx_thread_task_t)
                           + sizeof(ngx_srt_hls_job_t), cycle->log);
    hls->playlist = ngx_alloc(NGX_SRT_HLS_PLAYLIST, cycle->log);
    hls->master = ngx_alloc(1024, cycle->log);

    if (hls->dir == NULL || hls->task == NULL || hls->playlist == NULL
        || hls->master == NULL || hls->dir_len + 32 >= NGX_MAX_PATH)
    {
        ngx_srt_hls_free(hls);
        return NGX_ERROR;
    }

    p = ngx_cpymem(hls->dir, mcf->hls_path.data, mcf->hls_path.len);
    *p++ = '/';
    p = ngx_cpymem(p, out->route->name.data, out->route->name.len);
    *p = '\0';

    hls->job = (ngx_srt_hls_job_t *) (hls->task + 1);
    hls->task->ctx = hls->job;
    hls->task->handler = ngx_srt_hls_write;
    hls->task->event.handler = ngx_srt_hls_written;
    hls->task->event.data = hls;
    hls->task->event.log = cycle->log;

    srt_ts_analyzer_init(&hls->analyzer);
    srt_hls_cutter_init(&hls->cutter, hls->conf.segment_ms,
                        hls->conf.segment_max_ms);

    out->hls_ctx = hls;

    out->reader.handler = ngx_srt_hls_read;
    out->reader.data = out;

    out->claim.handler = ngx_srt_hls_claim;
    out->claim.data = out;
    out->claim.log = cycle->log;
    out->claim.cancelable = 1;

    if (ngx_srt_hls_claimed(out) == NGX_BUSY) {
        ngx_add_timer(&out->claim, 1);
    }

    return NGX_OK;
}


void
ngx_srt_hls_stop(ngx_srt_output_t *out)
{
    ngx_srt_hls_t  *hls;

    if (out->claim.timer_set) {
        ngx_del_timer(&out->claim);
    }

    if (out->owned) {
        out->owned = 0;
        ngx_srt_ring_detach(&out->route->ring, &out->reader);
    }

    hls = out->hls_ctx;

    if (hls == NULL) {
        return;
    }

    out->hls_ctx = NULL;
    hls->out = NULL;

    /* a task in flight frees it when it is done */
    if (hls->busy) {
        return;
    }

    if (hls->purge) {
        ngx_srt_hls_purge(hls);
        return;
    }

    ngx_srt_hls_free(hls);
}


/* a last task deletes the removed output's directory; then it is freed */

static void
ngx_srt_hls_purge(ngx_srt_hls_t *hls)
{
    ngx_srt_hls_job_t  *job;

    job = hls->job;

    ngx_memzero(job, sizeof(ngx_srt_hls_job_t));
    job->hls = hls;
    job->purge = 1;

    hls->purged = 1;

    if (ngx_thread_task_post(hls->pool, hls->task) != NGX_OK) {
        ngx_srt_hls_free(hls);
        return;
    }

    hls->busy = 1;
}


/*
 * The output is removed for good (API), in its owner, under the lease
 * lock: nothing is resumed (an output added again later starts afresh),
 * and the files go as the segmenter stops: players get 404 for them at
 * once anyway.
 */

void
ngx_srt_hls_remove(ngx_srt_output_t *out)
{
    ngx_srt_hls_t  *hls;

    ngx_srt_hls_forget(out->hls_shm);
    out->hls_shm->ngone = 0;

    hls = out->hls_ctx;

    if (hls) {
        hls->purge = 1;
    }
}


static void
ngx_srt_hls_forget(ngx_srt_shm_hls_t *sh)
{
    uint64_t    now;
    ngx_uint_t  i;

    now = ngx_srt_unix_msec();

    for (i = 0; i < sh->nsegs && sh->ngone < NGX_SRT_HLS_GONE; i++) {
        sh->gone[sh->ngone].seq = sh->seg[i].seq;
        sh->gone[sh->ngone].left_msec = now;
        sh->ngone++;
    }

    sh->nsegs = 0;
    sh->resume_valid = 0;
    sh->next_pdt_us = 0;
    sh->in_break = 0;
    sh->nevents = 0;
}


static void
ngx_srt_hls_free(ngx_srt_hls_t *hls)
{
    ngx_uint_t          i;
    ngx_srt_hls_job_t  *job;

    for (i = 0; i < hls->nqueue; i++) {
        ngx_free(hls->queue[i].buf);
    }

    if (hls->buf) {
        ngx_free(hls->buf);
    }

    if (hls->dir) {
        ngx_free(hls->dir);
    }

    if (hls->task) {
        job = (ngx_srt_hls_job_t *) (hls->task + 1);

        if (job->seg) {
            ngx_free(job->seg);
        }

        ngx_free(hls->task);
    }

    if (hls->playlist) {
        ngx_free(hls->playlist);
    }

    if (hls->master) {
        ngx_free(hls->master);
    }

    ngx_free(hls);
}


static void
ngx_srt_hls_claim(ngx_event_t *ev)
{
    ngx_srt_output_t  *out = ev->data;

    if (!ngx_exiting && ngx_srt_hls_claimed(out) == NGX_BUSY) {
        ngx_add_timer(ev, 1);
    }
}


static ngx_int_t
ngx_srt_hls_claimed(ngx_srt_output_t *out)
{
    ngx_int_t           rc;
    srt_ring_t         *ring;
    ngx_srt_hls_t      *hls;
    ngx_srt_shm_hls_t  *sh;

    rc = ngx_srt_lease_claim(&out->stats->lease);

    if (rc != NGX_OK) {
        return rc;
    }

    hls = out->hls_ctx;
    sh = hls->shm;
    ring = &out->route->ring.shm->ring;

    ngx_memzero(&out->reader.rd, sizeof(srt_ring_reader_t));

    /*
     * Go on with the previous owner's open segment when the ring still
     * has its start; else a gap: the next segment is a discontinuity.
     */
    if (sh->resume_valid && srt_ring_still_valid(ring, sh->resume_pos)
        && sh->resume_pos <= srt_ring_published(ring))
    {
        out->reader.rd.pos = sh->resume_pos;
        out->reader.rd.started = 1;
        hls->disc = sh->resume_disc;

    } else if (sh->nsegs) {
        hls->gap = 1;
    }

    if (sh->queued) {
        /* the previous owner had finished segments the disk had not
           taken yet: they are lost */
        hls->gap = 1;
        sh->queued = 0;
    }

    ngx_srt_hls_seed(hls, ring);

    out->last_bytes = out->stats->bytes;
    out->owned = 1;

    ngx_srt_ring_attach(&out->route->ring, &out->reader);

    return NGX_OK;
}


/*
 * The ring's latest PAT and PMT: the first segment can start at the first
 * keyframe read, and the analyzer knows the streams from the start.
 */

static void
ngx_srt_hls_seed(ngx_srt_hls_t *hls, srt_ring_t *ring)
{
    u_char      psi[SRT_RING_PSI_PKTS * SRT_RING_PKT];
    size_t      n, i;
    uint16_t    pid;
    unsigned    flags;

    n = srt_ring_psi(ring, psi);

    for (i = 0; i < n; i++) {
        pid = srt_ts_pid(psi + i * SRT_RING_PKT);
        flags = srt_ts_analyze(&hls->analyzer, psi + i * SRT_RING_PKT);

        if (pid == 0 || pid == hls->analyzer.pmt_pid) {
            ngx_srt_hls_psi(hls, psi + i * SRT_RING_PKT, pid, flags);
        }
    }
}


static void
ngx_srt_hls_read(ngx_srt_reader_t *reader)
{
    size_t                 n, i;
    uint64_t               first, bytes;
    ngx_int_t              lrc;
    const uint8_t         *p;
    srt_ring_t            *ring;
    ngx_srt_hls_t         *hls;
    ngx_srt_output_t      *out;
    ngx_srt_shm_output_t  *st;

    out = reader->data;
    hls = out->hls_ctx;
    st = out->stats;
    ring = &out->route->ring.shm->ring;

    lrc = ngx_srt_lease_lock(&st->lease);

    if (lrc == NGX_DECLINED) {
        ngx_log_error(NGX_LOG_INFO, ngx_cycle->log, 0,
                      "srt route \"%V\": HLS output handed over",
                      &out->route->name);
        ngx_srt_hls_stop(out);
        return;
    }

    if (lrc != NGX_OK) {
        return;
    }

    bytes = 0;

    for ( ;; ) {
        n = srt_ring_peek(ring, &reader->rd, &p, NGX_SRT_HLS_CHUNK);
        if (n == 0) {
            break;
        }

        first = reader->rd.pos;

        if (reader->rd.overruns != hls->overruns) {
            /* the reader fell behind and was moved on: a hole */
            hls->overruns = reader->rd.overruns;
            ngx_srt_hls_abandon(hls, "the ring overran it");
        }

        /* a copy first, checked before anything of it reaches a segment */
        ngx_memcpy(ngx_srt_hls_chunk, p, n * SRT_RING_PKT);

        if (!srt_ring_still_valid(ring, first)) {
            /* the writer overwrote what was copied: torn packets; go on
               from the newest keyframe */
            reader->rd.overruns++;
            hls->overruns = reader->rd.overruns;
            ngx_srt_hls_abandon(hls, "the ring overran it");
            reader->rd.started = 0;
            continue;
        }

        for (i = 0; i < n; i++) {
            ngx_srt_hls_packet(hls, ngx_srt_hls_chunk + i * SRT_RING_PKT,
                               first + i);
        }

        reader->rd.pos = first + n;
        bytes += n * SRT_RING_PKT;
    }

    st->bytes += bytes;
    st->packets += bytes / SRT_RING_PKT;
    st->overruns = reader->rd.overruns;

    if (bytes) {
        st->last_data = ngx_srt_unix_msec();
    }

    ngx_srt_lease_unlock(&st->lease);
}


static void
ngx_srt_hls_packet(ngx_srt_hls_t *hls, const u_char *pkt, uint64_t seq)
{
    int                 rc;
    int64_t             pts;
    uint16_t            pid, cut_pid;
    unsigned            flags, rap;
    size_t              off;
    srt_ts_analyzer_t  *a;

    a = &hls->analyzer;
    pid = srt_ts_pid(pkt);

    if (pid == 0x1fff) {
        return;                 /* stuffing has no place in a file */
    }

    flags = srt_ts_analyze(a, pkt);

    if (pid == 0 || (a->pmt_pid && pid == a->pmt_pid)) {
        ngx_srt_hls_psi(hls, pkt, pid, flags);
    }

    if (hls->scte35_pid && pid == hls->scte35_pid) {
        ngx_srt_hls_scte35(hls, pkt);
    }

    cut_pid = a->video_pid ? a->video_pid : a->audio_pid;

    /*
     * The joiner marks an input switch with the discontinuity indicator on
     * the first packet of each PID from the new input (so do the
     * in-process sources when they start).  The old input's last frame on
     * that PID may have been cut short when it died: a browser's decoder
     * stops at such a frame, so it goes, unless its PES announced its
     * length and all of it came.
     */
    if ((pkt[3] & 0x20) && pkt[4] > 0 && (pkt[5] & 0x80) && hls->open) {
        if (a->video_pid && pid == a->video_pid) {
            /*
             * The switch point (the joiner switches at the new input's
             * keyframe): all before it is the old input's, its last audio
             * frame too, which may come before or after the audio's own
             * indicator, in this segment or the next.
             */
            if (hls->vpes && !srt_hls_pes_whole(&hls->vfill)) {
                ngx_srt_hls_trim(hls, pid, hls->vpes);
            }

            if (a->audio_pid && hls->apes
                && !srt_hls_pes_whole(&hls->afill))
            {
                ngx_srt_hls_trim(hls, a->audio_pid, hls->apes);
            }

            hls->vpes = 0;
            hls->apes = 0;

            /* the new input's PES in progress has no start here: its
               packets before the next start would join the old one's */
            hls->vskip = 1;
            hls->askip = (a->audio_pid != 0);

        } else if (a->audio_pid && pid == a->audio_pid && hls->apes) {
            if (!srt_hls_pes_whole(&hls->afill)) {
                ngx_srt_hls_trim(hls, pid, hls->apes);
            }

            hls->apes = 0;
            hls->askip = 1;
        }
    }

    if (cut_pid && pid == cut_pid) {

        if ((pkt[3] & 0x20) && pkt[4] > 0 && (pkt[5] & 0x80)
            && hls->cutter.started)
        {
            srt_hls_cutter_switch(&hls->cutter);
        }

        if (flags & SRT_TS_F_PUSI) {
            off = (pkt[3] & 0x20) ? 5 + (size_t) pkt[4] : 4;
            rap = flags & SRT_TS_F_RAP;

            /* at every keyframe: a backup may have another profile */
            if (rap && a->video_pid && off < SRT_RING_PKT) {
                (void) srt_hls_codec_video(a->video_type, pkt + off,
                                           SRT_RING_PKT - off, hls->vcodec);
            }

            /* splice points are presentation times: PTS, not DTS */
            pts = srt_hls_pes_pts(pkt);

            if (pts >= 0) {
                hls->last_pts = (uint64_t) pts;
                hls->have_t = 1;

                if (rap && ngx_srt_hls_due(hls, (uint64_t) pts)) {
                    srt_hls_cutter_force(&hls->cutter);
                }
            }

            if (hls->npat == 0 || hls->npmt == 0) {
                rap = 0;        /* a segment starts with PAT and PMT */
            }

            rc = srt_hls_cutter_packet(&hls->cutter, pkt, rap != 0);

            if (rc == SRT_HLS_CUT) {
                ngx_srt_hls_close(hls, hls->cutter.closed);
            }

            if (rc != SRT_HLS_CUT_NONE) {
                ngx_srt_hls_begin(hls, pts >= 0 ? (uint64_t) pts
                                                : hls->last_pts, seq);
            }
        }
    }

    if (a->audio_pid && pid == a->audio_pid && (flags & SRT_TS_F_PUSI)) {
        off = (pkt[3] & 0x20) ? 5 + (size_t) pkt[4] : 4;

        if (off < SRT_RING_PKT) {
            (void) srt_hls_codec_audio(a->audio_type, pkt + off,
                                       SRT_RING_PKT - off, hls->acodec);
        }
    }

    if (pkt[1] & 0x40) {
        if (pid == a->video_pid) {
            hls->vskip = 0;

        } else if (pid == a->audio_pid) {
            hls->askip = 0;
        }

    } else if ((hls->vskip && pid == a->video_pid)
               || (hls->askip && pid == a->audio_pid))
    {
        return;
    }

    if (a->video_pid && pid == a->video_pid) {
        srt_hls_pes_packet(&hls->vfill, pkt);

    } else if (a->audio_pid && pid == a->audio_pid) {
        srt_hls_pes_packet(&hls->afill, pkt);
    }

    if (hls->open) {
        if (pkt[1] & 0x40) {
            if (pid == a->video_pid) {
                hls->vpes = hls->len;

            } else if (pid == a->audio_pid) {
                hls->apes = hls->len;
            }
        }

        (void) ngx_srt_hls_append(hls, pkt, SRT_RING_PKT);
    }
}


/* the open segment loses PID pid's packets from offset off on */

static void
ngx_srt_hls_trim(ngx_srt_hls_t *hls, uint16_t pid, size_t off)
{
    size_t  marks[2];

    marks[0] = hls->vpes;
    marks[1] = hls->apes;

    hls->len = srt_hls_trim(hls->buf, hls->len, pid, off, marks, 2);

    hls->vpes = marks[0];
    hls->apes = marks[1];
}


/* keeps a copy of the latest complete PAT and PMT */

static void
ngx_srt_hls_psi(ngx_srt_hls_t *hls, const u_char *pkt, uint16_t pid,
    unsigned flags)
{
    u_char      *copy;
    ngx_uint_t  *n;

    if (pid == 0) {
        copy = hls->pat;
        n = &hls->npat;

    } else {
        copy = hls->pmt;
        n = &hls->npmt;
    }

    if (pkt[1] & 0x40) {
        *n = 0;
    }

    if (*n >= NGX_SRT_HLS_PSI_PKTS || ((pkt[1] & 0x40) == 0 && *n == 0)) {
        return;
    }

    ngx_memcpy(copy + *n * SRT_RING_PKT, pkt, SRT_RING_PKT);
    (*n)++;

    if (pid != 0 && (flags & (SRT_TS_F_PMT | SRT_TS_F_PSI_CHANGE))) {
        ngx_srt_hls_pmt(hls);
    }
}


/* the SCTE-35 PID: stream_type 0x86 in a one-packet PMT */

static void
ngx_srt_hls_pmt(ngx_srt_hls_t *hls)
{
    size_t   off, end, i, pil, esl;
    u_char  *p;

    p = hls->pmt;
    off = (p[3] & 0x20) ? 5 + (size_t) p[4] : 4;

    if (off >= SRT_RING_PKT) {
        return;
    }

    off += 1 + (size_t) p[off];             /* pointer_field */

    if (off + 12 > SRT_RING_PKT || p[off] != 0x02) {
        return;
    }

    end = off + 3 + (((size_t) (p[off + 1] & 0x0f) << 8) | p[off + 2]);

    if (end > SRT_RING_PKT) {
        return;                 /* longer than a packet: keep the old one */
    }

    end -= 4;                   /* CRC_32 */
    pil = ((size_t) (p[off + 10] & 0x0f) << 8) | p[off + 11];

    hls->scte35_pid = 0;

    for (i = off + 12 + pil; i + 5 <= end; i += 5 + esl) {
        esl = ((size_t) (p[i + 3] & 0x0f) << 8) | p[i + 4];

        if (p[i] == 0x86) {
            hls->scte35_pid = (uint16_t) (((p[i + 1] & 0x1f) << 8)
                                          | p[i + 2]);
            break;
        }
    }
}


static void
ngx_srt_hls_begin(ngx_srt_hls_t *hls, uint64_t pts, uint64_t seq)
{
    int64_t             now;
    ngx_uint_t          i;
    ngx_srt_shm_hls_t  *sh;

    sh = hls->shm;

    if (hls->buf == NULL) {
        hls->buf = ngx_alloc(NGX_SRT_HLS_BUF_MIN, hls->log);
        if (hls->buf == NULL) {
            return;
        }

        hls->cap = NGX_SRT_HLS_BUF_MIN;
    }

    hls->len = 0;
    hls->vpes = 0;
    hls->apes = 0;
    hls->open = 1;
    hls->start_pts = pts;
    hls->disc = hls->disc || hls->gap || hls->cutter.last_disc;
    hls->gap = 0;

    if (hls->disc) {
        /* another timeline: splice points far from it will never come */
        for (i = 0; i < sh->nevents; /* void */) {
            if (ngx_srt_hls_distance(sh->event[i].pts, pts)
                > NGX_SRT_HLS_EVENT_AGE)
            {
                sh->event[i] = sh->event[--sh->nevents];
                continue;
            }

            i++;
        }
    }

    /*
     * Dates follow the media: a segment starts where the previous one
     * ended; the clock anchors the first one and every discontinuity,
     * never going back.
     */
    now = (int64_t) ngx_srt_unix_msec() * 1000;

    if (sh->next_pdt_us == 0 || hls->disc) {
        hls->pdt_us = ngx_max(now, sh->next_pdt_us);

    } else {
        hls->pdt_us = sh->next_pdt_us;
    }

    sh->resume_pos = seq;
    sh->resume_disc = hls->disc;
    sh->resume_valid = 1;

    (void) ngx_srt_hls_append(hls, hls->pat, hls->npat * SRT_RING_PKT);
    (void) ngx_srt_hls_append(hls, hls->pmt, hls->npmt * SRT_RING_PKT);

    /* a PES that started in the previous segment goes on here: from the
       start (after PAT and PMT, so never 0) */
    hls->vpes = hls->len;
    hls->apes = hls->len;
}


static void
ngx_srt_hls_close(ngx_srt_hls_t *hls, uint64_t duration)
{
    ngx_srt_hls_done_t  *d;
    ngx_srt_shm_hls_t   *sh;

    sh = hls->shm;

    if (!hls->open) {
        return;
    }

    hls->open = 0;

    if (hls->nqueue == NGX_SRT_HLS_QUEUE) {
        /* the disk does not keep up: this one is lost, players see a
           discontinuity instead of a stall */
        (void) ngx_atomic_fetch_add(&sh->dropped, 1);
        ngx_log_error(NGX_LOG_WARN, hls->log, 0,
                      "srt route \"%s\": HLS segment dropped, the disk is "
                      "behind", hls->name);
        hls->gap = 1;
        hls->disc = 0;
        return;
    }

    d = &hls->queue[hls->nqueue++];
    sh->queued++;

    ngx_memzero(&d->seg, sizeof(srt_hls_segment_t));

    /* the sequence number and name come when it joins the window, so
       that a segment lost before never leaves a hole in the numbers */
    d->buf = hls->buf;
    d->len = hls->len;
    d->seg.duration_us = duration * 1000 / 90;
    d->seg.pdt_ms = hls->pdt_us / 1000;
    d->seg.discontinuity = hls->disc;

    sh->next_pdt_us = hls->pdt_us + (int64_t) d->seg.duration_us;

    ngx_srt_hls_cues(hls, &d->seg);

    hls->buf = NULL;
    hls->len = 0;
    hls->cap = 0;
    hls->disc = 0;

    if (!hls->busy) {
        ngx_srt_hls_post(hls);
    }
}


/* the open segment cannot be finished: the next one starts afresh */

static void
ngx_srt_hls_abandon(ngx_srt_hls_t *hls, const char *why)
{
    if (hls->open) {
        ngx_log_error(NGX_LOG_WARN, hls->log, 0,
                      "srt route \"%s\": HLS segment dropped, %s", hls->name,
                      why);
        (void) ngx_atomic_fetch_add(&hls->shm->dropped, 1);
    }

    hls->open = 0;
    hls->len = 0;
    hls->gap = 1;
    hls->shm->resume_valid = 0;

    /* packets may be missing: nothing is known of the PES in progress */
    ngx_memzero(&hls->vfill, sizeof(srt_hls_pes_t));
    ngx_memzero(&hls->afill, sizeof(srt_hls_pes_t));

    /* the next keyframe starts a segment */
    hls->cutter.started = 0;
}


static ngx_int_t
ngx_srt_hls_append(ngx_srt_hls_t *hls, const u_char *p, size_t n)
{
    size_t   cap;
    u_char  *buf;

    if (hls->len + n > hls->cap) {
        cap = ngx_max(hls->cap * 2, hls->len + n);

        if (cap > NGX_SRT_HLS_BUF_MAX) {
            ngx_srt_hls_abandon(hls, "it is larger than 64 MB");
            return NGX_ERROR;
        }

        buf = ngx_alloc(cap, hls->log);
        if (buf == NULL) {
            ngx_srt_hls_abandon(hls, "no memory");
            return NGX_ERROR;
        }

        ngx_memcpy(buf, hls->buf, hls->len);
        ngx_free(hls->buf);

        hls->buf = buf;
        hls->cap = cap;
    }

    ngx_memcpy(hls->buf + hls->len, p, n);
    hls->len += n;

    return NGX_OK;
}


/* SCTE-35 sections on their PID, reassembled across packets */

static void
ngx_srt_hls_scte35(ngx_srt_hls_t *hls, const u_char *pkt)
{
    size_t         off, n, need;
    const u_char  *p;

    if (!(pkt[3] & 0x10)) {
        return;                 /* no payload */
    }

    off = (pkt[3] & 0x20) ? 5 + (size_t) pkt[4] : 4;

    if (off >= SRT_RING_PKT) {
        return;
    }

    p = pkt + off;
    n = SRT_RING_PKT - off;

    if (pkt[1] & 0x40) {
        if ((size_t) p[0] + 1 > n) {
            hls->sec_on = 0;
            return;
        }

        n -= 1 + (size_t) p[0];
        p += 1 + (size_t) p[0];

        hls->sec_on = 1;
        hls->sec_len = 0;

    } else if (!hls->sec_on) {
        return;
    }

    if (hls->sec_len + n > sizeof(hls->sec)) {
        hls->sec_on = 0;
        return;
    }

    ngx_memcpy(hls->sec + hls->sec_len, p, n);
    hls->sec_len += n;

    if (hls->sec[0] == 0xff) {
        hls->sec_on = 0;        /* stuffing */
        return;
    }

    need = scte35_section_size(hls->sec, hls->sec_len);

    if (need == 0 || hls->sec_len < need) {
        return;
    }

    hls->sec_on = 0;

    if (need <= SCTE35_MAX_SECTION) {
        ngx_srt_hls_section(hls, hls->sec, need);
    }
}


/*
 * What an SCTE-35 section means for the playlist: splice_insert out or in,
 * or a time_signal whose segmentation descriptor starts or ends a break
 * (break, provider/distributor advertisement and placement opportunity).
 */

static void
ngx_srt_hls_section(ngx_srt_hls_t *hls, const u_char *p, size_t len)
{
    uint64_t                pts;
    ngx_uint_t              i, j;
    scte35_section_t       *s;
    scte35_splice_insert_t *ins;
    scte35_segmentation_t  *seg;
    ngx_srt_shm_hls_t      *sh;

    static const u_char  starts[] = { 0x22, 0x30, 0x32, 0x34, 0x36 };
    static const u_char  ends[] = { 0x23, 0x31, 0x33, 0x35, 0x37 };

    s = &ngx_srt_hls_sec;
    sh = hls->shm;

    if (p[0] != SCTE35_TABLE_ID
        || scte35_decode(p, len, s, NULL, 0) != SCTE35_OK
        || s->encrypted_packet)
    {
        return;                 /* counted by the route's SCTE-35 check */
    }

    if (s->splice_command_type == SCTE35_SPLICE_INSERT) {
        ins = &s->cmd.insert;

        if (ins->splice_event_cancel_indicator) {
            for (i = 0; i < sh->nevents; i++) {
                if (sh->event[i].event_id == ins->splice_event_id) {
                    sh->event[i] = sh->event[--sh->nevents];
                    i--;
                }
            }

            return;
        }

        if (!ins->program_splice_flag) {
            return;             /* component splices: not for HLS */
        }

        pts = (ins->splice_immediate_flag
               || !ins->splice_time.time_specified_flag)
              ? hls->last_pts
              : (ins->splice_time.pts_time + s->pts_adjustment)
                & NGX_SRT_HLS_TS_MASK;

        ngx_srt_hls_event(hls, ins->out_of_network_indicator,
                          ins->splice_event_id, pts,
                          ins->duration_flag ? ins->break_duration.duration
                                             : 0,
                          ins->duration_flag
                          && ins->break_duration.auto_return,
                          p, len);
        return;
    }

    if (s->splice_command_type != SCTE35_TIME_SIGNAL) {
        return;
    }

    pts = s->cmd.time_signal.time_specified_flag
          ? (s->cmd.time_signal.pts_time + s->pts_adjustment)
            & NGX_SRT_HLS_TS_MASK
          : hls->last_pts;

    for (i = 0; i < s->descriptor_count; i++) {
        if (s->descriptors[i].tag != SCTE35_DESC_SEGMENTATION
            || s->descriptors[i].identifier != SCTE35_CUEI)
        {
            continue;
        }

        seg = &s->descriptors[i].u.segmentation;

        if (seg->segmentation_event_cancel_indicator) {
            continue;
        }

        for (j = 0; j < sizeof(starts); j++) {
            if (seg->segmentation_type_id == starts[j]) {
                /* a duration ends the break by itself */
                ngx_srt_hls_event(hls, 1, seg->segmentation_event_id, pts,
                                  seg->segmentation_duration_flag
                                  ? seg->segmentation_duration : 0,
                                  seg->segmentation_duration_flag, p, len);
                return;
            }

            if (seg->segmentation_type_id == ends[j]) {
                ngx_srt_hls_event(hls, 0, seg->segmentation_event_id, pts,
                                  0, 0, p, len);
                return;
            }
        }
    }

    /* not an ad break (a program boundary, a chapter...): the command
       itself, for players and monitoring */
    ngx_srt_hls_event(hls, NGX_SRT_HLS_CMD, 0, pts, 0, 0, p, len);
}


/* a splice point to place: once, however often the section repeats */

static void
ngx_srt_hls_event(ngx_srt_hls_t *hls, ngx_uint_t out, uint32_t id,
    uint64_t pts, uint64_t duration, ngx_uint_t auto_return,
    const u_char *section, size_t len)
{
    ngx_uint_t            i;
    ngx_srt_shm_hls_t    *sh;
    ngx_srt_hls_event_t  *ev;

    sh = hls->shm;

    if (!hls->have_t
        || ngx_srt_hls_distance(pts, hls->last_pts) > NGX_SRT_HLS_EVENT_AGE)
    {
        /* no timeline yet, or another one: nothing to place it on */
        ngx_log_error(NGX_LOG_INFO, hls->log, 0,
                      "srt route \"%s\": HLS cue of event %uD at PTS %uL "
                      "ignored, the stream is at %uL", hls->name, id, pts,
                      hls->last_pts);
        return;
    }

    if (out == NGX_SRT_HLS_CMD) {
        /* the repeats of one command have its time */
        for (i = 0; i < sh->nevents; i++) {
            if (sh->event[i].out == out && sh->event[i].pts == pts) {
                return;
            }
        }

        if (sh->last_cmd_valid && sh->last_cmd_pts == pts) {
            return;
        }

        goto add;
    }

    for (i = 0; i < sh->nevents; i++) {
        if (sh->event[i].event_id == id && sh->event[i].out == out) {
            return;
        }
    }

    if (out && ((sh->in_break && sh->break_event == id)
                || (sh->last_out_valid && sh->last_out_event == id
                    && sh->last_out_pts == pts)))
    {
        return;                 /* a repeat of the break under way */
    }

    if (!out && !sh->in_break) {
        for (i = 0; i < sh->nevents; i++) {
            if (sh->event[i].out == NGX_SRT_HLS_OUT) {
                break;
            }
        }

        if (i == sh->nevents) {
            return;             /* nothing to end, or a repeat */
        }
    }

add:

    if (sh->nevents == NGX_SRT_HLS_EVENTS) {
        /* the oldest gives way */
        ngx_memmove(&sh->event[0], &sh->event[1],
                    (NGX_SRT_HLS_EVENTS - 1) * sizeof(ngx_srt_hls_event_t));
        sh->nevents--;
    }

    ev = &sh->event[sh->nevents++];

    ev->pts = pts;
    ev->event_id = id;
    ev->out = out;
    ev->duration = duration;
    ev->auto_return = auto_return;
    ev->len = (len <= SRT_HLS_SECTION_MAX) ? len : 0;

    if (ev->len) {
        ngx_memcpy(ev->section, section, len);
    }

    (void) ngx_atomic_fetch_add(&sh->cues, 1);

    ngx_log_error(NGX_LOG_INFO, hls->log, 0,
                  "srt route \"%s\": HLS cue %s, event %uD at PTS %uL",
                  hls->name,
                  out == NGX_SRT_HLS_OUT ? "out"
                  : out == NGX_SRT_HLS_IN ? "in" : "command", id, pts);
}


/*
 * Does a splice point want a segment to start at the keyframe of PTS t:
 * at or before t, and after the start of the open segment (one that
 * started at or after it carries it already)?
 */

static ngx_int_t
ngx_srt_hls_due(ngx_srt_hls_t *hls, uint64_t t)
{
    uint64_t            pts;
    ngx_uint_t          i;
    ngx_srt_shm_hls_t  *sh;

    sh = hls->shm;

    for (i = 0; i < sh->nevents; i++) {
        if (sh->event[i].out == NGX_SRT_HLS_CMD) {
            continue;           /* no segment boundary for it */
        }

        pts = sh->event[i].pts;

        if (((t - pts) & NGX_SRT_HLS_TS_MASK) < NGX_SRT_HLS_TS_HALF
            && (!hls->open
                || ((pts - hls->start_pts - 1) & NGX_SRT_HLS_TS_MASK)
                   < NGX_SRT_HLS_TS_HALF))
        {
            return 1;
        }
    }

    return 0;
}


/* how far apart two 33-bit times are, either way */

static uint64_t
ngx_srt_hls_distance(uint64_t a, uint64_t b)
{
    uint64_t  d;

    d = (a - b) & NGX_SRT_HLS_TS_MASK;

    return (d < NGX_SRT_HLS_TS_HALF) ? d : NGX_SRT_HLS_TS_MASK + 1 - d;
}


/*
 * The segment's cue tag: the splice points up to its start have happened
 * (an OUT opens a break, an IN or the end of an auto-return duration
 * closes it); inside a break, the elapsed time.  Called as the segment is
 * closed, so the one that starts at a splice point carries it.
 */

static void
ngx_srt_hls_cues(ngx_srt_hls_t *hls, srt_hls_segment_t *seg)
{
    int64_t               at;
    uint64_t              start;
    ngx_uint_t            i;
    ngx_srt_shm_hls_t    *sh;
    ngx_srt_hls_event_t   ev;

    sh = hls->shm;
    start = hls->start_pts;

    for (i = 0; i < sh->nevents; /* void */) {

        if (((start - sh->event[i].pts) & NGX_SRT_HLS_TS_MASK)
            >= NGX_SRT_HLS_TS_HALF)
        {
            i++;
            continue;           /* later */
        }

        ev = sh->event[i];
        ngx_memmove(&sh->event[i], &sh->event[i + 1],
                    (sh->nevents - i - 1) * sizeof(ngx_srt_hls_event_t));
        sh->nevents--;

        /* the splice's date: this segment's, less the way into it */
        at = seg->pdt_ms
             - (int64_t) (((start - ev.pts) & NGX_SRT_HLS_TS_MASK) / 90);

        if (ev.out == NGX_SRT_HLS_CMD) {
            seg->cmd_start_ms = at;
            seg->cmd_pts = ev.pts;
            seg->cmd_section_len = ev.len;
            ngx_memcpy(seg->cmd_section, ev.section, ev.len);
            sh->last_cmd_valid = 1;
            sh->last_cmd_pts = ev.pts;
            continue;
        }

        if (ev.out == NGX_SRT_HLS_OUT) {
            if (sh->in_break) {
                continue;       /* a new OUT inside a break: ignored */
            }

            sh->in_break = 1;
            sh->break_event = ev.event_id;
            sh->break_start_ms = at;
            sh->break_duration_us = ev.duration * 1000 / 90;
            sh->last_out_valid = 1;
            sh->last_out_event = ev.event_id;
            sh->last_out_pts = ev.pts;

            seg->cue = SRT_HLS_CUE_OUT;
            seg->cue_event = ev.event_id;
            seg->cue_start_ms = at;
            seg->cue_duration_us = sh->break_duration_us;
            seg->cue_section_len = ev.len;
            ngx_memcpy(seg->cue_section, ev.section, ev.len);

            if (ev.auto_return && ev.duration) {
                /* the return, at the end of the duration */
                ngx_srt_hls_event(hls, 0, ev.event_id,
                                  (ev.pts + ev.duration)
                                  & NGX_SRT_HLS_TS_MASK, 0, 0, NULL, 0);
            }

            continue;
        }

        if (!sh->in_break) {
            continue;
        }

        sh->in_break = 0;

        seg->cue = SRT_HLS_CUE_IN;
        seg->cue_event = sh->break_event;
        seg->cue_start_ms = sh->break_start_ms;
        seg->cue_duration_us = (seg->pdt_ms > sh->break_start_ms)
                               ? (uint64_t) (seg->pdt_ms
                                             - sh->break_start_ms) * 1000
                               : 0;
        seg->cue_section_len = ev.len;
        ngx_memcpy(seg->cue_section, ev.section, ev.len);
    }

    if (seg->cue == SRT_HLS_CUE_NONE && sh->in_break) {
        seg->cue = SRT_HLS_CUE_CONT;
        seg->cue_event = sh->break_event;
        seg->cue_start_ms = sh->break_start_ms;
        seg->cue_duration_us = sh->break_duration_us;
        seg->cue_elapsed_us = (seg->pdt_ms > sh->break_start_ms)
                              ? (uint64_t) (seg->pdt_ms
                                            - sh->break_start_ms) * 1000
                              : 0;
    }
}


/*
 * The oldest finished segment to the thread pool: the window grows by it
 * (and loses its oldest to the grace list), the playlists are rendered
 * here, the deletions due are listed.  The window is committed now so that
 * a new owner goes on from it.
 */

static void
ngx_srt_hls_post(ngx_srt_hls_t *hls)
{
    char                  codecs[2 * SRT_HLS_CODEC_LEN + 2];
    uint64_t              now, peak, rate, bits, us;
    ngx_uint_t            i, k;
    srt_hls_playlist_t    pl;
    ngx_srt_hls_job_t    *job;
    ngx_srt_shm_hls_t    *sh;
    ngx_srt_hls_done_t    d;

    sh = hls->shm;
    job = hls->job;

    if (hls->nqueue == 0 || hls->busy) {
        return;
    }

    d = hls->queue[0];
    ngx_memmove(&hls->queue[0], &hls->queue[1],
                (--hls->nqueue) * sizeof(ngx_srt_hls_done_t));
    sh->queued--;

    now = ngx_srt_unix_msec();
    job->nunlink = 0;

    d.seg.seq = sh->next_seq++;
    (void) ngx_sprintf((u_char *) d.seg.uri, "%uL.ts%Z", d.seg.seq);

    if (sh->disc_next) {
        /* the one before was lost */
        d.seg.discontinuity = 1;
        sh->disc_next = 0;
    }

    /* the window: the oldest leave it for the grace list */

    while (sh->nsegs > 0
           && (sh->nsegs >= (ngx_uint_t) hls->conf.window
               || sh->nsegs >= NGX_SRT_HLS_SEGS))
    {
        /* the next first segment's discontinuity tag is no longer shown:
           counted (RFC 8216 6.2.2) */
        if (sh->nsegs > 1 && sh->seg[1].discontinuity) {
            sh->disc_seq++;
        }

        if (sh->ngone == NGX_SRT_HLS_GONE) {
            /* a long grace with short segments: the oldest goes now */
            job->unlink[job->nunlink++] = sh->gone[0].seq;
            ngx_memmove(&sh->gone[0], &sh->gone[1],
                        (NGX_SRT_HLS_GONE - 1) * sizeof(ngx_srt_hls_gone_t));
            sh->ngone--;
        }

        sh->gone[sh->ngone].seq = sh->seg[0].seq;
        sh->gone[sh->ngone].left_msec = now;
        sh->ngone++;

        ngx_memmove(&sh->seg[0], &sh->seg[1],
                    (sh->nsegs - 1) * sizeof(srt_hls_segment_t));
        ngx_memmove(&sh->seg_bytes[0], &sh->seg_bytes[1],
                    (sh->nsegs - 1) * sizeof(uint64_t));
        sh->nsegs--;
    }

    sh->seg[sh->nsegs] = d.seg;
    sh->seg_bytes[sh->nsegs] = d.len;
    sh->nsegs++;

    (void) ngx_atomic_fetch_add(&sh->segments, 1);
    sh->last_duration_ms = d.seg.duration_us / 1000;
    sh->last_msec = now;

    /* deletions due: a grace period after leaving the playlist */

    for (i = 0, k = 0; i < sh->ngone; i++) {
        if (now - sh->gone[i].left_msec >= (uint64_t) hls->conf.grace_ms
            && job->nunlink < NGX_SRT_HLS_UNLINK)
        {
            job->unlink[job->nunlink++] = sh->gone[i].seq;
            continue;
        }

        sh->gone[k++] = sh->gone[i];
    }

    sh->ngone = k;

    /* the media playlist */

    /* EXT-X-TARGETDURATION may not change (RFC 8216 6.2.1): it only grows
       when a longer segment comes, and stays */
    sh->target_s = srt_hls_target_duration(sh->seg, sh->nsegs,
                                           ngx_max(sh->target_s, (ngx_uint_t)
                                                   (hls->conf.segment_ms
                                                    + 500) / 1000));

    pl.discontinuity_seq = sh->disc_seq;
    pl.tags = hls->conf.cues;
    pl.min_target_s = sh->target_s;
    pl.ended = 0;

    job->playlist_len = srt_hls_media_playlist(&pl, sh->seg, sh->nsegs,
                                               hls->playlist,
                                               NGX_SRT_HLS_PLAYLIST);

    /* the multivariant playlist: measured peak and average bit rates */

    peak = 0;
    bits = 0;
    us = 0;

    for (i = 0; i < sh->nsegs; i++) {
        if (sh->seg[i].duration_us == 0) {
            continue;
        }

        rate = sh->seg_bytes[i] * 8 * 1000000 / sh->seg[i].duration_us;
        peak = ngx_max(peak, rate);
        bits += sh->seg_bytes[i] * 8;
        us += sh->seg[i].duration_us;
    }

    if (hls->vcodec[0] && hls->acodec[0]) {
        ngx_sprintf((u_char *) codecs, "%s,%s%Z", hls->vcodec, hls->acodec);

    } else {
        ngx_sprintf((u_char *) codecs, "%s%Z",
                    hls->vcodec[0] ? hls->vcodec : hls->acodec);
    }

    ngx_memcpy(sh->codecs, codecs, sizeof(sh->codecs));
    sh->width = hls->analyzer.video_width;
    sh->height = hls->analyzer.video_height;
    sh->bandwidth = peak;
    sh->average_bandwidth = us ? bits * 1000000 / us : 0;

    job->master_len = srt_hls_multivariant(peak, sh->average_bandwidth,
                                           codecs, sh->width, sh->height,
                                           "index.m3u8", hls->master, 1024);

    job->hls = hls;
    job->seg = d.buf;
    job->seg_len = d.len;
    job->seq = d.seg.seq;
    job->clean = !sh->cleaned;
    job->err = 0;
    job->failed = NULL;

    sh->cleaned = 1;

    if (ngx_thread_task_post(hls->pool, hls->task) != NGX_OK) {
        ngx_free(job->seg);
        job->seg = NULL;
        (void) ngx_atomic_fetch_add(&sh->write_errors, 1);
        ngx_srt_hls_unwind(hls, d.seg.seq);
        return;
    }

    hls->busy = 1;
}


/* in a thread of the pool: the disk work of one segment */

static void
ngx_srt_hls_write(void *data, ngx_log_t *log)
{
    ngx_srt_hls_job_t  *job = data;

    char            name[NGX_INT64_LEN + 8];
    ngx_uint_t      i;
    ngx_srt_hls_t  *hls;

    hls = job->hls;

    if (job->purge) {
        ngx_srt_hls_clean(job, 1);
        (void) rmdir((char *) hls->dir);
        return;
    }

    if (ngx_srt_hls_mkdir(job) != NGX_OK) {
        return;
    }

    /* deletions first: a full disk gets room back */
    for (i = 0; i < job->nunlink; i++) {
        (void) ngx_sprintf((u_char *) job->path, "%s/%uL.ts%Z", hls->dir,
                           job->unlink[i]);
        (void) unlink(job->path);
    }

    if (job->clean) {
        ngx_srt_hls_clean(job, 0);
    }

    (void) ngx_sprintf((u_char *) name, "%uL.ts%Z", job->seq);

    if (ngx_srt_hls_file(job, name, job->seg, job->seg_len) != NGX_OK
        || ngx_srt_hls_file(job, "index.m3u8", hls->playlist,
                            job->playlist_len)
           != NGX_OK
        || ngx_srt_hls_file(job, "master.m3u8", hls->master,
                            job->master_len)
           != NGX_OK)
    {
        return;
    }
}


/* the route's directory, and hls_path above it if need be */

static ngx_int_t
ngx_srt_hls_mkdir(ngx_srt_hls_job_t *job)
{
    u_char  *p;

    ngx_memcpy(job->path, job->hls->dir, job->hls->dir_len + 1);

    if (mkdir(job->path, 0755) == 0 || ngx_errno == NGX_EEXIST) {
        return NGX_OK;
    }

    for (p = (u_char *) job->path + 1; *p; p++) {
        if (*p != '/') {
            continue;
        }

        *p = '\0';

        if (mkdir(job->path, 0755) == -1 && ngx_errno != NGX_EEXIST) {
            job->err = ngx_errno;
            job->failed = "mkdir()";
            return NGX_ERROR;
        }

        *p = '/';
    }

    if (mkdir(job->path, 0755) == -1 && ngx_errno != NGX_EEXIST) {
        job->err = ngx_errno;
        job->failed = "mkdir()";
        return NGX_ERROR;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_srt_hls_file(ngx_srt_hls_job_t *job, const char *name, const void *data,
    size_t len)
{
    int              fd;
    char             tmp[NGX_MAX_PATH];
    ssize_t          n;
    size_t           done;
    ngx_srt_hls_t   *hls;

    hls = job->hls;

    if (len == 0) {
        return NGX_OK;          /* a playlist too long for its buffer */
    }

    /* a name of this writer's own: an old owner still finishing its last
       task (reload) never writes into the same file */
    (void) ngx_sprintf((u_char *) tmp, "%s/.%s.%P.%p.tmp%Z", hls->dir, name,
                       ngx_pid, hls);
    (void) ngx_sprintf((u_char *) job->path, "%s/%s%Z", hls->dir, name);

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd == -1) {
        job->err = ngx_errno;
        job->failed = "open()";
        return NGX_ERROR;
    }

    for (done = 0; done < len; done += n) {
        n = write(fd, (const u_char *) data + done, len - done);

        if (n == -1 && ngx_errno == NGX_EINTR) {
            n = 0;
            continue;
        }

        if (n <= 0) {
            job->err = (n == -1) ? ngx_errno : NGX_ENOSPC;
            job->failed = "write()";
            (void) close(fd);
            (void) unlink(tmp);
            return NGX_ERROR;
        }
    }

    if (close(fd) == -1 || rename(tmp, job->path) == -1) {
        job->err = ngx_errno;
        job->failed = "rename()";
        (void) unlink(tmp);
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* the first write of a new run: segments of a former run go; all: every
   file (the output is removed) */

static void
ngx_srt_hls_clean(ngx_srt_hls_job_t *job, ngx_uint_t all)
{
    DIR            *d;
    size_t          len;
    struct dirent  *e;
    ngx_srt_hls_t  *hls;

    hls = job->hls;

    d = opendir((char *) hls->dir);
    if (d == NULL) {
        return;
    }

    while ((e = readdir(d)) != NULL) {
        len = ngx_strlen(e->d_name);

        if (((all && ngx_strcmp(e->d_name, ".") != 0
              && ngx_strcmp(e->d_name, "..") != 0)
             || (len > 3 && ngx_strcmp(e->d_name + len - 3, ".ts") == 0))
            && len + hls->dir_len + 2 < NGX_MAX_PATH)
        {
            (void) ngx_sprintf((u_char *) job->path, "%s/%s%Z", hls->dir,
                               e->d_name);
            (void) unlink(job->path);
        }
    }

    (void) closedir(d);
}


/*
 * Segment seq is not on disk: out of the window, its number given back
 * (nothing was posted after it), and the next one starts a
 * discontinuity.  Under the lease lock.
 */

static void
ngx_srt_hls_unwind(ngx_srt_hls_t *hls, uint64_t seq)
{
    ngx_srt_shm_hls_t  *sh;

    sh = hls->shm;

    if (sh->nsegs && sh->seg[sh->nsegs - 1].seq == seq) {
        sh->nsegs--;
    }

    if (sh->next_seq == seq + 1) {
        sh->next_seq = seq;
    }

    sh->disc_next = 1;
}


/* back in the event loop */

static void
ngx_srt_hls_written(ngx_event_t *ev)
{
    ngx_srt_hls_t  *hls = ev->data;

    ngx_int_t            lrc;
    ngx_srt_hls_job_t   *job;
    ngx_srt_shm_hls_t   *sh;

    job = hls->job;
    sh = hls->shm;

    hls->busy = 0;

    ngx_free(job->seg);
    job->seg = NULL;

    if (hls->out == NULL) {
        /* stopped meanwhile */
        if (hls->purge && !hls->purged) {
            ngx_srt_hls_purge(hls);
            return;
        }

        ngx_srt_hls_free(hls);
        return;
    }

    if (job->failed) {
        ngx_log_error(NGX_LOG_ERR, hls->log, job->err,
                      "srt route \"%s\": HLS %s \"%s\" failed", hls->name,
                      job->failed, job->path);

        (void) ngx_atomic_fetch_add(&sh->write_errors, 1);

        if (ngx_srt_lease_lock(&hls->out->stats->lease) == NGX_OK) {
            ngx_srt_hls_unwind(hls, job->seq);
            ngx_srt_lease_unlock(&hls->out->stats->lease);
        }
    }

    /* the next queued segment: the window is the lease holder's */

    lrc = ngx_srt_lease_lock(&hls->out->stats->lease);

    if (lrc == NGX_DECLINED) {
        ngx_srt_hls_stop(hls->out);     /* handed over meanwhile */
        return;
    }

    if (lrc == NGX_OK) {
        ngx_srt_hls_post(hls);
        ngx_srt_lease_unlock(&hls->out->stats->lease);
    }

    /* busy: the next cut posts it */
}
