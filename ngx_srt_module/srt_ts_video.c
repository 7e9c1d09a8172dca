/*
 * The picture size of a video stream, from the sequence parameters at a
 * random access point: the H.264 or H.265 SPS (with its cropping) or the
 * MPEG-2 sequence header.  Plain C, no nginx types; unit tested in
 * t/unit/test_ts.c.  Only what a packet holds is read: a header that goes
 * on into the next packet is not found (the next keyframe will do).
 */

#include <string.h>

#include "srt_ts.h"


#define SRT_TS_RBSP_MAX  256


typedef struct {
    const uint8_t  *p;
    size_t          len;        /* bytes */
    size_t          pos;        /* bits */
    int             err;
} srt_ts_bits_t;


static size_t srt_ts_rbsp(const uint8_t *nal, size_t n, uint8_t *rbsp,
    size_t size);
static int srt_ts_h264_sps(const uint8_t *nal, size_t n, unsigned *w,
    unsigned *h);
static int srt_ts_h265_sps(const uint8_t *nal, size_t n, unsigned *w,
    unsigned *h);
static unsigned srt_ts_u(srt_ts_bits_t *b, unsigned bits);
static unsigned srt_ts_ue(srt_ts_bits_t *b);
static int srt_ts_se(srt_ts_bits_t *b);


int
srt_ts_video_size(uint8_t type, const uint8_t *p, size_t n, unsigned *w,
    unsigned *h)
{
    size_t  i, hlen;

    /* the PES header first */

    if (n < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1
        || (p[6] & 0xc0) != 0x80)
    {
        return 0;
    }

    hlen = 9 + (size_t) p[8];

    if (hlen >= n) {
        return 0;
    }

    p += hlen;
    n -= hlen;

    for (i = 0; i + 3 < n; i++) {

        if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1) {
            continue;
        }

        if (type == 0x1b && (p[i + 3] & 0x1f) == 7) {
            return srt_ts_h264_sps(p + i + 4, n - i - 4, w, h);
        }

        if (type == 0x24 && ((p[i + 3] >> 1) & 0x3f) == 33 && i + 5 < n) {
            /* after the two bytes of NAL unit header */
            return srt_ts_h265_sps(p + i + 5, n - i - 5, w, h);
        }

        if ((type == 0x01 || type == 0x02) && p[i + 3] == 0xb3) {
            if (i + 7 > n) {
                return 0;
            }

            /* horizontal_size_value and vertical_size_value, 12 bits */
            *w = ((unsigned) p[i + 4] << 4) | (p[i + 5] >> 4);
            *h = ((unsigned) (p[i + 5] & 0x0f) << 8) | p[i + 6];

            return *w && *h;
        }

        i += 2;
    }

    return 0;
}


/* ITU-T H.264 7.3.2.1.1, up to the frame cropping */

/* emulation prevention bytes out, up to the next start code */

static size_t
srt_ts_rbsp(const uint8_t *nal, size_t n, uint8_t *rbsp, size_t size)
{
    size_t  i, m;

    m = 0;

    for (i = 0; i < n && m < size; i++) {
        if (i + 2 < n && nal[i] == 0 && nal[i + 1] == 0) {
            if (nal[i + 2] == 3) {
                rbsp[m++] = 0;
                if (m < size) {
                    rbsp[m++] = 0;
                }
                i += 2;
                continue;
            }

            if (nal[i + 2] <= 1) {
                break;
            }
        }

        rbsp[m++] = nal[i];
    }

    return m;
}


/* ITU-T H.265 7.3.2.2.1, up to the conformance window */

