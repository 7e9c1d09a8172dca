/*
 * Unit tests for srt_ts.c: RTP detection, packet alignment, the PSI/CC/RAP
 * analyzer and CRC-32/MPEG-2.  Packets handed to the code under test are
 * heap buffers of the exact size, so ASan catches any read past them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srt_ts.h"


#define TS   SRT_TS_PACKET_SIZE

#define PMT_PID    0x1000
#define VIDEO_PID  0x100
#define AUDIO_PID  0x101


/* helpers */

static uint8_t *
dup_buf(const uint8_t *p, size_t len)
{
    uint8_t  *b;

    b = malloc(len ? len : 1);
    assert_non_null(b);
    memcpy(b, p, len);

    return b;
}


/* a packet header; the payload is filled with 0xff (no sync bytes) */

static void
mkpkt(uint8_t *p, uint16_t pid, int pusi, int afc, int cc)
{
    memset(p, 0xff, TS);
    p[0] = 0x47;
    p[1] = (uint8_t) ((pusi ? 0x40 : 0) | (pid >> 8));
    p[2] = (uint8_t) pid;
    p[3] = (uint8_t) ((afc << 4) | (cc & 0x0f));
}


static unsigned
analyze(srt_ts_analyzer_t *a, const uint8_t *pkt)
{
    unsigned  f;
    uint8_t  *b;

    b = dup_buf(pkt, TS);
    f = srt_ts_analyze(a, b);
    free(b);

    return f;
}


/* appends the CRC to a section of len bytes (header included) */

static size_t
finish_section(uint8_t *s, size_t len)
{
    uint32_t  crc;

    /* section_length counts everything after itself, CRC included */
    s[1] = (uint8_t) ((s[1] & 0xf0) | ((len + 4 - 3) >> 8));
    s[2] = (uint8_t) (len + 4 - 3);

    crc = srt_ts_crc32(s, len);
    s[len] = (uint8_t) (crc >> 24);
    s[len + 1] = (uint8_t) (crc >> 16);
    s[len + 2] = (uint8_t) (crc >> 8);
    s[len + 3] = (uint8_t) crc;

    return len + 4;
}


static size_t
mk_pat(uint8_t *s, int version, uint16_t pmt_pid)
{
    size_t  n;

    n = 0;
    s[n++] = 0x00;                      /* table_id */
    s[n++] = 0xb0;                      /* syntax, length set later */
    s[n++] = 0x00;
    s[n++] = 0x00;                      /* transport_stream_id */
    s[n++] = 0x01;
    s[n++] = (uint8_t) (0xc1 | (version << 1));
    s[n++] = 0x00;                      /* section_number */
    s[n++] = 0x00;                      /* last_section_number */
    s[n++] = 0x00;                      /* program 0: network PID */
    s[n++] = 0x00;
    s[n++] = 0xe0;
    s[n++] = 0x10;
    s[n++] = 0x00;                      /* program 1 */
    s[n++] = 0x01;
    s[n++] = (uint8_t) (0xe0 | (pmt_pid >> 8));
    s[n++] = (uint8_t) pmt_pid;

    return finish_section(s, n);
}


typedef struct {
    uint8_t             type;
    uint16_t            pid;
    uint8_t             desc_tag;       /* 0: no descriptor */
} es_t;


static size_t
mk_pmt(uint8_t *s, int version, uint16_t pcr_pid, size_t info_len,
    const es_t *es, size_t nes)
{
    size_t  n, i;

    n = 0;
    s[n++] = 0x02;
    s[n++] = 0xb0;
    s[n++] = 0x00;
    s[n++] = 0x00;                      /* program_number 1 */
    s[n++] = 0x01;
    s[n++] = (uint8_t) (0xc1 | (version << 1));
    s[n++] = 0x00;
    s[n++] = 0x00;
    s[n++] = (uint8_t) (0xe0 | (pcr_pid >> 8));
    s[n++] = (uint8_t) pcr_pid;
    s[n++] = (uint8_t) (0xf0 | (info_len >> 8));
    s[n++] = (uint8_t) info_len;

    /* program info: one big private descriptor, or nothing */
    if (info_len) {
        s[n++] = 0xf0;
        s[n++] = (uint8_t) (info_len - 2);

        for (i = 2; i < info_len; i++) {
            s[n++] = (uint8_t) i;
        }
    }

    for (i = 0; i < nes; i++) {
        s[n++] = es[i].type;
        s[n++] = (uint8_t) (0xe0 | (es[i].pid >> 8));
        s[n++] = (uint8_t) es[i].pid;
        s[n++] = 0xf0;
        s[n++] = es[i].desc_tag ? 3 : 0;

        if (es[i].desc_tag) {
            s[n++] = es[i].desc_tag;
            s[n++] = 1;
            s[n++] = 0x00;
        }
    }

    return finish_section(s, n);
}


/* a one-packet section: PUSI, pointer_field 0, stuffing after it */

static void
section_pkt(uint8_t *p, uint16_t pid, int cc, const uint8_t *s, size_t len)
{
    mkpkt(p, pid, 1, 1, cc);
    p[4] = 0;
    memcpy(p + 5, s, len);
}


static const es_t  av_es[] = {
    { 0x1b, VIDEO_PID, 0 },
    { 0x0f, AUDIO_PID, 0 }
};


/* an analyzer that has seen the PAT and an H.264 + AAC PMT */

