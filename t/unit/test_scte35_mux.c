/*
 * Unit tests for the SCTE-35 TS mux (ngx_scte35_module/scte35_mux.c): PMT
 * rewrite (single and multi-packet, several sections in a packet, PCR on
 * the PMT PID, versions), insertion on the video clock (before the access
 * unit, multi-packet sections, immediate, 33-bit wrap, queue limits),
 * streams that already carry SCTE-35 (PMT untouched, continuity counters
 * restamped, seen() callback), PID choice, and hostile input.
 *
 * Streams are built here packet by packet; the output is checked with an
 * independent section reassembler and the codec's scte35_decode().  Input
 * packets are handed to the mux in heap buffers of exactly 188 bytes and
 * the output buffer is exactly SCTE35_MUX_MAX_OUT packets, so ASan catches
 * any access outside them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scte35.h"
#include "scte35_mux.h"


#define TS          188

#define PROGRAM     1
#define PMT_PID     0x1000
#define VIDEO_PID   0x0100
#define AUDIO_PID   0x0101
#define AUTO_PID    0x01f0
#define IN_PID      0x01f5      /* SCTE-35 PID of inputs that have one */

#define FRAME       3000        /* 90 kHz ticks between frames */
#define PTS0        900000

#define MAX_SECS    128
#define ERRLEN      256


/* packet lists */

typedef struct {
    uint8_t   *p;
    size_t    *src;             /* output: index of the input packet */
    size_t     n;
    size_t     cap;
} pkts_t;


static void
pk_add(pkts_t *s, const uint8_t *pkt, size_t src)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 256;
        s->p = realloc(s->p, s->cap * TS);
        s->src = realloc(s->src, s->cap * sizeof(size_t));
        assert_non_null(s->p);
        assert_non_null(s->src);
    }

    memcpy(s->p + s->n * TS, pkt, TS);
    s->src[s->n++] = src;
}


static const uint8_t *
pk(const pkts_t *s, size_t i)
{
    return s->p + i * TS;
}


static void
pk_free(pkts_t *s)
{
    free(s->p);
    free(s->src);
    memset(s, 0, sizeof(pkts_t));
}


static uint16_t
pid_of(const uint8_t *p)
{
    return (uint16_t) ((p[1] & 0x1f) << 8 | p[2]);
}


static const uint8_t *
payload_of(const uint8_t *p, size_t *n)
{
    size_t  off;

    if (!(p[3] & 0x10)) {
        return NULL;
    }

    off = 4;

    if (p[3] & 0x20) {
        off += 1 + p[4];
        if (off >= TS) {
            return NULL;
        }
    }

    *n = TS - off;

    return p + off;
}


/* the stream generator: keeps a continuity counter per PID */

typedef struct {
    pkts_t    ts;
    uint8_t   cc[8192];
    size_t    vstart[512];      /* input index of each video PES start */
    uint64_t  vpts[512];
    size_t    nv;
    size_t    astart[512];
    size_t    na;
} gen_t;


static gen_t *
gen_new(void)
{
    gen_t  *g;

    g = calloc(1, sizeof(gen_t));
    assert_non_null(g);

    return g;
}


static void
gen_free(gen_t *g)
{
    pk_free(&g->ts);
    free(g);
}


/*
 * One packet: header, optional adaptation field bytes (af[0] = flags..),
 * then the payload bytes, padded with 0xff.
 */
static void
gen_packet(gen_t *g, uint16_t pid, int pusi, const uint8_t *af,
    size_t af_len, const uint8_t *data, size_t n)
{
    size_t   off;
    uint8_t  p[TS];

    memset(p, 0xff, TS);

    p[0] = 0x47;
    p[1] = (uint8_t) ((pusi ? 0x40 : 0) | pid >> 8);
    p[2] = (uint8_t) pid;
    p[3] = (uint8_t) (0x10 | g->cc[pid]);
    g->cc[pid] = (g->cc[pid] + 1) & 0x0f;

    off = 4;

    if (af) {
        p[3] |= 0x20;
        p[4] = (uint8_t) af_len;
        memcpy(p + 5, af, af_len);
        off = 5 + af_len;
    }

    assert_true(n <= TS - off);
    memcpy(p + off, data, n);

    pk_add(&g->ts, p, 0);
}


/*
 * Sections back to back, cut into packets the way encoders do: PUSI and a
 * pointer_field where a section starts (the first start in the packet).
 */
static void
gen_sections(gen_t *g, uint16_t pid, const uint8_t *buf, size_t len,
    const size_t *starts, size_t ns)
{
    size_t   pos, k, take, room;
    uint8_t  pl[TS];
    int      pusi;

    pos = 0;
    k = 0;

    while (pos < len) {
        while (k < ns && starts[k] < pos) {
            k++;
        }

        pusi = k < ns && starts[k] - pos < 183;

        if (pusi) {
            pl[0] = (uint8_t) (starts[k] - pos);
            room = 183;
            take = len - pos < room ? len - pos : room;
            memcpy(pl + 1, buf + pos, take);
            gen_packet(g, pid, 1, NULL, 0, pl, take + 1);

        } else {
            room = (k < ns && starts[k] - pos == 183) ? 183 : 184;
            take = len - pos < room ? len - pos : room;
            gen_packet(g, pid, 0, NULL, 0, buf + pos, take);
        }

        pos += take;
    }
}


static void
gen_section(gen_t *g, uint16_t pid, const uint8_t *sec, size_t len)
{
    size_t  start;

    start = 0;
    gen_sections(g, pid, sec, len, &start, 1);
}


static void
put_crc(uint8_t *s, size_t len)
{
    uint32_t  crc;

    crc = scte35_crc32(s, len - 4);
    s[len - 4] = (uint8_t) (crc >> 24);
    s[len - 3] = (uint8_t) (crc >> 16);
    s[len - 2] = (uint8_t) (crc >> 8);
    s[len - 1] = (uint8_t) crc;
}


static size_t
mk_pat(uint8_t *s, const uint16_t *prog, const uint16_t *pids, size_t n)
{
    size_t  i, len;

    len = 8 + 4 * n + 4;

    s[0] = 0x00;
    s[1] = (uint8_t) (0xb0 | (len - 3) >> 8);
    s[2] = (uint8_t) (len - 3);
    s[3] = 0x00;
    s[4] = 0x01;
    s[5] = 0xc1;
    s[6] = 0;
    s[7] = 0;

    for (i = 0; i < n; i++) {
        s[8 + 4 * i] = (uint8_t) (prog[i] >> 8);
        s[9 + 4 * i] = (uint8_t) prog[i];
        s[10 + 4 * i] = (uint8_t) (0xe0 | pids[i] >> 8);
        s[11 + 4 * i] = (uint8_t) pids[i];
    }

    put_crc(s, len);

    return len;
}


static void
gen_pat(gen_t *g, uint16_t pmt_pid)
{
    uint8_t   s[64];
    uint16_t  prog;
    size_t    len;

    prog = PROGRAM;
    len = mk_pat(s, &prog, &pmt_pid, 1);
    gen_section(g, 0, s, len);
}


typedef struct {
    uint8_t         type;
    uint16_t        pid;
    const uint8_t  *desc;
    size_t          dlen;
} es_t;


static size_t
mk_pmt(uint8_t *s, uint16_t prog, uint8_t version, uint16_t pcr,
    const uint8_t *info, size_t ilen, const es_t *es, size_t nes)
{
    size_t  i, o;

    s[0] = 0x02;
    s[3] = (uint8_t) (prog >> 8);
    s[4] = (uint8_t) prog;
    s[5] = (uint8_t) (0xc1 | (version & 0x1f) << 1);
    s[6] = 0;
    s[7] = 0;
    s[8] = (uint8_t) (0xe0 | pcr >> 8);
    s[9] = (uint8_t) pcr;
    s[10] = (uint8_t) (0xf0 | ilen >> 8);
    s[11] = (uint8_t) ilen;

    o = 12;
    if (ilen) {
        memcpy(s + o, info, ilen);
        o += ilen;
    }

    for (i = 0; i < nes; i++) {
        s[o++] = es[i].type;
        s[o++] = (uint8_t) (0xe0 | es[i].pid >> 8);
        s[o++] = (uint8_t) es[i].pid;
        s[o++] = (uint8_t) (0xf0 | es[i].dlen >> 8);
        s[o++] = (uint8_t) es[i].dlen;
        if (es[i].dlen) {
            memcpy(s + o, es[i].desc, es[i].dlen);
            o += es[i].dlen;
        }
    }

    o += 4;
    s[1] = (uint8_t) (0xb0 | (o - 3) >> 8);
    s[2] = (uint8_t) (o - 3);
    put_crc(s, o);

    return o;
}


/* video on VIDEO_PID (PCR), audio on AUDIO_PID, program_info as given */
static size_t
mk_std_pmt(uint8_t *s, uint8_t version, const uint8_t *info, size_t ilen)
{
    static const uint8_t  lang[] = { 0x0a, 0x04, 'e', 'n', 'g', 0x00 };
    es_t                  es[2];

    es[0].type = 0x1b;
    es[0].pid = VIDEO_PID;
    es[0].desc = NULL;
    es[0].dlen = 0;
    es[1].type = 0x0f;
    es[1].pid = AUDIO_PID;
    es[1].desc = lang;
    es[1].dlen = sizeof(lang);

    return mk_pmt(s, PROGRAM, version, VIDEO_PID, info, ilen, es, 2);
}


