/*
 * Unit tests for srt_url.c.  URLs are handed over as heap buffers of the
 * exact length without a terminating NUL, so ASan catches any read past
 * the end.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srt_url.h"


static int
parse_n(const char *s, size_t len, int output, srt_url_t *u, char *err)
{
    char  *b;
    int    rc;

    b = malloc(len ? len : 1);
    assert_non_null(b);
    memcpy(b, s, len);

    memset(err, 'x', SRT_URL_ERR_LEN);
    rc = srt_url_parse(b, len, output, u, err);
    free(b);

    /* the message is always a terminated string */
    assert_non_null(memchr(err, '\0', SRT_URL_ERR_LEN));

    return rc;
}


static int
parse(const char *s, int output, srt_url_t *u, char *err)
{
    return parse_n(s, strlen(s), output, u, err);
}


static void
ok(const char *s, int output, srt_url_t *u)
{
    char  err[SRT_URL_ERR_LEN];

    if (parse(s, output, u, err) != 0) {
        fail_msg("\"%s\" rejected: %s", s, err);
    }

    assert_string_equal(err, "");
}


static void
bad(const char *s, int output, const char *msg)
{
    char       err[SRT_URL_ERR_LEN];
    srt_url_t  u;

    if (parse(s, output, &u, err) != -1) {
        fail_msg("\"%s\" accepted", s);
    }

    if (strstr(err, msg) == NULL) {
        fail_msg("\"%s\": got \"%s\", expected \"%s\"", s, err, msg);
    }
}


static void
test_basic(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("udp://239.0.0.1:5000", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_UDP);
    assert_string_equal(u.host, "239.0.0.1");
    assert_int_equal(u.port, 5000);
    assert_int_equal(u.nsources, 0);
    assert_string_equal(u.localaddr, "");
    assert_int_equal(u.ttl, -1);
    assert_int_equal(u.pkt_size, -1);
    assert_int_equal(u.rcvbuf, -1);
    assert_int_equal(u.sndbuf, -1);
    assert_int_equal(u.rtp, -1);

    ok("UDP://Host-1.example.com:65535", 1, &u);
    assert_int_equal(u.scheme, SRT_URL_UDP);
    assert_string_equal(u.host, "Host-1.example.com");
    assert_int_equal(u.port, 65535);

    ok("Rtp://239.1.1.1:1", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_RTP);
    assert_int_equal(u.rtp, 1);
    assert_int_equal(u.port, 1);
}


static void
test_any_host(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("udp://:5000", 0, &u);
    assert_string_equal(u.host, "");
    assert_int_equal(u.port, 5000);
    assert_int_equal(u.nsources, 0);

    ok("udp://@:5001", 0, &u);
    assert_string_equal(u.host, "");
    assert_int_equal(u.port, 5001);
    assert_int_equal(u.nsources, 0);

    /* ffmpeg's "@group:port": empty source, nothing recorded */
    ok("udp://@239.0.0.1:5002", 0, &u);
    assert_string_equal(u.host, "239.0.0.1");
    assert_int_equal(u.nsources, 0);

    ok("udp://0.0.0.0:5003", 0, &u);
    assert_string_equal(u.host, "0.0.0.0");
}


static void
test_ipv6(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("udp://[ff3e::1234]:5000", 0, &u);
    assert_string_equal(u.host, "ff3e::1234");
    assert_int_equal(u.port, 5000);

    ok("udp://[::]:5000", 0, &u);
    assert_string_equal(u.host, "::");

    ok("udp://[fe80::1%eth0]:5000", 1, &u);
    assert_string_equal(u.host, "fe80::1%eth0");

    ok("udp://[::ffff:10.0.0.1]:5000", 1, &u);
    assert_string_equal(u.host, "::ffff:10.0.0.1");

    ok("udp://[2001:db8::1]@[ff3e::1]:5000", 0, &u);
    assert_string_equal(u.host, "ff3e::1");
    assert_int_equal(u.nsources, 1);
    assert_string_equal(u.sources[0], "2001:db8::1");
}


static void
test_sources(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("udp://10.0.0.1@232.1.1.1:5000", 0, &u);
    assert_string_equal(u.host, "232.1.1.1");
    assert_int_equal(u.nsources, 1);
    assert_string_equal(u.sources[0], "10.0.0.1");

    ok("udp://232.1.1.1:5000?sources=10.0.0.1,10.0.0.2", 0, &u);
    assert_int_equal(u.nsources, 2);
    assert_string_equal(u.sources[0], "10.0.0.1");
    assert_string_equal(u.sources[1], "10.0.0.2");

    /* both syntaxes add up */
    ok("udp://10.0.0.9@232.1.1.1:5000?sources=10.0.0.1&sources=src.example",
       0, &u);
    assert_int_equal(u.nsources, 3);
    assert_string_equal(u.sources[0], "10.0.0.9");
    assert_string_equal(u.sources[1], "10.0.0.1");
    assert_string_equal(u.sources[2], "src.example");

    ok("udp://232.1.1.1:5000?sources=a,b,c,d,e,f,g,h", 0, &u);
    assert_int_equal(u.nsources, SRT_URL_MAX_SOURCES);
    assert_string_equal(u.sources[7], "h");

    /* 63 characters fit */
    ok("udp://232.1.1.1:5000?sources="
       "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
       0, &u);
    assert_int_equal(strlen(u.sources[0]), 63);

    ok("udp://232.1.1.1:5000?sources=[2001:db8::1],2001:db8::2", 0, &u);
    assert_string_equal(u.sources[0], "2001:db8::1");
    assert_string_equal(u.sources[1], "2001:db8::2");
}


