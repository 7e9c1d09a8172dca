/*
 * Endpoint URL parsing: "udp://[source@]host:port[?k=v&...]", rtp:// and
 * "srt://[host]:port[?k=v&...]".  Plain C99 and libc only.  The input is
 * (s, len), not NUL-terminated.
 */


#include <stdio.h>
#include <string.h>

#include "srt_url.h"


/* longest piece of user input quoted back in an error message */
#define SRT_URL_QUOTE_MAX    48

#define SRT_URL_SIZE_MAX     (1 << 30)

#define SRT_URL_PKT_MIN      188
#define SRT_URL_PKT_MAX      (188 * 64)

/* libsrt's limits, or sane ones where libsrt has none */
#define SRT_URL_LATENCY_MAX  60000
#define SRT_URL_PASS_MIN     10
#define SRT_URL_PAYLOAD_MAX  1316
#define SRT_URL_CONNTO_MAX   120000
#define SRT_URL_BW_MAX       (1LL << 40)

/* srt_url_decode() failures */
#define SRT_URL_DECODE_ESCAPE  -1
#define SRT_URL_DECODE_CHAR    -2
#define SRT_URL_DECODE_LONG    -3


typedef struct {
    const char         *data;
    size_t              len;
} srt_url_str_t;


static int srt_url_error(char *err, const char *prefix, srt_url_str_t *v,
    const char *suffix);
static int srt_url_eq(srt_url_str_t *v, const char *lit);
static int srt_url_host_char(unsigned char c);
static int srt_url_check_host(srt_url_str_t *h, int allow_ipv6);
static int srt_url_copy_addr(srt_url_str_t *v, char *dst, size_t size);
static int srt_url_number(srt_url_str_t *v, long max, long *out);
static long long srt_url_suffix(srt_url_str_t *v, srt_url_str_t *num);
static int srt_url_size(srt_url_str_t *v, long *out);
static int srt_url_bw(srt_url_str_t *v, long long *out);
static int srt_url_hex(unsigned char c);
static int srt_url_decode(srt_url_str_t *v, char *dst, size_t size,
    size_t *len);
static int srt_url_add_source(srt_url_t *u, srt_url_str_t *v, char *err);
static int srt_url_query(srt_url_t *u, srt_url_str_t *query, int output,
    char *err);
static int srt_url_param(srt_url_t *u, srt_url_str_t *key,
    srt_url_str_t *val, int output, char *err);
static int srt_url_srt_param(srt_url_t *u, srt_url_str_t *key,
    srt_url_str_t *val, char *err);
static int srt_url_srt_check(srt_url_t *u, char *err);


