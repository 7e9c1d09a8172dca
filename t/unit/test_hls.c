/*
 * Unit tests for srt_hls.c: the media playlist's exact text (version,
 * target duration rounding, media and discontinuity sequence, program
 * date-time, discontinuities), SCTE-35 breaks as EXT-X-DATERANGE and as
 * CUE-OUT/-CONT/-IN with EXT-OATCLS-SCTE35 (the section in hex and in
 * base64, checked against the SCTE-35 standard's own example), a buffer
 * too small at every size, and the multivariant playlist.
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


int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_cues),
        cmocka_unit_test(test_small_buffer),
        cmocka_unit_test(test_multivariant),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