static void
test_params(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("udp://239.0.0.1:5000?localaddr=192.168.1.2&rcvbuf=4m&rtp=off"
       "&sndbuf=65536", 0, &u);
    assert_string_equal(u.localaddr, "192.168.1.2");
    assert_int_equal(u.rcvbuf, 4 * 1024 * 1024);
    assert_int_equal(u.rtp, 0);
    assert_int_equal(u.sndbuf, 65536);

    ok("udp://239.0.0.1:5000?buffer_size=512K&rtp=ON", 0, &u);
    assert_int_equal(u.rcvbuf, 512 * 1024);
    assert_int_equal(u.rtp, 1);

    ok("udp://239.0.0.1:5000?rcvbuf=1048576k&rtp=auto", 0, &u);
    assert_int_equal(u.rcvbuf, 1 << 30);
    assert_int_equal(u.rtp, -1);

    ok("udp://239.0.0.1:5000?rcvbuf=1024M&rtp=1", 0, &u);
    assert_int_equal(u.rcvbuf, 1 << 30);
    assert_int_equal(u.rtp, 1);

    ok("udp://239.0.0.1:5000?rcvbuf=1&rtp=0", 0, &u);
    assert_int_equal(u.rcvbuf, 1);
    assert_int_equal(u.rtp, 0);

    ok("rtp://239.0.0.1:5000?rtp=on", 0, &u);
    assert_int_equal(u.rtp, 1);

    ok("udp://239.0.0.1:5000?pkt_size=1316&ttl=16&localaddr=10.0.0.1"
       "&sndbuf=2m", 1, &u);
    assert_int_equal(u.pkt_size, 1316);
    assert_int_equal(u.ttl, 16);
    assert_string_equal(u.localaddr, "10.0.0.1");
    assert_int_equal(u.sndbuf, 2 * 1024 * 1024);
    assert_int_equal(u.rcvbuf, -1);

    ok("udp://h:1?ttl=0&pkt_size=188", 1, &u);
    assert_int_equal(u.ttl, 0);
    assert_int_equal(u.pkt_size, 188);

    ok("udp://h:1?ttl=255&pkt_size=12032", 1, &u);
    assert_int_equal(u.ttl, 255);
    assert_int_equal(u.pkt_size, 12032);

    /* the last value wins */
    ok("udp://h:1?ttl=3&ttl=4", 1, &u);
    assert_int_equal(u.ttl, 4);

    ok("udp://h:1?localaddr=[fe80::1%eth0]", 1, &u);
    assert_string_equal(u.localaddr, "fe80::1%eth0");

    /* empty query and empty items */
    ok("udp://:5000?", 0, &u);
    ok("udp://:5000?&&rtp=on&", 0, &u);
    assert_int_equal(u.rtp, 1);
}


static void
test_not_terminated(void **state)
{
    const char  *s;
    char         err[SRT_URL_ERR_LEN];
    srt_url_t    u;

    (void) state;

    /* only the first len bytes count */
    s = "udp://239.0.0.1:5000?ttl=7 trailing junk";
    assert_int_equal(parse_n(s, 20, 0, &u, err), 0);
    assert_int_equal(u.port, 5000);
    assert_int_equal(u.ttl, -1);

    assert_int_equal(parse_n(s, 17, 0, &u, err), 0);
    assert_int_equal(u.port, 5);

    assert_int_equal(parse_n(s, 26, 1, &u, err), 0);
    assert_int_equal(u.ttl, 7);

    assert_int_equal(parse_n(s, 16, 0, &u, err), -1);
    assert_string_equal(err, "missing port");

    /* a NUL inside is a bad character, not an end */
    assert_int_equal(parse_n("udp://h:5\0000", 10, 1, &u, err), -1);
    assert_non_null(strstr(err, "invalid character"));

    /* NULL without length */
    assert_int_equal(srt_url_parse(NULL, 0, 0, &u, err), -1);
    assert_string_equal(err, "empty URL");
}