static void
setup_av(srt_ts_analyzer_t *a)
{
    uint8_t  sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t   len;

    srt_ts_analyzer_init(a);

    len = mk_pat(sec, 0, PMT_PID);
    section_pkt(pkt, 0, 0, sec, len);
    assert_int_equal(analyze(a, pkt), SRT_TS_F_PAT | SRT_TS_F_PUSI
                                      | SRT_TS_F_PSI_CHANGE);

    len = mk_pmt(sec, 0, VIDEO_PID, 0, av_es, 2);
    section_pkt(pkt, PMT_PID, 0, sec, len);
    assert_int_equal(analyze(a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI
                                      | SRT_TS_F_PSI_CHANGE);
}


/* a video PES start: header with PTS, then es bytes */

static void
pes_pkt(uint8_t *p, uint16_t pid, int cc, const uint8_t *es, size_t len)
{
    static const uint8_t  pes[] = {
        0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0x80, 0x05,
        0x21, 0x00, 0x01, 0x00, 0x01
    };

    mkpkt(p, pid, 1, 1, cc);
    memcpy(p + 4, pes, sizeof(pes));
    memcpy(p + 4 + sizeof(pes), es, len);
}


/* CRC */

static void
test_crc_known(void **state)
{
    uint8_t  sec[SRT_TS_SECTION_MAX];
    size_t   len;

    (void) state;

    assert_int_equal(srt_ts_crc32((const uint8_t *) "123456789", 9),
                     0x0376e6e7);
    assert_int_equal(srt_ts_crc32(NULL, 0), 0xffffffff);

    /* a whole section, CRC included, checks to 0 */
    len = mk_pat(sec, 0, PMT_PID);
    assert_int_equal(srt_ts_crc32(sec, len), 0);

    sec[9] ^= 0x01;
    assert_int_not_equal(srt_ts_crc32(sec, len), 0);
}


static void
test_pid(void **state)
{
    uint8_t  pkt[TS];

    (void) state;

    mkpkt(pkt, 0x1abc, 1, 1, 0);
    pkt[1] |= 0x80;
    assert_int_equal(srt_ts_pid(pkt), 0x1abc);

    mkpkt(pkt, 0, 0, 1, 0);
    assert_int_equal(srt_ts_pid(pkt), 0);
}


/* RTP */

static size_t
rtp_dgram(uint8_t *d, uint8_t b0, uint8_t pt, size_t hdr_extra,
    size_t npkts, size_t pad)
{
    size_t  n, i;

    memset(d, 0, 12 + hdr_extra);
    d[0] = b0;
    d[1] = pt;
    n = 12 + hdr_extra;

    for (i = 0; i < npkts; i++) {
        mkpkt(d + n, 0x100, 0, 1, (int) i);
        n += TS;
    }

    for (i = 0; i < pad; i++) {
        d[n++] = (uint8_t) (i + 1 == pad ? pad : 0);
    }

    return n;
}


static size_t
rtp_len(const uint8_t *d, size_t len, int force, size_t *pad)
{
    uint8_t  *b;
    size_t    r;

    b = dup_buf(d, len);
    *pad = 12345;
    r = srt_ts_rtp_header_len(b, len, force, pad);
    free(b);

    return r;
}


static void
test_rtp_plain_ts(void **state)
{
    uint8_t  d[7 * TS];
    size_t   i, pad;

    (void) state;

    for (i = 0; i < 7; i++) {
        mkpkt(d + i * TS, 0x100, 0, 1, (int) i);
    }

    assert_int_equal(rtp_len(d, sizeof(d), 0, &pad), 0);
    assert_int_equal(pad, 0);

    /* 0x47 is RTP version 1: even forcing does not take it */
    assert_int_equal(rtp_len(d, sizeof(d), 1, &pad), 0);
}


static void
test_rtp_pt33(void **state)
{
    uint8_t  d[2048];
    size_t   len, pad;

    (void) state;

    len = rtp_dgram(d, 0x80, 33, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 12);
    assert_int_equal(pad, 0);

    /* marker bit set does not change the payload type */
    len = rtp_dgram(d, 0x80, 0x80 | 33, 0, 1, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 12);

    /* dynamic payload types 96..127 */
    len = rtp_dgram(d, 0x80, 96, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 12);
    len = rtp_dgram(d, 0x80, 127, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 12);

    /* other static types only when forced */
    len = rtp_dgram(d, 0x80, 14, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 0);
    assert_int_equal(rtp_len(d, len, 1, &pad), 12);
    len = rtp_dgram(d, 0x80, 95, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 0);
}


static void
test_rtp_csrc(void **state)
{
    uint8_t  d[2048];
    size_t   len, pad;

    (void) state;

    len = rtp_dgram(d, 0x82, 33, 8, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 20);

    len = rtp_dgram(d, 0x8f, 33, 60, 2, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 72);

    /* CSRC count says 2, but the payload starts right after 12 bytes */
    len = rtp_dgram(d, 0x82, 33, 0, 7, 0);
    assert_int_equal(rtp_len(d, len, 0, &pad), 0);
}


static void
test_rtp_extension(void **state)
{
    uint8_t  d[2048];
    size_t   len, pad;

    (void) state;

    /* X bit, extension header of 4 bytes + 2 words */
    len = rtp_dgram(d, 0x90, 33, 4 + 8, 7, 0);
    d[12] = 0xbe;
    d[13] = 0xde;
    d[14] = 0x00;
    d[15] = 0x02;
    assert_int_equal(rtp_len(d, len, 0, &pad), 24);

    /* CSRC and extension together */
    len = rtp_dgram(d, 0x91, 33, 4 + 4 + 4, 7, 0);
    d[16 + 3] = 0x01;
    assert_int_equal(rtp_len(d, len, 0, &pad), 24);

    /* extension length running past the datagram */
    len = rtp_dgram(d, 0x90, 33, 4, 1, 0);
    d[14] = 0xff;
    d[15] = 0xff;
    assert_int_equal(rtp_len(d, len, 0, &pad), 0);
    assert_int_equal(rtp_len(d, len, 1, &pad), 0);

    /* X bit but no room for the extension header */
    len = rtp_dgram(d, 0x90, 33, 0, 0, 0);
    assert_int_equal(len, 12);
    assert_int_equal(rtp_len(d, len, 1, &pad), 0);
}


static void
test_rtp_padding(void **state)
{
    uint8_t  d[2048];
    size_t   len, pad;

    (void) state;

    len = rtp_dgram(d, 0xa0, 33, 0, 7, 4);
    assert_int_equal(rtp_len(d, len, 0, &pad), 12);
    assert_int_equal(pad, 4);

    /* padding count of 0 is inconsistent with the P bit */
    len = rtp_dgram(d, 0xa0, 33, 0, 7, 4);
    d[len - 1] = 0;
    assert_int_equal(rtp_len(d, len, 1, &pad), 0);
    assert_int_equal(pad, 0);

    /* more padding than payload */
    len = rtp_dgram(d, 0xa0, 33, 0, 1, 4);
    d[len - 1] = 200;
    assert_int_equal(rtp_len(d, len, 1, &pad), 0);

    /* padding not removed: payload is not a multiple of 188 */
    len = rtp_dgram(d, 0x80, 33, 0, 7, 4);
    assert_int_equal(rtp_len(d, len, 0, &pad), 0);
    assert_int_equal(rtp_len(d, len, 1, &pad), 12);
    assert_int_equal(pad, 0);
}


static void
test_rtp_truncated(void **state)
{
    uint8_t  d[2048];
    size_t   len, pad, i;

    (void) state;

    len = rtp_dgram(d, 0x80, 33, 0, 1, 0);

    /* every prefix shorter than header + one packet is rejected */
    for (i = 0; i < 12 + TS; i++) {
        assert_int_equal(rtp_len(d, i, 0, &pad), 0);
    }

    assert_int_equal(rtp_len(d, len, 0, &pad), 12);

    /* a payload-less RTP packet is fine when forced */
    assert_int_equal(rtp_len(d, 12, 1, &pad), 12);

    /* 15 CSRCs need 72 bytes */
    d[0] = 0x8f;
    assert_int_equal(rtp_len(d, 40, 1, &pad), 0);

    assert_int_equal(srt_ts_rtp_header_len(NULL, 0, 1, &pad), 0);
}


static void
test_rtp_lookalike(void **state)
{
    uint8_t  d[7 * TS];
    size_t   pad, i;

    (void) state;

    /* version 2, PT 33, but no 0x47 after the header */
    memset(d, 0, sizeof(d));
    d[0] = 0x80;
    d[1] = 33;
    assert_int_equal(rtp_len(d, sizeof(d), 0, &pad), 0);

    /* 0x47 right after 12 bytes, but the payload is 7 * 188 - 12 */
    d[12] = 0x47;
    assert_int_equal(rtp_len(d, sizeof(d), 0, &pad), 0);

    /* other versions */
    for (i = 0; i < 4; i++) {
        if (i == 2) {
            continue;
        }

        d[0] = (uint8_t) (i << 6);
        assert_int_equal(rtp_len(d, sizeof(d), 0, &pad), 0);
        assert_int_equal(rtp_len(d, sizeof(d), 1, &pad), 0);
    }
}


/* find_runs */

static size_t
runs(const uint8_t *d, size_t len, srt_ts_run_t *r, size_t max,
    srt_ts_sync_t *sync)
{
    uint8_t  *b;
    size_t    n;

    b = dup_buf(d, len);
    n = srt_ts_find_runs(b, len, r, max, sync);
    free(b);

    return n;
}


static void
fill_packets(uint8_t *d, size_t n)
{
    size_t  i;

    for (i = 0; i < n; i++) {
        mkpkt(d + i * TS, 0x100, 0, 1, (int) i);
    }
}


static void
test_runs_aligned(void **state)
{
    uint8_t        d[7 * TS];
    srt_ts_run_t   r[8];
    srt_ts_sync_t  sync;

    (void) state;

    memset(&sync, 0, sizeof(sync));
    fill_packets(d, 7);

    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 1);
    assert_int_equal(r[0].offset, 0);
    assert_int_equal(r[0].count, 7);
    assert_int_equal(sync.datagrams, 1);
    assert_int_equal(sync.packets, 7);
    assert_int_equal(sync.sync_losses, 0);
    assert_int_equal(sync.garbage_bytes, 0);
    assert_int_equal(sync.truncated, 0);
    assert_int_equal(sync.in_sync, 1);

    /* a single packet */
    assert_int_equal(runs(d, TS, r, 8, &sync), 1);
    assert_int_equal(r[0].count, 1);
    assert_int_equal(sync.datagrams, 2);
    assert_int_equal(sync.packets, 8);

    /* an empty datagram counts and changes nothing else */
    assert_int_equal(runs(d, 0, r, 8, &sync), 0);
    assert_int_equal(sync.datagrams, 3);
    assert_int_equal(sync.packets, 8);
    assert_int_equal(sync.truncated, 0);
}


