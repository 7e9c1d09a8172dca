/*
 * SRT streamid parsing: "#!::key=value,..." (libsrt's access-control
 * convention) or a bare resource name.  Plain C99 and libc only.  The
 * input is (s, len), not NUL-terminated.
 */


#include <stdio.h>
#include <string.h>

#include "srt_streamid.h"


/* SRTO_STREAMID's limit in libsrt */
#define SRT_SID_MAX          512

/* longest piece of user input quoted back in an error message */
#define SRT_SID_QUOTE_MAX    48


typedef struct {
    const char         *data;
    size_t              len;
} srt_sid_str_t;


static int srt_sid_error(char *err, const char *prefix, srt_sid_str_t *v,
    const char *suffix);
static int srt_sid_eq(srt_sid_str_t *v, const char *lit);
static int srt_sid_seen(srt_sid_str_t *list, size_t end, srt_sid_str_t *key);
static int srt_sid_item(srt_streamid_t *sid, srt_sid_str_t *key,
    srt_sid_str_t *val, char *err);


int
srt_streamid_parse(const char *s, size_t len, srt_streamid_t *sid,
    char err[SRT_SID_ERR_LEN])
{
    size_t         i, comma;
    srt_sid_str_t  list, item, key, val;
    char           dummy[SRT_SID_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    memset(sid, 0, sizeof(srt_streamid_t));
    sid->mode = SRT_SID_MODE_NONE;

    if (s == NULL || len == 0) {
        sid->bare = 1;
        return 0;
    }

    if (len > SRT_SID_MAX) {
        snprintf(err, SRT_SID_ERR_LEN,
                 "streamid too long (%u characters, max %d)",
                 (unsigned) len, SRT_SID_MAX);
        return -1;
    }

    /* no NULs, controls or 8-bit bytes: resource names end up in file
     * names, logs and error messages */

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] < 0x20 || (unsigned char) s[i] >= 0x7f) {
            snprintf(err, SRT_SID_ERR_LEN,
                     "invalid character at position %u in streamid",
                     (unsigned) i + 1);
            return -1;
        }
    }

    if (len >= 4 && memcmp(s, "#!:{", 4) == 0) {
        snprintf(err, SRT_SID_ERR_LEN,
                 "nested streamid syntax is not supported");
        return -1;
    }

    if (len < 4 || memcmp(s, "#!::", 4) != 0) {
        if (len >= SRT_SID_RESOURCE_LEN) {
            snprintf(err, SRT_SID_ERR_LEN,
                     "resource too long (max %d characters)",
                     SRT_SID_RESOURCE_LEN - 1);
            return -1;
        }

        memcpy(sid->resource, s, len);
        sid->resource[len] = '\0';
        sid->bare = 1;

        return 0;
    }

    /* "#!::" alone is a list without items: nothing specified */

    list.data = s + 4;
    list.len = len - 4;

    if (list.len == 0) {
        return 0;
    }

    for (i = 0; i <= list.len; i = comma + 1) {

        for (comma = i; comma < list.len && list.data[comma] != ','; comma++)
        {
            /* void */
        }

        item.data = list.data + i;
        item.len = comma - i;

        key.data = item.data;
        key.len = 0;

        while (key.len < item.len && item.data[key.len] != '=') {
            key.len++;
        }

        if (key.len == item.len) {
            return srt_sid_error(err, "missing \"=\" in item", &item, "");
        }

        if (key.len == 0) {
            return srt_sid_error(err, "missing key in item", &item, "");
        }

        /* "r=a,r=b" is ambiguous: an access check and the route lookup
         * could each pick a different one */

        if (srt_sid_seen(&list, i, &key)) {
            return srt_sid_error(err, "duplicate key", &key, "");
        }

        val.data = item.data + key.len + 1;
        val.len = item.len - key.len - 1;

        if (srt_sid_item(sid, &key, &val, err) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
srt_sid_item(srt_streamid_t *sid, srt_sid_str_t *key, srt_sid_str_t *val,
    char *err)
{
    if (srt_sid_eq(key, "r")) {
        if (val->len >= SRT_SID_RESOURCE_LEN) {
            snprintf(err, SRT_SID_ERR_LEN,
                     "resource too long (max %d characters)",
                     SRT_SID_RESOURCE_LEN - 1);
            return -1;
        }

        memcpy(sid->resource, val->data, val->len);
        sid->resource[val->len] = '\0';

        return 0;
    }

    if (srt_sid_eq(key, "u")) {
        if (val->len >= SRT_SID_USER_LEN) {
            snprintf(err, SRT_SID_ERR_LEN,
                     "user name too long (max %d characters)",
                     SRT_SID_USER_LEN - 1);
            return -1;
        }

        memcpy(sid->user, val->data, val->len);
        sid->user[val->len] = '\0';

        return 0;
    }

    if (srt_sid_eq(key, "m")) {
        if (srt_sid_eq(val, "request")) {
            sid->mode = SRT_SID_MODE_REQUEST;

        } else if (srt_sid_eq(val, "publish")) {
            sid->mode = SRT_SID_MODE_PUBLISH;

        } else if (srt_sid_eq(val, "bidirectional")) {
            sid->mode = SRT_SID_MODE_BIDIRECTIONAL;

        } else {
            return srt_sid_error(err, "unknown mode", val,
                                 ", must be request, publish or "
                                 "bidirectional");
        }

        return 0;
    }

    /* a file transfer or an auth exchange is not a live stream to route */

    if (srt_sid_eq(key, "t")) {
        if (!srt_sid_eq(val, "stream")) {
            return srt_sid_error(err, "unsupported type", val,
                                 ", must be \"stream\"");
        }

        return 0;
    }

    /* "h" (host), "s" (session id) and user-defined keys: the convention
     * lets receivers ignore what they do not use */

    return 0;
}


/*
 * Formats 'PREFIX "INPUT"SUFFIX' with literal formats only; long input is
 * cut so the message always fits.
 */

static int
srt_sid_error(char *err, const char *prefix, srt_sid_str_t *v,
    const char *suffix)
{
    int  n;

    n = v->len > SRT_SID_QUOTE_MAX ? SRT_SID_QUOTE_MAX : (int) v->len;

    snprintf(err, SRT_SID_ERR_LEN, "%s \"%.*s\"%s", prefix, n, v->data,
             suffix);

    return -1;
}


/* case-sensitive, as the convention's keys and values are */

static int
srt_sid_eq(srt_sid_str_t *v, const char *lit)
{
    size_t  n;

    n = strlen(lit);

    return v->len == n && memcmp(v->data, lit, n) == 0;
}


/* whether an item that starts before "end" in the list has this key */

static int
srt_sid_seen(srt_sid_str_t *list, size_t end, srt_sid_str_t *key)
{
    size_t  i, n;

    for (i = 0; i < end; i = n + 1) {

        for (n = i; n < end && list->data[n] != '=' && list->data[n] != ',';
             n++)
        {
            /* void */
        }

        if (n - i == key->len
            && memcmp(list->data + i, key->data, key->len) == 0)
        {
            return 1;
        }

        while (n < end && list->data[n] != ',') {
            n++;
        }
    }

    return 0;
}