static void
pes_header(uint8_t *p, uint8_t sid, uint64_t pts)
{
    p[0] = 0;
    p[1] = 0;
    p[2] = 1;
    p[3] = sid;
    p[4] = 0;
    p[5] = 0;
    p[6] = 0x80;
    p[7] = 0x80;
    p[8] = 5;
    p[9] = (uint8_t) (0x21 | (pts >> 29 & 0x0e));
    p[10] = (uint8_t) (pts >> 22);
    p[11] = (uint8_t) ((pts >> 14 & 0xfe) | 1);
    p[12] = (uint8_t) (pts >> 7);
    p[13] = (uint8_t) ((pts << 1 & 0xfe) | 1);
}


/* a PES of npkts packets; the data bytes are a counter, never 0xff */
static void
gen_pes(gen_t *g, uint16_t pid, uint8_t sid, uint64_t pts, size_t npkts)
{
    size_t          i, k;
    uint8_t         pl[184];
    static uint8_t  fill;

    for (i = 0; i < npkts; i++) {
        for (k = 0; k < sizeof(pl); k++) {
            pl[k] = fill++ % 0xfe;
        }

        if (i == 0) {
            pes_header(pl, sid, pts);
        }

        gen_packet(g, pid, i == 0, NULL, 0, pl, sizeof(pl));
    }
}


static void
gen_frame(gen_t *g, uint64_t pts, int audio)
{
    g->vstart[g->nv] = g->ts.n;
    g->vpts[g->nv++] = pts & 0x1ffffffffULL;
    gen_pes(g, VIDEO_PID, 0xe0, pts & 0x1ffffffffULL, 3);

    if (audio) {
        g->astart[g->na++] = g->ts.n;
        gen_pes(g, AUDIO_PID, 0xc0, (pts + 100) & 0x1ffffffffULL, 1);
    }
}


/*
 * PAT + PMT, then frames with audio; PAT + PMT again every 5 frames.
 */
static void
gen_stream(gen_t *g, const uint8_t *pmt, size_t pmt_len, size_t frames,
    uint64_t pts0)
{
    size_t  i;

    for (i = 0; i < frames; i++) {
        if (i % 5 == 0) {
            gen_pat(g, PMT_PID);
            gen_section(g, PMT_PID, pmt, pmt_len);
        }

        gen_frame(g, pts0 + i * FRAME, 1);
    }
}


/* the mux */

static scte35_mux_t *
mux_new(uint16_t pid, int insert, scte35_mux_seen_pt seen, void *data)
{
    scte35_mux_t  *m;

    m = malloc(sizeof(scte35_mux_t));
    assert_non_null(m);
    memset(m, 0xa5, sizeof(scte35_mux_t));  /* init must not need zeroes */

    assert_int_equal(scte35_mux_init(m, pid, insert, seen, data),
                     SCTE35_MUX_OK);

    return m;
}


/* input packets [from, to) through the mux, output appended to out */
static void
run(scte35_mux_t *m, const pkts_t *in, size_t from, size_t to, pkts_t *out)
{
    size_t    i, k, n;
    uint8_t  *ib, *ob;

    ib = malloc(TS);
    ob = malloc(SCTE35_MUX_MAX_OUT * TS);
    assert_non_null(ib);
    assert_non_null(ob);

    for (i = from; i < to; i++) {
        memcpy(ib, pk(in, i), TS);

        n = scte35_mux_packet(m, ib, ob);
        assert_true(n <= SCTE35_MUX_MAX_OUT);

        for (k = 0; k < n; k++) {
            assert_int_equal(ob[k * TS], 0x47);
            pk_add(out, ob + k * TS, i);
        }
    }

    free(ib);
    free(ob);
}


/* an independent reassembler; strict: stuffing must be all 0xff */

typedef struct {
    size_t    n;
    size_t    len[MAX_SECS];
    size_t    at[MAX_SECS];     /* index of the packet it starts in */
    uint8_t   data[MAX_SECS][4096];
} secs_t;


typedef struct {
    uint8_t   buf[4096];
    size_t    got;
    size_t    size;
    size_t    at;
    int       active;
} rasm_t;


static void
rasm_bytes(rasm_t *a, secs_t *out, const uint8_t *p, size_t n, size_t at,
    int may_start)
{
    while (n > 0) {
        if (!a->active) {
            if (!may_start || p[0] == 0xff) {
                for ( /* void */ ; n > 0; n--, p++) {
                    assert_int_equal(*p, 0xff);
                }

                return;
            }

            a->active = 1;
            a->got = 0;
            a->size = 0;
            a->at = at;
        }

        a->buf[a->got++] = *p++;
        n--;

        if (a->got == 3) {
            a->size = 3 + ((size_t) (a->buf[1] & 0x0f) << 8 | a->buf[2]);
        }

        if (a->got >= 3 && a->got == a->size) {
            assert_true(out->n < MAX_SECS);
            memcpy(out->data[out->n], a->buf, a->size);
            out->len[out->n] = a->size;
            out->at[out->n] = a->at;
            out->n++;
            a->active = 0;
        }
    }
}


static secs_t *
sections(const pkts_t *s, uint16_t pid)
{
    size_t          i, n, ptr;
    rasm_t          a;
    secs_t         *out;
    const uint8_t  *p;

    out = calloc(1, sizeof(secs_t));
    assert_non_null(out);
    memset(&a, 0, sizeof(rasm_t));

    for (i = 0; i < s->n; i++) {
        if (pid_of(pk(s, i)) != pid) {
            continue;
        }

        p = payload_of(pk(s, i), &n);
        if (p == NULL) {
            continue;
        }

        if (pk(s, i)[1] & 0x40) {
            ptr = p[0];
            assert_true(ptr < n);

            if (a.active) {
                rasm_bytes(&a, out, p + 1, ptr, i, 0);
                assert_false(a.active);
            }

            a.active = 0;
            rasm_bytes(&a, out, p + 1 + ptr, n - 1 - ptr, i, 1);

        } else if (a.active) {
            rasm_bytes(&a, out, p, n, i, 0);
        }
    }

    return out;
}


/* continuity of one PID: +1 with payload, same counter without */
static void
check_cc(const pkts_t *s, uint16_t pid)
{
    size_t    i;
    int       have;
    unsigned  last, cc;

    have = 0;
    last = 0;

    for (i = 0; i < s->n; i++) {
        if (pid_of(pk(s, i)) != pid) {
            continue;
        }

        cc = pk(s, i)[3] & 0x0f;

        if (have) {
            if (pk(s, i)[3] & 0x10) {
                assert_int_equal(cc, (last + 1) & 0x0f);

            } else {
                assert_int_equal(cc, last);
            }
        }

        have = 1;
        last = cc;
    }
}


static size_t
count_pid(const pkts_t *s, uint16_t pid)
{
    size_t  i, n;

    for (i = 0, n = 0; i < s->n; i++) {
        n += pid_of(pk(s, i)) == pid;
    }

    return n;
}


/* packets of every other PID identical and in the same order */
static void
check_same_except(const pkts_t *in, const pkts_t *out, uint16_t a,
    uint16_t b)
{
    size_t    i, j;
    uint16_t  pid;

    j = 0;

    for (i = 0; i < in->n; i++) {
        pid = pid_of(pk(in, i));
        if (pid == a || pid == b) {
            continue;
        }

        while (j < out->n
               && (pid_of(pk(out, j)) == a || pid_of(pk(out, j)) == b))
        {
            j++;
        }

        assert_true(j < out->n);
        assert_memory_equal(pk(in, i), pk(out, j), TS);
        j++;
    }

    for ( /* void */ ; j < out->n; j++) {
        pid = pid_of(pk(out, j));
        assert_true(pid == a || pid == b);
    }
}


static void
check_identical(const pkts_t *in, const pkts_t *out)
{
    size_t  i;

    assert_int_equal(in->n, out->n);

    for (i = 0; i < in->n; i++) {
        assert_memory_equal(pk(in, i), pk(out, i), TS);
    }
}


/* PMT views, written independently of the mux */

static int
pmt_es_pid(const uint8_t *s, size_t len, uint8_t type)
{
    size_t  i, ilen, elen;

    ilen = (size_t) (s[10] & 0x0f) << 8 | s[11];

    for (i = 12 + ilen; i + 5 <= len - 4; i += 5 + elen) {
        elen = (size_t) (s[i + 3] & 0x0f) << 8 | s[i + 4];

        if (s[i] == type) {
            return (s[i + 1] & 0x1f) << 8 | s[i + 2];
        }
    }

    return -1;
}


static int
pmt_es_count(const uint8_t *s, size_t len)
{
    size_t  i, ilen, elen;
    int     n;

    ilen = (size_t) (s[10] & 0x0f) << 8 | s[11];
    n = 0;

    for (i = 12 + ilen; i + 5 <= len - 4; i += 5 + elen) {
        elen = (size_t) (s[i + 3] & 0x0f) << 8 | s[i + 4];
        n++;
    }

    return n;
}


