/*
 * Unit tests for the SCTE-35 codec (ngx_scte35_module/scte35*.c): the
 * shared test vectors (decode, encode, JSON both ways, field by field),
 * every command and descriptor built from JSON, every UPID type, the
 * legacy splice_command_length, stuffing and other bytes kept for byte
 * exactness, truncations, bit flips and hostile lengths.  Sections handed
 * to the decoder are heap buffers of the exact size, so ASan catches any
 * read past them.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include <jansson.h>

#include "scte35.h"


#ifndef SCTE35_VECTORS
#define SCTE35_VECTORS  "../shared/testdata/scte35_vectors.json"
#endif

#define ERRLEN  256


/* helpers */

static size_t
unhex(const char *h, uint8_t *out, size_t max)
{
    size_t    i, n;
    unsigned  v;

    n = strlen(h) / 2;
    assert_true(n <= max);

    for (i = 0; i < n; i++) {
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t) v;
    }

    return n;
}


static scte35_section_t *
new_section(void)
{
    scte35_section_t  *sec;

    sec = malloc(sizeof(scte35_section_t));
    assert_non_null(sec);

    return sec;
}


/* decodes from a heap copy of exactly len bytes */
static int
decode(const uint8_t *p, size_t len, scte35_section_t *sec, char *err)
{
    int       rc;
    uint8_t  *b;

    b = malloc(len ? len : 1);
    assert_non_null(b);
    if (len) {
        memcpy(b, p, len);
    }

    rc = scte35_decode(b, len, sec, err, ERRLEN);
    free(b);

    return rc;
}


/* sets section_length from len and appends a correct CRC_32 */
static void
fix_section(uint8_t *s, size_t len)
{
    uint32_t  crc;

    s[1] = (uint8_t) ((s[1] & 0xf0) | ((len - 3) >> 8));
    s[2] = (uint8_t) (len - 3);

    crc = scte35_crc32(s, len - 4);
    s[len - 4] = (uint8_t) (crc >> 24);
    s[len - 3] = (uint8_t) (crc >> 16);
    s[len - 2] = (uint8_t) (crc >> 8);
    s[len - 1] = (uint8_t) crc;
}


static void
assert_encodes_to(const scte35_section_t *sec, const uint8_t *want,
    size_t len)
{
    int      rc;
    size_t   n;
    char     err[ERRLEN];
    uint8_t  out[SCTE35_MAX_SECTION];

    rc = scte35_encode(sec, out, sizeof(out), &n, err, sizeof(err));
    if (rc != SCTE35_OK) {
        print_error("encode: %s\n", err);
    }
    assert_int_equal(rc, SCTE35_OK);
    assert_int_equal(n, len);
    assert_memory_equal(out, want, len);
}


/*
 * The full cycle on valid bytes: decode, encode back, and through JSON:
 * every step must give the same bytes again.
 */
static void
assert_round_trip(const uint8_t *in, size_t len)
{
    int                rc;
    char               err[ERRLEN];
    json_t            *j;
    scte35_section_t  *sec, *sec2;

    sec = new_section();
    sec2 = new_section();

    rc = decode(in, len, sec, err);
    if (rc != SCTE35_OK) {
        print_error("decode: %s\n", err);
    }
    assert_int_equal(rc, SCTE35_OK);
    assert_encodes_to(sec, in, len);

    j = scte35_to_json(sec);
    assert_non_null(j);

    rc = scte35_from_json(j, sec2, err, sizeof(err));
    if (rc != SCTE35_OK) {
        print_error("from_json: %s\n", err);
    }
    assert_int_equal(rc, SCTE35_OK);
    assert_encodes_to(sec2, in, len);

    json_decref(j);
    free(sec);
    free(sec2);
}


/* from_json, then the full cycle on the bytes it encodes to */
static size_t
json_cycle(const char *text, uint8_t *out, scte35_section_t *sec)
{
    int           rc;
    size_t        n;
    char          err[ERRLEN];
    json_t       *j;
    json_error_t  je;

    j = json_loads(text, 0, &je);
    if (j == NULL) {
        print_error("bad test JSON: %s: %s\n", je.text, text);
    }
    assert_non_null(j);

    rc = scte35_from_json(j, sec, err, sizeof(err));
    if (rc != SCTE35_OK) {
        print_error("from_json: %s\n", err);
    }
    assert_int_equal(rc, SCTE35_OK);
    json_decref(j);

    assert_int_equal(scte35_encode(sec, out, SCTE35_MAX_SECTION, &n, err,
                                   sizeof(err)), SCTE35_OK);
    assert_round_trip(out, n);

    assert_int_equal(decode(out, n, sec, err), SCTE35_OK);

    return n;
}


static void
assert_json_error(const char *text, const char *want)
{
    int                rc;
    char               err[ERRLEN];
    json_t            *j;
    json_error_t       je;
    scte35_section_t  *sec;

    j = json_loads(text, 0, &je);
    if (j == NULL) {
        print_error("bad test JSON: %s: %s\n", je.text, text);
    }
    assert_non_null(j);

    sec = new_section();
    rc = scte35_from_json(j, sec, err, sizeof(err));
    json_decref(j);
    free(sec);

    if (rc != SCTE35_ERROR || strstr(err, want) == NULL) {
        print_error("%s\n  gave %d \"%s\", wanted \"%s\"\n", text, rc, err,
                    want);
    }
    assert_int_equal(rc, SCTE35_ERROR);
    assert_non_null(strstr(err, want));
}


static void
assert_decode_error(const uint8_t *p, size_t len, const char *want)
{
    int                rc;
    char               err[ERRLEN];
    scte35_section_t  *sec;

    sec = new_section();
    rc = decode(p, len, sec, err);
    free(sec);

    if (rc != SCTE35_ERROR || strstr(err, want) == NULL) {
        print_error("gave %d \"%s\", wanted \"%s\"\n", rc, err, want);
    }
    assert_int_equal(rc, SCTE35_ERROR);
    assert_non_null(strstr(err, want));
}


static json_t *
section_json(const uint8_t *p, size_t len)
{
    char               err[ERRLEN];
    json_t            *j;
    scte35_section_t  *sec;

    sec = new_section();
    assert_int_equal(decode(p, len, sec, err), SCTE35_OK);
    j = scte35_to_json(sec);
    assert_non_null(j);
    free(sec);

    return j;
}


/* the vectors */

typedef struct {
    json_t  *all;
} vectors_t;


static int
vectors_setup(void **state)
{
    vectors_t     *v;
    json_error_t   je;

    v = calloc(1, sizeof(vectors_t));
    if (v == NULL) {
        return -1;
    }

    v->all = json_load_file(SCTE35_VECTORS, 0, &je);
    *state = v;

    return 0;
}


static int
vectors_teardown(void **state)
{
    vectors_t  *v = *state;

    json_decref(v->all);
    free(v);

    return 0;
}


static json_t *
vectors(void **state)
{
    vectors_t  *v = *state;

    if (v->all == NULL) {
        print_message("no %s: skipped\n", SCTE35_VECTORS);
        skip();
    }

    assert_true(json_is_array(v->all));
    assert_true(json_array_size(v->all) >= 15);

    return v->all;
}


static int
vector_valid(json_t *v)
{
    return json_is_true(json_object_get(v, "verified"));
}


static size_t
vector_bytes(json_t *v, uint8_t *out)
{
    return unhex(json_string_value(json_object_get(v, "hex")), out,
                 SCTE35_MAX_SECTION);
}


/* every field of want must be in got, floats within 1e-6 */
static int
json_subset(json_t *want, json_t *got, const char *path)
{
    int          ok;
    char         sub[256];
    size_t       i;
    json_t      *w;
    const char  *key;

    if (json_is_number(want) && json_is_number(got)
        && (json_is_real(want) || json_is_real(got)))
    {
        if (fabs(json_number_value(want) - json_number_value(got)) > 1e-6) {
            print_error("%s: %f != %f\n", path, json_number_value(want),
                        json_number_value(got));
            return 0;
        }

        return 1;
    }

    if (json_typeof(want) != json_typeof(got)) {
        print_error("%s: JSON types differ\n", path);
        return 0;
    }

    if (json_is_object(want)) {
        ok = 1;

        json_object_foreach(want, key, w) {
            snprintf(sub, sizeof(sub), "%s.%s", path, key);

            if (json_object_get(got, key) == NULL) {
                print_error("%s: missing\n", sub);
                ok = 0;

            } else if (!json_subset(w, json_object_get(got, key), sub)) {
                ok = 0;
            }
        }

        return ok;
    }

    if (json_is_array(want)) {
        if (json_array_size(want) != json_array_size(got)) {
            print_error("%s: array sizes differ\n", path);
            return 0;
        }

        ok = 1;

        json_array_foreach(want, i, w) {
            snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
            if (!json_subset(w, json_array_get(got, i), sub)) {
                ok = 0;
            }
        }

        return ok;
    }

    if (!json_equal(want, got)) {
        print_error("%s: values differ\n", path);
        return 0;
    }

    return 1;
}


