/*
 * Unit tests for the MPEG-TS checker (tools/tscheck/ts_check.c).
 *
 * Streams are synthesised here on a 10 ms tick of 10 packets (1.504 Mbit/s):
 * PAT and PMT every 100 ms, a video PID (3 packets a tick, PCR every 20 ms,
 * a PES with a PTS every 40 ms), an audio PID (a PES with a PTS every
 * 20 ms) and null packets.  A clean stream gives no error at all; each
 * test injects one fault and checks the exact count of every indicator.
 * Streams are handed over in heap buffers of the exact size, so ASan
 * catches any read past them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ts_check.h"


#define TS              TSC_PACKET
#define PER_TICK        10              /* packets per 10 ms */
#define TICK_27M        270000          /* 10 ms at 27 MHz */
#define TICK_90K        900
#define MS_27M          27000

#define PMT_PID         0x1000
#define VIDEO_PID       0x0100
#define AUDIO_PID       0x0101
#define EXTRA_PID       0x0102


typedef struct {
    int         ticks;
    int         no_pat_from, no_pat_to;     /* [from, to): ticks */
    int         no_pmt_from, no_pmt_to;
    int         no_pcr_from, no_pcr_to;
    int         no_pts_from, no_pts_to;
    int         pcr_jump_at;                /* ticks from here on */
    int64_t     pcr_jump;                   /* 27 MHz */
    int         di_at;                      /* discontinuity_indicator */
    int         burst_at;                   /* this tick and the next */
    int         burst_x;                    /* carry burst_x times more */
    int         bad_crc_at;                 /* the PAT of this tick */
    int         extra_es;                   /* PMT lists EXTRA_PID */
} gen_opts_t;


typedef struct {
    uint8_t    *p;
    size_t      n;                          /* packets */
    size_t      cap;
    uint8_t     cc[TSC_NPIDS];
} stream_t;


static void
gen_defaults(gen_opts_t *o, int ticks)
{
    memset(o, 0, sizeof(*o));
    o->ticks = ticks;
    o->no_pat_from = o->no_pat_to = -1;
    o->no_pmt_from = o->no_pmt_to = -1;
    o->no_pcr_from = o->no_pcr_to = -1;
    o->no_pts_from = o->no_pts_to = -1;
    o->pcr_jump_at = -1;
    o->di_at = -1;
    o->burst_at = -1;
    o->bad_crc_at = -1;
}


static int
in_range(int k, int from, int to)
{
    return k >= from && k < to;
}


static uint8_t *
pkt_new(stream_t *s, unsigned pid, int pusi)
{
    uint8_t  *p;

    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->p = realloc(s->p, s->cap * TS);
        assert_non_null(s->p);
    }

    p = s->p + s->n++ * TS;
    memset(p, pid == TSC_NULL_PID ? 0xff : 0xaa, TS);
    p[0] = 0x47;
    p[1] = (uint8_t) ((pusi ? 0x40 : 0) | (pid >> 8));
    p[2] = (uint8_t) pid;

    if (pid == TSC_NULL_PID) {
        p[3] = 0x10;
    } else {
        p[3] = (uint8_t) (0x10 | s->cc[pid]);
        s->cc[pid] = (s->cc[pid] + 1) & 0x0f;
    }

    return p;
}


/* an adaptation field (with a PCR if pcr >= 0); returns the payload */

static uint8_t *
pkt_af(uint8_t *p, int64_t pcr, int di)
{
    int64_t  base;

    p[3] = (uint8_t) (0x30 | (p[3] & 0x0f));
    p[4] = pcr >= 0 ? 7 : 1;
    p[5] = (uint8_t) ((di ? 0x80 : 0) | (pcr >= 0 ? 0x10 : 0));

    if (pcr >= 0) {
        base = pcr / 300;
        p[6] = (uint8_t) (base >> 25);
        p[7] = (uint8_t) (base >> 17);
        p[8] = (uint8_t) (base >> 9);
        p[9] = (uint8_t) (base >> 1);
        p[10] = (uint8_t) (((base & 1) << 7) | 0x7e | ((pcr % 300) >> 8));
        p[11] = (uint8_t) (pcr % 300);
    }

    return p + 5 + p[4];
}


static void
pes_header(uint8_t *d, unsigned sid, int64_t pts)
{
    d[0] = 0;
    d[1] = 0;
    d[2] = 1;
    d[3] = (uint8_t) sid;
    d[4] = 0;
    d[5] = 0;
    d[6] = 0x80;

    if (pts < 0) {
        d[7] = 0;
        d[8] = 0;
        return;
    }

    d[7] = 0x80;
    d[8] = 5;
    d[9] = (uint8_t) (0x21 | ((pts >> 29) & 0x0e));
    d[10] = (uint8_t) (pts >> 22);
    d[11] = (uint8_t) (0x01 | ((pts >> 14) & 0xfe));
    d[12] = (uint8_t) (pts >> 7);
    d[13] = (uint8_t) (0x01 | ((pts << 1) & 0xfe));
}