int
srt_url_parse(const char *s, size_t len, int output, srt_url_t *u,
    char err[SRT_URL_ERR_LEN])
{
    size_t         i, at, colon, qmark, end;
    srt_url_str_t  scheme, auth, src, host, port, query;
    long           n;
    char           dummy[SRT_URL_ERR_LEN];

    if (err == NULL) {
        err = dummy;
    }

    err[0] = '\0';

    memset(u, 0, sizeof(srt_url_t));
    u->ttl = -1;
    u->pkt_size = -1;
    u->rcvbuf = -1;
    u->sndbuf = -1;
    u->rtp = -1;
    u->mode = -1;
    u->latency = -1;
    u->rcvlatency = -1;
    u->peerlatency = -1;
    u->maxbw = -1;
    u->inputbw = -1;
    u->oheadbw = -1;
    u->payload_size = -1;
    u->connect_timeout = -1;

    if (s == NULL || len == 0) {
        snprintf(err, SRT_URL_ERR_LEN, "empty URL");
        return -1;
    }

    /* no spaces, controls, NULs or 8-bit bytes anywhere: keeps the rest
     * of the parser and every error message simple */

    for (i = 0; i < len; i++) {
        if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid character at position %u in URL",
                     (unsigned) i + 1);
            return -1;
        }
    }

    /* scheme */

    for (i = 0; i + 2 < len; i++) {
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            break;
        }
    }

    if (i + 2 >= len) {
        snprintf(err, SRT_URL_ERR_LEN,
                 "missing scheme, expected \"udp://\", \"rtp://\" or "
                 "\"srt://\"");
        return -1;
    }

    scheme.data = s;
    scheme.len = i;

    if (srt_url_eq(&scheme, "udp")) {
        u->scheme = SRT_URL_UDP;

    } else if (srt_url_eq(&scheme, "rtp")) {
        u->scheme = SRT_URL_RTP;
        u->rtp = 1;

    } else if (srt_url_eq(&scheme, "srt")) {
        u->scheme = SRT_URL_SRT;

    } else if (srt_url_eq(&scheme, "testsrc")) {
        if (output) {
            snprintf(err, SRT_URL_ERR_LEN, "testsrc:// is an input only");
            return -1;
        }

        return srt_url_testsrc_parse(s + i + 3, len - i - 3, u, err);

    } else if (srt_url_eq(&scheme, "hls")) {
        if (!output) {
            snprintf(err, SRT_URL_ERR_LEN, "hls:// is an output only");
            return -1;
        }

        return srt_url_hls_parse(s + i + 3, len - i - 3, u, err);

    } else {
        return srt_url_error(err, "unsupported scheme", &scheme,
                             ", expected \"udp\", \"rtp\", \"srt\", "
                             "\"testsrc\" or \"hls\"");
    }

    i += 3;

    /* authority up to '?' */

    for (qmark = i; qmark < len && s[qmark] != '?'; qmark++) {
        /* void */
    }

    auth.data = s + i;
    auth.len = qmark - i;

    /*
     * "SOURCE@HOST:PORT".  The '@' is looked for outside brackets only;
     * an empty SOURCE ("@:5000", ffmpeg's "@group:port") means none.
     */

    src.data = auth.data;
    src.len = 0;

    for (at = 0; at < auth.len; at++) {
        if (auth.data[at] == '[') {
            while (at < auth.len && auth.data[at] != ']') {
                at++;
            }

            if (at == auth.len) {
                break;
            }

        } else if (auth.data[at] == '@') {
            break;
        }
    }

    if (at < auth.len) {

        /* SRT has no source-specific multicast; an empty source is refused
         * too, "srt://:port" is the one way to say "any address" */

        if (u->scheme == SRT_URL_SRT) {
            src.len = at + 1;
            return srt_url_error(err, "source address", &src,
                                 " is not an SRT option");
        }

        src.len = at;
        auth.data += at + 1;
        auth.len -= at + 1;
    }

    /* host and port */

    if (auth.len > 0 && auth.data[0] == '[') {

        for (end = 1; end < auth.len && auth.data[end] != ']'; end++) {
            /* void */
        }

        if (end == auth.len) {
            return srt_url_error(err, "unterminated \"[\" in", &auth, "");
        }

        host.data = auth.data + 1;
        host.len = end - 1;

        if (!srt_url_check_host(&host, 1)
            || memchr(host.data, ':', host.len) == NULL)
        {
            return srt_url_error(err, "invalid IPv6 address", &host, "");
        }

        colon = end + 1;

        if (colon < auth.len && auth.data[colon] != ':') {
            return srt_url_error(err, "invalid host", &auth, "");
        }

    } else {
        for (colon = 0; colon < auth.len && auth.data[colon] != ':'; colon++)
        {
            /* void */
        }

        host.data = auth.data;
        host.len = colon;

        if (colon < auth.len
            && memchr(auth.data + colon + 1, ':', auth.len - colon - 1))
        {
            return srt_url_error(err, "IPv6 address", &auth,
                                 " must be in brackets");
        }

        if (host.len > 0 && !srt_url_check_host(&host, 0)) {
            return srt_url_error(err, "invalid host", &host, "");
        }
    }

    if (host.len >= SRT_URL_HOST_LEN) {
        snprintf(err, SRT_URL_ERR_LEN, "host too long (max %d characters)",
                 SRT_URL_HOST_LEN - 1);
        return -1;
    }

    memcpy(u->host, host.data, host.len);
    u->host[host.len] = '\0';

    if (colon >= auth.len) {
        snprintf(err, SRT_URL_ERR_LEN, "missing port");
        return -1;
    }

    port.data = auth.data + colon + 1;
    port.len = auth.len - colon - 1;

    if (port.len == 0) {
        snprintf(err, SRT_URL_ERR_LEN, "missing port");
        return -1;
    }

    if (srt_url_number(&port, 65535, &n) != 0 || n == 0) {
        return srt_url_error(err, "invalid port", &port, "");
    }

    u->port = (uint16_t) n;

    /* an SRT output may listen: players connect to us, the host is then
     * optional; srt_url_srt_check() decides once the mode is known */

    if (output && host.len == 0 && u->scheme != SRT_URL_SRT) {
        snprintf(err, SRT_URL_ERR_LEN, "missing host");
        return -1;
    }

    if (src.len > 0) {
        if (output) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "a source address is not allowed for outputs");
            return -1;
        }

        if (srt_url_add_source(u, &src, err) != 0) {
            return -1;
        }
    }

    if (qmark < len) {
        query.data = s + qmark + 1;
        query.len = len - qmark - 1;

        if (srt_url_query(u, &query, output, err) != 0) {
            return -1;
        }
    }

    if (u->scheme == SRT_URL_SRT) {
        return srt_url_srt_check(u, err);
    }

    return 0;
}