static void
test_crc(void **state)
{
    (void) state;

    assert_int_equal(scte35_crc32((const uint8_t *) "123456789", 9),
                     0x0376e6e7);
    assert_int_equal(scte35_crc32((const uint8_t *) "", 0), 0xffffffff);
}


static void
test_vectors_round_trip(void **state)
{
    size_t    i, n, count;
    json_t   *all, *v;
    uint8_t   in[SCTE35_MAX_SECTION];

    all = vectors(state);
    count = 0;

    json_array_foreach(all, i, v) {
        if (!vector_valid(v)) {
            continue;
        }

        n = vector_bytes(v, in);

        /* CRC over a whole valid section is 0 */
        assert_int_equal(scte35_crc32(in, n), 0);

        assert_round_trip(in, n);
        count++;
    }

    assert_int_equal(count, 14);
}


static void
test_vectors_from_decoded(void **state)
{
    int                rc;
    size_t             i, n, count;
    char               err[ERRLEN];
    json_t            *all, *v;
    uint8_t            in[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    all = vectors(state);
    sec = new_section();
    count = 0;

    json_array_foreach(all, i, v) {
        if (!vector_valid(v)) {
            continue;
        }

        n = vector_bytes(v, in);

        rc = scte35_from_json(json_object_get(v, "decoded"), sec, err,
                              sizeof(err));
        if (rc != SCTE35_OK) {
            print_error("%s: %s\n",
                        json_string_value(json_object_get(v, "name")), err);
        }
        assert_int_equal(rc, SCTE35_OK);
        assert_encodes_to(sec, in, n);
        count++;
    }

    assert_int_equal(count, 14);
    free(sec);
}


static void
test_vectors_fields(void **state)
{
    int                rc;
    size_t             i, n;
    char               err[ERRLEN];
    json_t            *all, *v, *j;
    uint8_t            in[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    all = vectors(state);
    sec = new_section();

    /* the negative vector too: crc_32, crc_ok and crc_computed included */
    json_array_foreach(all, i, v) {
        n = vector_bytes(v, in);

        rc = decode(in, n, sec, err);
        assert_int_equal(rc, vector_valid(v) ? SCTE35_OK : SCTE35_BAD_CRC);

        j = scte35_to_json(sec);
        assert_non_null(j);

        if (!json_subset(json_object_get(v, "decoded"), j,
                         json_string_value(json_object_get(v, "name"))))
        {
            fail_msg("%s: to_json differs from the vector",
                     json_string_value(json_object_get(v, "name")));
        }

        json_decref(j);
    }

    free(sec);
}


static void
test_vector_bad_crc(void **state)
{
    int                rc;
    size_t             i, n, len;
    char               err[ERRLEN];
    json_t            *all, *v;
    uint8_t            in[SCTE35_MAX_SECTION], out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    all = vectors(state);
    sec = new_section();
    n = 0;

    json_array_foreach(all, i, v) {
        if (strcmp(json_string_value(json_object_get(v, "name")),
                   "NEGATIVE_invalid_crc") == 0)
        {
            n = vector_bytes(v, in);
        }
    }

    assert_true(n > 0);

    rc = decode(in, n, sec, err);
    assert_int_equal(rc, SCTE35_BAD_CRC);
    assert_non_null(strstr(err, "CRC_32 0xa7983b74"));
    assert_non_null(strstr(err, "0xa7983b73"));

    /* still decoded in full, so passthrough code can look at it */
    assert_int_equal(sec->splice_command_type, SCTE35_SPLICE_INSERT);
    assert_int_equal(sec->cmd.insert.splice_event_id, 274688);
    assert_int_equal(sec->cmd.insert.splice_time.pts_time, 6868246988ULL);
    assert_int_equal(sec->descriptor_count, 1);
    assert_int_equal(sec->crc_32, 0xa7983b74);

    /* re-encoding repairs the CRC and changes nothing else */
    assert_int_equal(scte35_encode(sec, out, sizeof(out), &len, err,
                                   sizeof(err)), SCTE35_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, in, n - 4);
    assert_int_equal(out[n - 1], 0x73);
    assert_int_equal(decode(out, len, sec, err), SCTE35_OK);

    free(sec);
}


/* every length short of the whole, as is and with a consistent header */
static void
test_truncations(void **state)
{
    size_t             i, n, len;
    char               err[ERRLEN];
    json_t            *all, *v;
    uint8_t            in[SCTE35_MAX_SECTION], cut[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    all = vectors(state);
    sec = new_section();

    json_array_foreach(all, i, v) {
        n = vector_bytes(v, in);

        for (len = 0; len < n; len++) {
            assert_int_equal(decode(in, len, sec, err), SCTE35_ERROR);
            assert_true(err[0] != '\0');

            if (len < 17) {
                continue;
            }

            /* the first len - 4 bytes, then a valid CRC */
            memcpy(cut, in, len - 4);
            fix_section(cut, len);
            assert_int_equal(decode(cut, len, sec, err), SCTE35_ERROR);
            assert_true(err[0] != '\0');
        }
    }

    assert_int_equal(scte35_decode(NULL, 0, sec, err, sizeof(err)),
                     SCTE35_ERROR);
    assert_int_equal(scte35_decode(NULL, 100, sec, NULL, 0), SCTE35_ERROR);

    free(sec);
}


/*
 * Each bit of each vector flipped, with and without repairing the CRC:
 * never a crash, and whatever decodes with a good CRC re-encodes to the
 * same bytes, directly and through JSON.
 */
static void
test_bit_flips(void **state)
{
    int                rc;
    size_t             i, n, bit, decoded;
    char               err[ERRLEN];
    json_t            *all, *v;
    uint8_t            in[SCTE35_MAX_SECTION], b[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    all = vectors(state);
    sec = new_section();
    decoded = 0;

    json_array_foreach(all, i, v) {
        n = vector_bytes(v, in);

        for (bit = 0; bit < 8 * n; bit++) {
            memcpy(b, in, n);
            b[bit / 8] ^= (uint8_t) (0x80 >> (bit % 8));

            rc = decode(b, n, sec, err);
            assert_true(rc == SCTE35_ERROR || rc == SCTE35_BAD_CRC
                        || (rc == SCTE35_OK && !vector_valid(v)));

            if (bit >= 8 * (n - 4)) {
                continue;
            }

            fix_section(b, n);

            if (decode(b, n, sec, err) == SCTE35_OK) {
                assert_round_trip(b, n);
                decoded++;
            }
        }
    }

    /* most flips land in values, not in lengths */
    assert_true(decoded > 1000);
    print_message("bit flips: %zu decoded and round-tripped\n", decoded);

    free(sec);
}


/* commands */

static void
test_splice_null_and_bandwidth(void **state)
{
    size_t             n;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    n = json_cycle("{\"command\": \"splice_null\"}", out, sec);
    assert_int_equal(n, 20);
    assert_int_equal(sec->tier, 0xfff);
    assert_int_equal(sec->sap_type, 3);

    n = json_cycle("{\"command\": \"bandwidth_reservation\", "
                   "\"splice_command_type\": 7, \"cw_index\": 9, "
                   "\"descriptors\": [{\"tag\": 0, \"provider_avail_id\": 7}"
                   "]}", out, sec);
    assert_int_equal(sec->splice_command_type, 7);
    assert_int_equal(sec->cw_index, 9);
    assert_int_equal(sec->descriptors[0].u.avail.provider_avail_id, 7);
    assert_int_equal(n, 20 + 10);

    free(sec);
}


static void
test_time_signal(void **state)
{
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    /* time not specified: one byte */
    json_cycle("{\"command\": \"time_signal\", \"time_specified_flag\": 0}",
               out, sec);
    assert_int_equal(sec->splice_command_length, 1);
    assert_int_equal(sec->cmd.time_signal.time_specified_flag, 0);

    /* 33-bit pts and pts_adjustment above 2^32: adjusted mod 2^33 */
    json_cycle("{\"command\": \"time_signal\", \"pts_time\": 8589934591, "
               "\"pts_adjustment\": 4294967297, "
               "\"pts_time_adjusted\": 4294967296}", out, sec);
    assert_int_equal(sec->pts_adjustment, 4294967297ULL);
    assert_int_equal(sec->cmd.time_signal.pts_time, 8589934591ULL);
    assert_int_equal(out[4] & 1, 1);

    free(sec);
}


static void
test_splice_insert_modes(void **state)
{
    size_t             n;
    json_t            *j;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    /* component mode with splice times and a break */
    n = json_cycle("{\"command\": \"splice_insert\", \"splice_event_id\": 9,"
                   " \"out_of_network_indicator\": 1,"
                   " \"program_splice_flag\": 0,"
                   " \"components\": [{\"component_tag\": 1,"
                   " \"pts_time\": 90000}, {\"component_tag\": 2,"
                   " \"time_specified_flag\": 0}],"
                   " \"break_duration\": {\"auto_return\": 1,"
                   " \"duration\": 2700000}, \"unique_program_id\": 77,"
                   " \"avail_num\": 1, \"avails_expected\": 2}", out, sec);
    assert_int_equal(sec->cmd.insert.program_splice_flag, 0);
    assert_int_equal(sec->cmd.insert.component_count, 2);
    assert_int_equal(sec->cmd.insert.components[0].splice_time.pts_time,
                     90000);
    assert_int_equal(sec->cmd.insert.components[1]
                     .splice_time.time_specified_flag, 0);
    assert_int_equal(sec->cmd.insert.duration_flag, 1);
    assert_int_equal(sec->cmd.insert.break_duration.duration, 2700000);
    /* 5 + 1 + 1 + (1 + 5) + (1 + 1) + 5 + 4 */
    assert_int_equal(sec->splice_command_length, 24);

    j = section_json(out, n);
    assert_int_equal(json_array_size(json_object_get(j, "components")), 2);
    assert_null(json_object_get(j, "pts_time"));
    json_decref(j);

    /* component mode, immediate: tags only */
    json_cycle("{\"command\": \"splice_insert\", \"splice_event_id\": 10,"
               " \"program_splice_flag\": 0, \"splice_immediate_flag\": 1,"
               " \"components\": [{\"component_tag\": 5},"
               " {\"component_tag\": 6}, {\"component_tag\": 7}]}",
               out, sec);
    assert_int_equal(sec->cmd.insert.component_count, 3);
    assert_int_equal(sec->splice_command_length, 5 + 1 + 1 + 3 + 4);

    /* program mode, immediate: no splice_time */
    json_cycle("{\"command\": \"splice_insert\", \"splice_event_id\": 11,"
               " \"splice_immediate_flag\": 1}", out, sec);
    assert_int_equal(sec->splice_command_length, 10);

    /* cancel: event id and one byte */
    json_cycle("{\"command\": \"splice_insert\", \"splice_event_id\": 12,"
               " \"splice_event_cancel_indicator\": 1}", out, sec);
    assert_int_equal(sec->splice_command_length, 5);
    assert_int_equal(sec->cmd.insert.splice_event_cancel_indicator, 1);

    free(sec);
}


static void
test_splice_schedule(void **state)
{
    size_t             n;
    json_t            *j;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    n = json_cycle("{\"command\": \"splice_schedule\", \"splice_count\": 3,"
                   " \"events\": ["
                   " {\"splice_event_id\": 1, \"out_of_network_indicator\": 1,"
                   "  \"utc_splice_time\": 1700000000, \"break_duration\":"
                   "  {\"auto_return\": 1, \"duration\": 2700000},"
                   "  \"unique_program_id\": 5, \"avail_num\": 1,"
                   "  \"avails_expected\": 2},"
                   " {\"splice_event_id\": 2, \"program_splice_flag\": 0,"
                   "  \"components\": [{\"component_tag\": 1,"
                   "  \"utc_splice_time\": 1700000001}, {\"component_tag\": 2,"
                   "  \"utc_splice_time\": 1700000002}]},"
                   " {\"splice_event_id\": 3,"
                   "  \"splice_event_cancel_indicator\": 1}]}", out, sec);

    assert_int_equal(sec->splice_command_type, SCTE35_SPLICE_SCHEDULE);
    assert_int_equal(sec->cmd.schedule.splice_count, 3);
    assert_int_equal(sec->cmd.schedule.events[0].utc_splice_time,
                     1700000000);
    assert_int_equal(sec->cmd.schedule.events[0].duration_flag, 1);
    assert_int_equal(sec->cmd.schedule.events[1].component_count, 2);
    assert_int_equal(sec->cmd.schedule.events[1].components[1]
                     .utc_splice_time, 1700000002);
    assert_int_equal(sec->cmd.schedule.events[2]
                     .splice_event_cancel_indicator, 1);
    /* 1 + (5 + 1 + 4 + 5 + 4) + (5 + 1 + 1 + 10 + 4) + 5 */
    assert_int_equal(sec->splice_command_length, 46);

    j = section_json(out, n);
    assert_int_equal(json_integer_value(json_object_get(j, "splice_count")),
                     3);
    json_decref(j);

    free(sec);
}


static void
test_private_command(void **state)
{
    size_t             n;
    json_t            *j;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    n = json_cycle("{\"command\": \"private_command\", \"identifier\": "
                   "\"ABCD\", \"private_bytes\": \"00ff10\"}", out, sec);
    assert_int_equal(sec->splice_command_type, 0xff);
    assert_int_equal(sec->cmd.private_cmd.identifier, 0x41424344);
    assert_int_equal(sec->cmd.private_cmd.private_length, 3);
    assert_int_equal(sec->splice_command_length, 7);

    /* a binary identifier comes back as {"hex"} */
    n = json_cycle("{\"command\": \"private_command\", \"identifier\": "
                   "{\"hex\": \"0x00010203\"}}", out, sec);
    assert_int_equal(sec->cmd.private_cmd.identifier, 0x00010203);
    j = section_json(out, n);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(j, "identifier"), "hex")),
                        "0x00010203");
    json_decref(j);

    free(sec);
}


/* descriptors */

static void
test_descriptors(void **state)
{
    size_t             n;
    json_t            *j, *d;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    n = json_cycle("{\"command\": \"time_signal\", \"pts_time\": 1,"
                   " \"descriptors\": ["
                   " {\"name\": \"avail_descriptor\","
                   "  \"provider_avail_id\": 4294967295},"
                   " {\"tag\": 1, \"name\": \"DTMF_descriptor\","
                   "  \"preroll\": 177, \"dtmf_chars\": \"1234567\"},"
                   " {\"name\": \"time_descriptor\","
                   "  \"TAI_seconds\": 281474976710655,"
                   "  \"TAI_ns\": 999999999, \"UTC_offset\": 37},"
                   " {\"name\": \"audio_descriptor\", \"components\": ["
                   "  {\"component_tag\": 1, \"ISO_code\": \"eng\","
                   "   \"Bit_Stream_Mode\": 7, \"Num_Channels\": 15,"
                   "   \"Full_Srvc_Audio\": 1},"
                   "  {\"component_tag\": 2, \"ISO_code\": \"fra\","
                   "   \"Bit_Stream_Mode\": 0, \"Num_Channels\": 2,"
                   "   \"Full_Srvc_Audio\": 0}]},"
                   " {\"tag\": 7, \"identifier\": \"CUEI\","
                   "  \"private_bytes\": \"0102\"},"
                   " {\"tag\": 240, \"identifier\": \"XYZW\","
                   "  \"name\": \"private\", \"private_bytes\": \"\"}"
                   "]}", out, sec);

    assert_int_equal(sec->descriptor_count, 6);
    assert_int_equal(sec->descriptors[0].u.avail.provider_avail_id,
                     0xffffffff);
    assert_int_equal(sec->descriptors[1].u.dtmf.dtmf_count, 7);
    assert_memory_equal(sec->descriptors[1].u.dtmf.dtmf_chars, "1234567", 7);
    assert_int_equal(sec->descriptors[2].u.time.tai_seconds,
                     0xffffffffffffULL);
    assert_int_equal(sec->descriptors[2].u.time.tai_ns, 999999999);
    assert_int_equal(sec->descriptors[2].u.time.utc_offset, 37);
    assert_int_equal(sec->descriptors[3].u.audio.audio_count, 2);
    assert_memory_equal(sec->descriptors[3].u.audio.components[1].iso_code,
                        "fra", 3);
    assert_int_equal(sec->descriptors[3].u.audio.components[0]
                     .num_channels, 15);
    assert_int_equal(sec->descriptors[4].tag, 7);
    assert_int_equal(sec->descriptors[4].data_length, 2);
    assert_int_equal(sec->descriptors[5].identifier, 0x58595a57);

    j = section_json(out, n);
    d = json_object_get(j, "descriptors");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 1), "dtmf_chars")), "1234567");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 4), "name")), "private");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(d, 3), "name")),
                        "audio_descriptor");
    json_decref(j);

    free(sec);
}


