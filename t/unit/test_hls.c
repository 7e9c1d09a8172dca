/*
 * Unit tests for srt_hls.c: the media playlist's exact text (version,
 * target duration rounding, media and discontinuity sequence, program
 * date-time, discontinuities), SCTE-35 breaks as EXT-X-DATERANGE and as
 * CUE-OUT/-CONT/-IN with EXT-OATCLS-SCTE35 (the section in hex and in
 * base64, checked against the SCTE-35 standard's own example), a buffer
 * too small at every size, the multivariant playlist, the cutter, codec
 * strings, and the trim of an input's last PES at a switch (only when
 * it is not known to be whole).
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srt_hls.h"
#include "srt_hls_cut.h"


/* SCTE 35 2019 14.2: time_signal with a segmentation descriptor */
static const uint8_t  cue[] = {
    0xfc, 0x30, 0x2f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xf0,
    0x05, 0x06, 0xfe, 0x74, 0x62, 0x90, 0xa0, 0x00, 0x19, 0x02, 0x17, 0x43,
    0x55, 0x45, 0x49, 0x48, 0x00, 0x00, 0x8e, 0x7f, 0x9f, 0x08, 0x08, 0x00,
    0x00, 0x00, 0x00, 0x2c, 0xa0, 0xa1, 0x8a, 0x35, 0x02, 0x00, 0xa9, 0xcc,
    0x67, 0x58
};

#define CUE_B64  "/DAvAAAAAAAA///wBQb+dGKQoAAZAhdDVUVJSAAAjn+fCAgAAAAALKChijUCAKnMZ1g="
#define CUE_HEX  "0xFC302F000000000000FFFFF00506FE746290A000190217435545494800008E7F9F0808000000002CA0A18A350200A9CC6758"

/* 2026-11-21T12:00:00.000Z */
#define T0  1795262400000LL


static void
seg(srt_hls_segment_t *s, uint64_t seq, uint64_t dur_us, int64_t pdt)
{
    memset(s, 0, sizeof(srt_hls_segment_t));
    s->seq = seq;
    s->duration_us = dur_us;
    s->pdt_ms = pdt;
    snprintf(s->uri, sizeof(s->uri), "%llu.ts", (unsigned long long) seq);
}


static void
test_plain(void **state)
{
    char                buf[2048];
    size_t              n;
    srt_hls_segment_t   s[3];
    srt_hls_playlist_t  pl;

    (void) state;

    seg(&s[0], 41, 4000000, T0);
    seg(&s[1], 42, 3966667, T0 + 4000);
    seg(&s[2], 43, 4480000, T0 + 7967);
    s[2].discontinuity = 1;

    memset(&pl, 0, sizeof(pl));
    pl.discontinuity_seq = 2;

    n = srt_hls_media_playlist(&pl, s, 3, buf, sizeof(buf));

    assert_string_equal(buf,
        "#EXTM3U\n"
        "#EXT-X-VERSION:6\n"
        "#EXT-X-TARGETDURATION:4\n"
        "#EXT-X-MEDIA-SEQUENCE:41\n"
        "#EXT-X-DISCONTINUITY-SEQUENCE:2\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:00.000Z\n"
        "#EXTINF:4.000,\n41.ts\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:04.000Z\n"
        "#EXTINF:3.967,\n42.ts\n"
        "#EXT-X-DISCONTINUITY\n"
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:07.967Z\n"
        "#EXTINF:4.480,\n43.ts\n");
    assert_int_equal(n, strlen(buf));

    /* ended, and the target never lies: 4.5 s rounds up to 5 */
    s[2].duration_us = 4500000;
    pl.ended = 1;
    n = srt_hls_media_playlist(&pl, s, 3, buf, sizeof(buf));
    assert_non_null(strstr(buf, "#EXT-X-TARGETDURATION:5\n"));
    assert_non_null(strstr(buf, "43.ts\n#EXT-X-ENDLIST\n"));
    assert_int_equal(n, strlen(buf));

    assert_int_equal(srt_hls_target_duration(s, 3, 6), 6);
    assert_int_equal(srt_hls_target_duration(s, 0, 0), 1);
}