static void
section_crc(uint8_t *sec, size_t len_without_crc)
{
    uint32_t  crc;

    crc = ts_check_crc32(sec, len_without_crc);
    sec[len_without_crc] = (uint8_t) (crc >> 24);
    sec[len_without_crc + 1] = (uint8_t) (crc >> 16);
    sec[len_without_crc + 2] = (uint8_t) (crc >> 8);
    sec[len_without_crc + 3] = (uint8_t) crc;
}


static void
psi_packet(stream_t *s, unsigned pid, const uint8_t *sec, size_t len)
{
    uint8_t  *p;

    p = pkt_new(s, pid, 1);
    memset(p + 4, 0xff, TS - 4);
    p[4] = 0;                               /* pointer_field */
    memcpy(p + 5, sec, len);
}


static void
gen_pat(stream_t *s, int bad_crc)
{
    uint8_t  sec[16] = {
        0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00,
        0x00, 0x01, 0xe0 | (PMT_PID >> 8), PMT_PID & 0xff,
    };

    section_crc(sec, 12);
    if (bad_crc) {
        sec[15] ^= 0x01;
    }

    psi_packet(s, 0, sec, 16);
}


static void
gen_pmt(stream_t *s, int extra)
{
    size_t   n;
    uint8_t  sec[64] = {
        0x02, 0xb0, 0x00, 0x00, 0x01, 0xc1, 0x00, 0x00,
        0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
        0x1b, 0xe0 | (VIDEO_PID >> 8), VIDEO_PID & 0xff, 0xf0, 0x00,
        0x0f, 0xe0 | (AUDIO_PID >> 8), AUDIO_PID & 0xff, 0xf0, 0x00,
        0x06, 0xe0 | (EXTRA_PID >> 8), EXTRA_PID & 0xff, 0xf0, 0x00,
    };

    n = extra ? 27 : 22;
    sec[2] = (uint8_t) (n + 4 - 3);
    section_crc(sec, n);

    psi_packet(s, PMT_PID, sec, n + 4);
}


static stream_t *
gen(const gen_opts_t *o)
{
    int        k, i, left;
    int64_t    pcr;
    uint8_t   *p, *d;
    stream_t  *s;

    s = calloc(1, sizeof(stream_t));
    assert_non_null(s);

    for (k = 0; k < o->ticks; k++) {
        left = PER_TICK;

        if (o->burst_at >= 0 && (k == o->burst_at || k == o->burst_at + 1)) {
            left *= o->burst_x;
        }

        if (k % 10 == 0) {
            if (!in_range(k, o->no_pat_from, o->no_pat_to)) {
                gen_pat(s, k == o->bad_crc_at);
                left--;
            }
            if (!in_range(k, o->no_pmt_from, o->no_pmt_to)) {
                gen_pmt(s, o->extra_es);
                left--;
            }
        }

        /* video: PCR every 20 ms, a PES every 40 ms */
        for (i = 0; i < 3; i++) {
            p = pkt_new(s, VIDEO_PID, i == 0 && k % 4 == 0);
            d = p + 4;

            if (i == 0 && k % 2 == 0
                && !in_range(k, o->no_pcr_from, o->no_pcr_to))
            {
                pcr = 27000000 + (int64_t) k * TICK_27M;
                if (o->pcr_jump_at >= 0 && k >= o->pcr_jump_at) {
                    pcr += o->pcr_jump;
                }
                d = pkt_af(p, pcr, k == o->di_at);

            } else if (i == 0 && k == o->di_at) {
                d = pkt_af(p, -1, 1);
            }

            if (i == 0 && k % 4 == 0) {
                pes_header(d, 0xe0,
                           in_range(k, o->no_pts_from, o->no_pts_to)
                           ? -1 : 180000 + (int64_t) k * TICK_90K);
            }
            left--;
        }

        /* audio: a PES every 20 ms */
        p = pkt_new(s, AUDIO_PID, k % 2 == 1);
        if (k % 2 == 1) {
            pes_header(p + 4, 0xc0, 180000 + (int64_t) k * TICK_90K);
        }
        left--;

        while (left-- > 0) {
            pkt_new(s, TSC_NULL_PID, 0);
        }
    }

    return s;
}


static void
st_free(stream_t *s)
{
    free(s->p);
    free(s);
}


/* the index of the nth packet (from 0) of a PID */

