/*
 * Unit tests for srt_streamid.c.  Stream ids are handed over as heap
 * buffers of the exact length without a terminating NUL, so ASan catches
 * any read past the end.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "srt_streamid.h"


static int
parse_n(const char *s, size_t len, srt_streamid_t *sid, char *err)
{
    char  *b;
    int    rc;

    b = malloc(len ? len : 1);
    assert_non_null(b);
    memcpy(b, s, len);

    memset(err, 'x', SRT_SID_ERR_LEN);
    rc = srt_streamid_parse(b, len, sid, err);
    free(b);

    /* the message is always a terminated string */
    assert_non_null(memchr(err, '\0', SRT_SID_ERR_LEN));

    return rc;
}


static void
ok(const char *s, srt_streamid_t *sid)
{
    char  err[SRT_SID_ERR_LEN];

    if (parse_n(s, strlen(s), sid, err) != 0) {
        fail_msg("\"%s\" rejected: %s", s, err);
    }

    assert_string_equal(err, "");
}


static void
bad(const char *s, const char *msg)
{
    char            err[SRT_SID_ERR_LEN];
    srt_streamid_t  sid;

    if (parse_n(s, strlen(s), &sid, err) != -1) {
        fail_msg("\"%s\" accepted", s);
    }

    if (strstr(err, msg) == NULL) {
        fail_msg("\"%s\": got \"%s\", expected \"%s\"", s, err, msg);
    }
}


static void
test_empty(void **state)
{
    char            err[SRT_SID_ERR_LEN];
    srt_streamid_t  sid;

    (void) state;

    ok("", &sid);
    assert_string_equal(sid.resource, "");
    assert_string_equal(sid.user, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);
    assert_int_equal(sid.bare, 1);

    assert_int_equal(srt_streamid_parse(NULL, 0, &sid, err), 0);
    assert_int_equal(sid.bare, 1);

    /* err may be NULL */
    assert_int_equal(srt_streamid_parse("#!::m=x", 7, &sid, NULL), -1);
}


static void
test_bare(void **state)
{
    char            name[300];
    srt_streamid_t  sid;

    (void) state;

    ok("main", &sid);
    assert_string_equal(sid.resource, "main");
    assert_string_equal(sid.user, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);
    assert_int_equal(sid.bare, 1);

    /* free-form: '=', ',', '#' and spaces are just characters */
    ok("live/cam 1?key=v,x#y", &sid);
    assert_string_equal(sid.resource, "live/cam 1?key=v,x#y");
    assert_int_equal(sid.bare, 1);

    /* only "#!::" and "#!:{" are special */
    ok("#!:", &sid);
    assert_string_equal(sid.resource, "#!:");
    assert_int_equal(sid.bare, 1);

    ok("#!:x", &sid);
    assert_string_equal(sid.resource, "#!:x");

    ok("#!", &sid);
    assert_string_equal(sid.resource, "#!");

    ok("#!;:r=a", &sid);
    assert_string_equal(sid.resource, "#!;:r=a");

    /* 255 characters fit, 256 do not */
    memset(name, 'n', 255);
    name[255] = '\0';
    ok(name, &sid);
    assert_int_equal(strlen(sid.resource), 255);

    memset(name, 'n', 256);
    name[256] = '\0';
    bad(name, "resource too long (max 255 characters)");
}


static void
test_list(void **state)
{
    srt_streamid_t  sid;

    (void) state;

    ok("#!::r=main,m=publish", &sid);
    assert_string_equal(sid.resource, "main");
    assert_string_equal(sid.user, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_PUBLISH);
    assert_int_equal(sid.bare, 0);

    ok("#!::m=request,r=live/cam1", &sid);
    assert_string_equal(sid.resource, "live/cam1");
    assert_int_equal(sid.mode, SRT_SID_MODE_REQUEST);
    assert_int_equal(sid.bare, 0);

    ok("#!::r=main", &sid);
    assert_string_equal(sid.resource, "main");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);

    ok("#!::r=x,m=bidirectional", &sid);
    assert_int_equal(sid.mode, SRT_SID_MODE_BIDIRECTIONAL);

    ok("#!::u=admin,r=bluesbrothers1_hi,m=publish", &sid);
    assert_string_equal(sid.user, "admin");
    assert_string_equal(sid.resource, "bluesbrothers1_hi");
    assert_int_equal(sid.mode, SRT_SID_MODE_PUBLISH);

    /* h, s and unknown keys are ignored */
    ok("#!::h=live.example.com,s=abc123,r=a,secret=xyz,token=,t=stream", &sid);
    assert_string_equal(sid.resource, "a");
    assert_string_equal(sid.user, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);

    /* the value is everything after the first '=' */
    ok("#!::r=a=b==,u=", &sid);
    assert_string_equal(sid.resource, "a=b==");
    assert_string_equal(sid.user, "");

    /* empty r is allowed, and so is no item at all */
    ok("#!::r=,m=request", &sid);
    assert_string_equal(sid.resource, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_REQUEST);
    assert_int_equal(sid.bare, 0);

    ok("#!::", &sid);
    assert_string_equal(sid.resource, "");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);
    assert_int_equal(sid.bare, 0);

    /* keys differing in case are different keys */
    ok("#!::r=a,R=b", &sid);
    assert_string_equal(sid.resource, "a");
}