static void
test_errors_syntax(void **state)
{
    (void) state;

    bad("", 0, "empty URL");
    bad("239.0.0.1:5000", 0, "missing scheme");
    bad("udp:/239.0.0.1:5000", 0, "missing scheme");
    bad("udp:", 0, "missing scheme");
    bad("http://h:80", 0, "unsupported scheme \"http\"");
    bad("://h:80", 0, "unsupported scheme \"\"");
    bad("udpx://h:80", 0, "unsupported scheme \"udpx\"");
    bad("udp://h:5000 ", 0, "invalid character");
    bad("udp://h\t:5000", 0, "invalid character");
    bad("udp://h\xc3\xa9:5000", 0, "invalid character");

    bad("udp://1.2.3.4", 0, "missing port");
    bad("udp://1.2.3.4:", 0, "missing port");
    bad("udp://", 0, "missing port");
    bad("udp://[::1]", 0, "missing port");
    bad("udp://1.2.3.4:70000", 0, "invalid port \"70000\"");
    bad("udp://1.2.3.4:65536", 0, "invalid port \"65536\"");
    bad("udp://1.2.3.4:0", 0, "invalid port \"0\"");
    bad("udp://1.2.3.4:-1", 0, "invalid port \"-1\"");
    bad("udp://1.2.3.4:+80", 0, "invalid port \"+80\"");
    bad("udp://1.2.3.4:80/", 0, "invalid port \"80/\"");
    bad("udp://1.2.3.4:8o", 0, "invalid port \"8o\"");
    bad("udp://1.2.3.4:99999999999999999999999", 0, "invalid port");

    bad("udp://[::1:5000", 0, "unterminated \"[\"");
    bad("udp://[zz::1]:5000", 0, "invalid IPv6 address \"zz::1\"");
    bad("udp://[1.2.3.4]:5000", 0, "invalid IPv6 address \"1.2.3.4\"");
    bad("udp://[]:5000", 0, "invalid IPv6 address \"\"");
    bad("udp://[::1]x:5000", 0, "invalid host \"[::1]x:5000\"");
    bad("udp://::1:5000", 0, "must be in brackets");
    bad("udp://h:1:2", 0, "must be in brackets");
    bad("udp://bad!host:5000", 0, "invalid host \"bad!host\"");
    bad("udp://a@b@c:5000", 0, "invalid host \"b@c\"");
}


static void
test_errors_direction(void **state)
{
    (void) state;

    bad("udp://:5000", 1, "missing host");
    bad("udp://@:5000", 1, "missing host");
    bad("udp://10.0.0.1@239.0.0.1:5000", 1, "not allowed for outputs");
    bad("udp://239.0.0.1:5000?sources=10.0.0.1", 1,
        "\"sources\" is not allowed for outputs");
    bad("udp://239.0.0.1:5000?rcvbuf=1m", 1,
        "\"rcvbuf\" is not allowed for outputs");
    bad("udp://239.0.0.1:5000?buffer_size=1m", 1,
        "\"buffer_size\" is not allowed for outputs");
    bad("udp://239.0.0.1:5000?ttl=1", 0, "\"ttl\" is only valid for outputs");
    bad("udp://239.0.0.1:5000?pkt_size=1316", 0,
        "\"pkt_size\" is only valid for outputs");
}


static void
test_errors_params(void **state)
{
    (void) state;

    bad("udp://h:1?foo=1", 1, "unknown parameter \"foo\"");
    bad("udp://h:1?TTL=1&bar=", 1, "unknown parameter \"bar\"");
    bad("udp://h:1?ttl", 1, "missing value for parameter \"ttl\"");
    bad("udp://h:1?=5", 1, "missing parameter name in \"=5\"");

    bad("udp://h:1?ttl=256", 1, "invalid ttl \"256\"");
    bad("udp://h:1?ttl=-1", 1, "invalid ttl \"-1\"");
    bad("udp://h:1?ttl=", 1, "invalid ttl \"\"");

    bad("udp://h:1?pkt_size=1000", 1, "pkt_size must be a multiple of 188");
    bad("udp://h:1?pkt_size=0", 1, "pkt_size must be a multiple of 188");
    bad("udp://h:1?pkt_size=12220", 1, "pkt_size must be a multiple of 188");
    bad("udp://h:1?pkt_size=1316k", 1, "invalid pkt_size \"1316k\"");
    bad("udp://h:1?pkt_size=99999999999999", 1, "invalid pkt_size");

    bad("udp://h:1?rcvbuf=0", 0, "invalid rcvbuf \"0\"");
    bad("udp://h:1?rcvbuf=0k", 0, "invalid rcvbuf \"0k\"");
    bad("udp://h:1?rcvbuf=k", 0, "invalid rcvbuf \"k\"");
    bad("udp://h:1?rcvbuf=", 0, "invalid rcvbuf \"\"");
    bad("udp://h:1?rcvbuf=2g", 0, "invalid rcvbuf \"2g\"");
    bad("udp://h:1?rcvbuf=1025m", 0, "invalid rcvbuf \"1025m\"");
    bad("udp://h:1?rcvbuf=1048577k", 0, "invalid rcvbuf \"1048577k\"");
    bad("udp://h:1?rcvbuf=1073741825", 0, "invalid rcvbuf \"1073741825\"");
    bad("udp://h:1?rcvbuf=99999999999999999999999", 0, "invalid rcvbuf");
    bad("udp://h:1?buffer_size=1.5m", 0, "invalid rcvbuf \"1.5m\"");
    bad("udp://h:1?sndbuf=-1", 1, "invalid sndbuf \"-1\"");
    bad("udp://h:1?sndbuf=4mb", 1, "invalid sndbuf \"4mb\"");

    bad("udp://h:1?rtp=maybe", 0, "invalid rtp \"maybe\"");
    bad("udp://h:1?rtp=", 0, "invalid rtp \"\"");
    bad("rtp://h:1?rtp=off", 0, "rtp \"off\" contradicts");
    bad("rtp://h:1?rtp=auto", 0, "rtp \"auto\" contradicts");

    bad("udp://h:1?localaddr=", 0, "invalid localaddr \"\"");
    bad("udp://h:1?localaddr=a%b", 0, "invalid localaddr \"a%b\"");
    bad("udp://h:1?localaddr="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        0, "invalid localaddr");
}