static size_t
find_pkt(const stream_t *s, unsigned pid, size_t nth)
{
    size_t    i;
    unsigned  p;

    for (i = 0; i < s->n; i++) {
        p = ((unsigned) (s->p[i * TS + 1] & 0x1f) << 8) | s->p[i * TS + 2];
        if (p == pid && nth-- == 0) {
            return i;
        }
    }

    fail_msg("no packet %zu on PID %u", nth, pid);
    return 0;
}


static void
st_delete(stream_t *s, size_t i)
{
    memmove(s->p + i * TS, s->p + (i + 1) * TS, (s->n - i - 1) * TS);
    s->n--;
}


static void
st_duplicate(stream_t *s, size_t i)
{
    if (s->n == s->cap) {
        s->cap *= 2;
        s->p = realloc(s->p, s->cap * TS);
        assert_non_null(s->p);
    }

    memmove(s->p + (i + 1) * TS, s->p + i * TS, (s->n - i) * TS);
    s->n++;
}


/* checking */

static ts_check_t *
check_chunks(const uint8_t *data, size_t len, const ts_check_opts_t *o,
    size_t chunk)
{
    size_t       off, n;
    uint8_t     *b;
    ts_check_t  *c;

    c = malloc(sizeof(ts_check_t));
    assert_non_null(c);
    ts_check_init(c, o);

    for (off = 0; off < len; off += n) {
        n = len - off < chunk ? len - off : chunk;
        b = malloc(n);
        assert_non_null(b);
        memcpy(b, data + off, n);
        ts_check_feed(c, b, n, -1);
        free(b);
    }

    ts_check_finish(c);

    return c;
}


static ts_check_t *
check(const stream_t *s, const ts_check_opts_t *o)
{
    return check_chunks(s->p, s->n * TS, o, s->n * TS);
}


/* the count of every indicator: expected values in indicator order */

static void
expect_counts(const ts_check_t *c, const uint64_t want[TSC_NIND])
{
    unsigned  i;
    unsigned  n, k;

    const tsc_event_t  *ev;

    for (i = 0; i < TSC_NIND; i++) {
        if (ts_check_count(c, (tsc_indicator_t) i) != want[i]) {
            ev = ts_check_events(c, &n);
            for (k = 0; k < n; k++) {
                print_message("  event %s pid %u packet %llu: %s\n",
                              ts_check_indicator_name(ev[k].ind), ev[k].pid,
                              (unsigned long long) ev[k].packet,
                              ev[k].detail);
            }
            fail_msg("%s: %llu, expected %llu",
                     ts_check_indicator_name((tsc_indicator_t) i),
                     (unsigned long long) ts_check_count(c,
                                                         (tsc_indicator_t) i),
                     (unsigned long long) want[i]);
        }
    }
}


static void
expect_only(const ts_check_t *c, tsc_indicator_t ind, uint64_t n)
{
    uint64_t  want[TSC_NIND];

    memset(want, 0, sizeof(want));
    want[ind] = n;
    expect_counts(c, want);
}


static void
run_expect_only(const gen_opts_t *g, tsc_indicator_t ind, uint64_t n)
{
    stream_t    *s;
    ts_check_t  *c;

    s = gen(g);
    c = check(s, NULL);
    expect_only(c, ind, n);
    free(c);
    st_free(s);
}


/* tests */

static void
test_crc(void **state)
{
    (void) state;

    assert_int_equal(ts_check_crc32((const uint8_t *) "123456789", 9),
                     0x0376e6e7);
}


static void
test_clean(void **state)
{
    uint64_t          zero[TSC_NIND];
    stream_t         *s;
    gen_opts_t        g;
    ts_check_t       *c;
    const tsc_pid_t  *ps;

    (void) state;

    gen_defaults(&g, 200);
    s = gen(&g);
    c = check(s, NULL);

    memset(zero, 0, sizeof(zero));
    expect_counts(c, zero);
    assert_int_equal(ts_check_packets(c), 2000);
    assert_int_equal(c->skipped, 0);
    assert_string_equal(ts_check_clock_name(c), "pcr");
    assert_true(ts_check_duration_us(c) > 1980000);
    assert_true(ts_check_duration_us(c) < 2000000);

    ps = ts_check_pid(c, VIDEO_PID);
    assert_int_equal(ps->packets, 600);
    assert_int_equal(ps->type, TSC_TYPE_VIDEO);
    assert_int_equal(ps->stream_type, 0x1b);
    assert_int_equal(ts_check_pid(c, AUDIO_PID)->type, TSC_TYPE_AUDIO);
    assert_int_equal(ts_check_pid(c, PMT_PID)->type, TSC_TYPE_PMT);
    assert_int_equal(ts_check_pid(c, 0)->packets, 20);
    assert_int_equal(ts_check_pid(c, TSC_NULL_PID)->packets, 2000 - 20 - 20
                     - 600 - 200);

    free(c);
    st_free(s);
}