static void
test_cues(void **state)
{
    char                buf[4096];
    size_t              n;
    srt_hls_segment_t   s[4];
    srt_hls_playlist_t  pl;

    (void) state;

    seg(&s[0], 1, 4000000, T0);
    seg(&s[1], 2, 4000000, T0 + 4000);
    seg(&s[2], 3, 4000000, T0 + 8000);
    seg(&s[3], 4, 4000000, T0 + 12000);

    /* a 8 s break: out at 2, inside at 3, back at 4 */
    s[1].cue = SRT_HLS_CUE_OUT;
    s[1].cue_event = 1001;
    s[1].cue_start_ms = T0 + 4000;
    s[1].cue_duration_us = 8000000;
    memcpy(s[1].cue_section, cue, sizeof(cue));
    s[1].cue_section_len = sizeof(cue);

    s[2].cue = SRT_HLS_CUE_CONT;
    s[2].cue_event = 1001;
    s[2].cue_start_ms = T0 + 4000;
    s[2].cue_duration_us = 8000000;
    s[2].cue_elapsed_us = 4000000;

    s[3].cue = SRT_HLS_CUE_IN;
    s[3].cue_event = 1001;
    s[3].cue_start_ms = T0 + 4000;
    s[3].cue_duration_us = 8000000;

    memset(&pl, 0, sizeof(pl));
    pl.tags = SRT_HLS_TAGS_DATERANGE | SRT_HLS_TAGS_CUE;

    n = srt_hls_media_playlist(&pl, s, 4, buf, sizeof(buf));
    assert_int_equal(n, strlen(buf));

    assert_non_null(strstr(buf,
        "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T12:00:04.000Z\n"
        "#EXT-X-DATERANGE:ID=\"splice-1001\","
        "START-DATE=\"2026-11-21T12:00:04.000Z\",PLANNED-DURATION=8.000,"
        "SCTE35-OUT=" CUE_HEX "\n"
        "#EXT-OATCLS-SCTE35:" CUE_B64 "\n"
        "#EXT-X-CUE-OUT:8.000\n"
        "#EXTINF:4.000,\n2.ts\n"));

    assert_non_null(strstr(buf,
        "#EXT-X-CUE-OUT-CONT:ElapsedTime=4.000,Duration=8.000\n"
        "#EXTINF:4.000,\n3.ts\n"));

    assert_non_null(strstr(buf,
        "#EXT-X-DATERANGE:ID=\"splice-1001\","
        "START-DATE=\"2026-11-21T12:00:04.000Z\","
        "END-DATE=\"2026-11-21T12:00:12.000Z\",DURATION=8.000\n"
        "#EXT-X-CUE-IN\n"
        "#EXTINF:4.000,\n4.ts\n"));

    /* one DATERANGE per edge, none inside the break */
    assert_null(strstr(strstr(buf, "2.ts\n"), "#EXT-X-DATERANGE:ID=\"splice-1001\",START-DATE=\"2026-11-21T12:00:04.000Z\",PLANNED"));

    /* a break of unknown length: no duration anywhere */
    s[1].cue_duration_us = 0;
    s[2].cue_duration_us = 0;
    n = srt_hls_media_playlist(&pl, s, 4, buf, sizeof(buf));
    assert_true(n > 0);
    assert_non_null(strstr(buf, "#EXT-X-CUE-OUT\n#EXTINF:4.000,\n2.ts\n"));
    assert_non_null(strstr(buf, "#EXT-X-CUE-OUT-CONT:ElapsedTime=4.000\n"));
    assert_null(strstr(buf, "PLANNED-DURATION"));
    s[1].cue_duration_us = 8000000;
    s[2].cue_duration_us = 8000000;

    /* another command: SCTE35-CMD, DATERANGE only */
    memcpy(s[0].cmd_section, cue, sizeof(cue));
    s[0].cmd_section_len = sizeof(cue);
    s[0].cmd_pts = 1952616608;
    s[0].cmd_start_ms = s[0].pdt_ms + 1500;
    n = srt_hls_media_playlist(&pl, s, 4, buf, sizeof(buf));
    assert_true(n > 0);
    assert_non_null(strstr(buf,
        "#EXT-X-DATERANGE:ID=\"scte35-1952616608\","
        "START-DATE=\"2026-11-21T12:00:01.500Z\",SCTE35-CMD=" CUE_HEX "\n"
        "#EXTINF:4.000,\n1.ts\n"));
    s[0].cmd_section_len = 0;

    /* DATERANGE only: no Elemental tags */
    pl.tags = SRT_HLS_TAGS_DATERANGE;
    n = srt_hls_media_playlist(&pl, s, 4, buf, sizeof(buf));
    assert_true(n > 0);
    assert_null(strstr(buf, "CUE-OUT"));
    assert_null(strstr(buf, "OATCLS"));
    assert_non_null(strstr(buf, "SCTE35-OUT=" CUE_HEX));

    /* CUE only */
    pl.tags = SRT_HLS_TAGS_CUE;
    n = srt_hls_media_playlist(&pl, s, 4, buf, sizeof(buf));
    assert_true(n > 0);
    assert_null(strstr(buf, "DATERANGE"));
    assert_non_null(strstr(buf, "#EXT-X-CUE-IN\n"));
}