static void
test_segmentation_forms(void **state)
{
    size_t             n;
    json_t            *j, *d;
    uint8_t            out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;
    scte35_segmentation_t  *sg;

    (void) state;

    sec = new_section();

    /* component mode, restrictions, duration, sub-segments */
    n = json_cycle("{\"command\": \"time_signal\", \"pts_time\": 1,"
                   " \"descriptors\": [{\"name\": \"segmentation_descriptor\","
                   " \"segmentation_event_id\": 100,"
                   " \"program_segmentation_flag\": 0,"
                   " \"delivery_not_restricted_flag\": 0,"
                   " \"web_delivery_allowed_flag\": 1,"
                   " \"no_regional_blackout_flag\": 0,"
                   " \"archive_allowed_flag\": 1, \"device_restrictions\": 2,"
                   " \"components\": [{\"component_tag\": 1,"
                   " \"pts_offset\": 8589934591}, {\"component_tag\": 2,"
                   " \"pts_offset\": 0}],"
                   " \"segmentation_duration\": 1099511627775,"
                   " \"segmentation_upid_type\": 9,"
                   " \"segmentation_upid\": \"abc\","
                   " \"segmentation_type_id\": 52, \"segment_num\": 1,"
                   " \"segments_expected\": 2, \"sub_segment_num\": 3,"
                   " \"sub_segments_expected\": 4}]}", out, sec);

    sg = &sec->descriptors[0].u.segmentation;
    assert_int_equal(sg->program_segmentation_flag, 0);
    assert_int_equal(sg->component_count, 2);
    assert_int_equal(sg->components[0].pts_offset, SCTE35_MAX_33);
    assert_int_equal(sg->segmentation_duration_flag, 1);
    assert_int_equal(sg->segmentation_duration, SCTE35_MAX_40);
    assert_int_equal(sg->device_restrictions, 2);
    assert_int_equal(sg->archive_allowed_flag, 1);
    assert_int_equal(sg->sub_segments_present, 1);
    assert_int_equal(sg->sub_segment_num, 3);
    assert_int_equal(sg->sub_segments_expected, 4);

    j = section_json(out, n);
    d = json_array_get(json_object_get(j, "descriptors"), 0);
    assert_int_equal(json_integer_value(json_object_get(d,
                         "sub_segments_expected")), 4);
    assert_int_equal(json_array_size(json_object_get(d, "components")), 2);
    json_decref(j);

    /* cancel: nothing after the event id */
    json_cycle("{\"command\": \"time_signal\", \"pts_time\": 1,"
               " \"descriptors\": [{\"name\": \"segmentation_descriptor\","
               " \"segmentation_event_id\": 100,"
               " \"segmentation_event_cancel_indicator\": 1}]}", out, sec);
    assert_int_equal(sec->descriptors[0].u.segmentation
                     .segmentation_event_cancel_indicator, 1);
    assert_int_equal(out[13 + 1 + 5 + 2 + 1], 9);  /* descriptor_length */

    free(sec);
}


