/*
 * Cue requests (scte35_cue.c): the API's JSON to sections, encoded and
 * decoded back with the codec; bad requests name their field.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scte35_cue.h"


static const scte35_cue_defaults_t  defaults = { 4.0, 3, 5000 };


/* parses text, encodes, decodes back into *out; returns the encoded size */

static size_t
roundtrip(const char *text, scte35_cue_t *cue, scte35_section_t *out,
    uint64_t pts)
{
    int            rc;
    char           err[256], field[SCTE35_CUE_FIELD_LEN];
    size_t         len;
    json_t        *j;
    uint8_t        buf[SCTE35_MAX_SECTION];
    json_error_t   jerr;

    j = json_loads(text, 0, &jerr);
    assert_non_null(j);

    rc = scte35_cue_parse(j, &defaults, cue, err, sizeof(err), field);
    json_decref(j);

    if (rc != 0) {
        fail_msg("%s: %s (%s)", text, err, field);
    }

    if (cue->timed) {
        scte35_cue_set_pts(cue, pts);
    }

    rc = scte35_encode(&cue->sec, buf, sizeof(buf), &len, err, sizeof(err));
    if (rc != SCTE35_OK) {
        fail_msg("encode: %s", err);
    }

    rc = scte35_decode(buf, len, out, err, sizeof(err));
    if (rc != SCTE35_OK) {
        fail_msg("decode: %s", err);
    }

    return len;
}


static void
test_splice_insert(void **state)
{
    scte35_cue_t      *cue;
    scte35_section_t  *sec;

    (void) state;

    cue = malloc(sizeof(scte35_cue_t));
    sec = malloc(sizeof(scte35_section_t));

    roundtrip("{\"type\":\"splice_insert\",\"out_of_network\":true,"
              "\"duration\":30.0,\"event_id\":1001,\"auto_return\":true,"
              "\"preroll\":4.0}", cue, sec, 0x1ffffff00ULL);

    assert_int_equal(cue->at, SCTE35_AT_DEFAULT);
    assert_true(cue->timed);
    assert_int_equal(cue->repeat, 3);
    assert_true(cue->preroll == 4.0);
    assert_int_equal(cue->event_id, 1001);
    assert_int_equal(sec->splice_command_type, SCTE35_SPLICE_INSERT);
    assert_int_equal(sec->cmd.insert.splice_event_id, 1001);
    assert_int_equal(sec->cmd.insert.out_of_network_indicator, 1);
    assert_int_equal(sec->cmd.insert.duration_flag, 1);
    assert_int_equal(sec->cmd.insert.break_duration.auto_return, 1);
    assert_int_equal(sec->cmd.insert.break_duration.duration, 30 * 90000);
    assert_int_equal(sec->cmd.insert.splice_time.time_specified_flag, 1);
    assert_int_equal(sec->cmd.insert.splice_time.pts_time, 0x1ffffff00ULL);

    /* back to the network, in 2.5 s, default event id */
    roundtrip("{\"type\":\"splice_insert\",\"out_of_network\":false,"
              "\"in\":2.5}", cue, sec, 1234);
    assert_int_equal(cue->at, SCTE35_AT_IN);
    assert_true(cue->in == 2.5);
    assert_int_equal(sec->cmd.insert.splice_event_id, 5000);
    assert_int_equal(sec->cmd.insert.out_of_network_indicator, 0);
    assert_int_equal(sec->cmd.insert.duration_flag, 0);

    /* immediate: no splice time, sent once */
    roundtrip("{\"type\":\"splice_insert\",\"immediate\":true,"
              "\"duration\":15,\"repeat\":5}", cue, sec, 0);
    assert_false(cue->timed);
    assert_int_equal(cue->repeat, 1);
    assert_int_equal(sec->cmd.insert.splice_immediate_flag, 1);

    /* cancel */
    roundtrip("{\"type\":\"splice_insert\",\"cancel\":true,"
              "\"event_id\":1001}", cue, sec, 0);
    assert_int_equal(sec->cmd.insert.splice_event_cancel_indicator, 1);
    assert_int_equal(sec->cmd.insert.splice_event_id, 1001);
    assert_false(cue->timed);

    /* an absolute PTS and a wall clock time */
    roundtrip("{\"type\":\"splice_insert\",\"pts\":8589934591}", cue, sec, 0);
    assert_int_equal(cue->at, SCTE35_AT_PTS);
    assert_int_equal(cue->pts, 8589934591ULL);

    roundtrip("{\"type\":\"splice_insert\","
              "\"at\":\"2026-11-21T13:40:00.250Z\"}", cue, sec, 0);
    assert_int_equal(cue->at, SCTE35_AT_WALLCLOCK);
    assert_int_equal(cue->at_ms, 1795268400250LL);

    free(cue);
    free(sec);
}


