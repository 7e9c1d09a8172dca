/*
 * Unit tests for srt_join.c: byte-exact before the first switch, then
 * continuity counters, discontinuity indicators, PID and program remap,
 * PAT/PMT versions and the timestamp rebase across switches.  Packets
 * handed to the code under test are heap buffers of exactly 188 bytes, so
 * ASan catches any read past them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srt_join.h"
#include "srt_ts.h"


#define TS        188
#define OUT_MAX   (SRT_JOIN_MAX_OUT * TS)


typedef struct {
    uint16_t   tsid;
    uint16_t   program;
    uint16_t   pmt_pid;
    uint16_t   video_pid;
    uint16_t   audio_pid;
    uint8_t    audio_type;
    uint16_t   scte_pid;         /* 0: none */
    uint8_t    cc[8192];
    uint8_t    pmt_version;
} source_t;


/* what came out, packet by packet */
typedef struct {
    uint8_t   *pkts;
    size_t     n;
    size_t     size;
} sink_t;


static void
sink_add(sink_t *k, const uint8_t *p, size_t n)
{
    if (n == 0) {
        return;
    }

    if (k->n + n > k->size) {
        k->size = (k->n + n) * 2 + 64;
        k->pkts = realloc(k->pkts, k->size * TS);
        assert_non_null(k->pkts);
    }

    memcpy(k->pkts + k->n * TS, p, n * TS);
    k->n += n;
}


static size_t
feed(srt_join_t *j, const uint8_t *pkt, sink_t *k)
{
    size_t    n;
    uint8_t  *in, out[OUT_MAX];

    in = malloc(TS);
    assert_non_null(in);
    memcpy(in, pkt, TS);

    n = srt_join_packet(j, in, out);
    free(in);

    assert_true(n <= SRT_JOIN_MAX_OUT);
    sink_add(k, out, n);

    return n;
}


static uint16_t
pid_of(const uint8_t *p)
{
    return (uint16_t) (((p[1] & 0x1f) << 8) | p[2]);
}


static void
hdr(uint8_t *p, uint16_t pid, int pusi, int afc, int cc)
{
    memset(p, 0xff, TS);
    p[0] = 0x47;
    p[1] = (uint8_t) ((pusi ? 0x40 : 0) | (pid >> 8));
    p[2] = (uint8_t) pid;
    p[3] = (uint8_t) ((afc << 4) | (cc & 0x0f));
}


static size_t
finish(uint8_t *s, size_t len)
{
    uint32_t  crc;

    s[1] = (uint8_t) ((s[1] & 0xf0) | ((len + 1) >> 8));
    s[2] = (uint8_t) (len + 1);
    crc = srt_ts_crc32(s, len);
    s[len] = (uint8_t) (crc >> 24);
    s[len + 1] = (uint8_t) (crc >> 16);
    s[len + 2] = (uint8_t) (crc >> 8);
    s[len + 3] = (uint8_t) crc;

    return len + 4;
}


static void
section_pkt(source_t *src, uint8_t *p, uint16_t pid, const uint8_t *s,
    size_t len)
{
    hdr(p, pid, 1, 1, src->cc[pid]++);
    p[4] = 0;
    memcpy(p + 5, s, len);
}


static void
pat(source_t *src, uint8_t *p)
{
    uint8_t  s[32];

    s[0] = 0x00; s[1] = 0xb0; s[3] = src->tsid >> 8; s[4] = (uint8_t) src->tsid;
    s[5] = 0xc1; s[6] = 0; s[7] = 0;
    s[8] = src->program >> 8; s[9] = (uint8_t) src->program;
    s[10] = 0xe0 | (src->pmt_pid >> 8); s[11] = (uint8_t) src->pmt_pid;

    section_pkt(src, p, 0, s, finish(s, 12));
}


static void
pmt(source_t *src, uint8_t *p)
{
    size_t   o;
    uint8_t  s[64];

    s[0] = 0x02; s[1] = 0xb0; s[3] = src->program >> 8;
    s[4] = (uint8_t) src->program;
    s[5] = (uint8_t) (0xc1 | (src->pmt_version << 1)); s[6] = 0; s[7] = 0;
    s[8] = 0xe0 | (src->video_pid >> 8); s[9] = (uint8_t) src->video_pid;
    s[10] = 0xf0; s[11] = 0;
    o = 12;
    s[o++] = 0x1b; s[o++] = 0xe0 | (src->video_pid >> 8);
    s[o++] = (uint8_t) src->video_pid; s[o++] = 0xf0; s[o++] = 0;
    s[o++] = src->audio_type; s[o++] = 0xe0 | (src->audio_pid >> 8);
    s[o++] = (uint8_t) src->audio_pid; s[o++] = 0xf0; s[o++] = 0;

    if (src->scte_pid) {
        s[o++] = 0x86; s[o++] = 0xe0 | (src->scte_pid >> 8);
        s[o++] = (uint8_t) src->scte_pid; s[o++] = 0xf0; s[o++] = 0;
    }

    section_pkt(src, p, src->pmt_pid, s, finish(s, o));
}