/* every buffer size short of the text: 0, and never a write past it */

static void
test_small_buffer(void **state)
{
    char               *buf, full[4096];
    size_t              n, len;
    srt_hls_segment_t   s[2];
    srt_hls_playlist_t  pl;

    (void) state;

    seg(&s[0], 7, 4000000, T0);
    seg(&s[1], 8, 4000000, T0 + 4000);
    s[1].cue = SRT_HLS_CUE_OUT;
    s[1].cue_event = 5;
    s[1].cue_start_ms = T0 + 4000;
    s[1].cue_duration_us = 30000000;
    memcpy(s[1].cue_section, cue, sizeof(cue));
    s[1].cue_section_len = sizeof(cue);

    memset(&pl, 0, sizeof(pl));
    pl.tags = SRT_HLS_TAGS_DATERANGE | SRT_HLS_TAGS_CUE;

    len = srt_hls_media_playlist(&pl, s, 2, full, sizeof(full));
    assert_true(len > 0);

    for (n = 1; n <= len + 1; n++) {
        buf = malloc(n);
        assert_non_null(buf);
        assert_int_equal(srt_hls_media_playlist(&pl, s, 2, buf, n),
                         n > len ? len : 0);
        free(buf);
    }
}


static void
test_multivariant(void **state)
{
    char    buf[512];
    size_t  n;

    (void) state;

    n = srt_hls_multivariant(3500000, 3100000, "avc1.64001f,mp4a.40.2",
                             1280, 720, "index.m3u8", buf, sizeof(buf));
    assert_string_equal(buf,
        "#EXTM3U\n#EXT-X-VERSION:6\n#EXT-X-INDEPENDENT-SEGMENTS\n"
        "#EXT-X-STREAM-INF:BANDWIDTH=3500000,AVERAGE-BANDWIDTH=3100000,"
        "CODECS=\"avc1.64001f,mp4a.40.2\",RESOLUTION=1280x720\n"
        "index.m3u8\n");
    assert_int_equal(n, strlen(buf));

    /* audio only: no resolution, no average */
    n = srt_hls_multivariant(140000, 0, "mp4a.40.2", 0, 0, "index.m3u8",
                             buf, sizeof(buf));
    assert_non_null(strstr(buf, "BANDWIDTH=140000,CODECS=\"mp4a.40.2\"\n"));
    assert_int_equal(n, strlen(buf));

    assert_int_equal(srt_hls_multivariant(1, 0, "", 0, 0, "x", buf, 10), 0);
}


/* a video PES start packet with PTS (and DTS = PTS - 3600 when dts) */