static void
test_errors_sources(void **state)
{
    (void) state;

    bad("udp://g:1?sources=", 0, "empty \"sources\"");
    bad("udp://g:1?sources=a,,b", 0, "empty source in \"a,,b\"");
    bad("udp://g:1?sources=a,", 0, "empty source in \"a,\"");
    bad("udp://g:1?sources=,a", 0, "empty source in \",a\"");
    bad("udp://g:1?sources=a,b,c,d,e,f,g,h,i", 0, "too many sources (max 8)");
    bad("udp://s@g:1?sources=a,b,c,d,e,f,g,h", 0, "too many sources");
    bad("udp://g:1?sources=a!b", 0, "invalid source \"a!b\"");
    bad("udp://s!@g:1", 0, "invalid source \"s!\"");
    bad("udp://g:1?sources="
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        0, "is too long");
}


static void
test_errors_long(void **state)
{
    char       url[600], err[SRT_URL_ERR_LEN];
    srt_url_t  u;

    (void) state;

    /* host of 255 characters fits, 256 does not */
    memcpy(url, "udp://", 6);
    memset(url + 6, 'h', 255);
    memcpy(url + 6 + 255, ":5000", 6);
    ok(url, 1, &u);
    assert_int_equal(strlen(u.host), 255);

    memset(url + 6, 'h', 256);
    memcpy(url + 6 + 256, ":5000", 6);
    bad(url, 1, "host too long");

    /* long input is cut in messages, which always fit */
    memcpy(url, "udp://h:", 8);
    memset(url + 8, '9', 500);
    url[508] = '\0';
    assert_int_equal(parse(url, 1, &u, err), -1);
    assert_true(strncmp(err, "invalid port \"99999", 19) == 0);
    assert_true(strlen(err) < SRT_URL_ERR_LEN - 1);

    memcpy(url, "udp://h:1?", 10);
    memset(url + 10, 'k', 500);
    memcpy(url + 510, "=1", 3);
    assert_int_equal(parse(url, 1, &u, err), -1);
    assert_true(strncmp(err, "unknown parameter \"kkkk", 23) == 0);
}


static void
test_srt_defaults(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("srt://:9000", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_SRT);
    assert_string_equal(u.host, "");
    assert_int_equal(u.port, 9000);
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);
    assert_int_equal(u.latency, -1);
    assert_int_equal(u.rcvlatency, -1);
    assert_int_equal(u.peerlatency, -1);
    assert_string_equal(u.passphrase, "");
    assert_int_equal(u.pbkeylen, 0);
    assert_string_equal(u.streamid, "");
    assert_true(u.maxbw == -1);
    assert_true(u.inputbw == -1);
    assert_int_equal(u.oheadbw, -1);
    assert_int_equal(u.payload_size, -1);
    assert_int_equal(u.connect_timeout, -1);
    assert_int_equal(u.rcvbuf, -1);
    assert_int_equal(u.sndbuf, -1);
    assert_int_equal(u.nsources, 0);
    assert_int_equal(u.ttl, -1);
    assert_int_equal(u.pkt_size, -1);
    assert_int_equal(u.rtp, -1);

    /* a listening output needs no host: players connect to us */
    ok("srt://:9000", 1, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);

    ok("srt://:9000?mode=listener", 1, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);

    ok("srt://example.com:9000", 0, &u);
    assert_string_equal(u.host, "example.com");
    assert_int_equal(u.mode, SRT_URL_MODE_CALLER);

    ok("srt://10.0.0.2:9000", 1, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_CALLER);

    /* listening on one address only */
    ok("SRT://10.0.0.1:9000?mode=Listener", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_SRT);
    assert_string_equal(u.host, "10.0.0.1");
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);

    ok("srt://h:9000?mode=CALLER", 1, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_CALLER);

    /* the last value wins, as for the other keys */
    ok("srt://h:9000?mode=caller&mode=listener", 0, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);
}