static void
test_cc_skip(void **state)
{
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);
    s = gen(&g);
    st_delete(s, find_pkt(s, VIDEO_PID, 3 * 50 + 1));
    c = check(s, NULL);

    expect_only(c, TSC_CC_ERROR, 1);
    assert_int_equal(ts_check_pid(c, VIDEO_PID)->cc_errors, 1);
    assert_int_equal(ts_check_pid(c, AUDIO_PID)->cc_errors, 0);

    free(c);
    st_free(s);
}


static void
test_cc_repeat(void **state)
{
    size_t       i;
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);

    /* once: allowed */
    s = gen(&g);
    i = find_pkt(s, VIDEO_PID, 3 * 50 + 1);
    st_duplicate(s, i);
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 0);
    free(c);
    st_free(s);

    /* a PAT repeated once: parsed once, no error either */
    s = gen(&g);
    st_duplicate(s, find_pkt(s, 0, 5));
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 0);
    free(c);
    st_free(s);

    /* three times: one error */
    s = gen(&g);
    i = find_pkt(s, VIDEO_PID, 3 * 50 + 1);
    st_duplicate(s, i);
    st_duplicate(s, i);
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 1);
    free(c);
    st_free(s);
}


static void
test_cc_discontinuity(void **state)
{
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    /* the packet before tick 50's first video packet lost: flagged */
    gen_defaults(&g, 200);
    s = gen(&g);
    st_delete(s, find_pkt(s, VIDEO_PID, 3 * 50 - 1));
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 1);
    free(c);
    st_free(s);

    /* the same with the discontinuity_indicator there: fine */
    g.di_at = 50;
    s = gen(&g);
    st_delete(s, find_pkt(s, VIDEO_PID, 3 * 50 - 1));
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 0);
    free(c);
    st_free(s);

    /* and on a packet without PCR (odd tick) */
    g.di_at = 51;
    s = gen(&g);
    st_delete(s, find_pkt(s, VIDEO_PID, 3 * 51 - 1));
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 0);
    free(c);
    st_free(s);
}


static void
test_cc_adaptation_only(void **state)
{
    size_t       i;
    uint8_t     *p;
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    /* a copy of a video packet turned adaptation-only keeps its CC */
    gen_defaults(&g, 200);
    s = gen(&g);
    i = find_pkt(s, VIDEO_PID, 3 * 50 + 1);
    st_duplicate(s, i);
    p = s->p + (i + 1) * TS;
    p[3] = (uint8_t) (0x20 | (p[3] & 0x0f));
    p[4] = 183;
    p[5] = 0;
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 0);
    free(c);

    /* ... and an error when it changes it */
    p = s->p + (i + 1) * TS;
    p[3] = (uint8_t) (0x20 | ((p[3] + 1) & 0x0f));
    c = check(s, NULL);
    expect_only(c, TSC_CC_ERROR, 1);
    free(c);
    st_free(s);
}


static void
test_sync_byte(void **state)
{
    uint64_t     want[TSC_NIND];
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);

    /* one corrupted null packet */
    s = gen(&g);
    s->p[find_pkt(s, TSC_NULL_PID, 500) * TS] = 0x46;
    c = check(s, NULL);
    expect_only(c, TSC_SYNC_BYTE_ERROR, 1);
    assert_int_equal(ts_check_packets(c), 2000);
    free(c);
    st_free(s);

    /* one corrupted video packet: not parsed, so a CC error follows */
    s = gen(&g);
    s->p[find_pkt(s, VIDEO_PID, 100 * 3 + 1) * TS] = 0x00;
    c = check(s, NULL);
    memset(want, 0, sizeof(want));
    want[TSC_SYNC_BYTE_ERROR] = 1;
    want[TSC_CC_ERROR] = 1;
    expect_counts(c, want);
    free(c);
    st_free(s);

    /* two, not in a row: one Sync_byte_error each, sync kept */
    s = gen(&g);
    s->p[find_pkt(s, TSC_NULL_PID, 500) * TS] = 0x00;
    s->p[find_pkt(s, TSC_NULL_PID, 600) * TS] = 0x00;
    c = check(s, NULL);
    expect_only(c, TSC_SYNC_BYTE_ERROR, 2);
    free(c);
    st_free(s);
}


