/*
 * RFC 6381 codec strings for the multivariant playlist's CODECS, read from
 * the stream itself: the H.264 SPS (avc1.PPCCLL), the H.265 SPS's
 * profile_tier_level (hvc1.1.6.L93.B0), the AAC ADTS header's object type
 * (mp4a.40.2), and the stream type for AC-3, E-AC-3 and MPEG audio.
 * Plain C, no nginx types; unit tested in t/unit/test_hls.c.
 */

#include <stdio.h>
#include <string.h>

#include "srt_hls.h"


static const uint8_t *srt_hls_pes_payload(const uint8_t *p, size_t *n);
static int srt_hls_hevc(const uint8_t *nal, size_t n, char *out);


int
srt_hls_codec_video(uint8_t type, const uint8_t *p, size_t n, char *out)
{
    size_t          i;
    const uint8_t  *nal;

    p = srt_hls_pes_payload(p, &n);
    if (p == NULL) {
        return 0;
    }

    for (i = 0; i + 4 < n; i++) {

        if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1) {
            continue;
        }

        nal = p + i + 3;

        if (type == 0x1b && (nal[0] & 0x1f) == 7 && i + 7 <= n) {
            /* profile_idc, the constraint flags, level_idc */
            snprintf(out, SRT_HLS_CODEC_LEN, "avc1.%02X%02X%02X", nal[1],
                     nal[2], nal[3]);
            return 1;
        }

        if (type == 0x24 && ((nal[0] >> 1) & 0x3f) == 33) {
            return srt_hls_hevc(nal, n - i - 3, out);
        }
    }

    return 0;
}


/*
 * hvc1.[A-C]PROFILE.COMPAT.{L|H}LEVEL.CONSTRAINTS: ISO/IEC 14496-15 E.3,
 * from the SPS's profile_tier_level(), emulation prevention removed.
 */

static int
srt_hls_hevc(const uint8_t *nal, size_t n, char *out)
{
    int       len;
    size_t    i, k, zeros, last;
    uint8_t   b[16];
    uint32_t  compat, rev;

    /* 2 bytes of NAL header, 1 of ids, then 12 of profile_tier_level */

    zeros = 0;

    for (i = 2, k = 0; i < n && k < sizeof(b); i++) {
        if (zeros >= 2 && nal[i] == 3) {
            zeros = 0;
            continue;
        }

        zeros = (nal[i] == 0) ? zeros + 1 : 0;
        b[k++] = nal[i];
    }

    if (k < 13) {
        return 0;
    }

    compat = (uint32_t) b[2] << 24 | (uint32_t) b[3] << 16
             | (uint32_t) b[4] << 8 | b[5];

    for (rev = 0, i = 0; i < 32; i++) {
        rev |= ((compat >> i) & 1) << (31 - i);
    }

    len = snprintf(out, SRT_HLS_CODEC_LEN, "hvc1.%s%u.%X.%c%u",
                   (b[1] >> 6) == 0 ? "" : (b[1] >> 6) == 1 ? "A"
                   : (b[1] >> 6) == 2 ? "B" : "C",
                   b[1] & 0x1f, rev, (b[1] & 0x20) ? 'H' : 'L', b[12]);

    /* the six constraint bytes, trailing zero bytes left out */

    for (last = 6; last > 0 && b[6 + last - 1] == 0; last--) {
        /* void */
    }

    for (i = 0; i < last && len + 3 < SRT_HLS_CODEC_LEN; i++) {
        len += snprintf(out + len, SRT_HLS_CODEC_LEN - len, ".%X", b[6 + i]);
    }

    return 1;
}


int
srt_hls_codec_audio(uint8_t type, const uint8_t *p, size_t n, char *out)
{
    size_t  i;

    switch (type) {

    case 0x03:
    case 0x04:
        strcpy(out, "mp4a.40.34");
        return 1;

    case 0x81:
        strcpy(out, "ac-3");
        return 1;

    case 0x87:
        strcpy(out, "ec-3");
        return 1;

    case 0x0f:
        break;

    default:
        return 0;
    }

    /* ADTS: the object type is profile + 1 */

    p = srt_hls_pes_payload(p, &n);
    if (p == NULL) {
        return 0;
    }

    for (i = 0; i + 3 < n; i++) {
        if (p[i] == 0xff && (p[i + 1] & 0xf6) == 0xf0) {
            snprintf(out, SRT_HLS_CODEC_LEN, "mp4a.40.%u",
                     (unsigned) (p[i + 2] >> 6) + 1);
            return 1;
        }
    }

    return 0;
}


/* the elementary stream bytes after the PES header in this packet */

static const uint8_t *
srt_hls_pes_payload(const uint8_t *p, size_t *n)
{
    size_t  hlen;

    if (*n < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1
        || (p[6] & 0xc0) != 0x80)
    {
        return NULL;
    }

    hlen = 9 + (size_t) p[8];

    if (hlen >= *n) {
        return NULL;
    }

    *n -= hlen;

    return p + hlen;
}