static int
srt_ts_h265_sps(const uint8_t *nal, size_t n, unsigned *w, unsigned *h)
{
    uint8_t        rbsp[SRT_TS_RBSP_MAX];
    unsigned       sub, i, prof[8], lev[8], chroma, sep, cx, cy;
    unsigned       crop_l, crop_r, crop_t, crop_b, pw, ph;
    srt_ts_bits_t  b;

    b.p = rbsp;
    b.len = srt_ts_rbsp(nal, n, rbsp, sizeof(rbsp));
    b.pos = 0;
    b.err = 0;

    (void) srt_ts_u(&b, 4);                  /* sps_video_parameter_set_id */
    sub = srt_ts_u(&b, 3);                   /* sps_max_sub_layers_minus1 */
    (void) srt_ts_u(&b, 1);

    /* profile_tier_level(1, sub): the general part is 96 bits */
    (void) srt_ts_u(&b, 32);
    (void) srt_ts_u(&b, 32);
    (void) srt_ts_u(&b, 32);

    for (i = 0; i < sub; i++) {
        prof[i] = srt_ts_u(&b, 1);
        lev[i] = srt_ts_u(&b, 1);
    }

    if (sub > 0) {
        for (i = sub; i < 8; i++) {
            (void) srt_ts_u(&b, 2);
        }
    }

    for (i = 0; i < sub; i++) {
        if (prof[i]) {
            (void) srt_ts_u(&b, 32);         /* 88 bits */
            (void) srt_ts_u(&b, 32);
            (void) srt_ts_u(&b, 24);
        }

        if (lev[i]) {
            (void) srt_ts_u(&b, 8);
        }
    }

    (void) srt_ts_ue(&b);                    /* sps_seq_parameter_set_id */
    chroma = srt_ts_ue(&b);
    sep = (chroma == 3) ? srt_ts_u(&b, 1) : 0;

    pw = srt_ts_ue(&b);
    ph = srt_ts_ue(&b);

    crop_l = crop_r = crop_t = crop_b = 0;

    if (srt_ts_u(&b, 1)) {                   /* conformance_window_flag */
        crop_l = srt_ts_ue(&b);
        crop_r = srt_ts_ue(&b);
        crop_t = srt_ts_ue(&b);
        crop_b = srt_ts_ue(&b);
    }

    if (b.err || chroma > 3 || pw == 0 || ph == 0 || pw > 16888
        || ph > 16888)
    {
        return 0;
    }

    cx = (!sep && (chroma == 1 || chroma == 2)) ? 2 : 1;
    cy = (!sep && chroma == 1) ? 2 : 1;

    if ((crop_l + crop_r) * cx >= pw || (crop_t + crop_b) * cy >= ph) {
        return 0;
    }

    *w = pw - (crop_l + crop_r) * cx;
    *h = ph - (crop_t + crop_b) * cy;

    return 1;
}


/* ITU-T H.264 7.3.2.1.1, up to the frame cropping */

