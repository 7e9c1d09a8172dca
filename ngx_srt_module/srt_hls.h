/*
 * HLS playlist text (RFC 8216): the live media playlist of a route, with
 * program date-time, discontinuities and SCTE-35 ad breaks as
 * EXT-X-DATERANGE (SCTE35-OUT / SCTE35-IN) and/or the Elemental /
 * MediaTailor tags (EXT-X-CUE-OUT, EXT-X-CUE-OUT-CONT, EXT-X-CUE-IN,
 * EXT-OATCLS-SCTE35), and the multivariant playlist.  Plain C, no nginx
 * types, no allocation: the caller keeps the window of segments and a
 * buffer.  Unit tested in t/unit/test_hls.c.
 *
 * The first piece of the HLS output (issue 6): the segmenter and the
 * serving location are not built yet.
 */

#ifndef _SRT_HLS_H_INCLUDED_
#define _SRT_HLS_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


#define SRT_HLS_CUE_NONE       0
#define SRT_HLS_CUE_OUT        1    /* an ad break starts with the segment */
#define SRT_HLS_CUE_CONT       2    /* the segment is inside a break */
#define SRT_HLS_CUE_IN         3    /* the break ends where it starts */

#define SRT_HLS_TAGS_DATERANGE 0x01
#define SRT_HLS_TAGS_CUE       0x02 /* CUE-OUT/-CONT/-IN, OATCLS-SCTE35 */

#define SRT_HLS_URI_LEN        64
#define SRT_HLS_SECTION_MAX    512  /* a splice_info_section */


typedef struct {
    uint64_t        seq;            /* media sequence number */
    uint64_t        duration_us;
    int64_t         pdt_ms;         /* unix ms of its first frame; < 0:
                                       no EXT-X-PROGRAM-DATE-TIME */
    unsigned        discontinuity:1;

    int             cue;            /* SRT_HLS_CUE_* */
    uint32_t        cue_event;      /* splice_event_id: the DATERANGE ID */
    uint64_t        cue_duration_us;    /* OUT: planned, 0 unknown;
                                           IN: the break's, 0 unknown */
    uint64_t        cue_elapsed_us; /* CONT: since the OUT */
    int64_t         cue_start_ms;   /* the OUT's date (IN: END-DATE is
                                       this segment's pdt_ms) */
    uint8_t         cue_section[SRT_HLS_SECTION_MAX];
    size_t          cue_section_len;    /* 0: none */
    /* another SCTE-35 command at this segment (a time_signal that is not
       an ad break): EXT-X-DATERANGE with SCTE35-CMD */
    int64_t         cmd_start_ms;
    uint64_t        cmd_pts;        /* makes the DATERANGE ID */
    uint8_t         cmd_section[SRT_HLS_SECTION_MAX];
    size_t          cmd_section_len;    /* 0: none */

    char            uri[SRT_HLS_URI_LEN];
} srt_hls_segment_t;


typedef struct {
    uint64_t        discontinuity_seq;  /* of the first segment */
    unsigned        tags;           /* SRT_HLS_TAGS_* */
    unsigned        min_target_s;   /* EXT-X-TARGETDURATION at least this */
    unsigned        ended:1;        /* EXT-X-ENDLIST */
} srt_hls_playlist_t;


/*
 * EXT-X-TARGETDURATION: every segment's duration rounded to the nearest
 * second must not exceed it (RFC 8216 4.3.3.1), and never below min.
 */
unsigned srt_hls_target_duration(const srt_hls_segment_t *segs, size_t n,
    unsigned min);

/*
 * The media playlist of n segments (oldest first) into buf.  Returns its
 * length, or 0 when size is too small (nothing useful is in buf then).
 */
size_t srt_hls_media_playlist(const srt_hls_playlist_t *pl,
    const srt_hls_segment_t *segs, size_t n, char *buf, size_t size);

/*
 * A multivariant playlist with one variant: BANDWIDTH (peak bit/s),
 * AVERAGE-BANDWIDTH (0: left out), CODECS (RFC 6381 strings, "" left
 * out), RESOLUTION (0x0: left out) and the media playlist's URI.
 */
size_t srt_hls_multivariant(uint64_t bandwidth, uint64_t average,
    const char *codecs, unsigned width, unsigned height, const char *uri,
    char *buf, size_t size);

/*
 * RFC 6381 codec strings (srt_hls_codecs.c) from a PES start packet's TS
 * payload p (n bytes) of a stream of PMT type "type": video from an H.264
 * or H.265 SPS in that packet, audio from the type and the AAC ADTS
 * header.  1 and out filled (SRT_HLS_CODEC_LEN bytes), or 0.
 */
#define SRT_HLS_CODEC_LEN      48

int srt_hls_codec_video(uint8_t type, const uint8_t *p, size_t n, char *out);
int srt_hls_codec_audio(uint8_t type, const uint8_t *p, size_t n, char *out);

/* RFC 3339 date-time in UTC with milliseconds: 2026-11-21T17:52:00.123Z;
   out has room for 32 bytes */
void srt_hls_date(int64_t unix_ms, char out[32]);


#endif /* _SRT_HLS_H_INCLUDED_ */
