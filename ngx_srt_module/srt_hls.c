/*
 * HLS playlist text (srt_hls.h).  Written with snprintf into the caller's
 * buffer; a playlist that does not fit is refused as a whole.
 */

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "srt_hls.h"


typedef struct {
    char       *buf;
    size_t      size;
    size_t      len;
    int         full;
} srt_hls_out_t;


static void srt_hls_printf(srt_hls_out_t *o, const char *fmt, ...);
static void srt_hls_hex(srt_hls_out_t *o, const uint8_t *p, size_t n);
static void srt_hls_base64(srt_hls_out_t *o, const uint8_t *p, size_t n);
static void srt_hls_daterange(srt_hls_out_t *o, const srt_hls_segment_t *s);
static void srt_hls_cue(srt_hls_out_t *o, const srt_hls_segment_t *s);
static void srt_hls_seconds(srt_hls_out_t *o, uint64_t us);


unsigned
srt_hls_target_duration(const srt_hls_segment_t *segs, size_t n,
    unsigned min)
{
    size_t    i;
    unsigned  t, s;

    t = min;

    for (i = 0; i < n; i++) {
        s = (unsigned) ((segs[i].duration_us + 500000) / 1000000);
        t = s > t ? s : t;
    }

    return t ? t : 1;
}


size_t
srt_hls_media_playlist(const srt_hls_playlist_t *pl,
    const srt_hls_segment_t *segs, size_t n, char *buf, size_t size)
{
    size_t              i;
    char                date[32];
    srt_hls_out_t       o;
    const srt_hls_segment_t  *s;

    o.buf = buf;
    o.size = size;
    o.len = 0;
    o.full = 0;

    srt_hls_printf(&o, "#EXTM3U\n#EXT-X-VERSION:6\n"
                   "#EXT-X-TARGETDURATION:%u\n"
                   "#EXT-X-MEDIA-SEQUENCE:%" PRIu64 "\n"
                   "#EXT-X-DISCONTINUITY-SEQUENCE:%" PRIu64 "\n",
                   srt_hls_target_duration(segs, n, pl->min_target_s),
                   n ? segs[0].seq : 0, pl->discontinuity_seq);

    for (i = 0; i < n; i++) {
        s = &segs[i];

        if (s->discontinuity && i > 0) {
            srt_hls_printf(&o, "#EXT-X-DISCONTINUITY\n");
        }

        /* a date on the first segment and after every discontinuity, as
           players need it; on every segment, as SSAI and monitoring like */
        if (s->pdt_ms >= 0) {
            srt_hls_date(s->pdt_ms, date);
            srt_hls_printf(&o, "#EXT-X-PROGRAM-DATE-TIME:%s\n", date);
        }

        if (s->cue != SRT_HLS_CUE_NONE) {
            if (pl->tags & SRT_HLS_TAGS_DATERANGE) {
                srt_hls_daterange(&o, s);
            }

            if (pl->tags & SRT_HLS_TAGS_CUE) {
                srt_hls_cue(&o, s);
            }
        }

        if (s->cmd_section_len && (pl->tags & SRT_HLS_TAGS_DATERANGE)) {
            /* RFC 8216 4.3.2.7.1: one range per command, ID from its time */
            srt_hls_date(s->cmd_start_ms, date);
            srt_hls_printf(&o, "#EXT-X-DATERANGE:ID=\"scte35-%" PRIu64 "\","
                           "START-DATE=\"%s\",SCTE35-CMD=", s->cmd_pts,
                           date);
            srt_hls_hex(&o, s->cmd_section, s->cmd_section_len);
            srt_hls_printf(&o, "\n");
        }

        srt_hls_printf(&o, "#EXTINF:");
        srt_hls_seconds(&o, s->duration_us);
        srt_hls_printf(&o, ",\n%s\n", s->uri);
    }

    if (pl->ended) {
        srt_hls_printf(&o, "#EXT-X-ENDLIST\n");
    }

    return o.full ? 0 : o.len;
}


/*
 * EXT-X-DATERANGE (RFC 8216 4.3.2.7.1): the OUT opens the range with its
 * planned duration and the splice_info_section; the IN closes it, with
 * the same ID, its END-DATE and DURATION.  Segments inside a break carry
 * nothing: the range is already open.
 */

static void
srt_hls_daterange(srt_hls_out_t *o, const srt_hls_segment_t *s)
{
    char  date[32];

    if (s->cue == SRT_HLS_CUE_CONT) {
        return;
    }

    srt_hls_date(s->cue_start_ms, date);
    srt_hls_printf(o, "#EXT-X-DATERANGE:ID=\"splice-%" PRIu32 "\","
                   "START-DATE=\"%s\"", s->cue_event, date);

    if (s->cue == SRT_HLS_CUE_OUT) {
        if (s->cue_duration_us) {
            srt_hls_printf(o, ",PLANNED-DURATION=");
            srt_hls_seconds(o, s->cue_duration_us);
        }

        if (s->cue_section_len) {
            srt_hls_printf(o, ",SCTE35-OUT=");
            srt_hls_hex(o, s->cue_section, s->cue_section_len);
        }

    } else {
        if (s->pdt_ms >= 0) {
            srt_hls_date(s->pdt_ms, date);
            srt_hls_printf(o, ",END-DATE=\"%s\"", date);
        }

        if (s->cue_duration_us) {
            srt_hls_printf(o, ",DURATION=");
            srt_hls_seconds(o, s->cue_duration_us);
        }

        if (s->cue_section_len) {
            srt_hls_printf(o, ",SCTE35-IN=");
            srt_hls_hex(o, s->cue_section, s->cue_section_len);
        }
    }

    srt_hls_printf(o, "\n");
}