/* one segmentation descriptor with the given UPID; returns its JSON form */
static json_t *
upid_cycle(unsigned type, const char *value, const uint8_t *want,
    size_t want_len)
{
    char                   text[1024];
    size_t                 n;
    json_t                *j, *u;
    uint8_t                out[SCTE35_MAX_SECTION];
    scte35_section_t      *sec;
    scte35_segmentation_t *sg;

    snprintf(text, sizeof(text), "{\"command\": \"time_signal\", "
             "\"pts_time\": 1, \"descriptors\": [{\"tag\": 2, "
             "\"segmentation_event_id\": 1, \"segmentation_upid_type\": %u, "
             "\"segmentation_upid\": %s, \"segmentation_type_id\": 1}]}",
             type, value);

    sec = new_section();
    n = json_cycle(text, out, sec);

    sg = &sec->descriptors[0].u.segmentation;
    assert_int_equal(sg->segmentation_upid_type, type);
    assert_int_equal(sg->segmentation_upid_length, want_len);
    assert_memory_equal(sg->segmentation_upid, want, want_len);

    j = section_json(out, n);
    u = json_object_get(json_array_get(json_object_get(j, "descriptors"), 0),
                        "segmentation_upid");
    json_incref(u);
    json_decref(j);
    free(sec);

    return u;
}


static void
test_upid_types(void **state)
{
    size_t    i, n;
    json_t   *u;
    uint8_t   want[64];
    static const struct {
        unsigned     type;
        const char  *value;
        const char  *bytes;
        json_type    form;      /* how to_json shows it */
    } cases[] = {
        { 0x00, "{\"hex\": \"\"}", "", JSON_OBJECT },
        { 0x01, "\"04\"", "3034", JSON_STRING },
        { 0x02, "\"ABCD1234\"", "4142434431323334", JSON_STRING },
        { 0x03, "\"ABCD0001000H\"", "414243443030303130303048",
          JSON_STRING },
        { 0x04, "{\"hex\": \"0x060a2b340101010501010d2013000000d2c9036c8f"
                "195343ab7014d2d718bfda\"}",
          "060a2b340101010501010d2013000000d2c9036c8f195343ab7014d2d718bfda",
          JSON_OBJECT },
        { 0x05, "{\"hex\": \"0x0000000000000001\"}", "0000000000000001",
          JSON_OBJECT },
        { 0x06, "{\"hex\": \"0x000000002ca0a18a000000ff\"}",
          "000000002ca0a18a000000ff", JSON_OBJECT },
        { 0x07, "\"MV000000000001\"", "4d56303030303030303030303031",
          JSON_STRING },
        { 0x08, "{\"int\": 748724618, \"hex\": \"0x000000002ca0a18a\"}",
          "000000002ca0a18a", JSON_OBJECT },
        { 0x08, "{\"int\": 748724618}", "000000002ca0a18a", JSON_OBJECT },
        { 0x08, "{\"hex\": \"0xffffffffffffffff\"}", "ffffffffffffffff",
          JSON_OBJECT },
        { 0x08, "{\"hex\": \"0x0102\"}", "0102", JSON_OBJECT },
        { 0x09, "\"SIGNAL:abc\"", "5349474e414c3a616263", JSON_STRING },
        { 0x0a, "\"10.5239/8BE5-E3F6-0000-0000-0000\"",
          "14778be5e3f6000000000000", JSON_STRING },
        { 0x0a, "{\"hex\": \"0x14778be5e3f6000000000000\"}",
          "14778be5e3f6000000000000", JSON_STRING },
        { 0x0a, "{\"hex\": \"0x1477\"}", "1477", JSON_OBJECT },
        { 0x0b, "{\"hex\": \"0x00ff12345678\"}", "00ff12345678",
          JSON_OBJECT },
        { 0x0c, "{\"format_identifier\": \"MPU1\", \"private_data\": "
                "\"a0b1\"}", "4d505531a0b1", JSON_OBJECT },
        { 0x0c, "{\"format_identifier\": {\"hex\": \"0x00000001\"}}",
          "00000001", JSON_OBJECT },
        { 0x0d, "[{\"type\": 8, \"value\": {\"int\": 1}},"
                " {\"type\": 10, \"type_name\": \"EIDR\","
                "  \"value\": \"10.1/0000-0000-0000-0000-0001\"},"
                " {\"type\": 15, \"value\": \"u\"},"
                " {\"type\": 12,"
                "  \"value\": {\"format_identifier\": \"ABCD\"}},"
                " {\"type\": 0, \"value\": {\"hex\": \"\"}}]",
          "08080000000000000001"
          "0a0c000100000000000000000001"
          "0f0175" "0c0441424344" "0000", JSON_ARRAY },
        { 0x0d, "[]", "", JSON_ARRAY },
        { 0x0e, "\"ads-info\"", "6164732d696e666f", JSON_STRING },
        { 0x0f, "\"urn:uuid:1\"", "75726e3a757569643a31", JSON_STRING },
        { 0x10, "{\"hex\": \"0x00112233445566778899aabbccddeeff\"}",
          "00112233445566778899aabbccddeeff", JSON_OBJECT },
        { 0x11, "\"scr-1\"", "7363722d31", JSON_STRING },
        { 0x20, "{\"hex\": \"0x01\"}", "01", JSON_OBJECT },
        /* a text type with bytes that are not text */
        { 0x0f, "{\"hex\": \"0x00ff\"}", "00ff", JSON_OBJECT },
        { 0x09, "\"\"", "", JSON_STRING },
    };

    (void) state;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        n = unhex(cases[i].bytes, want, sizeof(want));
        u = upid_cycle(cases[i].type, cases[i].value, want, n);

        if (json_typeof(u) != cases[i].form) {
            fail_msg("upid case %zu: to_json form %d, wanted %d", i,
                     json_typeof(u), cases[i].form);
        }

        json_decref(u);
    }
}