static void
put_ts(uint8_t *p, int prefix, uint64_t ts)
{
    p[0] = (uint8_t) ((prefix << 4) | ((ts >> 29) & 0x0e) | 1);
    p[1] = (uint8_t) (ts >> 22);
    p[2] = (uint8_t) (((ts >> 14) & 0xfe) | 1);
    p[3] = (uint8_t) (ts >> 7);
    p[4] = (uint8_t) (((ts << 1) & 0xfe) | 1);
}


static uint64_t
get_ts(const uint8_t *p)
{
    return ((uint64_t) (p[0] & 0x0e) << 29) | ((uint64_t) p[1] << 22)
           | ((uint64_t) (p[2] & 0xfe) << 14) | ((uint64_t) p[3] << 7)
           | (p[4] >> 1);
}


/* a video PES start with a PCR (adaptation field) and PTS + DTS */

static void
video_start(source_t *src, uint8_t *p, uint64_t pcr, uint64_t pts)
{
    uint8_t  *e;

    hdr(p, src->video_pid, 1, 3, src->cc[src->video_pid]++);
    p[4] = 7;
    p[5] = 0x50;                          /* RAI + PCR */
    p[6] = (uint8_t) (pcr >> 25); p[7] = (uint8_t) (pcr >> 17);
    p[8] = (uint8_t) (pcr >> 9); p[9] = (uint8_t) (pcr >> 1);
    p[10] = (uint8_t) (((pcr & 1) << 7) | 0x7e); p[11] = 0;
    e = p + 12;
    e[0] = 0; e[1] = 0; e[2] = 1; e[3] = 0xe0; e[4] = 0; e[5] = 0;
    e[6] = 0x80; e[7] = 0xc0; e[8] = 10;
    put_ts(e + 9, 3, pts);
    put_ts(e + 14, 1, pts - 3600);
}


/* a payload-only packet */

static void
data_pkt(source_t *src, uint8_t *p, uint16_t pid)
{
    hdr(p, pid, 0, 1, src->cc[pid]++);
    memset(p + 4, 0x11, TS - 4);
}


static void
audio_start(source_t *src, uint8_t *p, uint64_t pts)
{
    uint8_t  *e;

    hdr(p, src->audio_pid, 1, 1, src->cc[src->audio_pid]++);
    e = p + 4;
    e[0] = 0; e[1] = 0; e[2] = 1; e[3] = 0xc0; e[4] = 0; e[5] = 0;
    e[6] = 0x80; e[7] = 0x80; e[8] = 5;
    put_ts(e + 9, 2, pts);
}


static void
source_init(source_t *s, uint16_t base, uint16_t program)
{
    memset(s, 0, sizeof(source_t));
    s->tsid = 1;
    s->program = program;
    s->pmt_pid = base == 0x100 ? 0x1000 : 0x1100;
    s->video_pid = base;
    s->audio_pid = base + 1;
    s->audio_type = 0x0f;
}


/* a second of stream: PSI, then video and audio */

static void
run(srt_join_t *j, source_t *src, sink_t *k, int packets, uint64_t t0)
{
    int      i;
    uint8_t  p[TS];

    pat(src, p); feed(j, p, k);
    pmt(src, p); feed(j, p, k);

    for (i = 0; i < packets; i++) {
        if (i % 10 == 0) {
            video_start(src, p, t0 + i * 360, t0 + i * 360 + 9000);
        } else if (i % 10 == 5) {
            audio_start(src, p, t0 + i * 360 + 9000);
        } else {
            data_pkt(src, p, i % 10 < 5 ? src->video_pid : src->audio_pid);
        }

        feed(j, p, k);
    }
}


/*
 * Checks continuity over the output: every payload packet of a PID is
 * last + 1, adaptation-only packets repeat the last; returns the number
 * of packets with the discontinuity indicator.
 */

