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
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