static void
test_lengths(void **state)
{
    char            s[600];
    srt_streamid_t  sid;

    (void) state;

    memcpy(s, "#!::u=", 6);
    memset(s + 6, 'u', 63);
    s[6 + 63] = '\0';
    ok(s, &sid);
    assert_int_equal(strlen(sid.user), 63);

    memset(s + 6, 'u', 64);
    s[6 + 64] = '\0';
    bad(s, "user name too long (max 63 characters)");

    memcpy(s, "#!::r=", 6);
    memset(s + 6, 'r', 255);
    s[6 + 255] = '\0';
    ok(s, &sid);
    assert_int_equal(strlen(sid.resource), 255);

    memset(s + 6, 'r', 256);
    s[6 + 256] = '\0';
    bad(s, "resource too long (max 255 characters)");

    /* 512 in all fit, 513 do not */
    memcpy(s, "#!::r=a,x=", 10);
    memset(s + 10, 'x', 502);
    s[512] = '\0';
    ok(s, &sid);
    assert_string_equal(sid.resource, "a");

    memset(s + 10, 'x', 503);
    s[513] = '\0';
    bad(s, "streamid too long");

    memset(s, 'b', 513);
    s[513] = '\0';
    bad(s, "streamid too long (513 characters, max 512)");
}


static void
test_not_terminated(void **state)
{
    const char     *s;
    char            err[SRT_SID_ERR_LEN];
    srt_streamid_t  sid;

    (void) state;

    /* only the first len bytes count */
    s = "#!::r=main,m=publish,u=joe";
    assert_int_equal(parse_n(s, 10, &sid, err), 0);
    assert_string_equal(sid.resource, "main");
    assert_int_equal(sid.mode, SRT_SID_MODE_NONE);

    assert_int_equal(parse_n(s, 6, &sid, err), 0);
    assert_string_equal(sid.resource, "");

    assert_int_equal(parse_n(s, 5, &sid, err), -1);
    assert_string_equal(err, "missing \"=\" in item \"r\"");

    assert_int_equal(parse_n(s, 3, &sid, err), 0);
    assert_string_equal(sid.resource, "#!:");
    assert_int_equal(sid.bare, 1);

    assert_int_equal(parse_n(s, 16, &sid, err), -1);
    assert_string_equal(err, "unknown mode \"pub\", must be request, publish "
                        "or bidirectional");

    /* a NUL inside is a bad character, not an end */
    assert_int_equal(parse_n("ab\0cd", 5, &sid, err), -1);
    assert_string_equal(err, "invalid character at position 3 in streamid");
}


static void
test_errors(void **state)
{
    (void) state;

    bad("#!::t=stream,t=stream", "duplicate key \"t\"");
    bad("#!::t=file", "unsupported type \"file\"");
    bad("#!::r=a,t=auth", "unsupported type \"auth\"");
    bad("#!::t=", "unsupported type \"\"");
    bad("#!::t=Stream", "unsupported type \"Stream\"");

    bad("#!::r=a,m=play", "unknown mode \"play\"");
    bad("#!::m=", "unknown mode \"\"");
    bad("#!::m=Publish", "unknown mode \"Publish\"");

    bad("#!::r", "missing \"=\" in item \"r\"");
    bad("#!::r=a,main", "missing \"=\" in item \"main\"");
    bad("#!::r=a,", "missing \"=\" in item \"\"");
    bad("#!::,r=a", "missing \"=\" in item \"\"");
    bad("#!::r=a,,m=publish", "missing \"=\" in item \"\"");
    bad("#!::=a", "missing key in item \"=a\"");

    bad("#!::r=a,m=publish,r=b", "duplicate key \"r\"");
    bad("#!::u=x,u=x", "duplicate key \"u\"");
    bad("#!::m=publish,m=publish", "duplicate key \"m\"");
    bad("#!::foo=1,r=a,foo=2", "duplicate key \"foo\"");
    bad("#!::h=a,s=b,h=c", "duplicate key \"h\"");
    bad("#!::r=a=b,r=", "duplicate key \"r\"");

    bad("#!:{r=a}", "nested streamid syntax is not supported");
    bad("#!:{", "nested streamid syntax is not supported");

    bad("main\n", "invalid character at position 5 in streamid");
    bad("\x01", "invalid character at position 1");
    bad("#!::r=a\x7f", "invalid character at position 8");
    bad("caf\xc3\xa9", "invalid character at position 4");
    bad("#!::r=a\tb", "invalid character");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_bare),
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_not_terminated),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