static void
test_runs_garbage_prefix(void **state)
{
    uint8_t        d[10 + 7 * TS];
    srt_ts_run_t   r[8];
    srt_ts_sync_t  sync;

    (void) state;

    memset(&sync, 0, sizeof(sync));
    memset(d, 0x00, 10);
    d[3] = 0x47;                        /* a false sync byte */
    fill_packets(d + 10, 7);

    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 1);
    assert_int_equal(r[0].offset, 10);
    assert_int_equal(r[0].count, 7);
    assert_int_equal(sync.packets, 7);
    assert_int_equal(sync.garbage_bytes, 10);
    assert_int_equal(sync.sync_losses, 1);
    assert_int_equal(sync.truncated, 0);
    assert_int_equal(sync.in_sync, 1);

    /* again: one more episode, one more loss */
    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 1);
    assert_int_equal(sync.sync_losses, 2);
    assert_int_equal(sync.garbage_bytes, 20);
}


static void
test_runs_garbage_middle(void **state)
{
    uint8_t        d[7 * TS + 10];
    srt_ts_run_t   r[8];
    srt_ts_sync_t  sync;

    (void) state;

    memset(&sync, 0, sizeof(sync));
    fill_packets(d, 3);
    memset(d + 3 * TS, 0x00, 10);
    fill_packets(d + 3 * TS + 10, 4);

    /*
     * The third packet is not followed by a sync byte, so it cannot be
     * confirmed and is skipped with the garbage.
     */

    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 2);
    assert_int_equal(r[0].offset, 0);
    assert_int_equal(r[0].count, 2);
    assert_int_equal(r[1].offset, 3 * TS + 10);
    assert_int_equal(r[1].count, 4);
    assert_int_equal(sync.packets, 6);
    assert_int_equal(sync.garbage_bytes, TS + 10);
    assert_int_equal(sync.sync_losses, 1);
    assert_int_equal(sync.truncated, 0);

    /* with room for one run only, the second is dropped as garbage */
    memset(&sync, 0, sizeof(sync));
    assert_int_equal(runs(d, sizeof(d), r, 1, &sync), 1);
    assert_int_equal(r[0].count, 2);
    assert_int_equal(sync.packets, 2);
    assert_int_equal(sync.garbage_bytes, TS + 10 + 4 * TS);
    assert_int_equal(sync.sync_losses, 1);
}


static void
test_runs_truncated(void **state)
{
    uint8_t        d[7 * TS + 5];
    srt_ts_run_t   r[8];
    srt_ts_sync_t  sync;

    (void) state;

    /* cut in the middle of the seventh packet (starts with 0x47) */
    memset(&sync, 0, sizeof(sync));
    fill_packets(d, 7);

    assert_int_equal(runs(d, 6 * TS + 100, r, 8, &sync), 1);
    assert_int_equal(r[0].offset, 0);
    assert_int_equal(r[0].count, 6);
    assert_int_equal(sync.truncated, 1);
    assert_int_equal(sync.garbage_bytes, 100);
    assert_int_equal(sync.sync_losses, 0);
    assert_int_equal(sync.in_sync, 1);

    /* a short tail that does not start with 0x47 */
    memset(d + 7 * TS, 0x00, 5);
    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 1);
    assert_int_equal(r[0].count, 7);
    assert_int_equal(sync.truncated, 2);
    assert_int_equal(sync.garbage_bytes, 105);
    assert_int_equal(sync.sync_losses, 0);

    /* one packet plus a short tail */
    assert_int_equal(runs(d + 6 * TS, TS + 5, r, 8, &sync), 1);
    assert_int_equal(r[0].count, 1);
    assert_int_equal(sync.truncated, 3);

    /* a datagram shorter than a packet */
    assert_int_equal(runs(d, 100, r, 8, &sync), 0);
    assert_int_equal(sync.truncated, 4);
    assert_int_equal(sync.garbage_bytes, 210);
    assert_int_equal(sync.sync_losses, 0);
    assert_int_equal(sync.packets, 6 + 7 + 1);
}


static void
test_runs_zeros(void **state)
{
    uint8_t        z[7 * TS], d[7 * TS];
    srt_ts_run_t   r[8];
    srt_ts_sync_t  sync;

    (void) state;

    memset(&sync, 0, sizeof(sync));
    memset(z, 0, sizeof(z));
    fill_packets(d, 7);

    /* the very first datagram being garbage is a loss */
    assert_int_equal(runs(z, sizeof(z), r, 8, &sync), 0);
    assert_int_equal(sync.sync_losses, 1);
    assert_int_equal(sync.garbage_bytes, sizeof(z));
    assert_int_equal(sync.truncated, 0);
    assert_int_equal(sync.in_sync, 0);

    /* still out of sync: no new episode */
    assert_int_equal(runs(z, sizeof(z), r, 8, &sync), 0);
    assert_int_equal(sync.sync_losses, 1);

    assert_int_equal(runs(d, sizeof(d), r, 8, &sync), 1);
    assert_int_equal(sync.in_sync, 1);

    assert_int_equal(runs(z, sizeof(z), r, 8, &sync), 0);
    assert_int_equal(sync.sync_losses, 2);
    assert_int_equal(sync.datagrams, 4);
    assert_int_equal(sync.packets, 7);
    assert_int_equal(sync.garbage_bytes, 3 * sizeof(z));
}