/*
 * k=v pairs separated by '&'; empty items are skipped.  An item splits at
 * its first '=' so values may contain '=' (SRT stream ids do), and '#' is
 * not a fragment delimiter: none of these URLs ever has a fragment.
 */

static int
srt_url_query(srt_url_t *u, srt_url_str_t *query, int output, char *err)
{
    size_t         i, amp;
    srt_url_str_t  item, key, val;

    for (i = 0; i < query->len; i = amp + 1) {

        for (amp = i; amp < query->len && query->data[amp] != '&'; amp++) {
            /* void */
        }

        item.data = query->data + i;
        item.len = amp - i;

        if (item.len == 0) {
            continue;
        }

        key.data = item.data;
        key.len = 0;

        while (key.len < item.len && item.data[key.len] != '=') {
            key.len++;
        }

        if (key.len == item.len) {
            return srt_url_error(err, "missing value for parameter", &key,
                                 "");
        }

        if (key.len == 0) {
            return srt_url_error(err, "missing parameter name in", &item,
                                 "");
        }

        val.data = item.data + key.len + 1;
        val.len = item.len - key.len - 1;

        if (srt_url_param(u, &key, &val, output, err) != 0) {
            return -1;
        }
    }

    return 0;
}


static int
srt_url_param(srt_url_t *u, srt_url_str_t *key, srt_url_str_t *val,
    int output, char *err)
{
    long           n;
    size_t         i, comma;
    srt_url_str_t  item;

    /* the socket buffer keys mean the same for SRT, all others differ */

    if (u->scheme == SRT_URL_SRT
        && !srt_url_eq(key, "rcvbuf")
        && !srt_url_eq(key, "buffer_size")
        && !srt_url_eq(key, "sndbuf"))
    {
        return srt_url_srt_param(u, key, val, err);
    }

    if (srt_url_eq(key, "localaddr")) {
        if (srt_url_copy_addr(val, u->localaddr, sizeof(u->localaddr)) != 0) {
            return srt_url_error(err, "invalid localaddr", val, "");
        }

        return 0;
    }

    if (srt_url_eq(key, "sources")) {
        if (output) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "\"sources\" is not allowed for outputs");
            return -1;
        }

        if (val->len == 0) {
            snprintf(err, SRT_URL_ERR_LEN, "empty \"sources\"");
            return -1;
        }

        for (i = 0; i <= val->len; i = comma + 1) {

            for (comma = i;
                 comma < val->len && val->data[comma] != ',';
                 comma++)
            {
                /* void */
            }

            item.data = val->data + i;
            item.len = comma - i;

            if (item.len == 0) {
                return srt_url_error(err, "empty source in", val, "");
            }

            if (srt_url_add_source(u, &item, err) != 0) {
                return -1;
            }
        }

        return 0;
    }

    if (srt_url_eq(key, "ttl")) {
        if (!output) {
            snprintf(err, SRT_URL_ERR_LEN, "\"ttl\" is only valid for outputs");
            return -1;
        }

        if (srt_url_number(val, 255, &n) != 0) {
            return srt_url_error(err, "invalid ttl", val,
                                 ", must be 0..255");
        }

        u->ttl = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "pkt_size")) {
        if (!output) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "\"pkt_size\" is only valid for outputs");
            return -1;
        }

        if (srt_url_number(val, SRT_URL_SIZE_MAX, &n) != 0) {
            return srt_url_error(err, "invalid pkt_size", val, "");
        }

        if (n % 188 != 0 || n < SRT_URL_PKT_MIN || n > SRT_URL_PKT_MAX) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "pkt_size must be a multiple of 188 between %d and %d",
                     SRT_URL_PKT_MIN, SRT_URL_PKT_MAX);
            return -1;
        }

        u->pkt_size = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "rcvbuf") || srt_url_eq(key, "buffer_size")) {
        if (output) {
            return srt_url_error(err, "", key,
                                 " is not allowed for outputs");
        }

        if (srt_url_size(val, &n) != 0) {
            return srt_url_error(err, "invalid rcvbuf", val,
                                 ", must be 1..1G bytes (k, m allowed)");
        }

        u->rcvbuf = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "sndbuf")) {
        if (srt_url_size(val, &n) != 0) {
            return srt_url_error(err, "invalid sndbuf", val,
                                 ", must be 1..1G bytes (k, m allowed)");
        }

        u->sndbuf = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "rtp")) {
        if (srt_url_eq(val, "auto")) {
            n = -1;

        } else if (srt_url_eq(val, "1") || srt_url_eq(val, "on")) {
            n = 1;

        } else if (srt_url_eq(val, "0") || srt_url_eq(val, "off")) {
            n = 0;

        } else {
            return srt_url_error(err, "invalid rtp", val,
                                 ", must be auto, on or off");
        }

        /* rtp:// means the header is there; saying otherwise is a typo */
        if (u->scheme == SRT_URL_RTP && n != 1) {
            return srt_url_error(err, "rtp", val,
                                 " contradicts the rtp:// scheme");
        }

        u->rtp = (int) n;
        return 0;
    }

    return srt_url_error(err, "unknown parameter", key, "");
}