static int
check_cc(const sink_t *k)
{
    size_t          i;
    int             di;
    uint8_t         seen[8192], last[8192], cc, payload;
    uint16_t        pid;
    const uint8_t  *p;

    memset(seen, 0, sizeof(seen));
    di = 0;

    for (i = 0; i < k->n; i++) {
        p = k->pkts + i * TS;
        assert_int_equal(p[0], 0x47);
        pid = pid_of(p);
        cc = p[3] & 0x0f;
        payload = (p[3] >> 4) & 1;

        if ((p[3] & 0x20) && p[4] > 0 && (p[5] & 0x80)) {
            di++;
        }

        if (seen[pid]) {
            assert_int_equal(cc, (last[pid] + payload) & 0x0f);
        }

        seen[pid] = 1;
        last[pid] = cc;
    }

    return di;
}


static const uint8_t *
find_section(const sink_t *k, size_t from, uint16_t pid, uint8_t table)
{
    size_t          i;
    const uint8_t  *p;

    for (i = from; i < k->n; i++) {
        p = k->pkts + i * TS;

        if (pid_of(p) == pid && (p[1] & 0x40) && p[5 + p[4]] == table) {
            return p + 5 + p[4];
        }
    }

    return NULL;
}


/* tests */

static void
test_passthrough(void **state)
{
    srt_join_t  *j;
    source_t     a;
    sink_t       k = { 0 };
    size_t       i, n;
    uint8_t      p[TS];

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 1);
    source_init(&a, 0x100, 1);

    for (i = 0; i < 300; i++) {
        if (i % 30 == 0) { pat(&a, p); }
        else if (i % 30 == 1) { pmt(&a, p); }
        else if (i % 10 == 2) { video_start(&a, p, i * 1000, i * 1000 + 900); }
        else { data_pkt(&a, p, 0x101); }

        /* a real CC gap stays visible */
        if (i == 150) { a.cc[0x101] += 3; }

        n = feed(j, p, &k);
        assert_int_equal(n, 1);
        assert_memory_equal(k.pkts + (k.n - 1) * TS, p, TS);
    }

    assert_int_equal(j->have_route, 1);
    assert_int_equal(j->route.pmt_pid, 0x1000);
    assert_int_equal(j->route.nes, 2);
    assert_int_equal(j->route.es[0].pid, 0x100);
    assert_int_equal(j->route.es[0].kind, SRT_JOIN_VIDEO);
    assert_int_equal(j->route.es[1].kind, SRT_JOIN_AUDIO);
    assert_int_equal(j->switches, 0);

    free(k.pkts);
    free(j);
}


/* a backup with the same layout: counters continue, flags, same versions */

static void
test_switch_same_layout(void **state)
{
    srt_join_t      *j;
    source_t         a, b;
    sink_t           k = { 0 };
    size_t           mark, i;
    uint8_t          p[TS];
    const uint8_t   *s;
    int              di, seen_pat, seen_pmt;

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 0);
    source_init(&a, 0x100, 1);
    source_init(&b, 0x100, 1);

    /* b's counters are nowhere near a's */
    memset(b.cc, 9, sizeof(b.cc));

    run(j, &a, &k, 200, 90000);
    mark = k.n;

    srt_join_switch(j);

    /* before b's PMT everything of b is dropped */
    video_start(&b, p, 500000, 509000);
    assert_int_equal(feed(j, p, &k), 0);
    assert_int_equal(j->dropped, 1);

    run(j, &b, &k, 200, 500000);

    di = check_cc(&k);

    /* PAT, PMT, video and audio each flagged once */
    assert_int_equal(di, 4);

    /* the route's PAT and PMT come first, with the versions receivers know */
    seen_pat = seen_pmt = 0;

    for (i = mark; i < mark + 4; i++) {
        if (pid_of(k.pkts + i * TS) == 0 && (k.pkts[i * TS + 1] & 0x40)) {
            seen_pat = 1;
        }

        if (pid_of(k.pkts + i * TS) == 0x1000 && (k.pkts[i * TS + 1] & 0x40)) {
            seen_pmt = 1;
        }
    }

    assert_true(seen_pat && seen_pmt);

    s = find_section(&k, mark, 0x1000, 0x02);
    assert_non_null(s);
    assert_int_equal((s[5] >> 1) & 0x1f, 0);
    assert_int_equal(srt_ts_crc32(s, 3 + (((s[1] & 0x0f) << 8) | s[2])), 0);
    assert_int_equal(j->psi_versions, 0);
    assert_int_equal(j->remapped, 0);

    /* and back again */
    srt_join_switch(j);
    run(j, &a, &k, 100, 1000000);
    check_cc(&k);
    assert_int_equal(j->switches, 2);

    free(k.pkts);
    free(j);
}