static void
test_runs_fuzz(void **state)
{
    uint8_t        *d;
    size_t          len, i, j, n, k, total, prev_end;
    uint64_t        pkts;
    srt_ts_run_t    r[4];
    srt_ts_sync_t   sync;
    unsigned        seed, mode;

    (void) state;

    seed = 12345;
    srand(seed);
    memset(&sync, 0, sizeof(sync));
    total = 0;

    for (i = 0; i < 20000; i++) {
        len = (size_t) rand() % (8 * TS);
        d = malloc(len ? len : 1);
        assert_non_null(d);

        mode = (unsigned) rand() % 3;

        for (j = 0; j < len; j++) {
            if (mode == 0) {
                d[j] = (uint8_t) rand();

            } else {
                /* many sync bytes to provoke false alignments */
                d[j] = rand() % 4 ? (uint8_t) rand() : 0x47;
            }
        }

        if (mode == 2) {
            /* real packets at a random offset, possibly damaged */
            for (j = (size_t) rand() % 200; j + TS <= len; j += TS) {
                d[j] = 0x47;
            }
        }

        pkts = sync.packets;
        n = srt_ts_find_runs(d, len, r, 4, &sync);
        total += len;

        assert_true(n <= 4);
        prev_end = 0;

        for (j = 0; j < n; j++) {
            assert_true(r[j].count > 0);
            assert_true(r[j].offset >= prev_end);
            assert_true(r[j].offset + r[j].count * TS <= len);

            for (k = 0; k < r[j].count; k++) {
                assert_int_equal(d[r[j].offset + k * TS], 0x47);
            }

            prev_end = r[j].offset + r[j].count * TS;
            pkts += r[j].count;
        }

        /* the runs are exactly the accepted packets */
        assert_int_equal(sync.packets, pkts);

        /* and every byte is either a packet or garbage */
        assert_int_equal(sync.packets * TS + sync.garbage_bytes, total);

        free(d);
    }

    assert_int_equal(sync.datagrams, 20000);
    assert_true(sync.packets > 0);
    assert_true(sync.sync_losses > 0);
    assert_true(sync.truncated > 0);
}


/* analyzer */

static void
test_analyzer_init(void **state)
{
    srt_ts_analyzer_t  *a;

    (void) state;

    a = malloc(sizeof(srt_ts_analyzer_t));
    assert_non_null(a);
    memset(a, 0x5a, sizeof(srt_ts_analyzer_t));

    srt_ts_analyzer_init(a);
    assert_int_equal(a->pat_version, -1);
    assert_int_equal(a->pmt_version, -1);
    assert_int_equal(a->pmt_pid, 0);
    assert_int_equal(a->video_pid, 0);
    assert_int_equal(a->cc[0x100], 0);
    assert_int_equal(a->cc_errors, 0);
    assert_int_equal(a->section.active, 0);

    free(a);
}


static void
test_psi(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;

    (void) state;

    setup_av(&a);
    assert_int_equal(a.pmt_pid, PMT_PID);
    assert_int_equal(a.program_number, 1);
    assert_int_equal(a.pcr_pid, VIDEO_PID);
    assert_int_equal(a.video_pid, VIDEO_PID);
    assert_int_equal(a.video_type, 0x1b);
    assert_int_equal(a.audio_pid, AUDIO_PID);
    assert_int_equal(a.audio_type, 0x0f);
    assert_int_equal(a.pat_version, 0);
    assert_int_equal(a.pmt_version, 0);
    assert_int_equal(a.psi_errors, 0);

    /* the same tables again: no change */
    len = mk_pat(sec, 0, PMT_PID);
    section_pkt(pkt, 0, 1, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PAT | SRT_TS_F_PUSI);

    len = mk_pmt(sec, 0, VIDEO_PID, 0, av_es, 2);
    section_pkt(pkt, PMT_PID, 1, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);

    /* a new PMT version */
    len = mk_pmt(sec, 1, AUDIO_PID, 0, av_es + 1, 1);
    section_pkt(pkt, PMT_PID, 2, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI
                                       | SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.pmt_version, 1);
    assert_int_equal(a.video_pid, 0);
    assert_int_equal(a.audio_pid, AUDIO_PID);
    assert_int_equal(a.pcr_pid, AUDIO_PID);

    /* the PAT moves the PMT: everything from the old one is forgotten */
    len = mk_pat(sec, 1, 0x1001);
    section_pkt(pkt, 0, 2, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PAT | SRT_TS_F_PUSI
                                       | SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.pmt_pid, 0x1001);
    assert_int_equal(a.pat_version, 1);
    assert_int_equal(a.audio_pid, 0);
    assert_int_equal(a.pmt_version, -1);

    /* the old PMT PID is not PSI anymore */
    len = mk_pmt(sec, 0, VIDEO_PID, 0, av_es, 2);
    section_pkt(pkt, PMT_PID, 3, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);
    assert_int_equal(a.video_pid, 0);

    section_pkt(pkt, 0x1001, 0, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI
                                       | SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_pid, VIDEO_PID);
    assert_int_equal(a.psi_errors, 0);
}


static void
test_pmt_types(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;
    static const es_t  es1[] = {
        { 0x06, 0x200, 0 },             /* private data: not audio */
        { 0x06, 0x201, 0x6a },          /* DVB AC-3 */
        { 0x24, 0x202, 0 },             /* H.265 */
        { 0x02, 0x203, 0 },             /* second video: ignored */
        { 0x81, 0x204, 0 }              /* second audio: ignored */
    };
    static const es_t  es2[] = {
        { 0x86, 0x300, 0 },             /* SCTE-35 */
        { 0x06, 0x301, 0x7a },          /* DVB E-AC-3 */
    };

    (void) state;

    setup_av(&a);

    len = mk_pmt(sec, 1, 0x202, 0, es1, 5);
    section_pkt(pkt, PMT_PID, 1, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_pid, 0x202);
    assert_int_equal(a.video_type, 0x24);
    assert_int_equal(a.audio_pid, 0x201);
    assert_int_equal(a.audio_type, 0x06);

    len = mk_pmt(sec, 2, 0x300, 0, es2, 2);
    section_pkt(pkt, PMT_PID, 2, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_pid, 0);
    assert_int_equal(a.audio_pid, 0x301);
}