static int
srt_url_srt_param(srt_url_t *u, srt_url_str_t *key, srt_url_str_t *val,
    char *err)
{
    int         *ms;
    long         n;
    size_t       len;
    const char  *what;

    if (srt_url_eq(key, "mode")) {
        if (srt_url_eq(val, "caller")) {
            u->mode = SRT_URL_MODE_CALLER;

        } else if (srt_url_eq(val, "listener")) {
            u->mode = SRT_URL_MODE_LISTENER;

        } else if (srt_url_eq(val, "rendezvous")) {
            snprintf(err, SRT_URL_ERR_LEN, "rendezvous mode is not supported");
            return -1;

        } else {
            return srt_url_error(err, "invalid mode", val,
                                 ", must be caller or listener");
        }

        return 0;
    }

    ms = NULL;
    what = NULL;

    if (srt_url_eq(key, "latency")) {
        ms = &u->latency;
        what = "invalid latency";

    } else if (srt_url_eq(key, "rcvlatency")) {
        ms = &u->rcvlatency;
        what = "invalid rcvlatency";

    } else if (srt_url_eq(key, "peerlatency")) {
        ms = &u->peerlatency;
        what = "invalid peerlatency";
    }

    if (ms != NULL) {
        if (srt_url_number(val, SRT_URL_LATENCY_MAX, &n) != 0) {
            return srt_url_error(err, what, val, ", must be 0..60000 (ms)");
        }

        *ms = (int) n;
        return 0;
    }

    /* the passphrase is a secret: never quoted back, so that a message
     * can be shown or logged on its own without leaking it */

    if (srt_url_eq(key, "passphrase")) {

        switch (srt_url_decode(val, u->passphrase, SRT_URL_PASS_LEN, &len)) {

        case SRT_URL_DECODE_ESCAPE:
            snprintf(err, SRT_URL_ERR_LEN,
                     "invalid percent escape in passphrase");
            return -1;

        case SRT_URL_DECODE_CHAR:
            snprintf(err, SRT_URL_ERR_LEN,
                     "passphrase contains a control or non-ASCII character");
            return -1;

        case SRT_URL_DECODE_LONG:
            len = SRT_URL_PASS_LEN;
            break;
        }

        if (len < SRT_URL_PASS_MIN || len >= SRT_URL_PASS_LEN) {
            snprintf(err, SRT_URL_ERR_LEN,
                     "passphrase must be %d..%d characters long",
                     SRT_URL_PASS_MIN, SRT_URL_PASS_LEN - 1);
            return -1;
        }

        return 0;
    }

    if (srt_url_eq(key, "pbkeylen")) {
        if (srt_url_number(val, 32, &n) != 0
            || (n != 16 && n != 24 && n != 32))
        {
            return srt_url_error(err, "invalid pbkeylen", val,
                                 ", must be 16, 24 or 32");
        }

        u->pbkeylen = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "streamid")) {

        switch (srt_url_decode(val, u->streamid, SRT_URL_STREAMID_LEN, &len)) {

        case SRT_URL_DECODE_ESCAPE:
            return srt_url_error(err, "invalid percent escape in streamid",
                                 val, "");

        case SRT_URL_DECODE_CHAR:
            return srt_url_error(err, "streamid", val,
                                 " contains a control or non-ASCII character");

        case SRT_URL_DECODE_LONG:
            snprintf(err, SRT_URL_ERR_LEN,
                     "streamid too long (max %d characters)",
                     SRT_URL_STREAMID_LEN - 1);
            return -1;
        }

        return 0;
    }

    if (srt_url_eq(key, "maxbw")) {
        if (srt_url_bw(val, &u->maxbw) != 0) {
            return srt_url_error(err, "invalid maxbw", val,
                                 ", must be 0..1024g bytes/s (k, m, g "
                                 "allowed)");
        }

        return 0;
    }

    if (srt_url_eq(key, "inputbw")) {
        if (srt_url_bw(val, &u->inputbw) != 0) {
            return srt_url_error(err, "invalid inputbw", val,
                                 ", must be 0..1024g bytes/s (k, m, g "
                                 "allowed)");
        }

        return 0;
    }

    if (srt_url_eq(key, "oheadbw")) {
        if (srt_url_number(val, 100, &n) != 0 || n < 5) {
            return srt_url_error(err, "invalid oheadbw", val,
                                 ", must be 5..100 (percent)");
        }

        u->oheadbw = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "payload_size") || srt_url_eq(key, "payloadsize")) {
        if (srt_url_number(val, SRT_URL_SIZE_MAX, &n) != 0
            || n % 188 != 0 || n < 188 || n > SRT_URL_PAYLOAD_MAX)
        {
            return srt_url_error(err, "invalid payload_size", val,
                                 ", must be a multiple of 188 between 188 "
                                 "and 1316");
        }

        u->payload_size = (int) n;
        return 0;
    }

    if (srt_url_eq(key, "connect_timeout") || srt_url_eq(key, "conntimeo")) {
        if (srt_url_number(val, SRT_URL_CONNTO_MAX, &n) != 0 || n == 0) {
            return srt_url_error(err, "invalid connect_timeout", val,
                                 ", must be 1..120000 (ms)");
        }

        u->connect_timeout = (int) n;
        return 0;
    }

    /* valid for udp:// and rtp://: a copied URL, say it plainly */

    if (srt_url_eq(key, "localaddr")
        || srt_url_eq(key, "sources")
        || srt_url_eq(key, "ttl")
        || srt_url_eq(key, "pkt_size")
        || srt_url_eq(key, "rtp"))
    {
        return srt_url_error(err, "", key, " is not an SRT option");
    }

    return srt_url_error(err, "unknown parameter", key, "");
}