static void
pes_packet(uint8_t *p, uint64_t pts, int dts, int af)
{
    uint8_t  *q;
    uint64_t  v;
    int       k;

    memset(p, 0xff, 188);
    p[0] = 0x47;
    p[1] = 0x41;                /* PUSI, PID 0x100 */
    p[2] = 0x00;
    p[3] = af ? 0x30 : 0x10;
    q = p + 4;

    if (af) {
        q[0] = 1;
        q[1] = 0x40;            /* random_access_indicator */
        q += 2;
    }

    q[0] = 0; q[1] = 0; q[2] = 1; q[3] = 0xe0; q[4] = 0; q[5] = 0;
    q[6] = 0x80;
    q[7] = dts ? 0xc0 : 0x80;
    q[8] = dts ? 10 : 5;

    for (k = 0; k < (dts ? 2 : 1); k++) {
        v = (k == 0 ? pts : pts - 3600) & ((1ULL << 33) - 1);
        q[9 + k * 5] = (uint8_t) (((dts ? (k ? 0x10 : 0x30) : 0x20))
                                  | ((v >> 29) & 0x0e) | 1);
        q[10 + k * 5] = (uint8_t) (v >> 22);
        q[11 + k * 5] = (uint8_t) (((v >> 14) & 0xfe) | 1);
        q[12 + k * 5] = (uint8_t) (v >> 7);
        q[13 + k * 5] = (uint8_t) (((v << 1) & 0xfe) | 1);
    }
}


/* frames at 25 fps from pts0, a keyframe every gop; returns the cuts'
   frame numbers in cuts[] and the durations in dur[] */

static size_t
run_frames(srt_hls_cutter_t *c, uint64_t pts0, int frames, int gop,
    int jump_at, int64_t jump, size_t *cuts, uint64_t *dur, int *disc)
{
    int       i, rc;
    size_t    n;
    uint8_t  *p;
    uint64_t  pts;

    p = malloc(188);
    assert_non_null(p);
    n = 0;

    for (i = 0; i < frames; i++) {
        pts = pts0 + (uint64_t) i * 3600;

        if (jump_at >= 0 && i >= jump_at) {
            pts += (uint64_t) jump;
        }

        pes_packet(p, pts, 1, i % gop == 0);
        rc = srt_hls_cutter_packet(c, p, i % gop == 0);

        if (rc == SRT_HLS_CUT) {
            cuts[n] = (size_t) i;
            dur[n] = c->closed;
            disc[n] = c->last_disc;
            n++;
        }
    }

    free(p);

    return n;
}


static void
test_cutter(void **state)
{
    int               disc[64];
    size_t            n, cuts[64];
    uint64_t          dur[64];
    srt_hls_cutter_t  c;

    (void) state;

    /* keyframes every 2 s, target 4 s: 4 s segments */
    srt_hls_cutter_init(&c, 4000, 8000);
    n = run_frames(&c, 900000, 501, 50, -1, 0, cuts, dur, disc);
    assert_int_equal(n, 5);
    assert_int_equal(cuts[0], 100);
    assert_true(dur[0] == 360000 && dur[4] == 360000);
    assert_int_equal(disc[0], 0);

    /* keyframes every 3 s, target 4 s: cut at 6 s; max 5 s forces 5 s */
    srt_hls_cutter_init(&c, 4000, 8000);
    n = run_frames(&c, 900000, 301, 75, -1, 0, cuts, dur, disc);
    assert_int_equal(n, 2);
    assert_int_equal(cuts[0], 150);
    assert_true(dur[0] == 540000);

    srt_hls_cutter_init(&c, 4000, 5000);
    n = run_frames(&c, 900000, 301, 75, -1, 0, cuts, dur, disc);
    assert_true(n >= 2);
    assert_int_equal(cuts[0], 125);
    assert_true(dur[0] == 450000);

    /* across the 33-bit wrap: the same durations */
    srt_hls_cutter_init(&c, 4000, 8000);
    n = run_frames(&c, (1ULL << 33) - 3 * 90000, 301, 50, -1, 0, cuts, dur,
                   disc);
    assert_int_equal(n, 3);
    assert_true(dur[0] == 360000 && dur[1] == 360000);

    /* a jump back by 10 s at frame 60: the next keyframe (100) cuts, as a
       discontinuity, with the time actually played */
    srt_hls_cutter_init(&c, 4000, 8000);
    n = run_frames(&c, 900000, 301, 50, 60, -900000, cuts, dur, disc);
    assert_true(n >= 2);
    assert_int_equal(cuts[0], 100);
    assert_true(dur[0] == 360000);
    assert_int_equal(disc[0], 1);
    assert_int_equal(disc[1], 0);

    /* a forward jump beyond max: the same */
    srt_hls_cutter_init(&c, 4000, 8000);
    n = run_frames(&c, 900000, 301, 50, 60, 90000 * 60, cuts, dur, disc);
    assert_int_equal(cuts[0], 100);
    assert_true(dur[0] == 360000);
    assert_int_equal(disc[0], 1);
}