static void
test_pmt_two_packets(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS], pat[TS];
    size_t             len, first, off;

    (void) state;

    srt_ts_analyzer_init(&a);

    len = mk_pat(sec, 0, PMT_PID);
    section_pkt(pat, 0, 0, sec, len);
    assert_true(analyze(&a, pat) & SRT_TS_F_PSI_CHANGE);

    len = mk_pmt(sec, 0, VIDEO_PID, 250, av_es, 2);
    assert_true(len > TS);
    first = TS - 5;

    mkpkt(pkt, PMT_PID, 1, 1, 0);
    pkt[4] = 0;
    memcpy(pkt + 5, sec, first);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);
    assert_int_equal(a.video_pid, 0);

    /* a one-packet PAT in between does not disturb the reassembly */
    pat[3] = (pat[3] & 0xf0) | 1;
    assert_int_equal(analyze(&a, pat), SRT_TS_F_PAT | SRT_TS_F_PUSI);

    mkpkt(pkt, PMT_PID, 0, 1, 1);
    memcpy(pkt + 4, sec + first, len - first);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_pid, VIDEO_PID);
    assert_int_equal(a.audio_pid, AUDIO_PID);
    assert_int_equal(a.psi_errors, 0);

    /*
     * The next version ends in a PUSI packet: pointer_field covers the
     * tail, and a new section (version 2) starts after it and continues
     * in the packet after.
     */

    len = mk_pmt(sec, 1, AUDIO_PID, 250, av_es + 1, 1);
    mkpkt(pkt, PMT_PID, 1, 1, 2);
    pkt[4] = 0;
    memcpy(pkt + 5, sec, first);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);

    mkpkt(pkt, PMT_PID, 1, 1, 3);
    pkt[4] = (uint8_t) (len - first);
    memcpy(pkt + 5, sec + first, len - first);
    off = 5 + (len - first);

    len = mk_pmt(sec, 2, VIDEO_PID, 200, av_es, 2);
    memcpy(pkt + off, sec, TS - off);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI
                                       | SRT_TS_F_PSI_CHANGE);

    /* version 1 (audio only) was completed by the pointed bytes */
    assert_int_equal(a.pmt_version, 1);
    assert_int_equal(a.video_pid, 0);
    assert_int_equal(a.pcr_pid, AUDIO_PID);

    mkpkt(pkt, PMT_PID, 0, 1, 4);
    memcpy(pkt + 4, sec + (TS - off), len - (TS - off));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.pmt_version, 2);
    assert_int_equal(a.video_pid, VIDEO_PID);
    assert_int_equal(a.psi_errors, 0);

    /* a CC error in the middle of a section drops it */
    len = mk_pmt(sec, 3, VIDEO_PID, 250, av_es + 1, 1);
    mkpkt(pkt, PMT_PID, 1, 1, 5);
    pkt[4] = 0;
    memcpy(pkt + 5, sec, first);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);

    mkpkt(pkt, PMT_PID, 0, 1, 7);
    memcpy(pkt + 4, sec + first, len - first);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_CC_ERROR);
    assert_int_equal(a.pmt_version, 2);
    assert_int_equal(a.audio_pid, AUDIO_PID);
    assert_int_equal(a.video_pid, VIDEO_PID);
}


static void
test_psi_bad(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;

    (void) state;

    srt_ts_analyzer_init(&a);

    /* bad CRC: counted and ignored, but the packet still starts a PAT */
    len = mk_pat(sec, 0, PMT_PID);
    sec[len - 1] ^= 0xff;
    section_pkt(pkt, 0, 0, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PAT | SRT_TS_F_PUSI);
    assert_int_equal(a.psi_errors, 1);
    assert_int_equal(a.pmt_pid, 0);
    assert_int_equal(a.pat_version, -1);

    len = mk_pat(sec, 0, PMT_PID);
    section_pkt(pkt, 0, 1, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.pmt_pid, PMT_PID);

    len = mk_pmt(sec, 0, VIDEO_PID, 0, av_es, 2);
    sec[13] ^= 0x01;
    section_pkt(pkt, PMT_PID, 0, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);
    assert_int_equal(a.psi_errors, 2);
    assert_int_equal(a.video_pid, 0);

    /* section_length above 1021 */
    len = mk_pat(sec, 0, PMT_PID);
    sec[1] = 0xb3;
    sec[2] = 0xfe;
    section_pkt(pkt, 0, 2, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PAT | SRT_TS_F_PUSI);
    assert_int_equal(a.psi_errors, 3);

    /* pointer_field past the end of the packet */
    mkpkt(pkt, 0, 1, 1, 3);
    pkt[4] = 190;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);
    assert_int_equal(a.psi_errors, 4);

    /* a PMT whose ES loop overruns the section (valid CRC) */
    len = mk_pmt(sec, 1, VIDEO_PID, 0, av_es, 2);
    sec[12 + 4] = 0x20;
    finish_section(sec, len - 4);
    section_pkt(pkt, PMT_PID, 1, sec, len);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PMT | SRT_TS_F_PUSI);
    assert_int_equal(a.psi_errors, 5);
    assert_int_equal(a.video_pid, 0);
    assert_int_equal(a.pmt_version, -1);
}


static void
test_rap_rai(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];

    (void) state;

    setup_av(&a);

    /* adaptation field with random_access_indicator */
    mkpkt(pkt, VIDEO_PID, 1, 3, 0);
    pkt[4] = 1;
    pkt[5] = 0x40;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);

    /* RAI without PUSI still marks the packet */
    mkpkt(pkt, VIDEO_PID, 0, 3, 1);
    pkt[4] = 7;
    pkt[5] = 0x50;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP);

    /* RAI on the audio PID of a program with video: not a RAP */
    mkpkt(pkt, AUDIO_PID, 1, 3, 0);
    pkt[4] = 1;
    pkt[5] = 0x40;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    assert_int_equal(a.cc_errors, 0);
}


static void
test_rap_idr(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];
    static const uint8_t  aud_sps[] = {
        0x00, 0x00, 0x00, 0x01, 0x09, 0xf0,
        0x00, 0x00, 0x00, 0x01, 0x67, 0x64, 0x00, 0x28
    };
    static const uint8_t  idr[] = {
        0x00, 0x00, 0x01, 0x65, 0x88, 0x84
    };

    (void) state;

    setup_av(&a);

    pes_pkt(pkt, VIDEO_PID, 0, aud_sps, sizeof(aud_sps));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);

    pes_pkt(pkt, VIDEO_PID, 1, idr, sizeof(idr));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);

    /* the start code must be in the elementary stream, not the PES
       header: put an IDR-looking pattern in the PTS bytes */
    pes_pkt(pkt, VIDEO_PID, 2, (const uint8_t *) "\x00\x00\x00", 3);
    pkt[4 + 9] = 0x00;
    pkt[4 + 10] = 0x00;
    pkt[4 + 11] = 0x01;
    pkt[4 + 12] = 0x65;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    /* an IDR in a packet that does not start a PES is not looked at */
    mkpkt(pkt, VIDEO_PID, 0, 1, 3);
    memcpy(pkt + 4, idr, sizeof(idr));
    assert_int_equal(analyze(&a, pkt), 0);

    /* a PES header length running past the packet */
    pes_pkt(pkt, VIDEO_PID, 4, idr, sizeof(idr));
    pkt[4 + 8] = 0xff;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    /* a start code in the last bytes of the packet */
    pes_pkt(pkt, VIDEO_PID, 5, idr, 0);
    memcpy(pkt + TS - 4, idr, 4);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);

    /* ... cut before the NAL header byte */
    pes_pkt(pkt, VIDEO_PID, 6, idr, 0);
    memcpy(pkt + TS - 3, idr, 3);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    assert_int_equal(a.cc_errors, 0);
}