/* checks that need the whole query: the mode may come after the host */

static int
srt_url_srt_check(srt_url_t *u, char *err)
{
    if (u->mode == -1) {
        u->mode = (u->host[0] != '\0') ? SRT_URL_MODE_CALLER
                                       : SRT_URL_MODE_LISTENER;
    }

    if (u->mode == SRT_URL_MODE_CALLER && u->host[0] == '\0') {
        snprintf(err, SRT_URL_ERR_LEN,
                 "missing host: caller mode needs a host to connect to");
        return -1;
    }

    /* libsrt would silently not encrypt */

    if (u->pbkeylen != 0 && u->passphrase[0] == '\0') {
        snprintf(err, SRT_URL_ERR_LEN, "pbkeylen needs a passphrase");
        return -1;
    }

    return 0;
}


/*
 * Formats 'PREFIX "INPUT"SUFFIX' (or '"INPUT"SUFFIX' for an empty prefix)
 * with literal formats only; long input is cut so the message always fits.
 */

static int
srt_url_error(char *err, const char *prefix, srt_url_str_t *v,
    const char *suffix)
{
    int  n;

    n = v->len > SRT_URL_QUOTE_MAX ? SRT_URL_QUOTE_MAX : (int) v->len;

    if (prefix[0] != '\0') {
        snprintf(err, SRT_URL_ERR_LEN, "%s \"%.*s\"%s", prefix, n, v->data,
                 suffix);

    } else {
        snprintf(err, SRT_URL_ERR_LEN, "\"%.*s\"%s", n, v->data, suffix);
    }

    return -1;
}