static void
test_time_signal(void **state)
{
    scte35_cue_t           *cue;
    scte35_section_t       *sec;
    scte35_segmentation_t  *seg;

    (void) state;

    cue = malloc(sizeof(scte35_cue_t));
    sec = malloc(sizeof(scte35_section_t));

    roundtrip("{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":52,"
              "\"event_id\":7,\"duration\":60.0,\"upid_type\":15,"
              "\"upid\":\"urn:example:1\"}]}", cue, sec, 900000);

    assert_int_equal(sec->splice_command_type, SCTE35_TIME_SIGNAL);
    assert_int_equal(sec->cmd.time_signal.pts_time, 900000);
    assert_int_equal(sec->descriptor_count, 1);
    assert_int_equal(cue->event_id, 7);

    seg = &sec->descriptors[0].u.segmentation;
    assert_int_equal(sec->descriptors[0].tag, SCTE35_DESC_SEGMENTATION);
    assert_int_equal(seg->segmentation_type_id, 52);
    assert_int_equal(seg->segmentation_event_id, 7);
    assert_int_equal(seg->segmentation_duration, 60 * 90000);
    assert_int_equal(seg->segmentation_upid_type, 15);
    assert_int_equal(seg->segmentation_upid_length, 13);
    assert_memory_equal(seg->segmentation_upid, "urn:example:1", 13);
    assert_int_equal(seg->delivery_not_restricted_flag, 1);

    /* two descriptors, hex and TI UPIDs, sub-segments, restrictions */
    roundtrip("{\"type\":\"time_signal\",\"segmentation\":["
              "{\"type_id\":53,\"upid_type\":12,\"upid\":\"0x4d5059310001\"},"
              "{\"type_id\":52,\"upid_type\":8,\"upid\":748724618,"
              "\"segment_num\":1,\"segments_expected\":2,"
              "\"sub_segment_num\":1,\"sub_segments_expected\":3,"
              "\"web_delivery_allowed\":false,\"device_restrictions\":1}]}",
              cue, sec, 1);

    assert_int_equal(sec->descriptor_count, 2);
    seg = &sec->descriptors[0].u.segmentation;
    assert_int_equal(seg->segmentation_event_id, 5000);
    assert_int_equal(seg->segmentation_upid_length, 6);
    assert_memory_equal(seg->segmentation_upid, "MPY1\x00\x01", 6);

    seg = &sec->descriptors[1].u.segmentation;
    assert_int_equal(seg->segmentation_event_id, 5001);
    assert_int_equal(seg->segmentation_upid_length, 8);
    assert_int_equal(seg->segmentation_upid[7], 0x8a);
    assert_int_equal(seg->sub_segments_present, 1);
    assert_int_equal(seg->sub_segments_expected, 3);
    assert_int_equal(seg->delivery_not_restricted_flag, 0);
    assert_int_equal(seg->web_delivery_allowed_flag, 0);
    assert_int_equal(seg->device_restrictions, 1);

    /* immediate time_signal: time_specified_flag 0 */
    roundtrip("{\"type\":\"time_signal\",\"immediate\":true}", cue, sec, 0);
    assert_int_equal(sec->cmd.time_signal.time_specified_flag, 0);
    assert_int_equal(sec->descriptor_count, 0);

    free(cue);
    free(sec);
}