static void
test_sync_loss(void **state)
{
    size_t       i;
    uint64_t     want[TSC_NIND];
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);
    memset(want, 0, sizeof(want));
    want[TSC_SYNC_BYTE_ERROR] = 2;
    want[TSC_TS_SYNC_LOSS] = 1;

    /* two consecutive: lost, found again on the next packet */
    s = gen(&g);
    i = find_pkt(s, TSC_NULL_PID, 500);
    assert_int_equal(find_pkt(s, TSC_NULL_PID, 501), i + 1);
    s->p[i * TS] = 0x00;
    s->p[(i + 1) * TS] = 0x00;
    c = check(s, NULL);
    expect_counts(c, want);
    assert_int_equal(ts_check_packets(c), 2000);
    assert_int_equal(c->skipped, TS);
    free(c);

    /* three: the third is skipped while hunting */
    s->p[(i + 2) * TS] = 0x00;
    c = check(s, NULL);
    expect_counts(c, want);
    assert_int_equal(ts_check_packets(c), 1999);
    assert_int_equal(c->skipped, 2 * TS);
    free(c);
    st_free(s);

    /* 20 bytes of garbage inserted: two bad sync bytes, found again */
    s = gen(&g);
    i = find_pkt(s, TSC_NULL_PID, 500);
    c = malloc(sizeof(ts_check_t));
    assert_non_null(c);
    ts_check_init(c, NULL);
    ts_check_feed(c, s->p, i * TS, -1);
    ts_check_feed(c, (const uint8_t *) "twenty bytes garbage", 20, -1);
    ts_check_feed(c, s->p + i * TS, (s->n - i) * TS, -1);
    ts_check_finish(c);
    expect_counts(c, want);
    free(c);
    st_free(s);
}


static void
test_pat_missing(void **state)
{
    gen_opts_t  g;

    (void) state;

    /* PATs at 0.4 s and 1.5 s: one gap */
    gen_defaults(&g, 200);
    g.no_pat_from = 50;
    g.no_pat_to = 150;
    run_expect_only(&g, TSC_PAT_ERROR, 1);

    /* 0.5 s exactly is not missing */
    gen_defaults(&g, 200);
    g.no_pat_from = 50;
    g.no_pat_to = 90;
    run_expect_only(&g, TSC_PAT_ERROR, 0);

    /* no PAT at all: one (long) gap, and nothing known about PMTs */
    gen_defaults(&g, 200);
    g.no_pat_from = 0;
    g.no_pat_to = 200;
    run_expect_only(&g, TSC_PAT_ERROR, 1);
}


static void
test_pat_table_id(void **state)
{
    size_t       i;
    uint64_t     want[TSC_NIND];
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);
    s = gen(&g);

    /* a PAT with table_id 0x02, and a scrambled one */
    i = find_pkt(s, 0, 5);
    s->p[i * TS + 5] = 0x02;
    s->p[find_pkt(s, 0, 6) * TS + 3] |= 0x80;
    c = check(s, NULL);

    memset(want, 0, sizeof(want));
    want[TSC_PAT_ERROR] = 2;
    want[TSC_CRC_ERROR] = 1;                /* the first one's CRC */
    expect_counts(c, want);

    free(c);
    st_free(s);
}


static void
test_pmt_missing(void **state)
{
    gen_opts_t  g;

    (void) state;

    gen_defaults(&g, 200);
    g.no_pmt_from = 50;
    g.no_pmt_to = 150;
    run_expect_only(&g, TSC_PMT_ERROR, 1);

    /* never there */
    gen_defaults(&g, 200);
    g.no_pmt_from = 0;
    g.no_pmt_to = 200;
    run_expect_only(&g, TSC_PMT_ERROR, 1);
}


static void
test_pid_missing(void **state)
{
    stream_t         *s;
    gen_opts_t        g;
    ts_check_t       *c;
    ts_check_opts_t   o;

    (void) state;

    /* listed, never sent: one error after 5 s */
    gen_defaults(&g, 700);
    g.extra_es = 1;
    run_expect_only(&g, TSC_PID_ERROR, 1);

    /* a 4 s stream is too short for that */
    gen_defaults(&g, 400);
    g.extra_es = 1;
    run_expect_only(&g, TSC_PID_ERROR, 0);

    /* ... unless the period is 2 s */
    s = gen(&g);
    memset(&o, 0, sizeof(o));
    o.pid_timeout_us = 2000000;
    c = check(s, &o);
    expect_only(c, TSC_PID_ERROR, 1);
    assert_int_equal(ts_check_pid(c, EXTRA_PID)->packets, 0);
    assert_true(ts_check_pid(c, EXTRA_PID)->is_es);
    free(c);
    st_free(s);
}


static void
test_pcr_gap(void **state)
{
    gen_opts_t  g;

    (void) state;

    /* PCRs at 0.98 s and 1.04 s */
    gen_defaults(&g, 200);
    g.no_pcr_from = 100;
    g.no_pcr_to = 104;
    run_expect_only(&g, TSC_PCR_REPETITION_ERROR, 1);

    /* 40 ms is fine */
    gen_defaults(&g, 200);
    g.no_pcr_from = 100;
    g.no_pcr_to = 101;
    run_expect_only(&g, TSC_PCR_REPETITION_ERROR, 0);
}