static void
test_srt_params(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("srt://h:9000?latency=120&rcvlatency=200&peerlatency=0"
       "&passphrase=0123456789&pbkeylen=24&streamid=live&maxbw=0"
       "&inputbw=1m&oheadbw=25&payload_size=1316&connect_timeout=3000"
       "&rcvbuf=4m&buffer_size=8m&sndbuf=1m", 0, &u);
    assert_int_equal(u.mode, SRT_URL_MODE_CALLER);
    assert_int_equal(u.latency, 120);
    assert_int_equal(u.rcvlatency, 200);
    assert_int_equal(u.peerlatency, 0);
    assert_string_equal(u.passphrase, "0123456789");
    assert_int_equal(u.pbkeylen, 24);
    assert_string_equal(u.streamid, "live");
    assert_true(u.maxbw == 0);
    assert_true(u.inputbw == 1024 * 1024);
    assert_int_equal(u.oheadbw, 25);
    assert_int_equal(u.payload_size, 1316);
    assert_int_equal(u.connect_timeout, 3000);
    assert_int_equal(u.rcvbuf, 8 * 1024 * 1024);
    assert_int_equal(u.sndbuf, 1024 * 1024);

    /* aliases and range ends */
    ok("srt://:9000?payloadsize=188&conntimeo=1&latency=60000"
       "&rcvlatency=60000&peerlatency=60000&oheadbw=5&maxbw=1024g"
       "&inputbw=0", 1, &u);
    assert_int_equal(u.payload_size, 188);
    assert_int_equal(u.connect_timeout, 1);
    assert_int_equal(u.latency, 60000);
    assert_int_equal(u.rcvlatency, 60000);
    assert_int_equal(u.peerlatency, 60000);
    assert_int_equal(u.oheadbw, 5);
    assert_true(u.maxbw == 1LL << 40);
    assert_true(u.inputbw == 0);

    ok("srt://h:1?connect_timeout=120000&oheadbw=100&maxbw=12500000"
       "&inputbw=2G&payload_size=752&sndbuf=64k", 1, &u);
    assert_int_equal(u.connect_timeout, 120000);
    assert_int_equal(u.oheadbw, 100);
    assert_true(u.maxbw == 12500000);
    assert_true(u.inputbw == 2LL * 1024 * 1024 * 1024);
    assert_int_equal(u.payload_size, 752);
    assert_int_equal(u.sndbuf, 64 * 1024);

    ok("srt://h:1?maxbw=512k&inputbw=1099511627776", 0, &u);
    assert_true(u.maxbw == 512 * 1024);
    assert_true(u.inputbw == 1LL << 40);

    /* pbkeylen may come before the passphrase */
    ok("srt://h:1?pbkeylen=16&passphrase=secretsecret", 0, &u);
    assert_int_equal(u.pbkeylen, 16);
    assert_string_equal(u.passphrase, "secretsecret");

    ok("srt://h:1?pbkeylen=32&passphrase="
       "0123456789012345678901234567890123456789"
       "012345678901234567890123456789012345678", 0, &u);
    assert_int_equal(u.pbkeylen, 32);
    assert_int_equal(strlen(u.passphrase), 79);

    /* a passphrase alone: libsrt's default key length */
    ok("srt://h:1?passphrase=0123456789", 0, &u);
    assert_int_equal(u.pbkeylen, 0);
}


static void
test_srt_decode(void **state)
{
    char       url[2048];
    size_t     n;
    srt_url_t  u;

    (void) state;

    /* '#', '!', ':', ',' and '=' need no escaping */
    ok("srt://h:9000?streamid=#!::r=main,m=publish", 0, &u);
    assert_string_equal(u.streamid, "#!::r=main,m=publish");

    ok("srt://h:9000?streamid=%23%21%3A%3Ar%3Dmain%2Cm%3Dpublish&latency=1",
       0, &u);
    assert_string_equal(u.streamid, "#!::r=main,m=publish");
    assert_int_equal(u.latency, 1);

    /* '&' and '%' only escaped; '+' is not a space; both hex cases */
    ok("srt://h:9000?streamid=a%20b%26c%3d%25+d%2f%2F", 0, &u);
    assert_string_equal(u.streamid, "a b&c=%+d//");

    ok("srt://h:9000?streamid=#!::u=admin,r=a=b==c&mode=caller", 0, &u);
    assert_string_equal(u.streamid, "#!::u=admin,r=a=b==c");

    ok("srt://h:9000?streamid=", 0, &u);
    assert_string_equal(u.streamid, "");

    /* a '?' in the query is a value character */
    ok("srt://h:9000?streamid=live?x", 0, &u);
    assert_string_equal(u.streamid, "live?x");

    ok("srt://h:9000?passphrase=abc=def==ghij", 0, &u);
    assert_string_equal(u.passphrase, "abc=def==ghij");

    /* 10 characters once decoded */
    ok("srt://h:9000?passphrase=pass%20word%21", 0, &u);
    assert_string_equal(u.passphrase, "pass word!");

    /* 512 characters fit, however they are spelled */
    memcpy(url, "srt://h:1?streamid=", 19);
    memset(url + 19, 's', 512);
    url[19 + 512] = '\0';
    ok(url, 0, &u);
    assert_int_equal(strlen(u.streamid), 512);

    for (n = 0; n < 512; n++) {
        memcpy(url + 19 + n * 3, "%41", 3);
    }

    url[19 + 512 * 3] = '\0';
    ok(url, 0, &u);
    assert_int_equal(strlen(u.streamid), 512);
    assert_int_equal(u.streamid[511], 'A');
}


static void
test_srt_ipv6(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("srt://[::1]:9000", 1, &u);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 9000);
    assert_int_equal(u.mode, SRT_URL_MODE_CALLER);

    ok("srt://[::]:9000?mode=listener", 0, &u);
    assert_string_equal(u.host, "::");
    assert_int_equal(u.mode, SRT_URL_MODE_LISTENER);

    ok("srt://[fe80::1%eth0]:9000?streamid=#!::r=x", 0, &u);
    assert_string_equal(u.host, "fe80::1%eth0");
    assert_string_equal(u.streamid, "#!::r=x");

    bad("srt://::1:9000", 0, "must be in brackets");
    bad("srt://[zz::1]:9000", 0, "invalid IPv6 address \"zz::1\"");
}