/* a backup with other PIDs, program number and audio type */

static void
test_switch_remap(void **state)
{
    srt_join_t      *j;
    source_t         a, b;
    sink_t           k = { 0 };
    size_t           mark, i;
    const uint8_t   *s, *p;
    uint8_t          q[TS];
    uint16_t         pid;

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 0);
    source_init(&a, 0x100, 1);
    source_init(&b, 0x200, 7);
    b.audio_type = 0x81;
    b.tsid = 99;

    run(j, &a, &k, 100, 90000);
    mark = k.n;

    srt_join_switch(j);
    run(j, &b, &k, 300, 500000);
    check_cc(&k);

    for (i = mark; i < k.n; i++) {
        pid = pid_of(k.pkts + i * TS);
        assert_true(pid == 0 || pid == 0x1000 || pid == 0x100
                    || pid == 0x101);
    }

    /* the PAT is the route's: program 1 on 0x1000, tsid 1, same version */
    s = find_section(&k, mark, 0, 0x00);
    assert_non_null(s);
    assert_int_equal((s[3] << 8) | s[4], 1);
    assert_int_equal((s[8] << 8) | s[9], 1);
    assert_int_equal(((s[10] & 0x1f) << 8) | s[11], 0x1000);
    assert_int_equal((s[5] >> 1) & 0x1f, 0);

    /* the PMT: program 1, PCR and streams on the route's PIDs, AC-3 now,
       so a new version */
    s = find_section(&k, mark, 0x1000, 0x02);
    assert_non_null(s);
    assert_int_equal((s[3] << 8) | s[4], 1);
    assert_int_equal(((s[8] & 0x1f) << 8) | s[9], 0x100);
    assert_int_equal(((s[13] & 0x1f) << 8) | s[14], 0x100);
    assert_int_equal(s[17], 0x81);
    assert_int_equal(((s[18] & 0x1f) << 8) | s[19], 0x101);
    assert_int_equal((s[5] >> 1) & 0x1f, 1);
    assert_int_equal(srt_ts_crc32(s, 3 + (((s[1] & 0x0f) << 8) | s[2])), 0);
    assert_int_equal(j->psi_versions, 1);
    assert_true(j->remapped > 0);

    /* repeats of that PMT keep the version */
    mark = k.n;
    pmt(&b, q);
    assert_int_equal(feed(j, q, &k), 1);
    s = find_section(&k, mark, 0x1000, 0x02);
    assert_non_null(s);
    assert_int_equal((s[5] >> 1) & 0x1f, 1);

    /* the output decodes as one stream: no CC errors for the analyzer */
    {
        srt_ts_analyzer_t  *an = malloc(sizeof(srt_ts_analyzer_t));

        srt_ts_analyzer_init(an);

        for (i = 0; i < k.n; i++) {
            p = k.pkts + i * TS;
            (void) srt_ts_analyze(an, p);
        }

        assert_int_equal(an->cc_errors, 0);
        assert_int_equal(an->psi_errors, 0);
        assert_int_equal(an->pmt_pid, 0x1000);
        free(an);
    }

    free(k.pkts);
    free(j);
}


/* an extra stream keeps its PID; a stream on a route PID moves */

static void
test_switch_extra_streams(void **state)
{
    srt_join_t  *j;
    source_t     a, b;
    sink_t       k = { 0 };
    uint8_t      p[TS];

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 0);
    source_init(&a, 0x100, 1);
    source_init(&b, 0x300, 1);
    b.scte_pid = 0x101;          /* the route's audio PID */

    run(j, &a, &k, 50, 90000);
    srt_join_switch(j);
    run(j, &b, &k, 50, 500000);
    check_cc(&k);

    /* b's SCTE-35 PID 0x101 collides with the route's audio: moved */
    assert_int_not_equal(j->map[0x101], 0);
    assert_int_not_equal(j->map[0x101] - 1, 0x101);
    assert_int_equal(j->kind[j->map[0x101] - 1], SRT_JOIN_SCTE35);

    /* an unknown PID that a mapped stream now uses is dropped */
    hdr(p, 0x100, 0, 1, 0);
    assert_int_equal(feed(j, p, &k), 0);

    /* an unknown free PID (SDT) passes */
    hdr(p, 0x11, 1, 1, 0);
    assert_int_equal(feed(j, p, &k), 1);

    free(k.pkts);
    free(j);
}


