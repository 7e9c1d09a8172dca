/*
 * "testsrc://?size=1280x720&rate=25&bitrate=3M&tone=1000": the built-in
 * test pattern input.  Plain C; unit tested in t/unit/test_url.c.
 */

#include <stdio.h>
#include <string.h>

#include "srt_url.h"


static int srt_url_testsrc_param(void *ctx, const char *key, size_t klen,
    const char *val, size_t vlen, char *err);
static int srt_url_testsrc_number(const char *s, size_t len, long max,
    long *out);


int
srt_url_testsrc_parse(const char *rest, size_t len, srt_url_t *u, char *err)
{
    u->scheme = SRT_URL_TESTSRC;
    u->testsrc.width = 1280;
    u->testsrc.height = 720;
    u->testsrc.rate = 25;
    u->testsrc.bitrate = 3000000;
    u->testsrc.tone = 1000;

    return srt_url_items("testsrc", "size=&rate=&bitrate=&tone=", rest, len,
                         srt_url_testsrc_param, &u->testsrc, err);
}


static int
srt_url_testsrc_param(void *ctx, const char *key, size_t klen,
    const char *val, size_t vlen, char *err)
{
    long                w, h, n, scale;
    size_t              x;
    srt_url_testsrc_t  *t = ctx;

#define key_is(lit)  (klen == sizeof(lit) - 1 && memcmp(key, lit, klen) == 0)

    if (key_is("size")) {
        for (x = 0; x < vlen && val[x] != 'x'; x++) {
            /* void */
        }

        if (x == vlen
            || srt_url_testsrc_number(val, x, 7680, &w) != 0
            || srt_url_testsrc_number(val + x + 1, vlen - x - 1, 4320, &h)
               != 0
            || w < 16 || h < 16 || (w & 1) || (h & 1))
        {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid size \"%.*s\", expected WIDTHxHEIGHT, even, "
                     "16x16 to 7680x4320", (int) vlen, val);
            return -1;
        }

        t->width = (int) w;
        t->height = (int) h;
        return 0;
    }

    if (key_is("rate")) {
        if (srt_url_testsrc_number(val, vlen, 120, &n) != 0 || n == 0) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid rate \"%.*s\", expected 1 to 120 frames per "
                     "second", (int) vlen, val);
            return -1;
        }

        t->rate = (int) n;
        return 0;
    }

    if (key_is("bitrate")) {
        /* bits per second, k and M are decimal, as encoders count */
        scale = 1;

        if (vlen > 0 && (val[vlen - 1] == 'k' || val[vlen - 1] == 'K')) {
            scale = 1000;
            vlen--;

        } else if (vlen > 0 && (val[vlen - 1] == 'm' || val[vlen - 1] == 'M'))
        {
            scale = 1000000;
            vlen--;
        }

        if (srt_url_testsrc_number(val, vlen, 100000000, &n) != 0
            || n * scale < 50000 || n * scale > 100000000)
        {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid bitrate \"%.*s\", expected 50k to 100M",
                     (int) vlen + (scale > 1), val);
            return -1;
        }

        t->bitrate = (long long) n * scale;
        return 0;
    }

    if (key_is("tone")) {
        if (srt_url_testsrc_number(val, vlen, 20000, &n) != 0) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid tone \"%.*s\", expected 0 (silence) to 20000 "
                     "Hz", (int) vlen, val);
            return -1;
        }

        t->tone = (int) n;
        return 0;
    }

#undef key_is

    snprintf(err, SRT_URL_ERR_LEN,
             "unknown testsrc parameter \"%.*s\" (size, rate, bitrate, tone)",
             (int) klen, key);

    return -1;
}


static int
srt_url_testsrc_number(const char *s, size_t len, long max, long *out)
{
    size_t  i;
    long    n;

    if (len == 0 || len > 10) {
        return -1;
    }

    n = 0;

    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }

        n = n * 10 + (s[i] - '0');
    }

    if (n > max) {
        return -1;
    }

    *out = n;

    return 0;
}