/* case-insensitive comparison with a lowercase literal */

static int
srt_url_eq(srt_url_str_t *v, const char *lit)
{
    size_t  i;
    char    c;

    for (i = 0; i < v->len; i++) {
        if (lit[i] == '\0') {
            return 0;
        }

        c = v->data[i];

        if (c >= 'A' && c <= 'Z') {
            c = (char) (c - 'A' + 'a');
        }

        if (c != lit[i]) {
            return 0;
        }
    }

    return lit[i] == '\0';
}


static int
srt_url_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}


/*
 * Syntax only: names and IPv4 literals are letters, digits, '.', '-', '_';
 * IPv6 literals (without brackets) are hex digits, ':' and '.', with an
 * optional "%zone".  Resolution is the glue's job.
 */

static int
srt_url_check_host(srt_url_str_t *h, int allow_ipv6)
{
    size_t         i;
    unsigned char  c;
    unsigned       zone;

    if (h->len == 0) {
        return 0;
    }

    zone = 0;

    for (i = 0; i < h->len; i++) {
        c = (unsigned char) h->data[i];

        if (zone) {
            if (!srt_url_host_char(c)) {
                return 0;
            }

            continue;
        }

        if (!allow_ipv6) {
            if (!srt_url_host_char(c)) {
                return 0;
            }

            continue;
        }

        if (c == '%' && i > 0 && i + 1 < h->len) {
            zone = 1;
            continue;
        }

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')
              || (c >= 'A' && c <= 'F') || c == ':' || c == '.'))
        {
            return 0;
        }
    }

    return 1;
}