static void
test_mid_add(void **state)
{
    size_t             len;
    char               err[ERRLEN];
    uint8_t            out[SCTE35_MAX_SECTION], big[300];
    scte35_section_t  *sec;
    scte35_segmentation_t  *sg;

    (void) state;

    sec = new_section();
    scte35_section_init(sec);
    sec->splice_command_type = SCTE35_TIME_SIGNAL;
    sec->cmd.time_signal.time_specified_flag = 1;
    sec->cmd.time_signal.pts_time = 123;
    sec->descriptor_count = 1;
    sec->descriptors[0].tag = SCTE35_DESC_SEGMENTATION;
    sec->descriptors[0].identifier = SCTE35_CUEI;

    sg = &sec->descriptors[0].u.segmentation;
    sg->segmentation_event_id = 5;
    sg->program_segmentation_flag = 1;
    sg->delivery_not_restricted_flag = 1;
    sg->segmentation_type_id = 0x30;

    memset(big, 'x', sizeof(big));

    assert_int_equal(scte35_mid_add(sg, 0x09, (const uint8_t *) "ADI:1", 5),
                     0);
    assert_int_equal(scte35_mid_add(sg, 0x0f, (const uint8_t *) "urn:a", 5),
                     0);
    assert_int_equal(scte35_mid_add(sg, 0x0d, big, 1), -1);
    assert_int_equal(scte35_mid_add(sg, 0x01, big, 250), -1);
    assert_int_equal(sg->segmentation_upid_type, SCTE35_UPID_MID);
    assert_int_equal(sg->segmentation_upid_length, 14);

    assert_int_equal(scte35_encode(sec, out, sizeof(out), &len, err,
                                   sizeof(err)), SCTE35_OK);
    assert_round_trip(out, len);

    free(sec);
}


/* raw sections: hex up to the CRC, then 4 bytes for a correct CRC */
static size_t
build(const char *hex, uint8_t *out)
{
    size_t  n;

    n = unhex(hex, out, SCTE35_MAX_SECTION - 4) + 4;
    fix_section(out, n);

    return n;
}


#define V14_1  "FC3034000000000000FFFFF00506FE72BD0050001E021C435545494800" \
               "008E7FCF0001A599B00808000000002CA0A18A3402009AC9D17E"
#define V14_2  "FC302F000000000000FFFFF014054800008F7FEFFE7369C02EFE0052CC" \
               "F500000000000A0008435545490000013562DBA30A"
#define VDTMF  "FC303100000000000000FFF01405400087AE7FEFFED005912BFE0052" \
               "65C0002D007F000C010A43554549509F3531392AA39FFE80"
#define VNULL  "FC301100000000000000FFF0000000007A4FBFFF"
#define VMID   "FC306B00000000000000FFF00506FF000000000055025343554549000" \
               "000027FBF0D440A0C14778BE5E3F60000000000000A0C14778BE5E3F60" \
               "0000000000009265349474E414C3A4C7939454D47784B523068465A557" \
               "4704D48644355565A6E5255466E5A7A31370103A41339EF"


static void
patch(uint8_t *s, size_t len, size_t at, uint8_t v)
{
    s[at] = v;
    fix_section(s, len);
}


static void
test_hostile_lengths(void **state)
{
    size_t   n, i;
    char     hex[2 * SCTE35_MAX_SECTION];
    uint8_t  s[SCTE35_MAX_SECTION + 8], out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    /* upid_length beyond the descriptor */
    n = unhex(V14_1, s, sizeof(s));
    patch(s, n, 39, 40);
    assert_decode_error(s, n, "segmentation_descriptor: upid_length 40 "
                        "exceeds descriptor length");
    assert_decode_error(s, n, "at byte 39");

    /* descriptor_length beyond the loop, and too short for CUEI */
    n = unhex(V14_2, s, sizeof(s));
    patch(s, n, 37, 10);
    assert_decode_error(s, n, "descriptor_length 10 exceeds "
                        "descriptor_loop_length");
    patch(s, n, 37, 2);
    assert_decode_error(s, n, "no room for the identifier");

    /* descriptor_loop_length beyond the section */
    n = unhex(V14_2, s, sizeof(s));
    patch(s, n, 35, 0xff);
    assert_decode_error(s, n, "descriptor_loop_length 255 exceeds");

    /* splice_command_length beyond the section, and too short */
    n = unhex(V14_2, s, sizeof(s));
    patch(s, n, 12, 0xff);
    assert_decode_error(s, n, "splice_command_length 255 exceeds");
    patch(s, n, 12, 0x10);
    assert_decode_error(s, n, "splice_insert");

    /* section_length against the buffer, table_id */
    n = unhex(V14_2, s, sizeof(s));
    assert_decode_error(s, n + 1, "section_length 47 means 50 bytes");
    s[0] = 0xfd;
    assert_decode_error(s, n, "table_id 0xfd");

    /* section_length above 4093, whatever the buffer */
    n = unhex(V14_2, s, sizeof(s));
    s[1] |= 0x0f;
    s[2] = 0xfe;
    memset(s + n, 0xff, 4097 - n);
    assert_decode_error(s, 4097, "section_length 4094 exceeds 4093");

    /* component_count beyond the command */
    sec = new_section();
    n = json_cycle("{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
                   " \"program_splice_flag\": 0, \"components\": ["
                   " {\"component_tag\": 1, \"pts_time\": 5}]}", s, sec);
    patch(s, n, 20, 200);
    assert_decode_error(s, n, "splice_insert: component_count 200 exceeds");

    /* segmentation component_count beyond the descriptor */
    n = json_cycle("{\"command\": \"time_signal\", \"pts_time\": 1,"
                   " \"descriptors\": [{\"tag\": 2,"
                   " \"segmentation_event_id\": 1,"
                   " \"program_segmentation_flag\": 0,"
                   " \"components\": [{\"component_tag\": 1,"
                   " \"pts_offset\": 2}], \"segmentation_type_id\": 1}]}",
                   s, sec);
    patch(s, n, 33, 9);
    assert_decode_error(s, n, "segmentation_descriptor: component_count 9 "
                        "exceeds");

    /* audio_count beyond the descriptor */
    n = json_cycle("{\"command\": \"time_signal\", \"pts_time\": 1,"
                   " \"descriptors\": [{\"tag\": 4, \"components\": ["
                   " {\"component_tag\": 1, \"ISO_code\": \"eng\","
                   " \"Bit_Stream_Mode\": 0, \"Num_Channels\": 2,"
                   " \"Full_Srvc_Audio\": 1}]}]}", s, sec);
    patch(s, n, 27, 0xf0);
    assert_decode_error(s, n, "audio_descriptor: audio_count 15 exceeds");
    free(sec);

    /* dtmf_count beyond the descriptor */
    n = unhex(VDTMF, s, sizeof(s));
    patch(s, n, 43, 0xff);
    assert_decode_error(s, n, "DTMF_descriptor: dtmf_count 7 exceeds");

    /* MID entries that do not fill the UPID, and a MID in a MID */
    n = unhex(VMID, s, sizeof(s));
    patch(s, n, 36, 0x43);
    assert_decode_error(s, n, "MID upid: entry length exceeds the MID "
                        "upid_length at byte 35");
    patch(s, n, 36, 0x40);
    assert_decode_error(s, n, "MID upid: entry length exceeds the MID "
                        "upid_length at byte 101");
    n = unhex(VMID, s, sizeof(s));
    patch(s, n, 35, 0x0d);
    assert_decode_error(s, n, "MID nested in a MID");
    n = unhex(VMID, s, sizeof(s));
    patch(s, n, 34, 0x43);
    assert_decode_error(s, n, "MID upid");

    /* more descriptors than the struct holds */
    strcpy(hex, "FC300000000000000000FFF00506FE0000000000C6");
    for (i = 0; i < 33; i++) {
        strcat(hex, "F00441424344");
    }
    n = build(hex, s);
    assert_decode_error(s, n, "more than 32 descriptors");

    /* splice_schedule over the event limit, reserved command types */
    n = build("FC300000000000000000FFF001041100", s);
    assert_decode_error(s, n, "splice_count 17 exceeds the limit of 16");
    n = build("FC300000000000000000FFF000020000", s);
    assert_decode_error(s, n, "splice_command_type 0x02 is reserved");

    /* the error never depends on reading past the buffer */
    assert_int_equal(scte35_encode(&(scte35_section_t) { 0 }, NULL, 0, &n,
                                   NULL, 0), SCTE35_NO_SPACE);
    (void) out;
}