/* the number of CUEI registration descriptors; *last: CUEI comes last */
static int
pmt_cuei(const uint8_t *s, int *last)
{
    size_t  i, ilen;
    int     n;

    ilen = (size_t) (s[10] & 0x0f) << 8 | s[11];
    n = 0;
    *last = 0;

    for (i = 12; i + 2 <= 12 + ilen; i += 2 + s[i + 1]) {
        if (s[i] == 0x05) {
            *last = s[i + 1] == 4 && memcmp(s + i + 2, "CUEI", 4) == 0;
            n += *last;
        }
    }

    return n;
}


static unsigned
version_of(const uint8_t *s)
{
    return (s[5] >> 1) & 0x1f;
}


/* SCTE-35 sections built with the codec */

static size_t
mk_time_signal(uint8_t *buf, uint64_t pts)
{
    size_t             len;
    char               err[ERRLEN];
    scte35_section_t  *sec;

    sec = malloc(sizeof(scte35_section_t));
    assert_non_null(sec);

    scte35_section_init(sec);
    sec->splice_command_type = SCTE35_TIME_SIGNAL;
    sec->cmd.time_signal.time_specified_flag = 1;
    sec->cmd.time_signal.pts_time = pts & SCTE35_MAX_33;

    assert_int_equal(scte35_encode(sec, buf, 4096, &len, err, ERRLEN),
                     SCTE35_OK);
    free(sec);

    return len;
}


/* a private command of n bytes: sections longer than one packet */
static size_t
mk_private(uint8_t *buf, size_t n, uint8_t fill)
{
    size_t             len, i;
    char               err[ERRLEN];
    scte35_section_t  *sec;

    sec = malloc(sizeof(scte35_section_t));
    assert_non_null(sec);

    scte35_section_init(sec);
    sec->splice_command_type = SCTE35_PRIVATE_COMMAND;
    sec->cmd.private_cmd.identifier = SCTE35_CUEI;
    sec->cmd.private_cmd.private_length = (uint16_t) n;

    for (i = 0; i < n; i++) {
        sec->cmd.private_cmd.private_bytes[i] = (uint8_t) (fill + i);
    }

    assert_int_equal(scte35_encode(sec, buf, 4096, &len, err, ERRLEN),
                     SCTE35_OK);
    free(sec);

    return len;
}


static void
check_decodes(const uint8_t *s, size_t len)
{
    int                rc;
    char               err[ERRLEN];
    uint8_t           *b;
    scte35_section_t  *sec;

    sec = malloc(sizeof(scte35_section_t));
    b = malloc(len);
    assert_non_null(sec);
    assert_non_null(b);
    memcpy(b, s, len);

    err[0] = '\0';
    rc = scte35_decode(b, len, sec, err, ERRLEN);
    if (rc != SCTE35_OK) {
        print_error("decode: %s\n", err);
    }
    assert_int_equal(rc, SCTE35_OK);

    free(b);
    free(sec);
}


/* the seen() callback: keeps what it gets */

static void
seen_cb(void *data, const uint8_t *sec, size_t len)
{
    secs_t  *s;

    s = data;
    assert_true(s->n < MAX_SECS);
    assert_true(len <= 4096);
    memcpy(s->data[s->n], sec, len);
    s->len[s->n] = len;
    s->n++;
}


/* the output PMT sections: all CRC-valid; returns them */
static secs_t *
out_pmts(const pkts_t *out)
{
    size_t   i;
    secs_t  *p;

    p = sections(out, PMT_PID);

    for (i = 0; i < p->n; i++) {
        assert_int_equal(scte35_crc32(p->data[i], p->len[i]), 0);
    }

    return p;
}


/* tests */

static void
test_observe_only(void **state)
{
    size_t          len;
    uint64_t        pts;
    uint8_t         pmt[1024], cue[4096];
    gen_t          *g;
    pkts_t          out;
    scte35_mux_t   *m;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 3, NULL, 0);
    gen_stream(g, pmt, len, 12, PTS0);

    m = mux_new(0, 0, NULL, NULL);
    assert_int_equal(scte35_mux_clock(m, &pts), 0);

    /* insertion is off: no queue */
    len = mk_time_signal(cue, PTS0);
    assert_int_equal(scte35_mux_queue(m, cue, len, PTS0, 1),
                     SCTE35_MUX_ERROR);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    check_identical(&g->ts, &out);

    assert_int_equal(scte35_mux_clock(m, &pts), 1);
    assert_int_equal(pts, PTS0 + 11 * FRAME);
    assert_int_equal(scte35_mux_pid(m), 0);
    assert_int_equal(m->video_pid, VIDEO_PID);
    assert_int_equal(m->audio_pid, AUDIO_PID);
    assert_int_equal(m->pmt_rewrites, 0);

    pk_free(&out);
    gen_free(g);
    free(m);
}


static void
test_pmt_rewrite(void **state)
{
    int            last;
    size_t         i, len;
    uint8_t        pmt[1024];
    gen_t         *g;
    pkts_t         out;
    secs_t        *p;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 7, NULL, 0);
    gen_stream(g, pmt, len, 15, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_pid(m), AUTO_PID);
    assert_int_equal(m->pmt_rewrites, 3);
    assert_int_equal(m->pmt_errors, 0);

    /* one output packet per input PMT packet, in its place */
    assert_int_equal(count_pid(&out, PMT_PID), 3);
    assert_int_equal(out.n, g->ts.n);

    p = out_pmts(&out);
    assert_int_equal(p->n, 3);

    for (i = 0; i < p->n; i++) {
        assert_int_equal(p->len[i], len + 11);
        assert_int_equal(version_of(p->data[i]), 8);
        assert_int_equal(pmt_es_pid(p->data[i], p->len[i], 0x86), AUTO_PID);
        assert_int_equal(pmt_es_pid(p->data[i], p->len[i], 0x1b), VIDEO_PID);
        assert_int_equal(pmt_es_count(p->data[i], p->len[i]), 3);
        assert_int_equal(pmt_cuei(p->data[i], &last), 1);
        assert_true(last);

        /* the same input gives the same bytes */
        assert_memory_equal(p->data[i], p->data[0], p->len[0]);
    }

    /* the original ES loop is kept as it was, ours is appended */
    assert_memory_equal(p->data[0] + 18, pmt + 12, len - 16);

    check_cc(&out, PMT_PID);
    check_same_except(&g->ts, &out, PMT_PID, AUTO_PID);
    assert_int_equal(count_pid(&out, AUTO_PID), 0);

    free(p);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* observing first, inserting later: the PMT PID's counters go on */
static void
test_enable_later(void **state)
{
    size_t         len, half;
    uint8_t        pmt[1024], sec[64];
    gen_t         *g;
    pkts_t         out;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 7, NULL, 0);
    gen_stream(g, pmt, len, 40, PTS0);

    m = mux_new(0, 0, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));

    half = g->ts.n / 2 + 1;
    run(m, &g->ts, 0, half, &out);
    assert_int_equal(m->pmt_rewrites, 0);

    /* a splice_null: fc 30 11 ... (17 + 3 bytes) */
    memcpy(sec, "\xfc\x30\x11\x00\x00\x00\x00\x00\x00\x00\xff\xf0"
                "\x00\x00\x00\x00", 16);
    put_crc(sec, 20);
    assert_int_equal(scte35_mux_queue(m, sec, 20, 0, 1), SCTE35_MUX_ERROR);

    scte35_mux_enable(m);
    assert_int_equal(scte35_mux_queue(m, sec, 20, 0, 1), SCTE35_MUX_OK);

    run(m, &g->ts, half, g->ts.n, &out);

    assert_true(m->pmt_rewrites > 0);
    assert_int_equal(m->sections_inserted, 1);
    check_cc(&out, PMT_PID);
    check_cc(&out, AUTO_PID);

    pk_free(&out);
    gen_free(g);
    free(m);
}