static int
srt_ts_h264_sps(const uint8_t *nal, size_t n, unsigned *w, unsigned *h)
{
    size_t         k, size;
    uint8_t        rbsp[SRT_TS_RBSP_MAX];
    unsigned       profile, chroma, lists, j, num, fmo, pw, ph;
    unsigned       crop_l, crop_r, crop_t, crop_b, cx, cy;
    int            last, next;
    srt_ts_bits_t  b;

    b.p = rbsp;
    b.len = srt_ts_rbsp(nal, n, rbsp, sizeof(rbsp));
    b.pos = 0;
    b.err = 0;

    profile = srt_ts_u(&b, 8);
    (void) srt_ts_u(&b, 16);                 /* constraints, level */
    (void) srt_ts_ue(&b);                    /* seq_parameter_set_id */

    chroma = 1;

    if (profile == 100 || profile == 110 || profile == 122 || profile == 244
        || profile == 44 || profile == 83 || profile == 86 || profile == 118
        || profile == 128 || profile == 138 || profile == 139
        || profile == 134 || profile == 135)
    {
        chroma = srt_ts_ue(&b);

        if (chroma == 3) {
            (void) srt_ts_u(&b, 1);          /* separate_colour_plane */
        }

        (void) srt_ts_ue(&b);                /* bit depths */
        (void) srt_ts_ue(&b);
        (void) srt_ts_u(&b, 1);              /* qpprime_y_zero_bypass */

        if (srt_ts_u(&b, 1)) {               /* seq_scaling_matrix */
            lists = chroma != 3 ? 8 : 12;

            for (j = 0; j < lists && !b.err; j++) {
                if (!srt_ts_u(&b, 1)) {
                    continue;
                }

                size = j < 6 ? 16 : 64;
                last = 8;
                next = 8;

                for (k = 0; k < size && !b.err; k++) {
                    if (next != 0) {
                        next = (last + srt_ts_se(&b) + 256) % 256;
                    }

                    last = next == 0 ? last : next;
                }
            }
        }
    }

    (void) srt_ts_ue(&b);                    /* log2_max_frame_num */

    switch (srt_ts_ue(&b)) {                 /* pic_order_cnt_type */

    case 0:
        (void) srt_ts_ue(&b);
        break;

    case 1:
        (void) srt_ts_u(&b, 1);
        (void) srt_ts_se(&b);
        (void) srt_ts_se(&b);
        num = srt_ts_ue(&b);

        for (j = 0; j < num && !b.err; j++) {
            (void) srt_ts_se(&b);
        }

        break;

    default:
        break;
    }

    (void) srt_ts_ue(&b);                    /* max_num_ref_frames */
    (void) srt_ts_u(&b, 1);                  /* gaps_in_frame_num */
    pw = srt_ts_ue(&b) + 1;                  /* in macroblocks */
    ph = srt_ts_ue(&b) + 1;                  /* in map units */
    fmo = srt_ts_u(&b, 1);                   /* frame_mbs_only */

    if (!fmo) {
        (void) srt_ts_u(&b, 1);              /* mb_adaptive_frame_field */
    }

    (void) srt_ts_u(&b, 1);                  /* direct_8x8_inference */

    crop_l = crop_r = crop_t = crop_b = 0;

    if (srt_ts_u(&b, 1)) {
        crop_l = srt_ts_ue(&b);
        crop_r = srt_ts_ue(&b);
        crop_t = srt_ts_ue(&b);
        crop_b = srt_ts_ue(&b);
    }

    if (b.err || pw > 1024 || ph > 1024) {
        return 0;
    }

    /* crop units: 4:2:0 and 4:2:2 halve horizontally, 4:2:0 vertically */
    cx = (chroma == 1 || chroma == 2) ? 2 : 1;
    cy = (chroma == 1 ? 2 : 1) * (2 - fmo);

    *w = pw * 16;
    *h = ph * 16 * (2 - fmo);

    if ((crop_l + crop_r) * cx >= *w || (crop_t + crop_b) * cy >= *h) {
        return 0;
    }

    *w -= (crop_l + crop_r) * cx;
    *h -= (crop_t + crop_b) * cy;

    return 1;
}


static unsigned
srt_ts_u(srt_ts_bits_t *b, unsigned bits)
{
    unsigned  v;

    v = 0;

    while (bits--) {
        if (b->pos >= b->len * 8) {
            b->err = 1;
            return 0;
        }

        v = (v << 1) | ((b->p[b->pos >> 3] >> (7 - (b->pos & 7))) & 1);
        b->pos++;
    }

    return v;
}


/* Exp-Golomb; values past 2^31 are treated as errors */

static unsigned
srt_ts_ue(srt_ts_bits_t *b)
{
    unsigned  zeros;

    zeros = 0;

    while (!b->err && srt_ts_u(b, 1) == 0) {
        if (++zeros > 31) {
            b->err = 1;
            return 0;
        }
    }

    if (b->err) {
        return 0;
    }

    return ((1u << zeros) - 1) + srt_ts_u(b, zeros);
}


static int
srt_ts_se(srt_ts_bits_t *b)
{
    unsigned  v;

    v = srt_ts_ue(b);

    return (v & 1) ? (int) ((v + 1) / 2) : -(int) (v / 2);
}