static void
test_rap_not_key(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];
    static const uint8_t  p_slice[] = {
        0x00, 0x00, 0x00, 0x01, 0x09, 0x30,
        0x00, 0x00, 0x00, 0x01, 0x06, 0x05, 0x10,    /* SEI */
        0x00, 0x00, 0x01, 0x41, 0x9a, 0x00
    };

    (void) state;

    setup_av(&a);

    pes_pkt(pkt, VIDEO_PID, 0, p_slice, sizeof(p_slice));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    /* AF present but without RAI */
    mkpkt(pkt, VIDEO_PID, 0, 3, 1);
    pkt[4] = 7;
    pkt[5] = 0x10;
    assert_int_equal(analyze(&a, pkt), 0);

    /* audio PES start in a program with video */
    mkpkt(pkt, AUDIO_PID, 1, 1, 0);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);
}


static void
test_rap_hevc_mpeg2(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;
    es_t               es;
    static const uint8_t  hevc_vps[] = { 0x00, 0x00, 0x01, 0x40, 0x01 };
    static const uint8_t  hevc_cra[] = { 0x00, 0x00, 0x01, 0x2a, 0x01 };
    static const uint8_t  hevc_trail[] = { 0x00, 0x00, 0x01, 0x02, 0x01 };
    static const uint8_t  mpeg2_seq[] = { 0x00, 0x00, 0x01, 0xb3, 0x14 };
    static const uint8_t  mpeg2_pic[] = { 0x00, 0x00, 0x01, 0x00, 0x14 };

    (void) state;

    setup_av(&a);

    es.type = 0x24;
    es.pid = VIDEO_PID;
    es.desc_tag = 0;
    len = mk_pmt(sec, 1, VIDEO_PID, 0, &es, 1);
    section_pkt(pkt, PMT_PID, 1, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_type, 0x24);

    pes_pkt(pkt, VIDEO_PID, 0, hevc_vps, sizeof(hevc_vps));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);
    pes_pkt(pkt, VIDEO_PID, 1, hevc_cra, sizeof(hevc_cra));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);
    pes_pkt(pkt, VIDEO_PID, 2, hevc_trail, sizeof(hevc_trail));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    /* an H.264 IDR byte means nothing in HEVC (type 50) */
    pes_pkt(pkt, VIDEO_PID, 3, (const uint8_t *) "\x00\x00\x01\x65", 4);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    es.type = 0x02;
    len = mk_pmt(sec, 2, VIDEO_PID, 0, &es, 1);
    section_pkt(pkt, PMT_PID, 2, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);

    pes_pkt(pkt, VIDEO_PID, 4, mpeg2_seq, sizeof(mpeg2_seq));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);
    pes_pkt(pkt, VIDEO_PID, 5, mpeg2_pic, sizeof(mpeg2_pic));
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);
}


static void
test_rap_audio_only(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;

    (void) state;

    setup_av(&a);

    len = mk_pmt(sec, 1, AUDIO_PID, 0, av_es + 1, 1);
    section_pkt(pkt, PMT_PID, 1, sec, len);
    assert_true(analyze(&a, pkt) & SRT_TS_F_PSI_CHANGE);
    assert_int_equal(a.video_pid, 0);
    assert_int_equal(a.audio_pid, AUDIO_PID);

    mkpkt(pkt, AUDIO_PID, 1, 1, 0);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_RAP | SRT_TS_F_PUSI);

    mkpkt(pkt, AUDIO_PID, 0, 1, 1);
    assert_int_equal(analyze(&a, pkt), 0);

    /* the old video PID is nothing now */
    mkpkt(pkt, VIDEO_PID, 1, 3, 0);
    pkt[4] = 1;
    pkt[5] = 0x40;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);
}


static void
test_cc_error(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];
    int                i;

    (void) state;

    srt_ts_analyzer_init(&a);

    /* wrap around 15 -> 0 */
    for (i = 0; i < 20; i++) {
        mkpkt(pkt, VIDEO_PID, 0, 1, i & 0x0f);
        assert_int_equal(analyze(&a, pkt), 0);
    }

    /* 19 & 15 = 3, then 5 */
    mkpkt(pkt, VIDEO_PID, 0, 1, 5);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_CC_ERROR);
    assert_int_equal(a.cc_errors, 1);
    assert_int_equal(a.cc_errors_pid[VIDEO_PID], 1);
    assert_int_equal(a.cc_errors_pid[AUDIO_PID], 0);

    /* resynchronised on 5 */
    mkpkt(pkt, VIDEO_PID, 0, 1, 6);
    assert_int_equal(analyze(&a, pkt), 0);

    /* AF-only packets keep the counter; a stray one is not counted */
    mkpkt(pkt, VIDEO_PID, 0, 2, 6);
    pkt[4] = 183;
    pkt[5] = 0x00;
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, VIDEO_PID, 0, 2, 11);
    pkt[4] = 183;
    pkt[5] = 0x00;
    assert_int_equal(analyze(&a, pkt), 0);

    mkpkt(pkt, VIDEO_PID, 0, 1, 7);
    assert_int_equal(analyze(&a, pkt), 0);

    /* a packet with AF and payload counts */
    mkpkt(pkt, VIDEO_PID, 0, 3, 7);
    pkt[4] = 0;
    assert_int_equal(analyze(&a, pkt), 0);      /* duplicate */
    mkpkt(pkt, VIDEO_PID, 0, 3, 9);
    pkt[4] = 0;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_CC_ERROR);
    assert_int_equal(a.cc_errors, 2);

    /* another PID has its own counter, starting anywhere */
    mkpkt(pkt, AUDIO_PID, 0, 1, 12);
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, AUDIO_PID, 0, 1, 14);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_CC_ERROR);
    assert_int_equal(a.cc_errors_pid[AUDIO_PID], 1);
    assert_int_equal(a.cc_errors_pid[VIDEO_PID], 2);
    assert_int_equal(a.cc_errors, 3);

    /* the null PID is ignored */
    for (i = 0; i < 10; i++) {
        mkpkt(pkt, SRT_TS_NULL_PID, 0, 1, i * 7);
        assert_int_equal(analyze(&a, pkt), 0);
    }

    assert_int_equal(a.cc_errors_pid[SRT_TS_NULL_PID], 0);
    assert_int_equal(a.cc_errors, 3);

    /* reserved adaptation_field_control 0: discarded, no CC check */
    mkpkt(pkt, AUDIO_PID, 0, 0, 3);
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, AUDIO_PID, 0, 1, 15);
    assert_int_equal(analyze(&a, pkt), 0);
    assert_int_equal(a.cc_errors, 3);
}