/* a PMT of 3 packets, an existing registration descriptor, CUEI kept */
static void
test_pmt_multi_packet(void **state)
{
    int             last;
    size_t          i, len, ilen;
    uint8_t         pmt[1024], info[400];
    gen_t          *g;
    pkts_t          out;
    secs_t         *p;
    scte35_mux_t   *m;

    (void) state;

    /* a registration "HDMV", then private descriptors: 390 bytes */
    ilen = 0;
    memcpy(info, "\x05\x04HDMV", 6);
    ilen = 6;

    while (ilen + 32 <= 390) {
        info[ilen] = 0x80;
        info[ilen + 1] = 30;
        memset(info + ilen + 2, (int) ilen, 30);
        ilen += 32;
    }

    g = gen_new();
    len = mk_std_pmt(pmt, 31, info, ilen);
    assert_true(len > 2 * 183);
    gen_stream(g, pmt, len, 10, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(m->pmt_rewrites, 2);

    p = out_pmts(&out);
    assert_int_equal(p->n, 2);
    assert_int_equal(count_pid(&out, PMT_PID), 6);

    for (i = 0; i < p->n; i++) {
        assert_int_equal(version_of(p->data[i]), 0);     /* 31 + 1 */
        assert_int_equal(pmt_es_pid(p->data[i], p->len[i], 0x86), AUTO_PID);
        assert_int_equal(pmt_cuei(p->data[i], &last), 1);
        assert_true(last);   /* after HDMV: FFmpeg takes the last one */
        assert_memory_equal(p->data[i], p->data[0], p->len[0]);
    }

    /* PUSI only on the first packet of each PMT, 0xff after the section */
    for (i = 0; i < out.n; i++) {
        if (pid_of(pk(&out, i)) == PMT_PID) {
            assert_int_equal(!!(pk(&out, i)[1] & 0x40),
                             pid_of(pk(&out, i - 1)) != PMT_PID);
            if (pk(&out, i)[1] & 0x40) {
                assert_int_equal(pk(&out, i)[4], 0);
            }
        }
    }

    check_cc(&out, PMT_PID);
    check_same_except(&g->ts, &out, PMT_PID, AUTO_PID);
    free(p);
    pk_free(&out);

    /* an input with CUEI already: not added twice */
    memcpy(info + 6, "\x05\x04" "CUEI", 6);
    gen_free(g);
    g = gen_new();
    len = mk_std_pmt(pmt, 4, info, 12);
    gen_stream(g, pmt, len, 5, PTS0);

    free(m);
    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    p = out_pmts(&out);
    assert_int_equal(p->n, 1);
    assert_int_equal(p->len[0], len + 5);
    assert_int_equal(pmt_cuei(p->data[0], &last), 1);
    assert_int_equal(pmt_es_pid(p->data[0], p->len[0], 0x86), AUTO_PID);

    free(p);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* versions: +1, stable for the same input, new for any change */
static void
test_pmt_versions(void **state)
{
    size_t         i, len;
    uint8_t        pmt[1024];
    gen_t         *g;
    pkts_t         out;
    secs_t        *p;
    scte35_mux_t  *m;

    static const struct {
        uint8_t  in;
        uint8_t  info;          /* content changes with this */
        uint8_t  out;
    } seq[] = {
        { 5, 0, 6 },
        { 5, 0, 6 },            /* repeat */
        { 6, 1, 7 },            /* new version, new content */
        { 6, 1, 7 },
        { 6, 2, 8 },            /* new content, same version */
        { 6, 2, 8 },
        { 31, 3, 0 },           /* wraps */
        { 31, 3, 0 },
        { 5, 0, 6 },            /* back to the first */
    };

    (void) state;

    g = gen_new();
    gen_pat(g, PMT_PID);

    for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
        len = mk_std_pmt(pmt, seq[i].in, (const uint8_t *) "\x80\x01",
                         seq[i].info ? 3 : 0);
        pmt[14] = seq[i].info;
        if (seq[i].info) {
            pmt[12] = 0x80;
            pmt[13] = 0x01;
            put_crc(pmt, len);
        }

        gen_section(g, PMT_PID, pmt, len);
        gen_frame(g, PTS0 + i * FRAME, 1);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    p = out_pmts(&out);
    assert_int_equal(p->n, sizeof(seq) / sizeof(seq[0]));

    for (i = 0; i < p->n; i++) {
        assert_int_equal(version_of(p->data[i]), seq[i].out);
    }

    check_cc(&out, PMT_PID);

    free(p);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* a PCR on the PMT PID stays, in an adaptation-only packet */
static void
test_pmt_pcr(void **state)
{
    size_t          i, len, at;
    uint8_t         pmt[1024], pl[184];
    gen_t          *g;
    pkts_t          out;
    secs_t         *p;
    es_t            es;
    scte35_mux_t   *m;

    static const uint8_t  af[] = { 0x10, 0x00, 0x00, 0x12, 0x34, 0x7e, 0x00 };

    (void) state;

    es.type = 0x02;
    es.pid = VIDEO_PID;
    es.desc = NULL;
    es.dlen = 0;
    len = mk_pmt(pmt, PROGRAM, 0, PMT_PID, NULL, 0, &es, 1);

    g = gen_new();
    gen_pat(g, PMT_PID);

    for (i = 0; i < 3; i++) {
        pl[0] = 0;
        memcpy(pl + 1, pmt, len);
        gen_packet(g, PMT_PID, 1, af, sizeof(af), pl, len + 1);
        gen_frame(g, PTS0 + i * FRAME, 0);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(m->pmt_rewrites, 3);
    assert_int_equal(count_pid(&out, PMT_PID), 6);

    for (i = 0, at = 0; i < out.n; i++) {
        if (pid_of(pk(&out, i)) != PMT_PID) {
            continue;
        }

        if (at++ % 2 == 0) {
            /* the adaptation field, alone, in the PMT packet's place */
            assert_int_equal(pk(&out, i)[3] & 0x30, 0x20);
            assert_int_equal(pk(&out, i)[4], 183);
            assert_memory_equal(pk(&out, i) + 5, af, sizeof(af));
            assert_int_equal(pk(&out, i)[187], 0xff);
            assert_int_equal(pk(&out, i + 1)[3] & 0x30, 0x10);
        }
    }

    p = out_pmts(&out);
    assert_int_equal(p->n, 3);
    assert_int_equal(pmt_es_pid(p->data[0], p->len[0], 0x86), AUTO_PID);

    check_cc(&out, PMT_PID);
    check_same_except(&g->ts, &out, PMT_PID, AUTO_PID);

    free(p);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/*
 * Several sections on the PMT PID: another program's PMT before ours in
 * one packet, ours spanning into a packet where the other one starts
 * again after it (pointer_field > 0).
 */
static void
test_pmt_multi_section(void **state)
{
    int            last;
    size_t         len1, len2, total, starts[3], i;
    uint8_t        pmt1[1024], pmt2[1024], buf[2048], info[200];
    uint16_t       progs[2], pids[2];
    uint64_t       pts;
    gen_t         *g;
    pkts_t         out;
    secs_t        *p;
    es_t           es;
    scte35_mux_t  *m;

    (void) state;

    memset(info, 0x11, sizeof(info));
    info[0] = 0x80;
    info[1] = 198;
    len1 = mk_std_pmt(pmt1, 2, info, 200);

    es.type = 0x1b;
    es.pid = 0x200;
    es.desc = NULL;
    es.dlen = 0;
    len2 = mk_pmt(pmt2, 2, 9, 0x200, NULL, 0, &es, 1);

    memcpy(buf, pmt2, len2);
    memcpy(buf + len2, pmt1, len1);
    memcpy(buf + len2 + len1, pmt2, len2);
    total = 2 * len2 + len1;
    starts[0] = 0;
    starts[1] = len2;
    starts[2] = len2 + len1;

    progs[0] = PROGRAM;
    progs[1] = 2;
    pids[0] = PMT_PID;
    pids[1] = PMT_PID;

    g = gen_new();

    for (i = 0; i < 3; i++) {
        len1 = mk_pat(pmt1 + 512, progs, pids, 2);
        gen_section(g, 0, pmt1 + 512, len1);
        gen_sections(g, PMT_PID, buf, total, starts, 3);
        gen_frame(g, PTS0 + i * FRAME, 1);
    }

    len1 = total - 2 * len2;

    /* observing only: the video PID is found, the clock runs */
    m = mux_new(0, 0, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);
    check_identical(&g->ts, &out);
    assert_int_equal(scte35_mux_clock(m, &pts), 1);
    assert_int_equal(pts, PTS0 + 2 * FRAME);
    pk_free(&out);
    free(m);

    m = mux_new(0, 1, NULL, NULL);
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(m->pmt_rewrites, 3);
    assert_int_equal(m->pmt_errors, 0);

    p = out_pmts(&out);
    assert_int_equal(p->n, 9);

    for (i = 0; i < p->n; i += 3) {
        assert_int_equal(p->len[i], len2);
        assert_memory_equal(p->data[i], buf, len2);
        assert_int_equal(p->len[i + 2], len2);
        assert_memory_equal(p->data[i + 2], buf, len2);

        assert_int_equal(p->len[i + 1], len1 + 11);
        assert_int_equal(pmt_es_pid(p->data[i + 1], p->len[i + 1], 0x86),
                         AUTO_PID);
        assert_int_equal(pmt_cuei(p->data[i + 1], &last), 1);
        assert_int_equal(version_of(p->data[i + 1]), 3);
    }

    check_cc(&out, PMT_PID);
    check_same_except(&g->ts, &out, PMT_PID, AUTO_PID);

    free(p);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* a stream with PMTs, a cue queued for frame `at`, checked end to end */
static void
check_insert_at(uint64_t send_pts, size_t frame, size_t cue_len)
{
    size_t         len, i, k, n, first;
    uint8_t        pmt[1024], cue[4096];
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    scte35_mux_t  *m;

    g = gen_new();
    len = mk_std_pmt(pmt, 0, NULL, 0);
    gen_stream(g, pmt, len, 20, PTS0);

    if (cue_len == 0) {
        len = mk_time_signal(cue, send_pts);

    } else {
        len = mk_private(cue, cue_len, 3);
    }

    m = mux_new(0, 1, NULL, NULL);
    assert_int_equal(scte35_mux_queue(m, cue, len, send_pts, 0),
                     SCTE35_MUX_OK);
    assert_int_equal(scte35_mux_pending(m), 1);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_pending(m), 0);
    assert_int_equal(m->sections_inserted, 1);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 1);
    assert_int_equal(s->len[0], len);
    assert_memory_equal(s->data[0], cue, len);
    check_decodes(s->data[0], s->len[0]);

    /* right before the video PES start of that frame */
    first = s->at[0];
    n = (len + 1 + 183) / 184;
    assert_int_equal(m->packets_inserted, n);
    assert_int_equal(count_pid(&out, AUTO_PID), n);

    assert_int_equal(out.src[first], g->vstart[frame]);
    assert_memory_equal(pk(&out, first + n), pk(&g->ts, g->vstart[frame]),
                        TS);

    for (i = first, k = 0; k < n; i++, k++) {
        assert_int_equal(pid_of(pk(&out, i)), AUTO_PID);
        assert_int_equal(!!(pk(&out, i)[1] & 0x40), k == 0);
        assert_int_equal(pk(&out, i)[3] & 0x30, 0x10);
    }

    assert_int_equal(pk(&out, first)[4], 0);     /* pointer_field */
    assert_int_equal(pk(&out, first + n - 1)[TS - 1], 0xff);

    /* and after the PMT that advertises the PID */
    for (i = 0; i < first; i++) {
        if (pid_of(pk(&out, i)) == PMT_PID) {
            break;
        }
    }
    assert_true(i < first);

    check_cc(&out, AUTO_PID);
    check_cc(&out, PMT_PID);
    check_same_except(&g->ts, &out, PMT_PID, AUTO_PID);

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


static void
test_insert_before_video(void **state)
{
    (void) state;

    check_insert_at(PTS0 + 4 * FRAME, 4, 0);
    check_insert_at(PTS0 + 4 * FRAME - 1, 4, 0);     /* first PTS >= it */
    check_insert_at(PTS0 + 13 * FRAME, 13, 0);
    check_insert_at(PTS0 - 5 * FRAME, 0, 0);         /* already past */
}


static void
test_insert_multi_packet(void **state)
{
    (void) state;

    check_insert_at(PTS0 + 7 * FRAME, 7, 170);       /* 1 packet */
    check_insert_at(PTS0 + 7 * FRAME, 7, 400);       /* 3 packets */
    check_insert_at(PTS0 + 9 * FRAME, 9, 1000);      /* the largest */
}


/* immediate: before the next packet, but never before the PMT */
static void
test_immediate(void **state)
{
    size_t         len, i, pmt_at, mid;
    uint8_t        pmt[1024], cue[4096];
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    gen_frame(g, PTS0 - FRAME, 1);       /* before any PAT */
    len = mk_std_pmt(pmt, 0, NULL, 0);
    gen_stream(g, pmt, len, 10, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    len = mk_time_signal(cue, 0);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), SCTE35_MUX_OK);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 1);

    for (pmt_at = 0; pid_of(pk(&out, pmt_at)) != PMT_PID; pmt_at++) {
        /* void */
    }

    /* the first packet after the PMT */
    assert_int_equal(s->at[0], pmt_at + 1);
    assert_int_equal(out.src[s->at[0]], out.src[pmt_at] + 1);

    /* queued mid-stream: before the very next input packet */
    mid = g->vstart[5] + 1;
    pk_free(&out);
    free(s);
    free(m);

    m = mux_new(0, 1, NULL, NULL);
    run(m, &g->ts, 0, mid, &out);
    assert_int_equal(count_pid(&out, AUTO_PID), 0);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), SCTE35_MUX_OK);
    run(m, &g->ts, mid, g->ts.n, &out);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 1);
    assert_int_equal(out.src[s->at[0]], mid);
    assert_int_equal(out.src[s->at[0] - 1], mid - 1);

    for (i = 0; i < s->n; i++) {
        check_decodes(s->data[i], s->len[i]);
    }

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* the clock crosses 2^33 */
static void
test_wrap(void **state)
{
    size_t         i, len;
    uint8_t        pmt[1024], cue[4096];
    uint64_t       base, pts;
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    scte35_mux_t  *m;

    (void) state;

    base = 0x200000000ULL - 4 * FRAME;      /* frame 4 is at PTS 0 */

    g = gen_new();
    len = mk_std_pmt(pmt, 0, NULL, 0);
    gen_stream(g, pmt, len, 10, base);
    assert_int_equal(g->vpts[4], 0);
    assert_int_equal(g->vpts[6], 2 * FRAME);

    m = mux_new(0, 1, NULL, NULL);

    /* after the wrap: a plain comparison would send it at once */
    len = mk_time_signal(cue, 2 * FRAME - 10);
    assert_int_equal(scte35_mux_queue(m, cue, len, 2 * FRAME - 10, 0), 0);

    /* before the wrap, due at frame 2 */
    len = mk_time_signal(cue + 1024, base + 2 * FRAME);
    assert_int_equal(scte35_mux_queue(m, cue + 1024, len, base + 2 * FRAME,
                                      0), 0);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_clock(m, &pts), 1);
    assert_int_equal(pts, 5 * FRAME);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 2);
    assert_int_equal(out.src[s->at[0]], g->vstart[2]);
    assert_int_equal(out.src[s->at[1]], g->vstart[6]);
    assert_memory_equal(s->data[1], cue, s->len[1]);

    for (i = 0; i < s->n; i++) {
        check_decodes(s->data[i], s->len[i]);
    }

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