static void
test_legacy_command_length(void **state)
{
    int                rc;
    size_t             n, len;
    char               err[ERRLEN];
    json_t            *j;
    uint8_t            s[SCTE35_MAX_SECTION], out[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    /* time_signal with segmentation, splice_insert with DTMF, null */
    n = unhex(V14_1, s, sizeof(s));
    s[11] = 0xff;
    patch(s, n, 12, 0xff);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->splice_command_length, SCTE35_CMD_LEN_UNKNOWN);
    assert_int_equal(sec->cmd.time_signal.pts_time, 1924989008);
    assert_int_equal(sec->descriptor_count, 1);
    assert_round_trip(s, n);

    j = section_json(s, n);
    assert_int_equal(json_integer_value(json_object_get(j,
                         "splice_command_length")), 4095);
    assert_int_equal(json_integer_value(json_object_get(j,
                         "descriptor_loop_length")), 30);
    json_decref(j);

    n = unhex(VDTMF, s, sizeof(s));
    s[11] = 0xff;
    patch(s, n, 12, 0xff);
    assert_round_trip(s, n);

    n = unhex(VNULL, s, sizeof(s));
    s[11] = 0xff;
    patch(s, n, 12, 0xff);
    assert_round_trip(s, n);

    /* from JSON, a schedule */
    n = json_cycle("{\"command\": \"splice_schedule\","
                   " \"splice_command_length\": 4095, \"events\": ["
                   " {\"splice_event_id\": 3, \"utc_splice_time\": 9}]}",
                   s, sec);
    assert_int_equal(s[11] & 0x0f, 0x0f);
    assert_int_equal(s[12], 0xff);
    assert_int_equal(sec->splice_command_length, 0xfff);

    /* a private command has no end of its own */
    n = build("FC300000000000000000FFFFFFFF414243440000", s);
    assert_decode_error(s, n, "private_command: splice_command_length "
                        "0xfff");
    assert_json_error("{\"command\": \"private_command\", \"identifier\":"
                      " \"ABCD\", \"splice_command_length\": 4095}",
                      "0xfff");

    /* nor can extra command bytes be found again */
    scte35_section_init(sec);
    sec->splice_command_length = SCTE35_CMD_LEN_UNKNOWN;
    sec->command_extra_length = 1;
    rc = scte35_encode(sec, out, sizeof(out), &len, err, sizeof(err));
    assert_int_equal(rc, SCTE35_ERROR);
    assert_non_null(strstr(err, "splice_null: splice_command_length 0xfff"));

    free(sec);
}


static void
test_bytes_kept(void **state)
{
    size_t             n;
    char               err[ERRLEN];
    json_t            *j;
    uint8_t            s[SCTE35_MAX_SECTION], v[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    /* alignment stuffing before the CRC */
    n = unhex(V14_2, v, sizeof(v));
    memcpy(s, v, n - 4);
    memset(s + n - 4, 0xff, 3);
    n += 3;
    fix_section(s, n);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->stuffing_length, 3);
    assert_round_trip(s, n);
    j = section_json(s, n);
    assert_string_equal(json_string_value(json_object_get(j,
                            "alignment_stuffing")), "ffffff");
    json_decref(j);

    /* bytes after the avail descriptor's fields */
    n = unhex(V14_2, v, sizeof(v));
    memcpy(s, v, n - 4);
    s[n - 4] = 0xab;
    s[n - 3] = 0xcd;
    s[35] = 0x0c;
    s[37] = 0x0a;
    n += 2;
    fix_section(s, n);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->descriptors[0].data_length, 2);
    assert_int_equal(sec->descriptors[0].u.avail.provider_avail_id, 309);
    assert_round_trip(s, n);
    j = section_json(s, n);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "descriptors"),
                                           0), "extra_bytes")), "abcd");
    json_decref(j);

    /* bytes after the command inside splice_command_length */
    n = unhex(V14_1, v, sizeof(v));
    memcpy(s, v, 19);
    s[19] = 0x12;
    s[20] = 0x34;
    memcpy(s + 21, v + 19, n - 19 - 4);
    s[12] = 7;
    n += 2;
    fix_section(s, n);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->command_extra_length, 2);
    assert_round_trip(s, n);

    /* sub_segment fields present for 0x34 (14.1 has none) */
    n = unhex(V14_1, v, sizeof(v));
    memcpy(s, v, n - 4);
    s[n - 4] = 1;
    s[n - 3] = 2;
    s[20] += 2;
    s[22] += 2;
    n += 2;
    fix_section(s, n);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->descriptors[0].u.segmentation.sub_segments_present,
                     1);
    assert_int_equal(sec->descriptors[0].u.segmentation
                     .sub_segments_expected, 2);
    assert_round_trip(s, n);

    /* reserved bits sent as 0, and the "must be 0" header bits as 1 */
    n = unhex(V14_2, s, sizeof(s));
    s[1] |= 0xc0;
    s[18] = 0x00;
    s[19] = 0xe0;
    s[20] = 0x80;
    patch(s, n, 25, 0x81);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->section_syntax_indicator, 1);
    assert_int_equal(sec->private_indicator, 1);
    assert_int_equal(sec->cmd.insert.reserved_zero, 0x7f0f);
    assert_int_equal(sec->cmd.insert.splice_time.reserved_zero, 0x7e);
    assert_int_equal(sec->cmd.insert.break_duration.reserved_zero, 0x7e);
    assert_round_trip(s, n);

    free(sec);
}


static void
test_encrypted(void **state)
{
    size_t             n;
    char               err[ERRLEN];
    json_t            *j;
    uint8_t            s[SCTE35_MAX_SECTION];
    scte35_section_t  *sec;

    (void) state;

    sec = new_section();

    /* encrypted_packet 1, algorithm 1 (DES ECB): the rest is opaque */
    n = unhex(V14_2, s, sizeof(s));
    patch(s, n, 4, 0x82);
    assert_int_equal(decode(s, n, sec, err), SCTE35_OK);
    assert_int_equal(sec->encrypted_packet, 1);
    assert_int_equal(sec->encryption_algorithm, 1);
    assert_int_equal(sec->encrypted_length, n - 13 - 4);
    assert_int_equal(sec->descriptor_count, 0);
    assert_round_trip(s, n);

    j = section_json(s, n);
    assert_null(json_object_get(j, "command"));
    assert_non_null(json_object_get(j, "encrypted_bytes"));
    assert_int_equal(json_integer_value(json_object_get(j,
                         "splice_command_length")), 20);
    json_decref(j);

    assert_json_error("{\"encrypted_packet\": 1, \"splice_command_length\":"
                      " 5}", "encrypted_bytes: missing");
    assert_json_error("{\"encrypted_packet\": 1, \"encrypted_bytes\": \"00\"}",
                      "splice_command_length: missing");
    assert_json_error("{\"encrypted_packet\": 1, \"encrypted_bytes\": \"00\","
                      " \"splice_command_length\": 5, \"command\":"
                      " \"splice_null\"}", "command: unknown field");

    free(sec);
}