static void
test_cutter_switch(void **state)
{
    int               rc, i;
    uint8_t          *p;
    srt_hls_cutter_t  c;

    (void) state;

    p = malloc(188);
    assert_non_null(p);

    srt_hls_cutter_init(&c, 4000, 8000);

    /* no segment before a keyframe; non-PES packets say nothing */
    pes_packet(p, 90000, 0, 0);
    assert_int_equal(srt_hls_cutter_packet(&c, p, 0), SRT_HLS_CUT_NONE);
    pes_packet(p, 93600, 0, 1);
    assert_int_equal(srt_hls_cutter_packet(&c, p, 1), SRT_HLS_CUT_FIRST);
    p[1] = 0x01;
    assert_int_equal(srt_hls_cutter_packet(&c, p, 1), SRT_HLS_CUT_NONE);
    assert_true(srt_hls_pes_time(p) == -1);

    /* an input switch: the next keyframe cuts at once, a discontinuity */
    srt_hls_cutter_switch(&c);

    for (i = 1; i < 10; i++) {
        pes_packet(p, 93600 + (uint64_t) i * 3600, 0, i == 9);
        rc = srt_hls_cutter_packet(&c, p, i == 9);
        assert_int_equal(rc, i == 9 ? SRT_HLS_CUT : SRT_HLS_CUT_NONE);
    }

    assert_true(c.closed == 9 * 3600);
    assert_int_equal(c.last_disc, 1);

    /* a splice point: the next keyframe cuts, not the frames before */
    srt_hls_cutter_force(&c);
    pes_packet(p, 93600 + 10 * 3600, 0, 0);
    assert_int_equal(srt_hls_cutter_packet(&c, p, 0), SRT_HLS_CUT_NONE);
    pes_packet(p, 93600 + 11 * 3600, 0, 1);
    assert_int_equal(srt_hls_cutter_packet(&c, p, 1), SRT_HLS_CUT);
    assert_true(c.closed == 2 * 3600);
    assert_int_equal(c.last_disc, 0);

    /* once only */
    pes_packet(p, 93600 + 12 * 3600, 0, 1);
    assert_int_equal(srt_hls_cutter_packet(&c, p, 1), SRT_HLS_CUT_NONE);

    /* a PES with DTS: the DTS counts */
    pes_packet(p, 900000, 1, 0);
    assert_true(srt_hls_pes_time(p) == 900000 - 3600);
    assert_true(srt_hls_pes_pts(p) == 900000);
    pes_packet(p, 900000, 0, 0);
    assert_true(srt_hls_pes_pts(p) == 900000);

    free(p);
}


/* a PES start (video stream id, PTS only) followed by es[] */
static size_t
pes(uint8_t *out, const uint8_t *es, size_t n)
{
    static const uint8_t  hdr[] = {
        0x00, 0x00, 0x01, 0xe0, 0x00, 0x00, 0x80, 0x80, 0x05,
        0x21, 0x00, 0x01, 0x00, 0x01
    };

    memcpy(out, hdr, sizeof(hdr));
    memcpy(out + sizeof(hdr), es, n);

    return sizeof(hdr) + n;
}