static void
test_bad_requests(void **state)
{
    size_t         i;
    char           err[256], field[SCTE35_CUE_FIELD_LEN];
    json_t        *j;
    scte35_cue_t  *cue;
    json_error_t   jerr;

    static const struct {
        const char  *json;
        const char  *field;
    } bad[] = {
        { "[]", "" },
        { "{}", "type" },
        { "{\"type\":\"splice_null\"}", "type" },
        { "{\"type\":\"splice_insert\",\"bogus\":1}", "bogus" },
        { "{\"type\":\"splice_insert\",\"duration\":-1}", "duration" },
        { "{\"type\":\"splice_insert\",\"duration\":\"30\"}", "duration" },
        { "{\"type\":\"splice_insert\",\"event_id\":4294967296}",
          "event_id" },
        { "{\"type\":\"splice_insert\",\"out_of_network\":1}",
          "out_of_network" },
        { "{\"type\":\"splice_insert\",\"auto_return\":true}",
          "auto_return" },
        { "{\"type\":\"splice_insert\",\"pts\":8589934592}", "pts" },
        { "{\"type\":\"splice_insert\",\"at\":\"yesterday\"}", "at" },
        { "{\"type\":\"splice_insert\",\"in\":5,\"pts\":1}", "" },
        { "{\"type\":\"splice_insert\",\"preroll\":61}", "preroll" },
        { "{\"type\":\"splice_insert\",\"repeat\":0}", "repeat" },
        { "{\"type\":\"splice_insert\",\"cancel\":true}", "event_id" },
        { "{\"type\":\"splice_insert\",\"cancel\":true,\"event_id\":1,"
          "\"duration\":5}", "cancel" },
        { "{\"type\":\"time_signal\",\"segmentation\":{}}", "segmentation" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{}]}",
          "segmentation[0].type_id" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":256}]}",
          "segmentation[0].type_id" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":52,"
          "\"upid_type\":15}]}", "segmentation[0].upid" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":52,"
          "\"upid_type\":12,\"upid\":\"0x123\"}]}", "segmentation[0].upid" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":48,"
          "\"sub_segment_num\":1}]}", "segmentation[0].sub_segment_num" },
        { "{\"type\":\"time_signal\",\"segmentation\":[{\"type_id\":52,"
          "\"colour\":1}]}", "segmentation[0].colour" },
        { "{\"type\":\"time_signal\",\"event_id\":1}", "event_id" },
    };

    (void) state;

    cue = malloc(sizeof(scte35_cue_t));

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        j = json_loads(bad[i].json, JSON_DECODE_ANY, &jerr);
        assert_non_null(j);

        if (scte35_cue_parse(j, &defaults, cue, err, sizeof(err), field)
            == 0)
        {
            fail_msg("accepted: %s", bad[i].json);
        }

        if (strcmp(field, bad[i].field) != 0) {
            fail_msg("%s: field \"%s\", expected \"%s\" (%s)", bad[i].json,
                     field, bad[i].field, err);
        }

        assert_true(strlen(err) > 10);
        json_decref(j);
    }

    free(cue);
}


static void
test_parse_time(void **state)
{
    (void) state;

    assert_int_equal(scte35_parse_time("1970-01-01T00:00:00Z"), 0);
    assert_int_equal(scte35_parse_time("2026-11-21T13:40:00.250Z"),
                     1795268400250LL);
    assert_int_equal(scte35_parse_time("2026-11-21T14:40:00.250+01:00"),
                     1795268400250LL);
    assert_int_equal(scte35_parse_time("2000-02-29T12:00:00Z"),
                     951825600000LL);
    assert_int_equal(scte35_parse_time("2026-11-21 13:40:00Z"), -1);
    assert_int_equal(scte35_parse_time("2026-13-21T13:40:00Z"), -1);
    assert_int_equal(scte35_parse_time("2026-11-21T13:40:00"), -1);
    assert_int_equal(scte35_parse_time("2026-11-21T13:40:00Zjunk"), -1);
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_splice_insert),
        cmocka_unit_test(test_time_signal),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_parse_time),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