static void
test_srt_not_terminated(void **state)
{
    const char  *s;
    char         err[SRT_URL_ERR_LEN];
    srt_url_t    u;

    (void) state;

    /* an escape cut by len is an error, not a read past the end */
    s = "srt://h:1?streamid=ab%41cd";
    assert_int_equal(parse_n(s, 24, 0, &u, err), 0);
    assert_string_equal(u.streamid, "abA");

    assert_int_equal(parse_n(s, 23, 0, &u, err), -1);
    assert_non_null(strstr(err, "invalid percent escape in streamid"));

    assert_int_equal(parse_n(s, 22, 0, &u, err), -1);
    assert_non_null(strstr(err, "invalid percent escape in streamid"));

    s = "srt://h:1?passphrase=0123456789%4";
    assert_int_equal(parse_n(s, 31, 0, &u, err), 0);
    assert_int_equal(parse_n(s, 33, 0, &u, err), -1);
    assert_string_equal(err, "invalid percent escape in passphrase");
}


static void
test_srt_errors(void **state)
{
    char       url[2048], err[SRT_URL_ERR_LEN];
    srt_url_t  u;

    (void) state;

    bad("srt://:9000?mode=caller", 0, "caller mode needs a host");
    bad("srt://:9000?mode=caller", 1, "caller mode needs a host");
    bad("srt://[::1]:9000?mode=caller&mode=push", 0, "invalid mode \"push\"");
    bad("srt://h:9000?mode=", 0, "invalid mode \"\"");
    bad("srt://h:9000?mode=rendezvous", 0, "rendezvous mode is not supported");
    bad("srt://h:9000?mode=Rendezvous", 1, "rendezvous mode is not supported");

    bad("srt://h:", 0, "missing port");
    bad("srt://h", 0, "missing port");
    bad("srt://h:0", 0, "invalid port \"0\"");
    bad("srt://h:9000#frag", 0, "invalid port \"9000#frag\"");

    /* the passphrase is never quoted back */
    assert_int_equal(parse("srt://h:1?passphrase=123456789", 0, &u, err), -1);
    assert_string_equal(err, "passphrase must be 10..79 characters long");
    bad("srt://h:1?passphrase=", 0, "passphrase must be 10..79 characters");
    bad("srt://h:1?passphrase=%41%42%43", 0,
        "passphrase must be 10..79 characters");
    bad("srt://h:1?passphrase=0123456789012345678901234567890123456789"
        "0123456789012345678901234567890123456789", 0,
        "passphrase must be 10..79 characters");
    bad("srt://h:1?passphrase=0123456789%zz", 0,
        "invalid percent escape in passphrase");
    bad("srt://h:1?passphrase=0123456789%0a", 0,
        "passphrase contains a control or non-ASCII character");
    bad("srt://h:1?passphrase=0123456789%C3%A9", 0,
        "passphrase contains a control or non-ASCII character");

    bad("srt://h:1?passphrase=0123456789&pbkeylen=20", 0,
        "invalid pbkeylen \"20\", must be 16, 24 or 32");
    bad("srt://h:1?pbkeylen=0", 0, "invalid pbkeylen \"0\"");
    bad("srt://h:1?pbkeylen=160", 0, "invalid pbkeylen \"160\"");
    bad("srt://h:1?pbkeylen=aes", 0, "invalid pbkeylen \"aes\"");
    bad("srt://h:1?pbkeylen=16", 0, "pbkeylen needs a passphrase");
    bad("srt://:1?pbkeylen=32", 1, "pbkeylen needs a passphrase");

    bad("srt://h:1?latency=60001", 0,
        "invalid latency \"60001\", must be 0..60000");
    bad("srt://h:1?latency=-1", 0, "invalid latency \"-1\"");
    bad("srt://h:1?latency=+5", 0, "invalid latency \"+5\"");
    bad("srt://h:1?latency=1e3", 0, "invalid latency \"1e3\"");
    bad("srt://h:1?latency=0x10", 0, "invalid latency \"0x10\"");
    bad("srt://h:1?latency=", 0, "invalid latency \"\"");
    bad("srt://h:1?latency=99999999999999999999999", 0, "invalid latency");
    bad("srt://h:1?rcvlatency=70000", 0, "invalid rcvlatency \"70000\"");
    bad("srt://h:1?peerlatency=x", 0, "invalid peerlatency \"x\"");

    bad("srt://h:1?payload_size=1000", 0, "multiple of 188");
    bad("srt://h:1?payload_size=1504", 0,
        "invalid payload_size \"1504\", must be a multiple of 188");
    bad("srt://h:1?payloadsize=0", 0, "invalid payload_size \"0\"");
    bad("srt://h:1?payload_size=1316k", 0, "invalid payload_size \"1316k\"");

    bad("srt://h:1?oheadbw=4", 0, "invalid oheadbw \"4\", must be 5..100");
    bad("srt://h:1?oheadbw=101", 0, "invalid oheadbw \"101\"");
    bad("srt://h:1?connect_timeout=0", 0, "invalid connect_timeout \"0\"");
    bad("srt://h:1?conntimeo=120001", 0, "invalid connect_timeout \"120001\"");

    bad("srt://h:1?maxbw=-1", 0, "invalid maxbw \"-1\"");
    bad("srt://h:1?maxbw=1025g", 0, "invalid maxbw \"1025g\"");
    bad("srt://h:1?maxbw=1099511627777", 0, "invalid maxbw");
    bad("srt://h:1?maxbw=99999999999999999999999", 0, "invalid maxbw");
    bad("srt://h:1?maxbw=1t", 0, "invalid maxbw \"1t\"");
    bad("srt://h:1?maxbw=k", 0, "invalid maxbw \"k\"");
    bad("srt://h:1?maxbw=", 0, "invalid maxbw \"\"");
    bad("srt://h:1?inputbw=1.5m", 0, "invalid inputbw \"1.5m\"");

    /* UDP options on srt:// */
    bad("srt://h:1?localaddr=10.0.0.1", 0,
        "\"localaddr\" is not an SRT option");
    bad("srt://h:1?sources=10.0.0.1", 0, "\"sources\" is not an SRT option");
    bad("srt://h:1?ttl=4", 1, "\"ttl\" is not an SRT option");
    bad("srt://h:1?pkt_size=1316", 1, "\"pkt_size\" is not an SRT option");
    bad("srt://h:1?RTP=on", 0, "\"RTP\" is not an SRT option");
    bad("srt://10.0.0.1@h:1", 0,
        "source address \"10.0.0.1@\" is not an SRT option");
    bad("srt://@:9000", 0, "source address \"@\" is not an SRT option");
    bad("srt://[::1]@[::2]:9000", 0, "is not an SRT option");

    /* the shared keys keep their meaning */
    bad("srt://h:1?rcvbuf=1m", 1, "\"rcvbuf\" is not allowed for outputs");
    bad("srt://h:1?sndbuf=0", 0, "invalid sndbuf \"0\"");

    bad("srt://h:1?foo=1", 0, "unknown parameter \"foo\"");
    bad("srt://h:1?streamid", 0, "missing value for parameter \"streamid\"");

    bad("srt://h:1?streamid=a%G1", 0,
        "invalid percent escape in streamid \"a%G1\"");
    bad("srt://h:1?streamid=a%", 0, "invalid percent escape in streamid");
    bad("srt://h:1?streamid=a%4", 0, "invalid percent escape in streamid");
    bad("srt://h:1?streamid=%%41", 0, "invalid percent escape in streamid");
    bad("srt://h:1?streamid=a%00b", 0,
        "streamid \"a%00b\" contains a control or non-ASCII character");
    bad("srt://h:1?streamid=%7f", 0, "contains a control or non-ASCII");

    memcpy(url, "srt://h:1?streamid=", 19);
    memset(url + 19, 's', 513);
    url[19 + 513] = '\0';
    bad(url, 0, "streamid too long (max 512 characters)");

    /* 511 + 2 decoded */
    memcpy(url + 19 + 511, "%41%41", 7);
    bad(url, 0, "streamid too long");

    /* SRT options on udp:// are unknown as ever */
    bad("udp://h:1?latency=120", 0, "unknown parameter \"latency\"");
    bad("udp://h:1?streamid=x", 0, "unknown parameter \"streamid\"");
    bad("rtp://h:1?mode=caller", 0, "unknown parameter \"mode\"");
}


