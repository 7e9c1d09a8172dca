/*
 * Endpoint URL parsing (ffmpeg / srt-live-transmit conventions).  Plain C,
 * no nginx types; unit tested in t/unit/test_url.c.  Host names are kept as
 * text: the nginx glue resolves them.
 */

#ifndef _SRT_URL_H_INCLUDED_
#define _SRT_URL_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


typedef enum {
    SRT_URL_UDP = 1,
    SRT_URL_RTP,
    SRT_URL_SRT,
    SRT_URL_TESTSRC,        /* the built-in test pattern: no address */
    SRT_URL_HLS             /* the HLS output: files, no address */
} srt_url_scheme_e;


#define SRT_URL_HOST_LEN     256
#define SRT_URL_ERR_LEN      160
#define SRT_URL_MAX_SOURCES  8

#define SRT_URL_MODE_CALLER    1
#define SRT_URL_MODE_LISTENER  2

#define SRT_URL_PASS_LEN       80
#define SRT_URL_STREAMID_LEN   513


/* hls:// parameters (defaults 4000, 3 x segment, 6, 60000, both tags) */
#define SRT_URL_HLS_DATERANGE  0x01     /* EXT-X-DATERANGE */
#define SRT_URL_HLS_CUE        0x02     /* EXT-X-CUE-OUT/-CONT/-IN */
#define SRT_URL_HLS_WINDOW_MAX 30

typedef struct {
    int                 segment_ms;     /* target duration */
    int                 segment_max_ms; /* forced cut */
    int                 window;         /* segments in the playlist */
    int                 grace_ms;       /* kept after leaving it */
    int                 cues;           /* SRT_URL_HLS_* */
} srt_url_hls_t;


/* testsrc:// parameters (defaults 1280x720, 25, 3000000, 1000) */
typedef struct {
    int                 width;
    int                 height;
    int                 rate;           /* frames per second */
    long long           bitrate;        /* video, bits/s */
    int                 tone;           /* Hz; 0 silence */
} srt_url_testsrc_t;


typedef struct {
    srt_url_scheme_e    scheme;
    char                host[SRT_URL_HOST_LEN];  /* no brackets for IPv6;
                                                    "" = any address */
    uint16_t            port;

    /* source-specific multicast: "udp://SOURCE@GROUP:PORT" (VLC) and/or
       "?sources=A,B" (ffmpeg) */
    char                sources[SRT_URL_MAX_SOURCES][64];
    unsigned            nsources;

    char                localaddr[64];   /* "" unless given */
    int                 ttl;             /* -1 unless given; 0..255 */
    int                 pkt_size;        /* -1 unless given; 188*k, k=1..64 */
    int                 rcvbuf;          /* -1 unless given: "rcvbuf" or
                                            ffmpeg's "buffer_size"; bytes,
                                            k/m suffixes allowed */
    int                 sndbuf;          /* -1 unless given */
    int                 rtp;             /* -1 auto, 0 off, 1 on ("rtp=")
                                            rtp:// sets 1 */

    /* srt:// only: -1 = not given unless said otherwise; udp:// and rtp://
       URLs leave all of them unset, mode included (-1) */
    int                 mode;            /* SRT_URL_MODE_*: "mode=caller" or
                                            "mode=listener"; default listener
                                            when the host is empty, caller
                                            otherwise */
    int                 latency;         /* ms, 0..60000 ("latency") */
    int                 rcvlatency;      /* ms ("rcvlatency") */
    int                 peerlatency;     /* ms ("peerlatency") */
    char                passphrase[SRT_URL_PASS_LEN];   /* "" unless given;
                                            10..79 characters */
    int                 pbkeylen;        /* 0 unless given: 16, 24 or 32 */
    char                streamid[SRT_URL_STREAMID_LEN]; /* "" unless given;
                                            percent-decoded, max 512 */
    long long           maxbw;           /* bytes/s, -1 unless given ("maxbw",
                                            0 allowed = relative to inputbw,
                                            as libsrt); k/m/g suffixes */
    long long           inputbw;         /* bytes/s ("inputbw", 0 allowed =
                                            libsrt estimates it) */
    int                 oheadbw;         /* percent 5..100 ("oheadbw") */
    int                 payload_size;    /* "payload_size" or "payloadsize":
                                            a multiple of 188, 188..1316 */
    int                 connect_timeout; /* ms, 1..120000 ("connect_timeout"
                                            or "conntimeo") */

    srt_url_testsrc_t   testsrc;         /* testsrc:// only */
    srt_url_hls_t       hls;             /* hls:// only */
} srt_url_t;


/*
 * Parses "udp://[source@]host:port[?k=v&...]" and "rtp://...".  Known query
 * keys: localaddr, sources, ttl, pkt_size, rcvbuf, buffer_size, sndbuf, rtp
 * (auto|0|1|on|off).  Unknown keys, bad numbers, missing or zero port, a
 * missing host for outputs (output != 0) are errors.  For inputs an empty
 * host ("udp://:5000" or "udp://@:5000") means any address.
 *
 * Also parses "srt://[host]:port[?k=v&...]" with the keys mode (caller|
 * listener), latency, rcvlatency, peerlatency, passphrase, pbkeylen,
 * streamid, maxbw, inputbw, oheadbw, payload_size (payloadsize),
 * connect_timeout (conntimeo), rcvbuf, buffer_size and sndbuf.  The UDP
 * keys, "source@" and mode=rendezvous are errors.  An empty host means
 * listener mode on any address, for inputs and outputs alike; caller mode
 * needs a host.  streamid and passphrase values are percent-decoded.
 * Query items split at their first '=' and '#' is an ordinary character,
 * so "streamid=#!::r=main,m=publish" needs no escaping.
 *
 * And "testsrc://[?size=WxH&rate=N&bitrate=N[k|M]&tone=HZ]", the built-in
 * test pattern (inputs only), and "hls://[?segment=S&segment_max=S&
 * window=N&grace=S&cues=daterange|cue|both|none]", the HLS output
 * (outputs only; S in seconds, decimals allowed, or with "ms").
 *
 * Returns 0 on success, -1 with a human-readable message in err.
 */
int srt_url_parse(const char *s, size_t len, int output, srt_url_t *u,
    char err[SRT_URL_ERR_LEN]);

/* the items of "?k=v&k=v" after a scheme without a host (testsrc://,
   hls://): param(ctx, ...) for each; usage names the keys for errors */
typedef int (*srt_url_param_pt)(void *ctx, const char *key, size_t klen,
    const char *val, size_t vlen, char *err);

int srt_url_items(const char *scheme, const char *usage, const char *rest,
    size_t len, srt_url_param_pt param, void *ctx, char *err);

/* the part after "testsrc://" (srt_url_testsrc.c) */
int srt_url_testsrc_parse(const char *rest, size_t len, srt_url_t *u,
    char *err);

/* the part after "hls://" (srt_url_hls.c) */
int srt_url_hls_parse(const char *rest, size_t len, srt_url_t *u,
    char *err);

/*
 * Copies the URL with the value of every "passphrase" query item replaced
 * by "***", for logs and the API.  out has room for size bytes; returns
 * the length written (truncated to size).  Secrets never leave the config.
 */
size_t srt_url_redact(const char *s, size_t len, char *out, size_t size);


#endif /* _SRT_URL_H_INCLUDED_ */
