/*
 * "hls://?segment=4&segment_max=12&window=6&grace=60&cues=both": the HLS
 * output of a route, as nginx.conf's "hls on" and the API spell it.  Plain
 * C; unit tested in t/unit/test_url.c.
 */

#include <stdio.h>
#include <string.h>

#include "srt_url.h"


static int srt_url_hls_param(void *ctx, const char *key, size_t klen,
    const char *val, size_t vlen, char *err);
static int srt_url_hls_msec(const char *s, size_t len, long *out);


int
srt_url_hls_parse(const char *rest, size_t len, srt_url_t *u, char *err)
{
    u->scheme = SRT_URL_HLS;
    u->hls.segment_ms = 4000;
    u->hls.segment_max_ms = 0;
    u->hls.window = 6;
    u->hls.grace_ms = 60000;
    u->hls.cues = SRT_URL_HLS_DATERANGE | SRT_URL_HLS_CUE;

    if (srt_url_items("hls", "segment=&segment_max=&window=&grace=&cues=",
                      rest, len, srt_url_hls_param, &u->hls, err)
        != 0)
    {
        return -1;
    }

    if (u->hls.segment_max_ms == 0) {
        u->hls.segment_max_ms = 3 * u->hls.segment_ms;

    } else if (u->hls.segment_max_ms < u->hls.segment_ms) {
        snprintf(err, SRT_URL_ERR_LEN,
                 "segment_max (%d ms) is shorter than segment (%d ms)",
                 u->hls.segment_max_ms, u->hls.segment_ms);
        return -1;
    }

    return 0;
}


static int
srt_url_hls_param(void *ctx, const char *key, size_t klen, const char *val,
    size_t vlen, char *err)
{
    long            n;
    srt_url_hls_t  *h = ctx;

#define key_is(lit)  (klen == sizeof(lit) - 1 && memcmp(key, lit, klen) == 0)

    if (key_is("segment") || key_is("segment_max")) {
        if (srt_url_hls_msec(val, vlen, &n) != 0 || n < 500 || n > 60000) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid %.*s \"%.*s\", expected 0.5 to 60 seconds",
                     (int) klen, key, (int) vlen, val);
            return -1;
        }

        if (klen == sizeof("segment") - 1) {
            h->segment_ms = (int) n;

        } else {
            h->segment_max_ms = (int) n;
        }

        return 0;
    }

    if (key_is("grace")) {
        if (srt_url_hls_msec(val, vlen, &n) != 0 || n > 3600000) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid grace \"%.*s\", expected 0 to 3600 seconds",
                     (int) vlen, val);
            return -1;
        }

        h->grace_ms = (int) n;
        return 0;
    }

    if (key_is("window")) {
        n = 0;

        if (vlen == 0 || vlen > 2) {
            n = -1;
        }

        while (n >= 0 && vlen--) {
            if (*val < '0' || *val > '9') {
                n = -1;
                break;
            }

            n = n * 10 + (*val++ - '0');
        }

        if (n < 2 || n > SRT_URL_HLS_WINDOW_MAX) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid window, expected 2 to %d segments",
                     SRT_URL_HLS_WINDOW_MAX);
            return -1;
        }

        h->window = (int) n;
        return 0;
    }

    if (key_is("cues")) {
        if (vlen == 9 && memcmp(val, "daterange", 9) == 0) {
            h->cues = SRT_URL_HLS_DATERANGE;

        } else if (vlen == 3 && memcmp(val, "cue", 3) == 0) {
            h->cues = SRT_URL_HLS_CUE;

        } else if (vlen == 4 && memcmp(val, "both", 4) == 0) {
            h->cues = SRT_URL_HLS_DATERANGE | SRT_URL_HLS_CUE;

        } else if (vlen == 4 && memcmp(val, "none", 4) == 0) {
            h->cues = 0;

        } else {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid cues \"%.*s\", expected daterange, cue, both "
                     "or none", (int) vlen, val);
            return -1;
        }

        return 0;
    }

#undef key_is

    snprintf(err, SRT_URL_ERR_LEN,
             "unknown hls parameter \"%.*s\" (segment, segment_max, window, "
             "grace, cues)", (int) klen, key);

    return -1;
}


/* "4", "2.5" (seconds, up to 3 decimals) or "2500ms" */

static int
srt_url_hls_msec(const char *s, size_t len, long *out)
{
    long    n, scale;
    size_t  i, digits;
    int     dot;

    if (len > 2 && s[len - 2] == 'm' && s[len - 1] == 's') {
        len -= 2;
        scale = 1;

    } else {
        scale = 1000;
    }

    if (len == 0 || len > 9) {
        return -1;
    }

    n = 0;
    dot = 0;
    digits = 0;

    for (i = 0; i < len; i++) {
        if (s[i] == '.' && !dot && scale == 1000 && i > 0) {
            dot = 1;
            continue;
        }

        if (s[i] < '0' || s[i] > '9' || (dot && digits == 3)) {
            return -1;
        }

        n = n * 10 + (s[i] - '0');

        if (dot) {
            digits++;
        }
    }

    if (dot && digits == 0) {
        return -1;
    }

    while (dot && digits < 3) {
        n *= 10;
        digits++;
    }

    *out = dot ? n : n * scale;

    return 0;
}
