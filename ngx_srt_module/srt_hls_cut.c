/*
 * Where HLS segments start (srt_hls_cut.h).
 */

#include <string.h>

#include "srt_hls_cut.h"
#include "srt_ts.h"


#define SRT_HLS_TS_MASK   ((1ULL << 33) - 1)
#define SRT_HLS_TS_HALF   (1ULL << 32)


static int64_t srt_hls_pes_ts(const uint8_t *pkt, int dts);




void
srt_hls_cutter_init(srt_hls_cutter_t *c, uint64_t target_ms,
    uint64_t max_ms)
{
    memset(c, 0, sizeof(srt_hls_cutter_t));

    c->target = target_ms * 90;
    c->max = (max_ms > target_ms ? max_ms : target_ms) * 90;
}


void
srt_hls_cutter_switch(srt_hls_cutter_t *c)
{
    c->disc = 1;
}


void
srt_hls_cutter_force(srt_hls_cutter_t *c)
{
    c->force = 1;
}


int
srt_hls_cutter_packet(srt_hls_cutter_t *c, const uint8_t *pkt, int rap)
{
    int64_t   t;
    uint64_t  d, done;

    t = srt_hls_pes_time(pkt);

    if (t < 0) {
        return SRT_HLS_CUT_NONE;
    }

    if (!c->started) {
        if (!rap) {
            return SRT_HLS_CUT_NONE;    /* segments start on a keyframe */
        }

        c->started = 1;
        c->start = (uint64_t) t;
        c->last = (uint64_t) t;
        c->step = 0;
        c->last_disc = c->disc;
        c->disc = 0;
        c->force = 0;

        return SRT_HLS_CUT_FIRST;
    }

    d = ((uint64_t) t - c->last) & SRT_HLS_TS_MASK;

    if (d >= SRT_HLS_TS_HALF || d > c->max) {

        /*
         * The timeline jumped (back, or forward by more than a segment):
         * the open segment keeps its length so far, counted on the new
         * timeline from here, and the next keyframe starts a
         * discontinuity.
         */
        done = ((c->last - c->start) & SRT_HLS_TS_MASK) + c->step;
        c->start = ((uint64_t) t - done) & SRT_HLS_TS_MASK;
        c->disc = 1;

    } else if (d) {
        c->step = d;
    }

    c->last = (uint64_t) t;

    d = ((uint64_t) t - c->start) & SRT_HLS_TS_MASK;

    if ((rap && (d >= c->target || c->disc || (c->force && d > 0)))
        || d >= c->max)
    {
        c->closed = d;
        c->start = (uint64_t) t;
        c->last_disc = c->disc;
        c->disc = 0;
        c->force = 0;

        return SRT_HLS_CUT;
    }

    return SRT_HLS_CUT_NONE;
}


int64_t
srt_hls_pes_time(const uint8_t *pkt)
{
    return srt_hls_pes_ts(pkt, 1);
}


int64_t
srt_hls_pes_pts(const uint8_t *pkt)
{
    return srt_hls_pes_ts(pkt, 0);
}


static int64_t
srt_hls_pes_ts(const uint8_t *pkt, int dts)
{
    size_t          off;
    unsigned        flags;
    const uint8_t  *p;

    if (!(pkt[1] & 0x40) || !(pkt[3] & 0x10)) {
        return -1;                      /* not a PES start, no payload */
    }

    off = 4;

    if (pkt[3] & 0x20) {
        off += 1 + (size_t) pkt[4];
    }

    if (off + 19 > 188) {
        return -1;
    }

    p = pkt + off;

    if (p[0] != 0 || p[1] != 0 || p[2] != 1 || (p[6] & 0xc0) != 0x80) {
        return -1;
    }

    flags = p[7] >> 6;

    if (flags == 3 && dts) {
        return (int64_t) srt_ts_pes_ts(p + 14);     /* DTS */
    }

    if (flags == 3) {
        return (int64_t) srt_ts_pes_ts(p + 9);      /* PTS */
    }

    if (flags == 2) {
        return (int64_t) srt_ts_pes_ts(p + 9);      /* PTS */
    }

    return -1;
}


size_t
srt_hls_trim(uint8_t *buf, size_t len, uint16_t pid, size_t off,
    size_t *marks, size_t nmarks)
{
    size_t  from, to, i;

    if (off >= len) {
        return len;
    }

    for (from = off, to = off; from < len; from += 188) {
        for (i = 0; i < nmarks; i++) {
            if (marks[i] == from) {
                marks[i] = to;
            }
        }

        if (srt_ts_pid(buf + from) == pid) {
            continue;
        }

        if (to != from) {
            memmove(buf + to, buf + from, 188);
        }

        to += 188;
    }

    for (i = 0; i < nmarks; i++) {
        if (marks[i] >= len) {
            marks[i] = to;
        }
    }

    return to;
}


void
srt_hls_pes_packet(srt_hls_pes_t *p, const uint8_t *pkt)
{
    size_t  off, n;

    if (!(pkt[3] & 0x10)) {
        return;                         /* adaptation only */
    }

    off = 4;

    if (pkt[3] & 0x20) {
        off += 1 + (size_t) pkt[4];
    }

    n = off < 188 ? 188 - off : 0;

    if (pkt[1] & 0x40) {
        p->want = 0;
        p->have = n;

        if (n >= 6 && pkt[off] == 0 && pkt[off + 1] == 0
            && pkt[off + 2] == 1)
        {
            p->want = ((size_t) pkt[off + 4] << 8 | pkt[off + 5]);
            p->want += p->want ? 6 : 0;
        }

        return;
    }

    p->have += n;
}


int
srt_hls_pes_whole(const srt_hls_pes_t *p)
{
    return p->want != 0 && p->have >= p->want;
}