/* an address (name, IPv4, bare or bracketed IPv6) into a fixed buffer */

static int
srt_url_copy_addr(srt_url_str_t *v, char *dst, size_t size)
{
    srt_url_str_t  a;

    a = *v;

    if (a.len >= 2 && a.data[0] == '[' && a.data[a.len - 1] == ']') {
        a.data++;
        a.len -= 2;
    }

    if (a.len == 0 || a.len >= size) {
        return -1;
    }

    if (memchr(a.data, ':', a.len)) {
        if (!srt_url_check_host(&a, 1)) {
            return -1;
        }

    } else if (!srt_url_check_host(&a, 0)) {
        return -1;
    }

    memcpy(dst, a.data, a.len);
    dst[a.len] = '\0';

    return 0;
}


static int
srt_url_add_source(srt_url_t *u, srt_url_str_t *v, char *err)
{
    if (u->nsources >= SRT_URL_MAX_SOURCES) {
        snprintf(err, SRT_URL_ERR_LEN, "too many sources (max %d)",
                 SRT_URL_MAX_SOURCES);
        return -1;
    }

    if (v->len >= sizeof(u->sources[0])) {
        return srt_url_error(err, "source", v, " is too long");
    }

    if (srt_url_copy_addr(v, u->sources[u->nsources], sizeof(u->sources[0]))
        != 0)
    {
        return srt_url_error(err, "invalid source", v, "");
    }

    u->nsources++;

    return 0;
}


/* decimal digits only, no sign; fails above max without overflowing */

static int
srt_url_number(srt_url_str_t *v, long max, long *out)
{
    size_t  i;
    long    n;

    if (v->len == 0) {
        return -1;
    }

    n = 0;

    for (i = 0; i < v->len; i++) {
        if (v->data[i] < '0' || v->data[i] > '9') {
            return -1;
        }

        n = n * 10 + (v->data[i] - '0');

        if (n > max) {
            return -1;
        }
    }

    *out = n;

    return 0;
}


/* strips a k/K, m/M or g/G suffix (1024-based) and returns its scale */

static long long
srt_url_suffix(srt_url_str_t *v, srt_url_str_t *num)
{
    *num = *v;

    switch (v->data[v->len - 1]) {
    case 'k':
    case 'K':
        num->len--;
        return 1024;

    case 'm':
    case 'M':
        num->len--;
        return 1024 * 1024;

    case 'g':
    case 'G':
        num->len--;
        return 1024 * 1024 * 1024;
    }

    return 1;
}


/* bytes, or k/K (KiB) and m/M (MiB) suffixes; 1 .. 2^30 */

static int
srt_url_size(srt_url_str_t *v, long *out)
{
    long           n;
    long long      scale;
    srt_url_str_t  num;

    if (v->len == 0) {
        return -1;
    }

    scale = srt_url_suffix(v, &num);

    if (scale > 1024 * 1024
        || srt_url_number(&num, SRT_URL_SIZE_MAX / scale, &n) != 0
        || n == 0)
    {
        return -1;
    }

    *out = n * scale;

    return 0;
}


/*
 * Bytes per second, or k/K, m/M and g/G suffixes (1024-based, as sizes);
 * 0 .. 2^40.  long long: a C99 long may not hold the upper end.
 */

static int
srt_url_bw(srt_url_str_t *v, long long *out)
{
    size_t         i;
    long long      n, scale;
    srt_url_str_t  num;

    if (v->len == 0) {
        return -1;
    }

    scale = srt_url_suffix(v, &num);

    if (num.len == 0) {
        return -1;
    }

    n = 0;

    for (i = 0; i < num.len; i++) {
        if (num.data[i] < '0' || num.data[i] > '9') {
            return -1;
        }

        n = n * 10 + (num.data[i] - '0');

        if (n > SRT_URL_BW_MAX / scale) {
            return -1;
        }
    }

    *out = n * scale;

    return 0;
}