static void
test_pcr_jump(void **state)
{
    gen_opts_t  g;

    (void) state;

    gen_defaults(&g, 200);
    g.pcr_jump_at = 100;
    g.pcr_jump = 500 * MS_27M;
    run_expect_only(&g, TSC_PCR_DISCONTINUITY_ERROR, 1);

    g.pcr_jump = -500 * MS_27M;
    run_expect_only(&g, TSC_PCR_DISCONTINUITY_ERROR, 1);

    /* announced: fine */
    g.pcr_jump = 500 * MS_27M;
    g.di_at = 100;
    run_expect_only(&g, TSC_PCR_DISCONTINUITY_ERROR, 0);
}


/*
 * A switch to an input of another bit rate: a key frame burst right after
 * a discontinuity is 20 ms of stream time by the PCRs, not the 800 ms the
 * old rate would make of its bytes; no PAT or PMT interval error.
 */

static void
test_rate_change_at_discontinuity(void **state)
{
    gen_opts_t  g;

    (void) state;

    gen_defaults(&g, 200);
    g.pcr_jump_at = 102;
    g.pcr_jump = 300 * MS_27M;
    g.di_at = 102;
    g.burst_at = 102;
    g.burst_x = 40;
    run_expect_only(&g, TSC_PAT_ERROR, 0);
}


static void
test_pts_gap(void **state)
{
    gen_opts_t  g;

    (void) state;

    /* video PTS at 0.96 s, then 2.0 s */
    gen_defaults(&g, 300);
    g.no_pts_from = 100;
    g.no_pts_to = 200;
    run_expect_only(&g, TSC_PTS_ERROR, 1);

    /* PTS at 0.96 s, then 1.6 s: under 700 ms */
    gen_defaults(&g, 300);
    g.no_pts_from = 100;
    g.no_pts_to = 160;
    run_expect_only(&g, TSC_PTS_ERROR, 0);
}


static void
test_bad_crc(void **state)
{
    gen_opts_t  g;

    (void) state;

    gen_defaults(&g, 200);
    g.bad_crc_at = 50;
    run_expect_only(&g, TSC_CRC_ERROR, 1);
}


static void
test_bitrate_clock(void **state)
{
    stream_t         *s;
    gen_opts_t        g;
    ts_check_t       *c;
    ts_check_opts_t   o;

    (void) state;

    /* no PCR at all: no time passes without -b ... */
    gen_defaults(&g, 200);
    g.no_pcr_from = 0;
    g.no_pcr_to = 200;
    g.no_pat_from = 50;
    g.no_pat_to = 150;
    s = gen(&g);
    c = check(s, NULL);
    expect_only(c, TSC_PAT_ERROR, 0);
    assert_string_equal(ts_check_clock_name(c), "none");
    assert_int_equal(ts_check_duration_us(c), 0);
    free(c);

    /* ... with it, the byte position is the clock */
    memset(&o, 0, sizeof(o));
    o.bitrate = 1504000;
    c = check(s, &o);
    expect_only(c, TSC_PAT_ERROR, 1);
    assert_string_equal(ts_check_clock_name(c), "bitrate");
    assert_true(ts_check_duration_us(c) > 1980000);
    assert_true(ts_check_duration_us(c) < 2000000);
    free(c);
    st_free(s);
}


static void
test_arrival_clock(void **state)
{
    size_t            k, per;
    uint64_t          want[TSC_NIND];
    stream_t         *s;
    gen_opts_t        g;
    ts_check_t       *c;
    ts_check_opts_t   o;

    (void) state;

    /* 1 s of stream arriving in real time, then 2 s of silence */
    gen_defaults(&g, 100);
    s = gen(&g);

    memset(&o, 0, sizeof(o));
    o.clock = TSC_CLOCK_ARRIVAL;
    c = malloc(sizeof(ts_check_t));
    assert_non_null(c);
    ts_check_init(c, &o);

    per = PER_TICK * TS;
    for (k = 0; k < 100; k++) {
        ts_check_feed(c, s->p + k * per, per, 5000000 + (int64_t) k * 10000);
    }

    memset(want, 0, sizeof(want));
    expect_counts(c, want);

    for (k = 0; k < 20; k++) {
        ts_check_tick(c, 6000000 + (int64_t) k * 100000);
    }

    ts_check_finish(c);

    want[TSC_PAT_ERROR] = 1;
    want[TSC_PMT_ERROR] = 1;
    expect_counts(c, want);
    assert_string_equal(ts_check_clock_name(c), "arrival");
    assert_int_equal(ts_check_duration_us(c), 2900000);

    free(c);
    st_free(s);
}


/* a stream with a bit of everything, fed in every chunk size 1..400 */