static void
test_cc_duplicate(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS], key[TS];

    (void) state;

    setup_av(&a);

    mkpkt(pkt, VIDEO_PID, 0, 1, 0);
    assert_int_equal(analyze(&a, pkt), 0);

    /* a duplicated keyframe start: allowed, and not a second RAP */
    mkpkt(key, VIDEO_PID, 1, 3, 1);
    key[4] = 1;
    key[5] = 0x40;
    assert_int_equal(analyze(&a, key), SRT_TS_F_RAP | SRT_TS_F_PUSI);
    assert_int_equal(analyze(&a, key), SRT_TS_F_PUSI);
    assert_int_equal(a.cc_errors, 0);

    /* a third copy is an error */
    assert_int_equal(analyze(&a, key), SRT_TS_F_CC_ERROR | SRT_TS_F_RAP
                                       | SRT_TS_F_PUSI);
    assert_int_equal(a.cc_errors, 1);

    mkpkt(pkt, VIDEO_PID, 0, 1, 2);
    assert_int_equal(analyze(&a, pkt), 0);

    /* a duplicate later is allowed again */
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, VIDEO_PID, 0, 1, 3);
    assert_int_equal(analyze(&a, pkt), 0);
    assert_int_equal(analyze(&a, pkt), 0);
    assert_int_equal(a.cc_errors, 1);

    /* a duplicated PSI packet is not parsed twice */
    assert_int_equal(a.psi_errors, 0);
}


static void
test_cc_discontinuity(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];

    (void) state;

    srt_ts_analyzer_init(&a);

    mkpkt(pkt, VIDEO_PID, 0, 1, 0);
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, VIDEO_PID, 0, 1, 1);
    assert_int_equal(analyze(&a, pkt), 0);

    mkpkt(pkt, VIDEO_PID, 0, 3, 9);
    pkt[4] = 1;
    pkt[5] = 0x80;
    assert_int_equal(analyze(&a, pkt), 0);

    mkpkt(pkt, VIDEO_PID, 0, 1, 10);
    assert_int_equal(analyze(&a, pkt), 0);

    /* same jump without the indicator */
    mkpkt(pkt, VIDEO_PID, 0, 1, 2);
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_CC_ERROR);
    assert_int_equal(a.cc_errors, 1);

    /* the indicator in an AF-only packet resynchronises too */
    mkpkt(pkt, VIDEO_PID, 0, 2, 7);
    pkt[4] = 183;
    pkt[5] = 0x80;
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, VIDEO_PID, 0, 1, 8);
    assert_int_equal(analyze(&a, pkt), 0);
    assert_int_equal(a.cc_errors, 1);
}


static void
test_tei(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            sec[SRT_TS_SECTION_MAX], pkt[TS];
    size_t             len;

    (void) state;

    srt_ts_analyzer_init(&a);

    len = mk_pat(sec, 0, PMT_PID);
    section_pkt(pkt, 0, 5, sec, len);
    pkt[1] |= 0x80;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_TEI);
    assert_int_equal(a.tei_packets, 1);
    assert_int_equal(a.pmt_pid, 0);
    assert_int_equal(a.cc[0], 0);

    mkpkt(pkt, VIDEO_PID, 0, 1, 0);
    assert_int_equal(analyze(&a, pkt), 0);
    mkpkt(pkt, VIDEO_PID, 0, 1, 9);
    pkt[1] |= 0x80;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_TEI);
    mkpkt(pkt, VIDEO_PID, 0, 1, 1);
    assert_int_equal(analyze(&a, pkt), 0);
    assert_int_equal(a.tei_packets, 2);
    assert_int_equal(a.cc_errors, 0);
}


static void
test_malformed_af(void **state)
{
    srt_ts_analyzer_t  a;
    uint8_t            pkt[TS];
    int                len;

    (void) state;

    setup_av(&a);

    /* adaptation_field_length 200 with payload: flags and payload are
       ignored, the counter is still checked */
    mkpkt(pkt, VIDEO_PID, 1, 3, 0);
    pkt[4] = 200;
    pkt[5] = 0xc0;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    mkpkt(pkt, VIDEO_PID, 1, 3, 5);
    pkt[4] = 255;
    pkt[5] = 0xc0;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI | SRT_TS_F_CC_ERROR);

    /* 183 with a payload flag: AF fills the packet, no payload */
    mkpkt(pkt, AUDIO_PID, 1, 3, 0);
    pkt[4] = 183;
    pkt[5] = 0x00;
    assert_int_equal(analyze(&a, pkt), SRT_TS_F_PUSI);

    /* PSI PIDs with every AF length */
    for (len = 0; len < 256; len++) {
        mkpkt(pkt, 0, 1, 3, len);
        pkt[4] = (uint8_t) len;
        pkt[5] = 0x00;
        analyze(&a, pkt);

        mkpkt(pkt, PMT_PID, 1, 3, len);
        pkt[4] = (uint8_t) len;
        pkt[5] = 0x00;
        pkt[TS - 1] = 0;
        analyze(&a, pkt);

        mkpkt(pkt, VIDEO_PID, 1, 3, len);
        pkt[4] = (uint8_t) len;
        pkt[5] = 0x00;
        memcpy(pkt + TS - 4, "\x00\x00\x01\x65", 4);
        analyze(&a, pkt);
    }

    assert_int_equal(a.pmt_pid, PMT_PID);
}


static void
test_analyze_fuzz(void **state)
{
    srt_ts_analyzer_t  *a;
    uint8_t             pkt[TS];
    size_t              j;
    int                 i;
    static const uint16_t  pids[] = { 0, PMT_PID, VIDEO_PID, AUDIO_PID };

    (void) state;

    a = malloc(sizeof(srt_ts_analyzer_t));
    assert_non_null(a);
    setup_av(a);

    srand(4242);

    for (i = 0; i < 200000; i++) {
        for (j = 0; j < TS; j++) {
            pkt[j] = (uint8_t) rand();
        }

        pkt[0] = 0x47;
        pkt[1] = (uint8_t) ((pkt[1] & 0x40) | (pids[i & 3] >> 8));
        pkt[2] = (uint8_t) pids[i & 3];

        /* sometimes a believable section or PES start */
        if (rand() % 4 == 0) {
            pkt[4] = (uint8_t) (rand() % 8);
            pkt[5 + pkt[4]] = (uint8_t) (rand() % 3);
            pkt[6 + pkt[4]] = (uint8_t) (0xb0 | (rand() % 5));
        }

        if (rand() % 4 == 0) {
            memcpy(pkt + 4, "\x00\x00\x01\xe0\x00\x00\x80\x80", 8);
        }

        analyze(a, pkt);
    }

    assert_true(a->cc_errors > 0);
    assert_true(a->psi_errors > 0);

    free(a);
}


/* a video PES start packet payload: PES header with a PTS, then es[] */