static void
test_srt_udp_unchanged(void **state)
{
    srt_url_t  u;

    (void) state;

    /* udp:// and rtp:// leave every SRT field unset */
    ok("udp://239.0.0.1:5000?rcvbuf=1m", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_UDP);
    assert_int_equal(u.mode, -1);
    assert_int_equal(u.latency, -1);
    assert_int_equal(u.rcvlatency, -1);
    assert_int_equal(u.peerlatency, -1);
    assert_string_equal(u.passphrase, "");
    assert_int_equal(u.pbkeylen, 0);
    assert_string_equal(u.streamid, "");
    assert_true(u.maxbw == -1);
    assert_true(u.inputbw == -1);
    assert_int_equal(u.oheadbw, -1);
    assert_int_equal(u.payload_size, -1);
    assert_int_equal(u.connect_timeout, -1);

    ok("rtp://h:5000", 1, &u);
    assert_int_equal(u.mode, -1);

    /* an empty host is still an error for UDP outputs */
    bad("udp://:5000", 1, "missing host");
    bad("udp://:5000?mode=listener", 1, "missing host");
    bad("h:1", 0, "expected \"udp://\", \"rtp://\" or \"srt://\"");
    bad("srtp://h:1", 0, "unsupported scheme \"srtp\"");
}


static void
redact_is(const char *in, const char *want)
{
    char    *b, out[256];
    size_t   n;

    b = malloc(strlen(in) + 1);
    assert_non_null(b);
    memcpy(b, in, strlen(in));      /* exact length, no NUL read */

    n = srt_url_redact(b, strlen(in), out, sizeof(out) - 1);
    out[n] = '\0';
    free(b);

    assert_string_equal(out, want);
}


static void
test_redact(void **state)
{
    (void) state;

    redact_is("srt://:9000", "srt://:9000");
    redact_is("srt://:9000?passphrase=0123456789",
              "srt://:9000?passphrase=***");
    redact_is("srt://h:1?latency=1&passphrase=a%26b&pbkeylen=16",
              "srt://h:1?latency=1&passphrase=***&pbkeylen=16");
    redact_is("srt://h:1?streamid=passphrase=x&passphrase=s&passphrase=t",
              "srt://h:1?streamid=passphrase=x&passphrase=***"
              "&passphrase=***");
    redact_is("srt://h:1?passphrase=", "srt://h:1?passphrase=***");
    redact_is("udp://h:1?ttl=1", "udp://h:1?ttl=1");
}