static void
test_chunks(void **state)
{
    size_t              i, chunk, len;
    unsigned            k, n0, n1;
    stream_t           *s;
    gen_opts_t          g;
    ts_check_t         *ref, *c;
    const tsc_event_t  *e0, *e1;

    (void) state;

    gen_defaults(&g, 120);
    g.no_pcr_from = 20;
    g.no_pcr_to = 24;
    g.no_pat_from = 30;
    g.no_pat_to = 100;
    g.pcr_jump_at = 60;
    g.pcr_jump = 200 * MS_27M;
    g.bad_crc_at = 110;
    s = gen(&g);

    st_delete(s, find_pkt(s, AUDIO_PID, 10));
    i = find_pkt(s, VIDEO_PID, 40);
    st_duplicate(s, i);
    st_duplicate(s, i);
    s->p[find_pkt(s, TSC_NULL_PID, 100) * TS] = 0x00;
    for (k = 300; find_pkt(s, TSC_NULL_PID, k + 1)
                  != find_pkt(s, TSC_NULL_PID, k) + 1; k++) { }
    i = find_pkt(s, TSC_NULL_PID, k);
    s->p[i * TS] = 0x00;
    s->p[(i + 1) * TS] = 0x00;
    len = s->n * TS;

    ref = check(s, NULL);
    assert_int_equal(ts_check_count(ref, TSC_CC_ERROR), 2);
    assert_int_equal(ts_check_count(ref, TSC_SYNC_BYTE_ERROR), 3);
    assert_int_equal(ts_check_count(ref, TSC_TS_SYNC_LOSS), 1);
    assert_int_equal(ts_check_count(ref, TSC_PAT_ERROR), 1);
    assert_int_equal(ts_check_count(ref, TSC_PCR_REPETITION_ERROR), 1);
    assert_int_equal(ts_check_count(ref, TSC_PCR_DISCONTINUITY_ERROR), 1);
    assert_int_equal(ts_check_count(ref, TSC_CRC_ERROR), 1);

    for (chunk = 1; chunk <= 400; chunk++) {
        c = check_chunks(s->p, len, NULL, chunk);

        for (k = 0; k < TSC_NIND; k++) {
            if (c->counts[k] != ref->counts[k]) {
                fail_msg("chunk %zu: %s %llu, expected %llu", chunk,
                         ts_check_indicator_name((tsc_indicator_t) k),
                         (unsigned long long) c->counts[k],
                         (unsigned long long) ref->counts[k]);
            }
        }

        assert_int_equal(c->packets, ref->packets);
        assert_int_equal(c->skipped, ref->skipped);
        assert_int_equal(ts_check_duration_us(c), ts_check_duration_us(ref));

        e0 = ts_check_events(ref, &n0);
        e1 = ts_check_events(c, &n1);
        assert_int_equal(n0, n1);

        for (k = 0; k < n0; k++) {
            assert_int_equal(e0[k].ind, e1[k].ind);
            assert_int_equal(e0[k].pid, e1[k].pid);
            assert_int_equal(e0[k].packet, e1[k].packet);
            assert_int_equal(e0[k].offset, e1[k].offset);
            assert_int_equal(e0[k].time_us, e1[k].time_us);
            assert_string_equal(e0[k].detail, e1[k].detail);
        }

        free(c);
    }

    free(ref);
    st_free(s);
}


/* the reports */

static void
test_reports(void **state)
{
    long         n;
    char        *text;
    FILE        *f;
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    gen_defaults(&g, 200);
    s = gen(&g);
    st_delete(s, find_pkt(s, VIDEO_PID, 3 * 50 + 1));
    c = check(s, NULL);

    f = tmpfile();
    assert_non_null(f);
    ts_check_print_json(c, f);
    n = ftell(f);
    assert_true(n > 0);
    text = calloc(1, (size_t) n + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t) n, f), (size_t) n);
    fclose(f);

    assert_non_null(strstr(text, "{\"packets\":1999,"));
    assert_non_null(strstr(text, "\"priority1\":{\"TS_sync_loss\":0,"));
    assert_non_null(strstr(text, "\"Continuity_count_error\":1,"));
    assert_non_null(strstr(text, "\"priority2\":{\"Transport_error\":0,"));
    assert_non_null(strstr(text, "\"256\":{\"packets\":599,\"cc_errors\":1,"
                                 "\"type\":\"video\",\"stream_type\":27}"));
    assert_non_null(strstr(text, "\"errors\":[{\"indicator\":"
                                 "\"Continuity_count_error\",\"pid\":256,"));
    assert_string_equal(text + n - 3, "]}\n");
    free(text);

    f = tmpfile();
    assert_non_null(f);
    ts_check_print_text(c, f);
    n = ftell(f);
    text = calloc(1, (size_t) n + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t) n, f), (size_t) n);
    fclose(f);

    assert_non_null(strstr(text, "Continuity_count_error"));
    assert_non_null(strstr(text, "PID 0x0100 (256): CC"));
    assert_non_null(strstr(text, "PRIORITY 1 ERRORS"));
    free(text);

    free(c);
    st_free(s);
}


