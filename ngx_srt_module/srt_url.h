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
    SRT_URL_RTP
} srt_url_scheme_e;


#define SRT_URL_HOST_LEN     256
#define SRT_URL_ERR_LEN      160
#define SRT_URL_MAX_SOURCES  8


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
} srt_url_t;


/*
 * Parses "udp://[source@]host:port[?k=v&...]" and "rtp://...".  Known query
 * keys: localaddr, sources, ttl, pkt_size, rcvbuf, buffer_size, sndbuf, rtp
 * (auto|0|1|on|off).  Unknown keys, bad numbers, missing or zero port, a
 * missing host for outputs (output != 0) are errors.  For inputs an empty
 * host ("udp://:5000" or "udp://@:5000") means any address.
 * Returns 0 on success, -1 with a human-readable message in err.
 */
int srt_url_parse(const char *s, size_t len, int output, srt_url_t *u,
    char err[SRT_URL_ERR_LEN]);


#endif /* _SRT_URL_H_INCLUDED_ */