static void
test_codecs(void **state)
{
    char      out[SRT_HLS_CODEC_LEN];
    size_t    n, cut;
    uint8_t   buf[184];

    /* AUD, then an SPS of High profile level 3.1 */
    static const uint8_t  avc[] = {
        0x00, 0x00, 0x00, 0x01, 0x09, 0xf0, 0x00, 0x00, 0x00, 0x01,
        0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9
    };

    /* x265's Main profile SPS: emulation prevention in the flags */
    static const uint8_t  hevc[] = {
        0x00, 0x00, 0x01, 0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03,
        0x00, 0x90, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x5d, 0xa0
    };

    /* Main 10, high tier, level 5.1, no constraint flags */
    static const uint8_t  hevc10[] = {
        0x00, 0x00, 0x01, 0x42, 0x01, 0x01, 0x22, 0x20, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03, 0x00, 0x99, 0xa0
    };

    /* ADTS, AAC LC (profile 1) and HE-AAC's core (profile 0: Main) */
    static const uint8_t  adts[] = { 0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f };
    static const uint8_t  adts0[] = { 0xff, 0xf9, 0x10, 0x80, 0x02, 0x1f };

    (void) state;

    n = pes(buf, avc, sizeof(avc));
    assert_int_equal(srt_hls_codec_video(0x1b, buf, n, out), 1);
    assert_string_equal(out, "avc1.64001F");

    /* cut before the SPS's level_idc: not found */
    for (cut = 0; cut < n - 2; cut++) {
        assert_int_equal(srt_hls_codec_video(0x1b, buf, cut, out), 0);
    }

    n = pes(buf, hevc, sizeof(hevc));
    assert_int_equal(srt_hls_codec_video(0x24, buf, n, out), 1);
    assert_string_equal(out, "hvc1.1.6.L93.90");

    n = pes(buf, hevc10, sizeof(hevc10));
    assert_int_equal(srt_hls_codec_video(0x24, buf, n, out), 1);
    assert_string_equal(out, "hvc1.2.4.H153");

    /* the wrong type finds nothing */
    assert_int_equal(srt_hls_codec_video(0x1b, buf, n, out), 0);

    n = pes(buf, adts, sizeof(adts));
    assert_int_equal(srt_hls_codec_audio(0x0f, buf, n, out), 1);
    assert_string_equal(out, "mp4a.40.2");

    n = pes(buf, adts0, sizeof(adts0));
    assert_int_equal(srt_hls_codec_audio(0x0f, buf, n, out), 1);
    assert_string_equal(out, "mp4a.40.1");

    assert_int_equal(srt_hls_codec_audio(0x0f, buf, 9, out), 0);

    assert_int_equal(srt_hls_codec_audio(0x81, buf, 0, out), 1);
    assert_string_equal(out, "ac-3");
    assert_int_equal(srt_hls_codec_audio(0x87, buf, 0, out), 1);
    assert_string_equal(out, "ec-3");
    assert_int_equal(srt_hls_codec_audio(0x03, buf, 0, out), 1);
    assert_string_equal(out, "mp4a.40.34");
    assert_int_equal(srt_hls_codec_audio(0x06, buf, n, out), 0);
}


/* a packet of PID pid, numbered n (in its payload) */
static void
pkt(uint8_t *p, uint16_t pid, uint8_t n)
{
    memset(p, 0xff, 188);
    p[0] = 0x47;
    p[1] = pid >> 8;
    p[2] = pid & 0xff;
    p[3] = 0x10;
    p[4] = n;
}