/* random input never crashes (ASan/UBSan) */

static uint32_t
rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}


static void
feed_random_chunks(ts_check_t *c, const uint8_t *p, size_t len, uint32_t *x)
{
    size_t    off, n;
    uint8_t  *b;

    for (off = 0; off < len; off += n) {
        n = 1 + rnd(x) % 3000;
        if (n > len - off) {
            n = len - off;
        }
        b = malloc(n);
        assert_non_null(b);
        memcpy(b, p + off, n);
        ts_check_feed(c, b, n, -1);
        free(b);
    }

    ts_check_finish(c);
}


static void
test_garbage(void **state)
{
    int          round;
    size_t       len, i;
    uint8_t     *p;
    uint32_t     x;
    FILE        *null;
    stream_t    *s;
    gen_opts_t   g;
    ts_check_t  *c;

    (void) state;

    x = 0x12345678;
    null = fopen("/dev/null", "w");
    assert_non_null(null);
    c = malloc(sizeof(ts_check_t));
    assert_non_null(c);

    gen_defaults(&g, 100);
    g.extra_es = 1;
    s = gen(&g);

    for (round = 0; round < 300; round++) {
        len = rnd(&x) % 200000;
        p = malloc(len ? len : 1);
        assert_non_null(p);

        switch (round % 3) {

        case 0:                             /* bytes */
            for (i = 0; i < len; i++) {
                p[i] = (uint8_t) rnd(&x);
            }
            break;

        case 1:                             /* packets of random bytes */
            for (i = 0; i < len; i++) {
                p[i] = (uint8_t) rnd(&x);
                if (i % TS == 0) {
                    p[i] = 0x47;
                }
                if (i % TS == 1 && rnd(&x) % 2) {
                    p[i] &= 0x60;           /* PID 0 or a PMT PID */
                    if (rnd(&x) % 2) {
                        p[i] |= PMT_PID >> 8;
                        p[i + 1 < len ? i + 1 : i] = 0;
                        i++;
                    }
                }
            }
            break;

        default:                            /* a stream, mutated */
            if (len > s->n * TS) {
                len = s->n * TS;
            }
            memcpy(p, s->p, len);
            for (i = 0; i < len / 50 + 1 && len; i++) {
                p[rnd(&x) % len] = (uint8_t) rnd(&x);
            }
            break;
        }

        ts_check_init(c, NULL);
        feed_random_chunks(c, p, len, &x);
        ts_check_print_json(c, null);
        ts_check_print_text(c, null);
        assert_true(c->packets <= len / TS + 1);
        free(p);
    }

    /* empty input */
    ts_check_init(c, NULL);
    ts_check_finish(c);
    expect_only(c, TSC_TS_SYNC_LOSS, 0);
    ts_check_print_json(c, null);

    /* garbage only: never in sync */
    p = malloc(1000);
    assert_non_null(p);
    memset(p, 0x55, 1000);
    ts_check_init(c, NULL);
    ts_check_feed(c, p, 1000, -1);
    ts_check_finish(c);
    expect_only(c, TSC_TS_SYNC_LOSS, 1);
    free(p);

    /* three packets only: accepted at the end of the input */
    ts_check_init(c, NULL);
    p = malloc(3 * TS);
    assert_non_null(p);
    memcpy(p, s->p, 3 * TS);
    ts_check_feed(c, p, 3 * TS, -1);
    ts_check_finish(c);
    expect_only(c, TSC_TS_SYNC_LOSS, 0);
    assert_int_equal(c->packets, 3);
    free(p);

    fclose(null);
    free(c);
    st_free(s);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_crc),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_cc_skip),
        cmocka_unit_test(test_cc_repeat),
        cmocka_unit_test(test_cc_discontinuity),
        cmocka_unit_test(test_rate_change_at_discontinuity),
        cmocka_unit_test(test_cc_adaptation_only),
        cmocka_unit_test(test_sync_byte),
        cmocka_unit_test(test_sync_loss),
        cmocka_unit_test(test_pat_missing),
        cmocka_unit_test(test_pat_table_id),
        cmocka_unit_test(test_pmt_missing),
        cmocka_unit_test(test_pid_missing),
        cmocka_unit_test(test_pcr_gap),
        cmocka_unit_test(test_pcr_jump),
        cmocka_unit_test(test_pts_gap),
        cmocka_unit_test(test_bad_crc),
        cmocka_unit_test(test_bitrate_clock),
        cmocka_unit_test(test_arrival_clock),
        cmocka_unit_test(test_chunks),
        cmocka_unit_test(test_reports),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