static void
test_testsrc(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("testsrc://", 0, &u);
    assert_int_equal(u.scheme, SRT_URL_TESTSRC);
    assert_int_equal(u.testsrc.width, 1280);
    assert_int_equal(u.testsrc.height, 720);
    assert_int_equal(u.testsrc.rate, 25);
    assert_true(u.testsrc.bitrate == 3000000);
    assert_int_equal(u.testsrc.tone, 1000);

    ok("testsrc://?size=640x360&rate=50&bitrate=800k&tone=0", 0, &u);
    assert_int_equal(u.testsrc.width, 640);
    assert_int_equal(u.testsrc.height, 360);
    assert_int_equal(u.testsrc.rate, 50);
    assert_true(u.testsrc.bitrate == 800000);
    assert_int_equal(u.testsrc.tone, 0);

    ok("testsrc://?bitrate=12M&&size=1920x1080", 0, &u);
    assert_true(u.testsrc.bitrate == 12000000);
    assert_int_equal(u.testsrc.width, 1920);

    bad("testsrc://", 1, "testsrc:// is an input only");
    bad("testsrc://host", 0, "takes no host");
    bad("testsrc://?size=640", 0, "invalid size \"640\"");
    bad("testsrc://?size=641x360", 0, "invalid size");
    bad("testsrc://?size=8x8", 0, "invalid size");
    bad("testsrc://?size=99999x360", 0, "invalid size");
    bad("testsrc://?rate=0", 0, "invalid rate \"0\"");
    bad("testsrc://?rate=121", 0, "invalid rate");
    bad("testsrc://?bitrate=10k", 0, "invalid bitrate \"10k\"");
    bad("testsrc://?bitrate=1G", 0, "invalid bitrate");
    bad("testsrc://?bitrate=M", 0, "invalid bitrate");
    bad("testsrc://?tone=-1", 0, "invalid tone");
    bad("testsrc://?tone", 0, "missing value for \"tone\"");
    bad("testsrc://?colour=red", 0, "unknown testsrc parameter \"colour\"");
}


static void
test_hls(void **state)
{
    srt_url_t  u;

    (void) state;

    ok("hls://", 1, &u);
    assert_int_equal(u.scheme, SRT_URL_HLS);
    assert_int_equal(u.hls.segment_ms, 4000);
    assert_int_equal(u.hls.segment_max_ms, 12000);
    assert_int_equal(u.hls.window, 6);
    assert_int_equal(u.hls.grace_ms, 60000);
    assert_int_equal(u.hls.cues, SRT_URL_HLS_DATERANGE | SRT_URL_HLS_CUE);

    ok("hls://?segment=2.5&window=10&grace=1500ms&cues=cue", 1, &u);
    assert_int_equal(u.hls.segment_ms, 2500);
    assert_int_equal(u.hls.segment_max_ms, 7500);
    assert_int_equal(u.hls.window, 10);
    assert_int_equal(u.hls.grace_ms, 1500);
    assert_int_equal(u.hls.cues, SRT_URL_HLS_CUE);

    ok("hls://?segment=2&segment_max=2.125&cues=daterange&grace=0", 1, &u);
    assert_int_equal(u.hls.segment_max_ms, 2125);
    assert_int_equal(u.hls.cues, SRT_URL_HLS_DATERANGE);
    assert_int_equal(u.hls.grace_ms, 0);

    ok("hls://?cues=none", 1, &u);
    assert_int_equal(u.hls.cues, 0);

    bad("hls://", 0, "hls:// is an output only");
    bad("hls://host", 1, "takes no host");
    bad("hls://?segment=0.4", 1, "invalid segment \"0.4\"");
    bad("hls://?segment=61", 1, "invalid segment");
    bad("hls://?segment=1.2345", 1, "invalid segment");
    bad("hls://?segment=.5", 1, "invalid segment");
    bad("hls://?segment=4.", 1, "invalid segment");
    bad("hls://?segment=1.5ms", 1, "invalid segment");
    bad("hls://?segment=4&segment_max=3", 1, "shorter than segment");
    bad("hls://?window=1", 1, "invalid window");
    bad("hls://?window=31", 1, "invalid window");
    bad("hls://?window=x", 1, "invalid window");
    bad("hls://?grace=3601", 1, "invalid grace");
    bad("hls://?cues=all", 1, "invalid cues \"all\"");
    bad("hls://?window", 1, "missing value for \"window\"");
    bad("hls://?path=/tmp", 1, "unknown hls parameter \"path\"");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_any_host),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_sources),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_not_terminated),
        cmocka_unit_test(test_errors_syntax),
        cmocka_unit_test(test_errors_direction),
        cmocka_unit_test(test_errors_params),
        cmocka_unit_test(test_errors_sources),
        cmocka_unit_test(test_errors_long),
        cmocka_unit_test(test_srt_defaults),
        cmocka_unit_test(test_srt_params),
        cmocka_unit_test(test_srt_decode),
        cmocka_unit_test(test_srt_ipv6),
        cmocka_unit_test(test_srt_not_terminated),
        cmocka_unit_test(test_srt_errors),
        cmocka_unit_test(test_srt_udp_unchanged),
        cmocka_unit_test(test_redact),
        cmocka_unit_test(test_testsrc),
        cmocka_unit_test(test_hls),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