static void
test_queue_limits(void **state)
{
    size_t         i, len;
    uint8_t        cue[4096], bad[4096];
    scte35_mux_t  *m;

    (void) state;

    m = mux_new(0, 1, NULL, NULL);
    len = mk_time_signal(cue, 1000);

    for (i = 0; i < SCTE35_MUX_QUEUE; i++) {
        assert_int_equal(scte35_mux_queue(m, cue, len, 1000 + i, 0),
                         SCTE35_MUX_OK);
    }

    assert_int_equal(scte35_mux_queue(m, cue, len, 1000, 0), SCTE35_MUX_FULL);
    assert_int_equal(scte35_mux_queue(m, cue, len, 1000, 1), SCTE35_MUX_FULL);
    assert_int_equal(m->queue_full, 2);
    assert_int_equal(scte35_mux_pending(m), SCTE35_MUX_QUEUE);

    /* not a splice_info_section of that length */
    memcpy(bad, cue, len);
    assert_int_equal(scte35_mux_queue(m, bad, len - 1, 0, 0),
                     SCTE35_MUX_ERROR);
    bad[0] = 0x02;
    assert_int_equal(scte35_mux_queue(m, bad, len, 0, 0), SCTE35_MUX_ERROR);
    assert_int_equal(scte35_mux_queue(m, NULL, len, 0, 0), SCTE35_MUX_ERROR);
    assert_int_equal(scte35_mux_queue(m, cue, 2, 0, 0), SCTE35_MUX_ERROR);

    free(m);
    m = mux_new(0, 1, NULL, NULL);

    /* too long for the queue (valid for the codec) */
    len = mk_private(bad, SCTE35_MUX_MAX_SECTION, 0);
    assert_true(len > SCTE35_MUX_MAX_SECTION);
    assert_int_equal(scte35_mux_queue(m, bad, len, 0, 0), SCTE35_MUX_ERROR);

    len = mk_private(bad, SCTE35_MUX_MAX_SECTION - 24, 0);
    assert_int_equal(len, SCTE35_MUX_MAX_SECTION);
    assert_int_equal(scte35_mux_queue(m, bad, len, 0, 0), SCTE35_MUX_OK);

    /* a PID out of range */
    assert_int_equal(scte35_mux_init(m, 0x1fff, 1, NULL, NULL),
                     SCTE35_MUX_ERROR);
    assert_int_equal(scte35_mux_init(m, 0x000f, 1, NULL, NULL),
                     SCTE35_MUX_ERROR);
    assert_int_equal(m->conf_pid, 0);

    free(m);
}


/* every queued section due at once: the documented output bound */
static void
test_max_out(void **state)
{
    size_t         i, len, n;
    uint8_t        pmt[1024], cue[4096];
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 0, NULL, 0);
    gen_stream(g, pmt, len, 10, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    len = mk_private(cue, SCTE35_MUX_MAX_SECTION - 24, 9);
    assert_int_equal(len, SCTE35_MUX_MAX_SECTION);

    for (i = 0; i < SCTE35_MUX_QUEUE; i++) {
        cue[20] = (uint8_t) i;
        put_crc(cue, len);
        assert_int_equal(scte35_mux_queue(m, cue, len, PTS0 + 3 * FRAME,
                                          i % 2), 0);
    }

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    n = SCTE35_MUX_QUEUE * SCTE35_MUX_SECTION_PACKETS;
    assert_int_equal(m->packets_inserted, n);
    assert_int_equal(count_pid(&out, AUTO_PID), n);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, SCTE35_MUX_QUEUE);

    /* the immediate ones first (after the PMT), then the rest in order */
    for (i = 0; i < s->n; i++) {
        assert_int_equal(s->data[i][20],
                         i < 16 ? 2 * i + 1 : 2 * (i - 16));
        check_decodes(s->data[i], s->len[i]);
    }

    check_cc(&out, AUTO_PID);

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/*
 * The input carries SCTE-35 on IN_PID (CUEI, 0x86): a one-packet cue at
 * frame 2 and a 3-packet cue whose packets straddle frame 6's PES start.
 */