static void
test_build_in_c(void **state)
{
    size_t                    len, n;
    char                      err[ERRLEN];
    uint8_t                   out[SCTE35_MAX_SECTION], want[64];
    scte35_section_t         *sec;
    scte35_splice_insert_t   *si;

    (void) state;

    /* the spec's 14.2 example, field by field */
    sec = new_section();
    scte35_section_init(sec);
    sec->cw_index = 0xff;
    sec->splice_command_type = SCTE35_SPLICE_INSERT;

    si = &sec->cmd.insert;
    si->splice_event_id = 0x4800008f;
    si->out_of_network_indicator = 1;
    si->program_splice_flag = 1;
    si->duration_flag = 1;
    si->splice_time.time_specified_flag = 1;
    si->splice_time.pts_time = 0x07369c02eULL;
    si->break_duration.auto_return = 1;
    si->break_duration.duration = 0x00052ccf5ULL;

    sec->descriptor_count = 1;
    sec->descriptors[0].tag = SCTE35_DESC_AVAIL;
    sec->descriptors[0].identifier = SCTE35_CUEI;
    sec->descriptors[0].u.avail.provider_avail_id = 309;

    n = unhex(V14_2, want, sizeof(want));
    assert_int_equal(scte35_encode(sec, out, sizeof(out), &len, err,
                                   sizeof(err)), SCTE35_OK);
    assert_int_equal(len, n);
    assert_memory_equal(out, want, n);

    /* a small buffer: the size needed */
    assert_int_equal(scte35_encode(sec, out, 10, &len, err, sizeof(err)),
                     SCTE35_NO_SPACE);
    assert_int_equal(len, n);
    assert_int_equal(scte35_encode(sec, out, n - 1, &len, err, sizeof(err)),
                     SCTE35_NO_SPACE);

    assert_int_equal(scte35_section_size(want, 3), 50);
    assert_int_equal(scte35_section_size(want, 2), 0);

    free(sec);
}


static void
assert_encode_error(const scte35_section_t *sec, const char *want)
{
    int      rc;
    size_t   len;
    char     err[ERRLEN];
    uint8_t  out[SCTE35_MAX_SECTION];

    rc = scte35_encode(sec, out, sizeof(out), &len, err, sizeof(err));

    if (rc != SCTE35_ERROR || strstr(err, want) == NULL) {
        print_error("gave %d \"%s\", wanted \"%s\"\n", rc, err, want);
    }
    assert_int_equal(rc, SCTE35_ERROR);
    assert_non_null(strstr(err, want));

    /* and the JSON view refuses it too */
    assert_null(scte35_to_json(sec));
}


static void
test_encode_errors(void **state)
{
    unsigned                i;
    scte35_section_t       *sec;
    scte35_segmentation_t  *sg;

    (void) state;

    sec = new_section();

    scte35_section_init(sec);
    sec->pts_adjustment = 1ULL << 33;
    assert_encode_error(sec, "pts_adjustment: 8589934592 out of range");

    scte35_section_init(sec);
    sec->splice_command_type = 3;
    assert_encode_error(sec, "splice_command_type 0x03 is reserved");

    scte35_section_init(sec);
    sec->splice_command_type = SCTE35_TIME_SIGNAL;
    sec->cmd.time_signal.time_specified_flag = 1;
    sec->cmd.time_signal.pts_time = 1ULL << 33;
    assert_encode_error(sec, "time_signal.pts_time");

    scte35_section_init(sec);
    sec->descriptor_count = 1;
    sec->descriptors[0].tag = SCTE35_DESC_SEGMENTATION;
    sec->descriptors[0].identifier = SCTE35_CUEI;
    sg = &sec->descriptors[0].u.segmentation;
    sg->device_restrictions = 4;
    assert_encode_error(sec, "descriptors[0].device_restrictions: 4 out of "
                        "range");

    sg->device_restrictions = 0;
    sg->segmentation_upid_type = SCTE35_UPID_MID;
    sg->segmentation_upid_length = 2;
    sg->segmentation_upid[0] = SCTE35_UPID_MID;
    assert_encode_error(sec, "descriptors[0].segmentation_upid: MID MID "
                        "nested");

    sg->segmentation_upid_type = 1;
    sg->segmentation_type_id = 0x30;
    sg->sub_segments_present = 1;
    assert_encode_error(sec, "sub_segment_num is only defined");

    sg->sub_segments_present = 0;
    sg->segmentation_upid_length = 250;
    assert_encode_error(sec, "descriptors[0]: descriptor_length 266 does "
                        "not fit");

    scte35_section_init(sec);
    sec->descriptor_count = 1;
    sec->descriptors[0].tag = SCTE35_DESC_DTMF;
    sec->descriptors[0].identifier = SCTE35_CUEI;
    sec->descriptors[0].u.dtmf.dtmf_count = 8;
    assert_encode_error(sec, "descriptors[0].dtmf_count: 8 out of range");

    scte35_section_init(sec);
    sec->descriptor_count = SCTE35_MAX_DESCRIPTORS;
    for (i = 0; i < SCTE35_MAX_DESCRIPTORS; i++) {
        sec->descriptors[i].tag = 0xf0;
        sec->descriptors[i].data_length = SCTE35_MAX_DESC_DATA;
    }
    assert_encode_error(sec, "more than 4096");

    scte35_section_init(sec);
    sec->sap_type = 4;
    assert_encode_error(sec, "sap_type: 4 out of range (max 3)");

    free(sec);
}