static size_t
video_pes(uint8_t *buf, const uint8_t *es, size_t n)
{
    static const uint8_t  hdr[] = {
        0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0x80, 0x05,
        0x21, 0x00, 0x01, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x01, 0x09, 0xf0        /* access unit delimiter */
    };

    memcpy(buf, hdr, sizeof(hdr));
    buf[sizeof(hdr)] = 0x00;
    buf[sizeof(hdr) + 1] = 0x00;
    buf[sizeof(hdr) + 2] = 0x01;
    memcpy(buf + sizeof(hdr) + 3, es, n);

    return sizeof(hdr) + 3 + n;
}


static void
test_video_size(void **state)
{
    size_t    n, len;
    uint8_t  *buf;
    unsigned  w, h;

    /* x264's SPS: High profile 1920x1080 (1088 coded, cropped), and
       Constrained Baseline 720x576; emulation prevention bytes inside */
    static const uint8_t  sps_1080[] = {
        0x67, 0x64, 0x00, 0x28, 0xac, 0xd9, 0x40, 0x78, 0x02, 0x27, 0xe5,
        0xc0, 0x44, 0x00, 0x00, 0x03, 0x00, 0x04, 0x00, 0x00, 0x03, 0x00,
        0xc8, 0x3c, 0x60, 0xc6, 0x58
    };
    static const uint8_t  sps_576[] = {
        0x67, 0x42, 0xc0, 0x1e, 0xd9, 0x00, 0xb4, 0x12, 0x6c, 0x04, 0x40,
        0x00, 0x00, 0x03, 0x00, 0x40, 0x00, 0x00, 0x0c, 0x83, 0xc5, 0x8b,
        0x92
    };
    /* x265's SPS (NAL type 33), Main profile */
    static const uint8_t  hevc_240[] = {
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
        0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x3c, 0xa0, 0x0a, 0x08, 0x0f,
        0x16, 0x59, 0x59, 0x52, 0x93, 0x0b, 0xc0, 0x5a, 0x02, 0x00, 0x00,
        0x03, 0x00, 0x02, 0x00, 0x00, 0x03, 0x00, 0x32, 0x10
    };
    static const uint8_t  hevc_1080[] = {
        0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00,
        0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80,
        0x11, 0x07, 0xcb, 0x96, 0x56, 0x54, 0xa4, 0xc2, 0xf0, 0x16, 0x80,
        0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x0c, 0x84
    };
    /* MPEG-2 sequence header: 720x576 */
    static const uint8_t  seq_576[] = { 0xb3, 0x2d, 0x02, 0x40, 0x33 };

    (void) state;

    buf = malloc(184);
    assert_non_null(buf);

    len = video_pes(buf, sps_1080, sizeof(sps_1080));
    assert_int_equal(srt_ts_video_size(0x1b, buf, len, &w, &h), 1);
    assert_int_equal(w, 1920);
    assert_int_equal(h, 1080);

    len = video_pes(buf, sps_576, sizeof(sps_576));
    assert_int_equal(srt_ts_video_size(0x1b, buf, len, &w, &h), 1);
    assert_int_equal(w, 720);
    assert_int_equal(h, 576);

    len = video_pes(buf, seq_576, sizeof(seq_576));
    assert_int_equal(srt_ts_video_size(0x02, buf, len, &w, &h), 1);
    assert_int_equal(w, 720);
    assert_int_equal(h, 576);

    /* cut anywhere: no size or the right one (the fields after the
       cropping are not needed), never a read past the data (ASan) */
    len = video_pes(buf, sps_1080, sizeof(sps_1080));

    for (n = 0; n < len; n++) {
        uint8_t  *cut = malloc(n ? n : 1);

        assert_non_null(cut);
        memcpy(cut, buf, n);
        w = h = 0;

        if (srt_ts_video_size(0x1b, cut, n, &w, &h)) {
            assert_int_equal(w, 1920);
            assert_int_equal(h, 1080);
        }

        free(cut);
    }

    /* H.265: x265's SPS, 320x240 and 1920x1080 (1088 coded, the
       conformance window crops 8 lines) */
    len = video_pes(buf, hevc_240, sizeof(hevc_240));
    assert_int_equal(srt_ts_video_size(0x24, buf, len, &w, &h), 1);
    assert_int_equal(w, 320);
    assert_int_equal(h, 240);

    len = video_pes(buf, hevc_1080, sizeof(hevc_1080));
    assert_int_equal(srt_ts_video_size(0x24, buf, len, &w, &h), 1);
    assert_int_equal(w, 1920);
    assert_int_equal(h, 1080);

    for (n = 0; n < len; n++) {
        uint8_t  *cut = malloc(n ? n : 1);

        assert_non_null(cut);
        memcpy(cut, buf, n);
        w = h = 0;

        if (srt_ts_video_size(0x24, cut, n, &w, &h)) {
            assert_int_equal(w, 1920);
            assert_int_equal(h, 1080);
        }

        free(cut);
    }

    /* a type whose SPS is another codec's: not read */
    len = video_pes(buf, sps_1080, sizeof(sps_1080));
    assert_int_equal(srt_ts_video_size(0x24, buf, len, &w, &h), 0);
    len = video_pes(buf, hevc_1080, sizeof(hevc_1080));
    assert_int_equal(srt_ts_video_size(0x1b, buf, len, &w, &h), 0);

    free(buf);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_crc_known),
        cmocka_unit_test(test_pid),
        cmocka_unit_test(test_rtp_plain_ts),
        cmocka_unit_test(test_rtp_pt33),
        cmocka_unit_test(test_rtp_csrc),
        cmocka_unit_test(test_rtp_extension),
        cmocka_unit_test(test_rtp_padding),
        cmocka_unit_test(test_rtp_truncated),
        cmocka_unit_test(test_rtp_lookalike),
        cmocka_unit_test(test_runs_aligned),
        cmocka_unit_test(test_runs_garbage_prefix),
        cmocka_unit_test(test_runs_garbage_middle),
        cmocka_unit_test(test_runs_truncated),
        cmocka_unit_test(test_runs_zeros),
        cmocka_unit_test(test_runs_fuzz),
        cmocka_unit_test(test_analyzer_init),
        cmocka_unit_test(test_psi),
        cmocka_unit_test(test_pmt_types),
        cmocka_unit_test(test_pmt_two_packets),
        cmocka_unit_test(test_psi_bad),
        cmocka_unit_test(test_rap_rai),
        cmocka_unit_test(test_rap_idr),
        cmocka_unit_test(test_rap_not_key),
        cmocka_unit_test(test_rap_hevc_mpeg2),
        cmocka_unit_test(test_rap_audio_only),
        cmocka_unit_test(test_cc_error),
        cmocka_unit_test(test_cc_duplicate),
        cmocka_unit_test(test_cc_discontinuity),
        cmocka_unit_test(test_tei),
        cmocka_unit_test(test_malformed_af),
        cmocka_unit_test(test_analyze_fuzz),
        cmocka_unit_test(test_video_size),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