static void
test_trim(void **state)
{
    size_t          i, len, marks[2];
    uint8_t         buf[10 * 188];
    static const uint16_t  pids[10] = {
        0, 0x1000, 0x100, 0x100, 0x100, 0x101, 0x101, 0x100, 0, 0x1000
    };
    static const uint8_t   after_v[7] = { 0, 1, 2, 5, 6, 8, 9 };
    static const uint8_t   after_a[5] = { 0, 1, 2, 8, 9 };

    (void) state;

    for (i = 0; i < 10; i++) {
        pkt(buf + i * 188, pids[i], (uint8_t) i);
    }

    /* the last video PES starts at 3, the last audio one at 5: an input
       switch takes both out, video first */
    marks[0] = 3 * 188;
    marks[1] = 5 * 188;

    len = srt_hls_trim(buf, 10 * 188, 0x100, marks[0], marks, 2);
    assert_int_equal(len, 7 * 188);

    for (i = 0; i < 7; i++) {
        assert_int_equal(buf[i * 188 + 4], after_v[i]);
    }

    /* the audio start moved with its packet, two places down */
    assert_int_equal(marks[1], 3 * 188);

    len = srt_hls_trim(buf, len, 0x101, marks[1], marks, 2);
    assert_int_equal(len, 5 * 188);

    for (i = 0; i < 5; i++) {
        assert_int_equal(buf[i * 188 + 4], after_a[i]);
    }

    /* an offset at the end takes nothing and the length stays */
    assert_int_equal(srt_hls_trim(buf, len, 0, len, NULL, 0), len);
    assert_int_equal(srt_hls_trim(buf, len, 0, len + 188, NULL, 0), len);

    /* a mark at the end (a PES that began before) stays at the end */
    marks[0] = len;
    marks[1] = 0;               /* none: untouched */
    len = srt_hls_trim(buf, len, 0, 188, marks, 2);
    assert_int_equal(len, 4 * 188);
    assert_int_equal(marks[0], 4 * 188);
    assert_int_equal(marks[1], 0);
    assert_int_equal(buf[0 * 188 + 4], 0);
    assert_int_equal(buf[1 * 188 + 4], 1);
    assert_int_equal(buf[2 * 188 + 4], 2);
    assert_int_equal(buf[3 * 188 + 4], 9);
}


/* a PES of 300 bytes in two packets, the second padded by stuffing */
static void
test_pes_whole(void **state)
{
    uint8_t        p[188];
    srt_hls_pes_t  fill;

    (void) state;

    memset(&fill, 0, sizeof(srt_hls_pes_t));

    /* a continuation before any start: nothing is known */
    pkt(p, 0x101, 0);
    srt_hls_pes_packet(&fill, p);
    assert_false(srt_hls_pes_whole(&fill));

    /* the start: 184 of 306 bytes */
    pkt(p, 0x101, 0);
    p[1] |= 0x40;
    memcpy(p + 4, "\x00\x00\x01\xc0\x01\x2c", 6);     /* length 300 */
    srt_hls_pes_packet(&fill, p);
    assert_int_equal(fill.want, 306);
    assert_int_equal(fill.have, 184);
    assert_false(srt_hls_pes_whole(&fill));

    /* adaptation only: no bytes */
    pkt(p, 0x101, 0);
    p[3] = 0x20;
    p[4] = 183;
    p[5] = 0x80;
    srt_hls_pes_packet(&fill, p);
    assert_int_equal(fill.have, 184);

    /* the rest, 122 bytes after 62 of adaptation field */
    pkt(p, 0x101, 0);
    p[3] = 0x30;
    p[4] = 61;
    p[5] = 0;
    srt_hls_pes_packet(&fill, p);
    assert_int_equal(fill.have, 306);
    assert_true(srt_hls_pes_whole(&fill));

    /* the next one cut short: not whole */
    pkt(p, 0x101, 0);
    p[1] |= 0x40;
    memcpy(p + 4, "\x00\x00\x01\xc0\x01\x2c", 6);
    srt_hls_pes_packet(&fill, p);
    assert_false(srt_hls_pes_whole(&fill));

    /* unbounded (video): never known to be whole */
    pkt(p, 0x100, 0);
    p[1] |= 0x40;
    memcpy(p + 4, "\x00\x00\x01\xe0\x00\x00", 6);
    srt_hls_pes_packet(&fill, p);
    assert_int_equal(fill.want, 0);
    assert_false(srt_hls_pes_whole(&fill));
}


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_cues),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_multivariant),
        cmocka_unit_test(test_cutter),
        cmocka_unit_test(test_cutter_switch),
        cmocka_unit_test(test_codecs),
        cmocka_unit_test(test_trim),
        cmocka_unit_test(test_pes_whole),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