static void
test_json_errors(void **state)
{
    size_t  i;
    char    many[4096];
    static const struct {
        const char  *json;
        const char  *err;
    } cases[] = {
        { "[]", "section: expected a JSON object" },
        { "{}", "command: missing" },
        { "{\"command\": \"splice_bogus\"}", "unknown command" },
        { "{\"command\": 5}", "command: expected a string" },
        { "{\"splice_command_type\": 3}", "splice_command_type: 0x03 is "
          "reserved" },
        { "{\"command\": \"splice_null\", \"splice_command_type\": 6}",
          "does not match splice_command_type 6" },
        { "{\"command\": \"splice_null\", \"tier\": \"x\"}",
          "tier: expected an integer" },
        { "{\"command\": \"splice_null\", \"tier\": 4096}",
          "tier: 4096 out of range 0..4095" },
        { "{\"command\": \"splice_null\", \"cw_index\": -1}",
          "cw_index: -1 out of range" },
        { "{\"command\": \"splice_null\", \"bogus\": 1}",
          "bogus: unknown field" },
        { "{\"command\": \"splice_null\", \"pts_time\": 1}",
          "pts_time: unknown field" },
        { "{\"command\": \"splice_null\", \"section_length\": 18}",
          "section_length: 18, but the section encodes to 17" },
        { "{\"command\": \"splice_null\", \"splice_command_length\": 3}",
          "splice_command_length: 3, but the command encodes to 0" },
        { "{\"command\": \"splice_null\", \"descriptor_loop_length\": 3}",
          "descriptor_loop_length: 3, but" },
        { "{\"command\": \"time_signal\", \"pts_time\": 8589934592}",
          "pts_time: 8589934592 out of range 0..8589934591" },
        { "{\"command\": \"time_signal\", \"time_specified_flag\": 1}",
          "pts_time: missing when time_specified_flag is 1" },
        { "{\"command\": \"time_signal\", \"time_specified_flag\": 0,"
          " \"pts_time\": 1}", "pts_time: not allowed when "
          "time_specified_flag is 0" },
        { "{\"command\": \"time_signal\", \"pts_time\": 1,"
          " \"pts_time_adjusted\": 2}", "pts_time_adjusted: does not match" },
        { "{\"command\": \"time_signal\", \"pts_time\": 1,"
          " \"splice_time_reserved_zero\": 1}", "splice_time_reserved_zero:"
          " 1 has bits outside the mask 0x7e" },
        { "{\"command\": \"splice_insert\"}", "splice_event_id: missing" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"splice_immediate_flag\": 1, \"pts_time\": 5}",
          "pts_time: unknown field, or not allowed" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"splice_event_cancel_indicator\": 1, \"avail_num\": 1}",
          "avail_num: unknown field, or not allowed" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"out_of_network_indicator\": true}",
          "out_of_network_indicator: expected an integer" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"duration_flag\": 1}",
          "break_duration: missing when duration_flag is 1" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"break_duration\": {\"duration\": 1}}",
          "break_duration.auto_return: missing" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"program_splice_flag\": 0}", "components: missing" },
        { "{\"command\": \"splice_insert\", \"splice_event_id\": 1,"
          " \"program_splice_flag\": 0, \"components\": [{\"pts_time\": 1}]}",
          "components[0].component_tag: missing" },
        { "{\"command\": \"splice_schedule\", \"splice_count\": 2,"
          " \"events\": [{\"splice_event_id\": 1, \"utc_splice_time\": 1}]}",
          "splice_count: 2 does not match the 1 actually present" },
        { "{\"command\": \"splice_schedule\", \"events\": [{"
          "\"splice_event_id\": 1}]}", "events[0].utc_splice_time: missing" },
        { "{\"command\": \"private_command\", \"identifier\": \"ABC\"}",
          "identifier: must be 4 bytes, not 3" },
        { "{\"command\": \"private_command\", \"identifier\": \"ABCD\","
          " \"private_bytes\": \"abc\"}", "private_bytes: odd number" },
        { "{\"command\": \"private_command\", \"identifier\": \"ABCD\","
          " \"private_bytes\": \"zz\"}", "private_bytes: not a hex digit" },
        { "{\"command\": \"splice_null\", \"descriptors\": {}}",
          "descriptors: expected an array" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{}]}",
          "descriptors[0].tag: missing" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 0,"
          " \"name\": \"DTMF_descriptor\"}]}",
          "descriptors[0].name: \"DTMF_descriptor\" does not match tag 0" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 0}]}",
          "descriptors[0].provider_avail_id: missing" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 0,"
          " \"identifier\": \"SAPS\", \"provider_avail_id\": 1}]}",
          "provider_avail_id: unknown field" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"name\":"
          " \"DTMF_descriptor\", \"dtmf_chars\": \"12\", \"dtmf_count\": 3}]}",
          "descriptors[0].dtmf_count: 3 does not match" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"name\":"
          " \"DTMF_descriptor\", \"dtmf_chars\": \"12345678\"}]}",
          "dtmf_chars: 8 bytes, more than 7" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 4,"
          " \"components\": [{\"component_tag\": 1, \"ISO_code\": \"en\","
          " \"Bit_Stream_Mode\": 0, \"Num_Channels\": 1,"
          " \"Full_Srvc_Audio\": 0}]}]}",
          "descriptors[0].components[0].ISO_code: must be 3 bytes" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 4,"
          " \"components\": [{\"component_tag\": 1, \"ISO_code\": \"eng\","
          " \"Bit_Stream_Mode\": 8, \"Num_Channels\": 1,"
          " \"Full_Srvc_Audio\": 0}]}]}",
          "components[0].Bit_Stream_Mode: 8 out of range 0..7" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 3,"
          " \"TAI_seconds\": 281474976710656, \"TAI_ns\": 0,"
          " \"UTC_offset\": 0}]}", "TAI_seconds: 281474976710656 out of" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1}]}",
          "descriptors[0].segmentation_type_id: missing" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"device_restrictions\": 1}]}",
          "device_restrictions: unknown field, or not allowed" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 15, \"segmentation_upid\": \"ab\","
          " \"segmentation_upid_length\": 3}]}",
          "segmentation_upid_length: 3 does not match" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 16, \"segmentation_upid\": \"ab\"}]}",
          "a string is only for text UPID types" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 10,"
          " \"segmentation_upid\": \"10.5239/8BE5-E3F6-0000-0000\"}]}",
          "segmentation_upid: not an EIDR" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 8,"
          " \"segmentation_upid\": {\"int\": 1, \"hex\": \"0x02\"}}]}",
          "segmentation_upid.int: does not match hex" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 13, \"segmentation_upid\": [{"
          "\"type\": 9, \"value\": \"a\"}, {\"type\": 13, \"value\": []}]}]}",
          "descriptors[0].segmentation_upid[1].type: a MID cannot contain" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 13, \"segmentation_upid\": [{"
          "\"type\": 9, \"value\": \"a\"}, {\"type\": \"x\"}]}]}",
          "descriptors[0].segmentation_upid[1].type: expected an integer" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 13, \"segmentation_upid\": \"x\"}]}",
          "expected an array for a MID" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 48,"
          " \"sub_segment_num\": 1, \"sub_segments_expected\": 1}]}",
          "sub_segment_num: only for segmentation_type_id 0x34" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 52,"
          " \"sub_segment_num\": 1}]}", "sub_segments_expected: missing" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 52,"
          " \"program_segmentation_flag\": 0}]}",
          "descriptors[0].components: missing" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_duration_flag\": 1}]}",
          "segmentation_duration: missing when segmentation_duration_flag" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 9,"
          " \"segmentation_upid\": {\"hex\": \"0x01\", \"x\": 1}}]}",
          "segmentation_upid.x: unknown field" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 9, \"segmentation_upid\": 5}]}",
          "segmentation_upid: expected a string or an object" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 1,"
          " \"dtmf_chars\": {\"hex\": \"01\", \"x\": 1}}]}",
          "dtmf_chars: expected a string or {\"hex\"" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 13, \"segmentation_upid\": [{"
          "\"type\": 16, \"value\": \"x\"}]}]}",
          "descriptors[0].segmentation_upid[0].value: a string is only" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 2,"
          " \"segmentation_event_id\": 1, \"segmentation_type_id\": 1,"
          " \"segmentation_upid_type\": 13, \"segmentation_upid\": [{"
          "\"type\": 10, \"value\": \"10.1/x\"}]}]}",
          "descriptors[0].segmentation_upid[0].value: not an EIDR" },
        { "{\"command\": \"splice_null\", \"descriptors\": [{\"tag\": 240,"
          " \"identifier\": \"XXXX\", \"private_bytes\": \"", NULL },
    };

    (void) state;

    /* the last case: private_bytes longer than a descriptor can hold */
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]) - 1; i++) {
        assert_json_error(cases[i].json, cases[i].err);
    }

    snprintf(many, sizeof(many), "%s", cases[i].json);
    for (i = 0; i < 252; i++) {
        strcat(many, "00");
    }
    strcat(many, "\"}]}");
    assert_json_error(many, "private_bytes: 252 bytes, more than 251");

    /* a MID filled up: fixed-size values must not run past 255 bytes */
    for (i = 0; i < 3; i++) {
        static const char  *last[] = {
            "{\"type\": 8, \"value\": {\"int\": 1}}",
            "{\"type\": 12, \"value\": {\"format_identifier\": \"ABCD\"}}",
            "{\"type\": 10, \"value\": \"10.1/0000-0000-0000-0000-0000\"}"
        };
        static const char  *want[] = {
            "segmentation_upid[1].value: 8 bytes, only 1 left",
            "segmentation_upid[1].value: 4 bytes, only 1 left",
            "segmentation_upid[1].value: 12 bytes, only 1 left"
        };
        char  *p;

        strcpy(many, "{\"command\": \"splice_null\", \"descriptors\": [{"
               "\"tag\": 2, \"segmentation_event_id\": 1, "
               "\"segmentation_type_id\": 1, \"segmentation_upid_type\": 13,"
               " \"segmentation_upid\": [{\"type\": 9, \"value\": \"");
        p = many + strlen(many);
        memset(p, 'a', 250);
        strcpy(p + 250, "\"}, ");
        strcat(many, last[i]);
        strcat(many, "]}]}");
        assert_json_error(many, want[i]);
    }

    /* too many descriptors */
    strcpy(many, "{\"command\": \"splice_null\", \"descriptors\": [");
    for (i = 0; i < 33; i++) {
        strcat(many, i ? ", {\"tag\": 0, \"provider_avail_id\": 1}"
                       : "{\"tag\": 0, \"provider_avail_id\": 1}");
    }
    strcat(many, "]}");
    assert_json_error(many, "descriptors: 33 entries, more than 32");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_crc),
        cmocka_unit_test_setup_teardown(test_vectors_round_trip,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test_setup_teardown(test_vectors_from_decoded,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test_setup_teardown(test_vectors_fields,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test_setup_teardown(test_vector_bad_crc,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test_setup_teardown(test_truncations,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test_setup_teardown(test_bit_flips,
                                        vectors_setup, vectors_teardown),
        cmocka_unit_test(test_splice_null_and_bandwidth),
        cmocka_unit_test(test_time_signal),
        cmocka_unit_test(test_splice_insert_modes),
        cmocka_unit_test(test_splice_schedule),
        cmocka_unit_test(test_private_command),
        cmocka_unit_test(test_descriptors),
        cmocka_unit_test(test_segmentation_forms),
        cmocka_unit_test(test_upid_types),
        cmocka_unit_test(test_mid_add),
        cmocka_unit_test(test_hostile_lengths),
        cmocka_unit_test(test_legacy_command_length),
        cmocka_unit_test(test_bytes_kept),
        cmocka_unit_test(test_encrypted),
        cmocka_unit_test(test_build_in_c),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_json_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