/* timestamps continuous: PCR, PTS, DTS and pts_adjustment follow */

static void
test_rebase(void **state)
{
    srt_join_t      *j;
    source_t         a, b;
    sink_t           k = { 0 };
    size_t           i, mark;
    uint8_t          p[TS], s[64];
    uint64_t         last_pcr, pcr, pts, adj;
    const uint8_t   *q, *sec;

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 1);
    source_init(&a, 0x100, 1);
    source_init(&b, 0x100, 1);
    b.scte_pid = 0x1f0;
    a.scte_pid = 0x1f0;

    srt_join_time(j, 10000);
    run(j, &a, &k, 100, 90000);
    last_pcr = j->last_pcr;
    assert_int_equal(last_pcr, 90000 + 90 * 360);

    srt_join_time(j, 10500);        /* half a second of silence */
    srt_join_switch(j);
    mark = k.n;
    run(j, &b, &k, 100, 8000000000ULL);   /* near the 33-bit wrap */

    for (i = mark; i < k.n; i++) {
        q = k.pkts + i * TS;

        if (pid_of(q) == 0x100 && (q[1] & 0x40) && (q[5] & 0x10)) {
            pcr = ((uint64_t) q[6] << 25) | ((uint64_t) q[7] << 17)
                  | ((uint64_t) q[8] << 9) | ((uint64_t) q[9] << 1)
                  | (q[10] >> 7);
            assert_int_equal(pcr, last_pcr + 500 * 90);

            pts = get_ts(q + 12 + 9);
            assert_int_equal(pts, last_pcr + 500 * 90 + 9000);
            assert_int_equal(get_ts(q + 12 + 14), pts - 3600);
            break;
        }
    }

    assert_true(i < k.n);

    /* a splice_null on b: its pts_adjustment moves by the offset */
    memset(s, 0, sizeof(s));
    s[0] = 0xfc; s[1] = 0x30; s[3] = 0; s[4] = 0; s[5] = 0; s[6] = 0;
    s[7] = 0; s[8] = 100; s[9] = 0; s[10] = 0xff; s[11] = 0xff; s[12] = 0;
    s[13] = 0; s[14] = 0; s[15] = 0;
    hdr(p, 0x1f0, 1, 1, b.cc[0x1f0]++);
    p[4] = 0;
    memcpy(p + 5, s, finish(s, 16));
    assert_int_equal(feed(j, p, &k), 1);

    sec = k.pkts + (k.n - 1) * TS + 5;
    adj = ((uint64_t) (sec[4] & 1) << 32) | ((uint64_t) sec[5] << 24)
          | ((uint64_t) sec[6] << 16) | ((uint64_t) sec[7] << 8) | sec[8];
    assert_int_equal(adj, (100 + (uint64_t) j->ts_off) & ((1ULL << 33) - 1));
    assert_int_equal(srt_ts_crc32(sec, 20), 0);

    free(k.pkts);
    free(j);
}


/* random packets and random switches never read or write out of bounds */

static void
test_random(void **state)
{
    srt_join_t  *j;
    sink_t       k = { 0 };
    size_t       i, b;
    uint8_t      p[TS];

    (void) state;

    j = malloc(sizeof(srt_join_t));
    srt_join_init(j, 1);
    srand(7);

    for (i = 0; i < 200000; i++) {
        for (b = 0; b < TS; b++) {
            p[b] = (uint8_t) rand();
        }

        p[0] = 0x47;

        /* a few PIDs, so PSI reassembly gets exercised */
        if (i % 3 == 0) {
            p[1] &= 0xe0;
            p[2] = (uint8_t) (rand() % 4 == 0 ? 0 : 0x10);
            p[1] |= (p[2] == 0x10) ? 0x10 : 0;
        }

        if (i % 5000 == 0) {
            srt_join_switch(j);
        }

        feed(j, p, &k);
        k.n = 0;
    }

    free(k.pkts);
    free(j);
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_passthrough),
        cmocka_unit_test(test_switch_same_layout),
        cmocka_unit_test(test_switch_remap),
        cmocka_unit_test(test_switch_extra_streams),
        cmocka_unit_test(test_rebase),
        cmocka_unit_test(test_random),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