static size_t
gen_scte_input(gen_t *g, uint8_t *cue1, size_t *len1, uint8_t *cue2,
    size_t *len2, size_t frames)
{
    size_t   i, len, mid;
    uint8_t  pmt[1024], p1[184];
    es_t     es[3];

    static const uint8_t  info[] = { 0x05, 0x04, 'C', 'U', 'E', 'I' };

    es[0].type = 0x1b;
    es[0].pid = VIDEO_PID;
    es[0].desc = NULL;
    es[0].dlen = 0;
    es[1].type = 0x86;
    es[1].pid = IN_PID;
    es[1].desc = NULL;
    es[1].dlen = 0;
    es[2].type = 0x0f;
    es[2].pid = AUDIO_PID;
    es[2].desc = NULL;
    es[2].dlen = 0;
    len = mk_pmt(pmt, PROGRAM, 4, VIDEO_PID, info, sizeof(info), es, 3);

    *len1 = mk_time_signal(cue1, PTS0 + 2 * FRAME);
    *len2 = mk_private(cue2, 400, 0x40);

    /* the input's counter on IN_PID starts somewhere odd */
    g->cc[IN_PID] = 9;
    mid = 0;

    for (i = 0; i < frames; i++) {
        if (i % 5 == 0) {
            gen_pat(g, PMT_PID);
            gen_section(g, PMT_PID, pmt, len);
        }

        if (i == 2) {
            gen_section(g, IN_PID, cue1, *len1);
        }

        if (i == 6) {
            p1[0] = 0;
            memcpy(p1 + 1, cue2, 183);
            gen_packet(g, IN_PID, 1, NULL, 0, p1, 184);
        }

        gen_frame(g, PTS0 + i * FRAME, 1);

        if (i == 6) {
            gen_packet(g, IN_PID, 0, NULL, 0, cue2 + 183, 184);
            mid = g->ts.n;
            gen_frame(g, PTS0 + i * FRAME + 1, 0);   /* more video */
            gen_packet(g, IN_PID, 0, NULL, 0, cue2 + 367, *len2 - 367);
        }
    }

    return mid;
}


static void
test_existing_pid(void **state)
{
    size_t         len1, len2, len, i, end, mid;
    uint8_t        cue1[4096], cue2[4096], cue[4096];
    gen_t         *g;
    pkts_t         out;
    secs_t        *seen, *s;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    mid = gen_scte_input(g, cue1, &len1, cue2, &len2, 12);
    assert_true(len2 > 2 * 184);

    seen = calloc(1, sizeof(secs_t));
    assert_non_null(seen);

    /* nothing to insert: the output is the input, cues are seen */
    m = mux_new(0x300, 1, seen_cb, seen);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    check_identical(&g->ts, &out);
    assert_int_equal(scte35_mux_pid(m), IN_PID);
    assert_int_equal(m->pmt_rewrites, 0);
    assert_int_equal(m->sections_seen, 2);
    assert_int_equal(seen->n, 2);
    assert_int_equal(seen->len[0], len1);
    assert_memory_equal(seen->data[0], cue1, len1);
    assert_int_equal(seen->len[1], len2);
    assert_memory_equal(seen->data[1], cue2, len2);

    pk_free(&out);
    free(m);
    memset(seen, 0, sizeof(secs_t));

    /*
     * A cue due at frame 6 waits for the end of the input's cue that
     * frame 6 cut in two, then goes out at once; one at frame 9 goes
     * before frame 9.  The input's packets on IN_PID get new counters.
     */
    m = mux_new(0, 1, seen_cb, seen);
    len = mk_time_signal(cue, PTS0 + 6 * FRAME);
    assert_int_equal(scte35_mux_queue(m, cue, len, PTS0 + 6 * FRAME, 0), 0);
    len = mk_time_signal(cue + 1024, PTS0 + 9 * FRAME);
    assert_int_equal(scte35_mux_queue(m, cue + 1024, len, PTS0 + 9 * FRAME,
                                      0), 0);
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(m->sections_inserted, 2);
    assert_int_equal(m->pmt_rewrites, 0);
    assert_int_equal(seen->n, 2);
    assert_memory_equal(seen->data[1], cue2, len2);

    s = sections(&out, IN_PID);
    assert_int_equal(s->n, 4);
    assert_memory_equal(s->data[0], cue1, len1);
    assert_memory_equal(s->data[1], cue2, len2);
    assert_memory_equal(s->data[2], cue, len);
    assert_memory_equal(s->data[3], cue + 1024, len);

    for (end = mid; pid_of(pk(&g->ts, end)) != IN_PID; end++) {
        /* the last packet of the input's cue */
    }

    assert_int_equal(out.src[s->at[2]], end + 1);
    assert_int_equal(out.src[s->at[3]], g->vstart[10]);   /* 9 + the extra */

    for (i = 0; i < s->n; i++) {
        check_decodes(s->data[i], s->len[i]);
    }

    /* the PMT is the input's, the rest is byte-exact */
    check_same_except(&g->ts, &out, IN_PID, IN_PID);
    check_cc(&out, IN_PID);

    free(s);
    free(seen);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* after an insertion, the input's packets on the PID are restamped */
static void
test_existing_pid_restamp(void **state)
{
    size_t         i, j, len, len1, len2, n;
    uint8_t        cue[4096], cue1[4096], cue2[4096];
    gen_t         *g;
    pkts_t         out;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    (void) gen_scte_input(g, cue1, &len1, cue2, &len2, 12);

    m = mux_new(0, 1, NULL, NULL);
    len = mk_time_signal(cue, 0);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), 0);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);
    assert_int_equal(m->sections_inserted, 1);

    n = 0;

    for (i = 0, j = 0; i < g->ts.n; i++) {
        if (pid_of(pk(&g->ts, i)) != IN_PID) {
            continue;
        }

        while (out.src[j] != i || pid_of(pk(&out, j)) != IN_PID) {
            j++;
        }

        /* only the counter differs */
        assert_memory_equal(pk(&g->ts, i), pk(&out, j), 3);
        assert_memory_equal(pk(&g->ts, i) + 4, pk(&out, j) + 4, TS - 4);
        assert_int_equal(pk(&g->ts, i)[3] & 0xf0, pk(&out, j)[3] & 0xf0);
        n += (pk(&g->ts, i)[3] & 0x0f) != (pk(&out, j)[3] & 0x0f);
        j++;
    }

    assert_int_equal(n, 4);
    check_cc(&out, IN_PID);

    pk_free(&out);
    gen_free(g);
    free(m);
}


static void
test_auto_pid(void **state)
{
    int            last;
    size_t         len, i;
    uint8_t        pmt[1024], pat[64], cue[4096];
    uint16_t       progs[2], pids[2];
    gen_t         *g;
    pkts_t         out;
    secs_t        *p;
    es_t           es[3];
    scte35_mux_t  *m;

    (void) state;

    es[0].type = 0x1b;
    es[0].pid = 0x1f0;
    es[0].desc = NULL;
    es[0].dlen = 0;
    es[1].type = 0x06;
    es[1].pid = 0x1f2;
    es[1].desc = NULL;
    es[1].dlen = 0;
    es[2].type = 0x0f;
    es[2].pid = AUDIO_PID;
    es[2].desc = NULL;
    es[2].dlen = 0;

    /* PCR 0x1f1, another program's PMT 0x1f3, traffic on 0x1f4 */
    len = mk_pmt(pmt, PROGRAM, 0, 0x1f1, NULL, 0, es, 3);

    progs[0] = PROGRAM;
    progs[1] = 2;
    pids[0] = PMT_PID;
    pids[1] = 0x1f3;

    g = gen_new();
    gen_packet(g, 0x1f4, 0, NULL, 0, (const uint8_t *) "x", 1);
    len = mk_pat(pat, progs, pids, 2);

    for (i = 0; i < 3; i++) {
        gen_section(g, 0, pat, len);
        gen_section(g, PMT_PID,
                    pmt, mk_pmt(pmt, PROGRAM, 0, 0x1f1, NULL, 0, es, 3));
        gen_pes(g, 0x1f0, 0xe0, PTS0 + i * FRAME, 2);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_pid(m), 0x1f5);
    p = out_pmts(&out);
    assert_int_equal(p->n, 3);
    assert_int_equal(pmt_es_pid(p->data[2], p->len[2], 0x86), 0x1f5);
    assert_int_equal(pmt_cuei(p->data[2], &last), 1);
    assert_int_equal(m->clock, PTS0 + 2 * FRAME);
    free(p);
    pk_free(&out);
    free(m);

    /* a configured PID the PMT uses: no carriage, the PMT is the input's */
    m = mux_new(0x1f2, 1, NULL, NULL);
    len = mk_time_signal(cue, 0);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), 0);
    run(m, &g->ts, 0, g->ts.n, &out);

    check_identical(&g->ts, &out);
    assert_int_equal(scte35_mux_pid(m), 0);
    assert_int_equal(m->pid_conflicts, 3);
    assert_int_equal(scte35_mux_pending(m), 1);
    pk_free(&out);
    free(m);

    /* a free configured PID */
    m = mux_new(0x300, 1, NULL, NULL);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), 0);
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_pid(m), 0x300);
    p = out_pmts(&out);
    assert_int_equal(pmt_es_pid(p->data[0], p->len[0], 0x86), 0x300);
    free(p);

    p = sections(&out, 0x300);
    assert_int_equal(p->n, 1);
    assert_memory_equal(p->data[0], cue, len);
    free(p);

    pk_free(&out);
    gen_free(g);
    free(m);
}