static int
srt_url_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/*
 * Percent-decodes v into dst as a string of at most size - 1 bytes and
 * sets *len.  '+' stays '+', as in ffmpeg and srt-live-transmit.  Decoded
 * bytes must be printable ASCII: a NUL would cut the C string short and
 * the stream id ends up in logs.  Returns 0 or SRT_URL_DECODE_*.
 */

static int
srt_url_decode(srt_url_str_t *v, char *dst, size_t size, size_t *len)
{
    int            hi, lo;
    size_t         i, n;
    unsigned char  c;

    /* terminated at every step: dst stays a string even after an error */

    n = 0;
    dst[0] = '\0';

    for (i = 0; i < v->len; i++) {
        c = (unsigned char) v->data[i];

        if (c == '%') {
            if (v->len - i < 3) {
                return SRT_URL_DECODE_ESCAPE;
            }

            hi = srt_url_hex((unsigned char) v->data[i + 1]);
            lo = srt_url_hex((unsigned char) v->data[i + 2]);

            if (hi < 0 || lo < 0) {
                return SRT_URL_DECODE_ESCAPE;
            }

            c = (unsigned char) (hi * 16 + lo);
            i += 2;
        }

        if (c < 0x20 || c >= 0x7f) {
            return SRT_URL_DECODE_CHAR;
        }

        if (n + 1 >= size) {
            return SRT_URL_DECODE_LONG;
        }

        dst[n++] = (char) c;
        dst[n] = '\0';
    }

    *len = n;

    return 0;
}


size_t
srt_url_redact(const char *s, size_t len, char *out, size_t size)
{
    size_t       i, n, item;
    int          query, secret;

    static const char  key[] = "passphrase=";

    n = 0;
    query = 0;
    secret = 0;
    item = 0;

    for (i = 0; i < len && n < size; i++) {

        if (s[i] == '?' && !query) {
            query = 1;
            secret = 0;
            item = i + 1;
            out[n++] = s[i];
            continue;
        }

        if (query && s[i] == '&') {
            secret = 0;
            item = i + 1;
            out[n++] = s[i];
            continue;
        }

        if (secret) {
            continue;
        }

        out[n++] = s[i];

        if (query && i + 1 - item == sizeof(key) - 1
            && memcmp(s + item, key, sizeof(key) - 1) == 0)
        {
            secret = 1;

            if (n + 3 <= size) {
                memcpy(out + n, "***", 3);
                n += 3;
            }
        }
    }

    return n;
}


/*
 * "?k=v&k=v" of a scheme without a host (testsrc://, hls://): param is
 * called for every item; usage lists the keys for the error message.
 */

int
srt_url_items(const char *scheme, const char *usage, const char *rest,
    size_t len, srt_url_param_pt param, void *ctx, char *err)
{
    size_t       i, amp, eq;
    const char  *item;

    if (len > 0 && rest[0] != '?') {
        snprintf(err, SRT_URL_ERR_LEN, "%s:// takes no host, only \"?%s\"",
                 scheme, usage);
        return -1;
    }

    for (i = 1; i < len; i = amp + 1) {

        for (amp = i; amp < len && rest[amp] != '&'; amp++) {
            /* void */
        }

        item = rest + i;

        if (amp == i) {
            continue;
        }

        for (eq = 0; i + eq < amp && item[eq] != '='; eq++) {
            /* void */
        }

        if (i + eq == amp) {
            snprintf(err, SRT_URL_ERR_LEN, "missing value for \"%.*s\"",
                     (int) (amp - i), item);
            return -1;
        }

        if (param(ctx, item, eq, item + eq + 1, amp - i - eq - 1, err) != 0) {
            return -1;
        }
    }

    return 0;
}