/* the Elemental / AWS MediaTailor style */

static void
srt_hls_cue(srt_hls_out_t *o, const srt_hls_segment_t *s)
{
    switch (s->cue) {

    case SRT_HLS_CUE_OUT:
        if (s->cue_section_len) {
            srt_hls_printf(o, "#EXT-OATCLS-SCTE35:");
            srt_hls_base64(o, s->cue_section, s->cue_section_len);
            srt_hls_printf(o, "\n");
        }

        /* a break of unknown length (an OUT without a duration, ended
           by an IN cue): the tag without a value */
        if (s->cue_duration_us) {
            srt_hls_printf(o, "#EXT-X-CUE-OUT:");
            srt_hls_seconds(o, s->cue_duration_us);
            srt_hls_printf(o, "\n");

        } else {
            srt_hls_printf(o, "#EXT-X-CUE-OUT\n");
        }

        break;

    case SRT_HLS_CUE_CONT:
        srt_hls_printf(o, "#EXT-X-CUE-OUT-CONT:ElapsedTime=");
        srt_hls_seconds(o, s->cue_elapsed_us);

        if (s->cue_duration_us) {
            srt_hls_printf(o, ",Duration=");
            srt_hls_seconds(o, s->cue_duration_us);
        }

        srt_hls_printf(o, "\n");
        break;

    default:    /* IN */
        srt_hls_printf(o, "#EXT-X-CUE-IN\n");
        break;
    }
}


size_t
srt_hls_multivariant(uint64_t bandwidth, uint64_t average,
    const char *codecs, unsigned width, unsigned height, const char *uri,
    char *buf, size_t size)
{
    srt_hls_out_t  o;

    o.buf = buf;
    o.size = size;
    o.len = 0;
    o.full = 0;

    srt_hls_printf(&o, "#EXTM3U\n#EXT-X-VERSION:6\n"
                   "#EXT-X-INDEPENDENT-SEGMENTS\n"
                   "#EXT-X-STREAM-INF:BANDWIDTH=%" PRIu64, bandwidth);

    if (average) {
        srt_hls_printf(&o, ",AVERAGE-BANDWIDTH=%" PRIu64, average);
    }

    if (codecs && codecs[0]) {
        srt_hls_printf(&o, ",CODECS=\"%s\"", codecs);
    }

    if (width && height) {
        srt_hls_printf(&o, ",RESOLUTION=%ux%u", width, height);
    }

    srt_hls_printf(&o, "\n%s\n", uri);

    return o.full ? 0 : o.len;
}


void
srt_hls_date(int64_t unix_ms, char out[32])
{
    time_t     t;
    struct tm  tm;

    t = (time_t) (unix_ms / 1000);
    gmtime_r(&t, &tm);

    /* fields bounded so that the compiler sees the text fits */
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
             (unsigned) (tm.tm_year + 1900) % 10000,
             (unsigned) (tm.tm_mon + 1) % 100, (unsigned) tm.tm_mday % 100,
             (unsigned) tm.tm_hour % 100, (unsigned) tm.tm_min % 100,
             (unsigned) tm.tm_sec % 100, (unsigned) (unix_ms % 1000));
}


/* decimal seconds with milliseconds: 4.000, 3.967 */

static void
srt_hls_seconds(srt_hls_out_t *o, uint64_t us)
{
    uint64_t  ms;

    ms = (us + 500) / 1000;

    srt_hls_printf(o, "%" PRIu64 ".%03u", ms / 1000, (unsigned) (ms % 1000));
}


static void
srt_hls_printf(srt_hls_out_t *o, const char *fmt, ...)
{
    int      n;
    va_list  args;

    if (o->full) {
        return;
    }

    va_start(args, fmt);
    n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, args);
    va_end(args);

    if (n < 0 || (size_t) n >= o->size - o->len) {
        o->full = 1;
        return;
    }

    o->len += n;
}


static void
srt_hls_hex(srt_hls_out_t *o, const uint8_t *p, size_t n)
{
    size_t  i;

    srt_hls_printf(o, "0x");

    for (i = 0; i < n; i++) {
        srt_hls_printf(o, "%02X", p[i]);
    }
}


static void
srt_hls_base64(srt_hls_out_t *o, const uint8_t *p, size_t n)
{
    size_t    i;
    uint32_t  v;
    char      q[5];

    static const char  abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    for (i = 0; i < n; i += 3) {
        v = (uint32_t) p[i] << 16;
        v |= i + 1 < n ? (uint32_t) p[i + 1] << 8 : 0;
        v |= i + 2 < n ? p[i + 2] : 0;

        q[0] = abc[(v >> 18) & 63];
        q[1] = abc[(v >> 12) & 63];
        q[2] = i + 1 < n ? abc[(v >> 6) & 63] : '=';
        q[3] = i + 2 < n ? abc[v & 63] : '=';
        q[4] = '\0';

        srt_hls_printf(o, "%s", q);
    }
}