/* nothing on the carriage PID before the PMT that announces it */
static void
test_nothing_before_pmt(void **state)
{
    size_t         len, i, first_pmt;
    uint8_t        pmt[1024], cue[4096];
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();

    /* video long before the PAT and PMT, then a 3-packet PMT */
    for (i = 0; i < 5; i++) {
        gen_frame(g, PTS0 + i * FRAME, 1);
    }

    memset(cue, 0, sizeof(cue));
    cue[0] = 0x80;
    cue[1] = 250;
    cue[252] = 0x80;
    cue[253] = 150;
    len = mk_std_pmt(pmt, 0, cue, 404);
    gen_stream(g, pmt, len, 10, PTS0 + 5 * FRAME);

    m = mux_new(0, 1, NULL, NULL);

    for (i = 0; i < 4; i++) {
        len = mk_time_signal(cue + i * 1024, PTS0 + i * FRAME);
        assert_int_equal(scte35_mux_queue(m, cue + i * 1024, len,
                                          PTS0 + i * FRAME, i == 3), 0);
    }

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    for (first_pmt = 0; first_pmt < out.n; first_pmt++) {
        if (pid_of(pk(&out, first_pmt)) == PMT_PID) {
            break;
        }
    }

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 4);

    /*
     * All go right after the 3 PMT packets, in queue order: the packet
     * after them starts frame 5, which makes the others due too.
     */
    assert_int_equal(s->at[0], first_pmt + 3);

    for (i = 0; i < 4; i++) {
        assert_memory_equal(s->data[i], cue + i * 1024, s->len[i]);
        assert_int_equal(out.src[s->at[i]], g->vstart[5]);
    }

    for (i = 0; i < first_pmt; i++) {
        assert_int_not_equal(pid_of(pk(&out, i)), AUTO_PID);
    }

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* the audio PES is the clock when there is no video */
static void
test_audio_clock(void **state)
{
    size_t         len, i;
    uint8_t        pmt[1024], cue[4096];
    uint64_t       pts;
    gen_t         *g;
    pkts_t         out;
    secs_t        *s;
    es_t           es;
    scte35_mux_t  *m;

    (void) state;

    es.type = 0x03;
    es.pid = AUDIO_PID;
    es.desc = NULL;
    es.dlen = 0;
    len = mk_pmt(pmt, PROGRAM, 0, AUDIO_PID, NULL, 0, &es, 1);

    g = gen_new();
    gen_pat(g, PMT_PID);
    gen_section(g, PMT_PID, pmt, len);

    for (i = 0; i < 10; i++) {
        g->astart[g->na++] = g->ts.n;
        gen_pes(g, AUDIO_PID, 0xc0, PTS0 + i * 1920, 2);
    }

    m = mux_new(0, 1, NULL, NULL);
    len = mk_time_signal(cue, PTS0 + 5 * 1920);
    assert_int_equal(scte35_mux_queue(m, cue, len, PTS0 + 5 * 1920, 0), 0);

    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(scte35_mux_clock(m, &pts), 1);
    assert_int_equal(pts, PTS0 + 9 * 1920);

    s = sections(&out, AUTO_PID);
    assert_int_equal(s->n, 1);
    assert_int_equal(out.src[s->at[0]], g->astart[5]);

    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


/* the PAT moves the program to another PMT PID */
static void
test_pmt_pid_change(void **state)
{
    size_t         len, plen, i;
    uint8_t        pmt[1024], pat[64], cue[4096];
    uint16_t       prog, pid;
    gen_t         *g;
    pkts_t         out;
    secs_t        *p;
    scte35_mux_t  *m;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 0, NULL, 0);
    gen_stream(g, pmt, len, 5, PTS0);

    prog = PROGRAM;
    pid = 0x1100;
    plen = mk_pat(pat, &prog, &pid, 1);

    for (i = 0; i < 5; i++) {
        gen_section(g, 0, pat, plen);
        gen_section(g, 0x1100, pmt, len);
        gen_frame(g, PTS0 + (5 + i) * FRAME, 1);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    len = mk_time_signal(cue, 0);
    assert_int_equal(scte35_mux_queue(m, cue, len, 0, 1), 0);
    run(m, &g->ts, g->ts.n - 3, g->ts.n, &out);
    assert_int_equal(scte35_mux_pending(m), 0);

    assert_int_equal(m->pmt_pid, 0x1100);
    assert_int_equal(m->pmt_rewrites, 6);

    p = sections(&out, 0x1100);
    assert_int_equal(p->n, 5);
    assert_int_equal(pmt_es_pid(p->data[4], p->len[4], 0x86), AUTO_PID);
    free(p);

    check_cc(&out, 0x1100);
    check_cc(&out, AUTO_PID);

    pk_free(&out);
    gen_free(g);
    free(m);
}


/* broken PMTs pass unchanged and are counted */
static void
check_broken_pmt(const uint8_t *pl, size_t n, int pusi, int expect)
{
    size_t         len, i;
    uint8_t        pmt[1024];
    gen_t         *g;
    pkts_t         out;
    scte35_mux_t  *m;

    g = gen_new();
    gen_pat(g, PMT_PID);

    for (i = 0; i < 3; i++) {
        gen_packet(g, PMT_PID, pusi, NULL, 0, pl, n);
        gen_frame(g, PTS0 + i * FRAME, 1);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    check_identical(&g->ts, &out);
    assert_int_equal(m->pmt_rewrites, 0);
    assert_int_equal(scte35_mux_pid(m), 0);

    /* 0: nothing to count, 1: a PSI error, 2: a PMT error */
    assert_int_equal(m->psi_errors > 0, expect == 1);
    assert_int_equal(m->pmt_errors > 0, expect == 2);

    /* a good PMT after that is still rewritten */
    len = mk_std_pmt(pmt, 0, NULL, 0);
    i = g->ts.n;
    gen_section(g, PMT_PID, pmt, len);
    gen_frame(g, PTS0 + 3 * FRAME, 1);
    run(m, &g->ts, i, g->ts.n, &out);
    assert_int_equal(m->pmt_rewrites, 1);

    pk_free(&out);
    gen_free(g);
    free(m);
}


static void
test_broken_pmt(void **state)
{
    size_t   len;
    uint8_t  pl[184], pmt[1024];

    (void) state;

    len = mk_std_pmt(pmt, 0, NULL, 0);

    /* bad CRC */
    pl[0] = 0;
    memcpy(pl + 1, pmt, len);
    pl[len] ^= 0x01;
    check_broken_pmt(pl, len + 1, 1, 2);

    /* pointer_field beyond the packet; at its very end: no section */
    pl[0] = 200;
    check_broken_pmt(pl, 184, 1, 1);
    pl[0] = 184;
    check_broken_pmt(pl, 184, 1, 1);
    pl[0] = 183;
    check_broken_pmt(pl, 184, 1, 0);

    /* section_length too large for a PMT */
    pl[0] = 0;
    memcpy(pl + 1, pmt, len);
    pl[2] = 0xb3;
    pl[3] = 0xfe;
    check_broken_pmt(pl, 184, 1, 1);

    /* ES loop past the section, CRC right */
    memcpy(pl + 1, pmt, len);
    pl[1 + 12 + 3] = 0xf3;
    put_crc(pl + 1, len);
    check_broken_pmt(pl, len + 1, 1, 2);

    /* program_info past the section, CRC right */
    memcpy(pl + 1, pmt, len);
    pl[1 + 10] = 0xf1;
    put_crc(pl + 1, len);
    check_broken_pmt(pl, len + 1, 1, 2);

    /* too short to be a PMT */
    memcpy(pl + 1, "\x02\xb0\x05\x00\x01\xc1\x00\x00", 8);
    check_broken_pmt(pl, 9, 1, 2);

    /* only continuations */
    memcpy(pl, pmt, len);
    check_broken_pmt(pl, 184, 0, 0);
}


/* a PMT that cannot grow past 1021 bytes, and one that never ends */
static void
test_pmt_too_large(void **state)
{
    size_t         len, ilen, i;
    uint8_t        pmt[1100], info[1100], pl[184];
    gen_t         *g;
    pkts_t         out;
    scte35_mux_t  *m;

    (void) state;

    memset(info, 0x22, sizeof(info));
    ilen = 1019 - 12 - 16 - 4;         /* the PMT is 1019 bytes */

    for (i = 0; i + 2 <= ilen; i += 2 + info[i + 1]) {
        info[i] = 0x80;
        info[i + 1] = (uint8_t) (ilen - i - 2 > 255 ? 255 : ilen - i - 2);
    }

    g = gen_new();
    len = mk_std_pmt(pmt, 0, info, ilen);
    assert_int_equal(len, 1019);
    gen_stream(g, pmt, len, 6, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    check_identical(&g->ts, &out);
    assert_int_equal(m->pmt_rewrites, 0);
    assert_int_equal(m->pmt_errors, 2);
    pk_free(&out);
    gen_free(g);
    free(m);

    /*
     * 1021 bytes announced, then continuations of 100 bytes (adaptation
     * field stuffing): still incomplete after 8 packets.
     */
    g = gen_new();
    gen_pat(g, PMT_PID);
    memset(pl, 0, sizeof(pl));
    memcpy(pl, "\x00\x02\xb3\xfd\x00\x01\xc1\x00\x00", 9);
    gen_packet(g, PMT_PID, 1, NULL, 0, pl, 184);
    memset(info, 0xff, 83);
    info[0] = 0x00;

    for (i = 0; i < 10; i++) {
        gen_packet(g, PMT_PID, 0, info, 83, pl + 9, 100);
        gen_pes(g, VIDEO_PID, 0xe0, PTS0, 1);
    }

    m = mux_new(0, 1, NULL, NULL);
    memset(&out, 0, sizeof(pkts_t));
    run(m, &g->ts, 0, g->ts.n, &out);

    assert_int_equal(m->pmt_errors, 1);
    assert_int_equal(count_pid(&out, PMT_PID), 11);

    /* same packets, the PMT ones held back for a while */
    check_same_except(&g->ts, &out, PMT_PID, PMT_PID);
    assert_int_equal(out.n, g->ts.n);

    pk_free(&out);
    gen_free(g);
    free(m);
}


/* random packets with the sync byte, PIDs the mux looks at */
static uint32_t  rnd_state = 12345;

static uint32_t
rnd(void)
{
    rnd_state = rnd_state * 1103515245 + 12345;
    return rnd_state >> 8;
}


static void
fuzz_run(uint16_t conf_pid, int insert, int with_scte)
{
    size_t          i, k, n, len, len1, len2;
    uint8_t        *ib, *ob, pmt[1024], cue[4096], c1[4096], c2[4096];
    gen_t          *g;
    secs_t         *seen;
    scte35_mux_t   *m;

    static const uint16_t  pids[] = {
        0, PMT_PID, VIDEO_PID, AUDIO_PID, AUTO_PID, IN_PID, 0x1fff, 0x300
    };

    g = gen_new();
    len = mk_std_pmt(pmt, 0, NULL, 0);

    if (with_scte) {
        (void) gen_scte_input(g, c1, &len1, c2, &len2, 6);

    } else {
        gen_stream(g, pmt, len, 6, PTS0);
    }

    seen = calloc(1, sizeof(secs_t));
    ib = malloc(TS);
    ob = malloc(SCTE35_MUX_MAX_OUT * TS);
    assert_non_null(seen);
    assert_non_null(ib);
    assert_non_null(ob);

    m = mux_new(conf_pid, insert, seen_cb, seen);
    len = mk_private(cue, 300, 1);

    for (i = 0; i < 60000; i++) {
        if (i % 500 < g->ts.n && (i / 500) % 3 != 2) {
            /* valid stretches keep the state machines busy */
            memcpy(ib, pk(&g->ts, i % 500), TS);

            if ((i / 500) % 3 == 1 && (rnd() & 7) == 0) {
                ib[4 + rnd() % 184] = (uint8_t) rnd();
            }

        } else {
            for (k = 0; k < TS; k++) {
                ib[k] = (uint8_t) rnd();
            }

            ib[0] = 0x47;
            ib[1] = (uint8_t) ((ib[1] & 0x40) | pids[rnd() % 8] >> 8);
            ib[2] = (uint8_t) pids[rnd() % 8];

            switch (rnd() % 4) {
            case 0:
                ib[4] = (uint8_t) (rnd() % 4);      /* small pointer */
                break;
            case 1:
                ib[5] = 0x02;
                ib[6] = (uint8_t) (0xb0 | (rnd() & 3));
                break;
            case 2:
                ib[3] = (uint8_t) (ib[3] & 0x0f) | 0x10;
                break;
            }
        }

        n = scte35_mux_packet(m, ib, ob);
        assert_true(n <= SCTE35_MUX_MAX_OUT);

        for (k = 0; k < n; k++) {
            assert_int_equal(ob[k * TS], 0x47);
        }

        if (insert && rnd() % 50 == 0) {
            (void) scte35_mux_queue(m, cue, len,
                                    (rnd() & 1) ? rnd() : PTS0 + rnd() % 20000,
                                    (rnd() & 3) == 0);
        }

        if (seen->n > MAX_SECS - 2) {
            seen->n = 0;
        }
    }

    /* the paths under test were taken */
    if (insert) {
        assert_true(m->sections_inserted > 0);
        assert_true(with_scte || m->pmt_rewrites > 0);
    }

    assert_true(!with_scte || m->sections_seen > 0);
    assert_true(m->psi_errors > 0);

    free(ib);
    free(ob);
    free(seen);
    gen_free(g);
    free(m);
}


static void
test_hostile(void **state)
{
    size_t         i, k, n;
    uint8_t       *ib, *ob;
    scte35_mux_t  *m;

    (void) state;

    fuzz_run(0, 1, 0);
    fuzz_run(0, 1, 1);
    fuzz_run(0x300, 1, 0);
    fuzz_run(0, 0, 1);

    /* pure noise, including no sync byte */
    ib = malloc(TS);
    ob = malloc(SCTE35_MUX_MAX_OUT * TS);
    assert_non_null(ib);
    assert_non_null(ob);
    m = mux_new(0, 1, NULL, NULL);

    for (i = 0; i < 20000; i++) {
        for (k = 0; k < TS; k++) {
            ib[k] = (uint8_t) rnd();
        }

        if (i % 3) {
            ib[0] = 0x47;
            ib[1] &= 0x5f;
        }

        n = scte35_mux_packet(m, ib, ob);
        assert_true(n <= SCTE35_MUX_MAX_OUT);
    }

    free(m);
    free(ib);
    free(ob);
}


/*
 * What a demuxer checks (the way FFmpeg finds the stream): PAT -> PMT
 * with the CUEI registration and a 0x86 stream; every section on that
 * PID decodes with the CRC right; no continuity error on any PID.
 */
static void
test_demuxer_view(void **state)
{
    int            last;
    size_t         len, i, k, mid;
    uint8_t        pmt[1024], cue[8192];
    uint16_t       pid;
    gen_t         *g;
    pkts_t         out;
    secs_t        *pat, *p, *s;
    scte35_mux_t  *m;
    FILE          *f;

    (void) state;

    g = gen_new();
    len = mk_std_pmt(pmt, 12, NULL, 0);
    gen_stream(g, pmt, len, 40, PTS0);

    m = mux_new(0, 1, NULL, NULL);
    mid = g->vstart[20];
    memset(&out, 0, sizeof(pkts_t));

    for (i = 0; i < 6; i++) {
        if (i % 3 == 2) {
            len = mk_private(cue + i * 700, 100 + 120 * i, (uint8_t) i);

        } else {
            len = mk_time_signal(cue + i * 700, PTS0 + (3 + 5 * i) * FRAME);
        }

        assert_int_equal(scte35_mux_queue(m, cue + i * 700, len,
                                          PTS0 + (3 + 5 * i) * FRAME, 0), 0);
    }

    run(m, &g->ts, 0, mid, &out);
    len = mk_time_signal(cue + 4200, 0);
    assert_int_equal(scte35_mux_queue(m, cue + 4200, len, 0, 1), 0);
    run(m, &g->ts, mid, g->ts.n, &out);

    assert_int_equal(scte35_mux_pending(m), 0);

    pat = sections(&out, 0);
    assert_true(pat->n > 0);
    assert_int_equal(scte35_crc32(pat->data[0], pat->len[0]), 0);
    pid = (uint16_t) ((pat->data[0][10] & 0x1f) << 8 | pat->data[0][11]);
    assert_int_equal(pid, PMT_PID);

    p = out_pmts(&out);
    assert_int_equal(p->n, 8);
    assert_int_equal(pmt_cuei(p->data[0], &last), 1);
    assert_true(last);
    assert_int_equal(version_of(p->data[0]), 13);
    pid = (uint16_t) pmt_es_pid(p->data[0], p->len[0], 0x86);

    s = sections(&out, pid);
    assert_int_equal(s->n, 7);

    for (i = 0; i < s->n; i++) {
        assert_int_equal(s->data[i][0], 0xfc);
        check_decodes(s->data[i], s->len[i]);
    }

    for (k = 0; k < 8192; k++) {
        if (count_pid(&out, (uint16_t) k)) {
            check_cc(&out, (uint16_t) k);
        }
    }

    /* SCTE35_MUX_DUMP=file.ts keeps the stream for ffprobe or tsduck */
    if (getenv("SCTE35_MUX_DUMP")) {
        f = fopen(getenv("SCTE35_MUX_DUMP"), "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(out.p, TS, out.n, f), out.n);
        fclose(f);
    }

    free(pat);
    free(p);
    free(s);
    pk_free(&out);
    gen_free(g);
    free(m);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_observe_only),
        cmocka_unit_test(test_pmt_rewrite),
        cmocka_unit_test(test_enable_later),
        cmocka_unit_test(test_pmt_multi_packet),
        cmocka_unit_test(test_pmt_versions),
        cmocka_unit_test(test_pmt_pcr),
        cmocka_unit_test(test_pmt_multi_section),
        cmocka_unit_test(test_insert_before_video),
        cmocka_unit_test(test_insert_multi_packet),
        cmocka_unit_test(test_immediate),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_queue_limits),
        cmocka_unit_test(test_max_out),
        cmocka_unit_test(test_existing_pid),
        cmocka_unit_test(test_existing_pid_restamp),
        cmocka_unit_test(test_auto_pid),
        cmocka_unit_test(test_nothing_before_pmt),
        cmocka_unit_test(test_audio_clock),
        cmocka_unit_test(test_pmt_pid_change),
        cmocka_unit_test(test_broken_pmt),
        cmocka_unit_test(test_pmt_too_large),
        cmocka_unit_test(test_hostile),
        cmocka_unit_test(test_demuxer_view),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
