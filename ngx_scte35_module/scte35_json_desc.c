/*
 * JSON -> splice descriptors, part of scte35_from_json() (see
 * scte35_json_parse.c for the rules, scte35_json.c for the forms).
 *
 * A descriptor is known by tag and identifier ("name", when given, must
 * agree); identifier defaults to "CUEI", and tag may be left out when a
 * name of a CUEI descriptor says it.  segmentation_upid takes the form of
 * its type: text, {"hex"}, TI {"int"/"hex"}, MPU {"format_identifier",
 * "private_data"}, EIDR "10.x/...", MID an array of {"type", "value"}.
 */


#include <stddef.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"
#include "scte35_json_int.h"


static int scte35_jp_desc_kind(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_descriptor_t *d);
static int scte35_jp_descriptor(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_descriptor_t *d);
static int scte35_jp_dtmf(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_dtmf_t *dt);
static int scte35_jp_segmentation(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_segmentation_t *sg);
static int scte35_jp_seg_restrictions(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_segmentation_t *sg);
static int scte35_jp_seg_components(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_segmentation_t *sg);
static int scte35_jp_seg_sub(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_segmentation_t *sg);
static int scte35_jp_audio(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_audio_t *au);
static int scte35_jp_put(scte35_jp_t *jp, const char *path, const char *key,
    uint8_t *out, size_t max, size_t *n, const uint8_t *p, size_t len);
static int scte35_jp_upid(scte35_jp_t *jp, const char *path,
    const char *key, json_t *v, uint8_t type, uint8_t *out, size_t max,
    size_t *n);
static int scte35_jp_upid_object(scte35_jp_t *jp, const char *path,
    const char *key, json_t *v, uint8_t type, uint8_t *out, size_t max,
    size_t *n);
static int scte35_jp_mid(scte35_jp_t *jp, const char *path, json_t *v,
    uint8_t *out, size_t max, size_t *n);
static int scte35_jp_eidr(const char *s, uint8_t *out);


static scte35_keys_t  scte35_desc_keys = {
    "tag", "identifier", "name", NULL
};

static const char  *scte35_desc_names[] = {
    "avail_descriptor", "DTMF_descriptor", "segmentation_descriptor",
    "time_descriptor", "audio_descriptor"
};


/* descriptors */

int
scte35_jp_descriptors(scte35_jp_t *jp, json_t *j, scte35_section_t *sec)
{
    int      rc;
    size_t   i, n;
    json_t  *a, *o;
    char     path[SCTE35_PATH_LEN];

    rc = scte35_jp_array(jp, "", j, "descriptors", SCTE35_MAX_DESCRIPTORS,
                         &a);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1) {
        json_array_foreach(a, i, o) {
            scte35_jp_sub(path, "descriptors[%zu]", i);

            if (!json_is_object(o)) {
                return scte35_jp_fail(jp, path, NULL, "expected an object");
            }

            if (scte35_jp_descriptor(jp, path, o, &sec->descriptors[i])
                != SCTE35_OK)
            {
                return SCTE35_ERROR;
            }
        }

        sec->descriptor_count = (uint16_t) json_array_size(a);
    }

    if (scte35_jp_bytes_field(jp, "", j, "alignment_stuffing", sec->stuffing,
                              SCTE35_MAX_SECTION, &n) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sec->stuffing_length = (uint16_t) n;

    return SCTE35_OK;
}


/* tag, identifier and name, which decide what the rest means */
static int
scte35_jp_desc_kind(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_descriptor_t *d)
{
    int          rc;
    size_t       i;
    json_t      *name;
    uint8_t      id[4];
    uint64_t     v;
    const char  *s, *expect;

    name = json_object_get(o, "name");
    s = NULL;

    if (name != NULL) {
        if (!json_is_string(name)) {
            return scte35_jp_fail(jp, path, "name", "expected a string");
        }

        s = json_string_value(name);
    }

    rc = scte35_jp_uint(jp, path, o, "tag", 0xff, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1) {
        d->tag = (uint8_t) v;

    } else {
        for (i = 0; s != NULL && i < 5; i++) {
            if (strcmp(s, scte35_desc_names[i]) == 0) {
                break;
            }
        }

        if (s == NULL || i == 5) {
            return scte35_jp_fail(jp, path, "tag", "missing");
        }

        d->tag = (uint8_t) i;
    }

    rc = scte35_jp_fixed_text(jp, path, o, "identifier", id, 4);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    d->identifier = (rc == 0) ? SCTE35_CUEI
                    : ((uint32_t) id[0] << 24) | ((uint32_t) id[1] << 16)
                      | ((uint32_t) id[2] << 8) | id[3];

    expect = (d->identifier == SCTE35_CUEI && d->tag <= SCTE35_DESC_AUDIO)
             ? scte35_desc_names[d->tag] : "private";

    if (s != NULL && strcmp(s, expect) != 0) {
        return scte35_jp_fail(jp, path, "name", "\"%s\" does not match tag "
                              "%u and identifier (\"%s\")", s, d->tag,
                              expect);
    }

    return SCTE35_OK;
}


static int
scte35_jp_descriptor(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_descriptor_t *d)
{
    int                 rc;
    size_t              n;
    const char         *key;
    const char *const  *lists[3];
    static scte35_keys_t  private_keys = { "private_bytes", NULL };
    static scte35_keys_t  avail_keys = {
        "provider_avail_id", "extra_bytes", NULL
    };
    static scte35_keys_t  time_keys = {
        "TAI_seconds", "TAI_ns", "UTC_offset", "extra_bytes", NULL
    };
    static const scte35_jfield_t  avail_fields[] = {
        SCTE35_JF(scte35_avail_t, provider_avail_id, "provider_avail_id",
                  0xffffffff, 1)
    };
    static const scte35_jfield_t  time_fields[] = {
        SCTE35_JF(scte35_time_desc_t, tai_seconds, "TAI_seconds",
                  0xffffffffffffULL, 1),
        SCTE35_JF(scte35_time_desc_t, tai_ns, "TAI_ns", 0xffffffff, 1),
        SCTE35_JF(scte35_time_desc_t, utc_offset, "UTC_offset", 0xffff, 1)
    };

    if (scte35_jp_desc_kind(jp, path, o, d) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    lists[0] = scte35_desc_keys;
    lists[2] = NULL;
    key = "extra_bytes";

    if (d->identifier != SCTE35_CUEI || d->tag > SCTE35_DESC_AUDIO) {
        lists[1] = private_keys;
        key = "private_bytes";
        rc = scte35_jp_keys(jp, path, o, lists);

    } else if (d->tag == SCTE35_DESC_AVAIL) {
        lists[1] = avail_keys;
        rc = scte35_jp_keys(jp, path, o, lists);
        if (rc == SCTE35_OK) {
            rc = scte35_jp_fields(jp, path, o, &d->u.avail, avail_fields, 1);
        }

    } else if (d->tag == SCTE35_DESC_TIME) {
        lists[1] = time_keys;
        rc = scte35_jp_keys(jp, path, o, lists);
        if (rc == SCTE35_OK) {
            rc = scte35_jp_fields(jp, path, o, &d->u.time, time_fields, 3);
        }

    } else if (d->tag == SCTE35_DESC_DTMF) {
        rc = scte35_jp_dtmf(jp, path, o, &d->u.dtmf);

    } else if (d->tag == SCTE35_DESC_SEGMENTATION) {
        rc = scte35_jp_segmentation(jp, path, o, &d->u.segmentation);

    } else {
        rc = scte35_jp_audio(jp, path, o, &d->u.audio);
    }

    if (rc != SCTE35_OK
        || scte35_jp_bytes_field(jp, path, o, key, d->data,
                                 SCTE35_MAX_DESC_DATA, &n) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    d->data_length = (uint8_t) n;

    return SCTE35_OK;
}


static int
scte35_jp_dtmf(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_dtmf_t *dt)
{
    size_t              n;
    json_t             *v;
    const char *const  *lists[3];
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_dtmf_t, preroll, "preroll", 0xff, 0),
        SCTE35_JF(scte35_dtmf_t, reserved_zero, "reserved_zero", 0x1f, 0)
    };
    static scte35_keys_t  keys = {
        "preroll", "dtmf_count", "dtmf_chars", "reserved_zero", "extra_bytes",
        NULL
    };

    lists[0] = scte35_desc_keys;
    lists[1] = keys;
    lists[2] = NULL;

    if (scte35_jp_keys(jp, path, o, lists) != SCTE35_OK
        || scte35_jp_fields(jp, path, o, dt, fields, 2) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    n = 0;
    v = json_object_get(o, "dtmf_chars");

    if (v != NULL
        && scte35_jp_text(jp, path, "dtmf_chars", v,
                          (uint8_t *) dt->dtmf_chars, sizeof(dt->dtmf_chars),
                          &n) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    dt->dtmf_count = (uint8_t) n;

    return scte35_jp_count(jp, path, o, "dtmf_count", n);
}


static int
scte35_jp_segmentation(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_segmentation_t *sg)
{
    size_t              k, n;
    json_t             *v;
    const char *const  *lists[6];
    static const scte35_jfield_t  base[] = {
        SCTE35_JF(scte35_segmentation_t, segmentation_event_id,
                  "segmentation_event_id", 0xffffffff, 1),
        SCTE35_JF(scte35_segmentation_t, segmentation_event_cancel_indicator,
                  "segmentation_event_cancel_indicator", 1, 0),
        SCTE35_JF(scte35_segmentation_t, reserved_zero, "reserved_zero",
                  0x7f1f, 0)
    };
    static const scte35_jfield_t  active[] = {
        SCTE35_JF(scte35_segmentation_t, program_segmentation_flag,
                  "program_segmentation_flag", 1, 0),
        SCTE35_JF(scte35_segmentation_t, delivery_not_restricted_flag,
                  "delivery_not_restricted_flag", 1, 0),
        SCTE35_JF(scte35_segmentation_t, segmentation_upid_type,
                  "segmentation_upid_type", 0xff, 0),
        SCTE35_JF(scte35_segmentation_t, segmentation_type_id,
                  "segmentation_type_id", 0xff, 1),
        SCTE35_JF(scte35_segmentation_t, segment_num, "segment_num", 0xff, 0),
        SCTE35_JF(scte35_segmentation_t, segments_expected,
                  "segments_expected", 0xff, 0)
    };
    static scte35_keys_t  base_keys = {
        "segmentation_event_id", "segmentation_event_cancel_indicator",
        "reserved_zero", "extra_bytes", NULL
    };
    static scte35_keys_t  active_keys = {
        "program_segmentation_flag", "segmentation_duration_flag",
        "delivery_not_restricted_flag", "segmentation_duration",
        "segmentation_duration_s", "segmentation_upid_type",
        "segmentation_upid_type_name", "segmentation_upid_length",
        "segmentation_upid", "segmentation_type_id",
        "segmentation_type_name", "segment_num", "segments_expected",
        "sub_segment_num", "sub_segments_expected", NULL
    };
    static scte35_keys_t  restriction_keys = {
        "web_delivery_allowed_flag", "no_regional_blackout_flag",
        "archive_allowed_flag", "device_restrictions", NULL
    };
    static scte35_keys_t  component_keys = { "components", NULL };

    lists[0] = scte35_desc_keys;
    lists[1] = base_keys;
    k = 2;

    if (scte35_jp_fields(jp, path, o, sg, base,
                         sizeof(base) / sizeof(base[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (sg->segmentation_event_cancel_indicator) {
        lists[k] = NULL;
        return scte35_jp_keys(jp, path, o, lists);
    }

    sg->program_segmentation_flag = 1;
    sg->delivery_not_restricted_flag = 1;

    if (scte35_jp_fields(jp, path, o, sg, active,
                         sizeof(active) / sizeof(active[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    lists[k++] = active_keys;

    if (!sg->delivery_not_restricted_flag) {
        lists[k++] = restriction_keys;
    }

    if (!sg->program_segmentation_flag) {
        lists[k++] = component_keys;
    }

    lists[k] = NULL;

    if (scte35_jp_keys(jp, path, o, lists) != SCTE35_OK
        || scte35_jp_seg_restrictions(jp, path, o, sg) != SCTE35_OK
        || scte35_jp_seg_components(jp, path, o, sg) != SCTE35_OK
        || scte35_jp_flag_for(jp, path, o, "segmentation_duration_flag",
                              "segmentation_duration",
                              &sg->segmentation_duration_flag) != SCTE35_OK
        || (sg->segmentation_duration_flag
            && scte35_jp_uint(jp, path, o, "segmentation_duration",
                              SCTE35_MAX_40, &sg->segmentation_duration) < 0)
        || scte35_jp_seg_sub(jp, path, o, sg) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    n = 0;
    v = json_object_get(o, "segmentation_upid");

    if (v != NULL
        && scte35_jp_upid(jp, path, "segmentation_upid", v,
                          sg->segmentation_upid_type, sg->segmentation_upid,
                          sizeof(sg->segmentation_upid), &n) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sg->segmentation_upid_length = (uint8_t) n;

    return scte35_jp_count(jp, path, o, "segmentation_upid_length", n);
}


static int
scte35_jp_seg_restrictions(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_segmentation_t *sg)
{
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_segmentation_t, web_delivery_allowed_flag,
                  "web_delivery_allowed_flag", 1, 0),
        SCTE35_JF(scte35_segmentation_t, no_regional_blackout_flag,
                  "no_regional_blackout_flag", 1, 0),
        SCTE35_JF(scte35_segmentation_t, archive_allowed_flag,
                  "archive_allowed_flag", 1, 0),
        SCTE35_JF(scte35_segmentation_t, device_restrictions,
                  "device_restrictions", 3, 0)
    };

    if (sg->delivery_not_restricted_flag) {
        return SCTE35_OK;
    }

    return scte35_jp_fields(jp, path, o, sg, fields,
                            sizeof(fields) / sizeof(fields[0]));
}


static int
scte35_jp_seg_components(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_segmentation_t *sg)
{
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_seg_component_t, component_tag, "component_tag",
                  0xff, 1),
        SCTE35_JF(scte35_seg_component_t, pts_offset, "pts_offset",
                  SCTE35_MAX_33, 1),
        SCTE35_JF(scte35_seg_component_t, reserved_zero, "reserved_zero",
                  0xfe, 0)
    };
    static scte35_keys_t  keys = {
        "component_tag", "pts_offset", "pts_offset_s", "reserved_zero", NULL
    };

    if (sg->program_segmentation_flag) {
        return SCTE35_OK;
    }

    return scte35_jp_components(jp, path, o, SCTE35_MAX_SEG_COMPS,
                                "program_segmentation_flag is 0", keys,
                                fields, sizeof(fields) / sizeof(fields[0]),
                                sg->components,
                                sizeof(scte35_seg_component_t),
                                &sg->component_count);
}


static int
scte35_jp_seg_sub(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_segmentation_t *sg)
{
    int       a, b;
    uint64_t  num, expected;

    a = scte35_jp_uint(jp, path, o, "sub_segment_num", 0xff, &num);
    b = scte35_jp_uint(jp, path, o, "sub_segments_expected", 0xff,
                       &expected);

    if (a < 0 || b < 0) {
        return SCTE35_ERROR;
    }

    if (a != b) {
        return scte35_jp_fail(jp, path, a ? "sub_segments_expected"
                                          : "sub_segment_num",
                              "missing (the two go together)");
    }

    if (a == 0) {
        return SCTE35_OK;
    }

    if (!scte35_has_sub_segments(sg->segmentation_type_id)) {
        return scte35_jp_fail(jp, path, "sub_segment_num", "only for "
                              "segmentation_type_id 0x34, 0x36, 0x38 and "
                              "0x3a, not 0x%02x", sg->segmentation_type_id);
    }

    sg->sub_segments_present = 1;
    sg->sub_segment_num = (uint8_t) num;
    sg->sub_segments_expected = (uint8_t) expected;

    return SCTE35_OK;
}


static int
scte35_jp_audio(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_audio_t *au)
{
    int                 rc;
    size_t              i;
    json_t             *a, *c;
    char                sub[SCTE35_PATH_LEN];
    const char *const  *lists[3];
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_audio_component_t, component_tag, "component_tag",
                  0xff, 1),
        SCTE35_JF(scte35_audio_component_t, bit_stream_mode, "Bit_Stream_Mode",
                  7, 1),
        SCTE35_JF(scte35_audio_component_t, num_channels, "Num_Channels",
                  15, 1),
        SCTE35_JF(scte35_audio_component_t, full_srvc_audio, "Full_Srvc_Audio",
                  1, 1)
    };
    static const scte35_jfield_t  rz_field[] = {
        SCTE35_JF(scte35_audio_t, reserved_zero, "reserved_zero", 0x0f, 0)
    };
    static scte35_keys_t  keys = {
        "audio_count", "components", "reserved_zero", "extra_bytes", NULL
    };
    static scte35_keys_t  component_keys = {
        "component_tag", "ISO_code", "Bit_Stream_Mode", "Num_Channels",
        "Full_Srvc_Audio", NULL
    };

    lists[0] = scte35_desc_keys;
    lists[1] = keys;
    lists[2] = NULL;

    if (scte35_jp_keys(jp, path, o, lists) != SCTE35_OK
        || scte35_jp_fields(jp, path, o, au, rz_field, 1) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    rc = scte35_jp_array(jp, path, o, "components", SCTE35_MAX_AUDIO, &a);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    au->audio_count = (rc == 1) ? (uint8_t) json_array_size(a) : 0;

    lists[0] = component_keys;
    lists[1] = NULL;

    for (i = 0; i < au->audio_count; i++) {
        scte35_jp_sub(sub, "%s.components[%zu]", path, i);
        c = json_array_get(a, i);

        if (!json_is_object(c)) {
            return scte35_jp_fail(jp, sub, NULL, "expected an object");
        }

        if (scte35_jp_keys(jp, sub, c, lists) != SCTE35_OK
            || scte35_jp_fields(jp, sub, c, &au->components[i], fields,
                                sizeof(fields) / sizeof(fields[0]))
               != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        rc = scte35_jp_fixed_text(jp, sub, c, "ISO_code",
                                  au->components[i].iso_code, 3);
        if (rc <= 0) {
            return (rc < 0) ? SCTE35_ERROR
                            : scte35_jp_fail(jp, sub, "ISO_code", "missing");
        }
    }

    return scte35_jp_count(jp, path, o, "audio_count", au->audio_count);
}


/* a fixed-size UPID value into what is left of the 255 bytes */
static int
scte35_jp_put(scte35_jp_t *jp, const char *path, const char *key,
    uint8_t *out, size_t max, size_t *n, const uint8_t *p, size_t len)
{
    if (len > max) {
        return scte35_jp_fail(jp, path, key, "%zu bytes, only %zu left of "
                              "the 255", len, max);
    }

    memcpy(out, p, len);
    *n = len;

    return SCTE35_OK;
}


/* segmentation_upid in the forms scte35_json.c produces */
static int
scte35_jp_upid(scte35_jp_t *jp, const char *path, const char *key, json_t *v,
    uint8_t type, uint8_t *out, size_t max, size_t *n)
{
    uint8_t  eidr[12];

    if (type == SCTE35_UPID_MID) {
        return scte35_jp_mid(jp, path, v, out, max, n);
    }

    if (json_is_string(v)) {
        if (type == SCTE35_UPID_EIDR) {
            if (scte35_jp_eidr(json_string_value(v), eidr) != SCTE35_OK) {
                return scte35_jp_fail(jp, path, key, "not an EIDR like "
                                      "10.5239/8BE5-E3F6-0000-0000-0000");
            }

            return scte35_jp_put(jp, path, key, out, max, n, eidr, 12);
        }

        if (!scte35_upid_is_text(type)) {
            return scte35_jp_fail(jp, path, key, "a string is only for "
                                  "text UPID types, use {\"hex\": "
                                  "\"0x...\"} for type 0x%02x", type);
        }

        return scte35_jp_text(jp, path, key, v, out, max, n);
    }

    if (json_is_object(v)) {
        return scte35_jp_upid_object(jp, path, key, v, type, out, max, n);
    }

    return scte35_jp_fail(jp, path, key, "expected a string or an object "
                          "for upid type 0x%02x", type);
}


static int
scte35_jp_upid_object(scte35_jp_t *jp, const char *path, const char *key,
    json_t *v, uint8_t type, uint8_t *out, size_t max, size_t *n)
{
    int                 rc;
    size_t              i, len;
    json_t             *hex;
    uint8_t             id[4], ti[8];
    uint64_t            iv, hv;
    char                sub[SCTE35_PATH_LEN];
    const char *const  *lists[2];
    static scte35_keys_t  hex_keys = { "hex", NULL };
    static scte35_keys_t  ti_keys = { "hex", "int", NULL };
    static scte35_keys_t  mpu_keys = {
        "format_identifier", "private_data", NULL
    };

    scte35_jp_sub(sub, "%s%s%s", path, path[0] ? "." : "", key);

    hex = json_object_get(v, "hex");

    lists[0] = (type == SCTE35_UPID_TI) ? ti_keys
               : (type == SCTE35_UPID_MPU && hex == NULL) ? mpu_keys
               : hex_keys;
    lists[1] = NULL;

    if (scte35_jp_keys(jp, sub, v, lists) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    if (type == SCTE35_UPID_MPU && hex == NULL) {
        rc = scte35_jp_fixed_text(jp, sub, v, "format_identifier", id, 4);
        if (rc <= 0) {
            return (rc < 0) ? SCTE35_ERROR
                            : scte35_jp_fail(jp, sub, "format_identifier",
                                             "missing");
        }

        if (scte35_jp_put(jp, sub, NULL, out, max, n, id, 4) != SCTE35_OK
            || scte35_jp_bytes_field(jp, sub, v, "private_data", out + 4,
                                     max - 4, &len) != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        *n = 4 + len;
        return SCTE35_OK;
    }

    rc = scte35_jp_uint(jp, sub, v, "int", INT64_MAX, &iv);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (hex == NULL) {
        if (rc == 0) {
            return scte35_jp_fail(jp, sub, "hex", "missing");
        }

        for (i = 0; i < 8; i++) {
            ti[i] = (uint8_t) (iv >> (56 - 8 * i));
        }

        return scte35_jp_put(jp, sub, NULL, out, max, n, ti, 8);
    }

    if (scte35_jp_hex(jp, sub, "hex", hex, out, max, n) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    for (hv = 0, i = 0; i < *n; i++) {
        hv = (hv << 8) | out[i];
    }

    if (rc == 1 && (*n != 8 || hv != iv)) {
        return scte35_jp_fail(jp, sub, "int", "does not match hex");
    }

    return SCTE35_OK;
}


static int
scte35_jp_mid(scte35_jp_t *jp, const char *path, json_t *v, uint8_t *out,
    size_t max, size_t *n)
{
    int                 rc;
    size_t              i, at, len;
    json_t             *e, *value;
    uint64_t            type;
    char                sub[SCTE35_PATH_LEN];
    const char *const  *lists[2];
    static scte35_keys_t  keys = { "type", "type_name", "value", NULL };

    if (!json_is_array(v)) {
        return scte35_jp_fail(jp, path, "segmentation_upid", "expected an "
                              "array for a MID");
    }

    lists[0] = keys;
    lists[1] = NULL;
    at = 0;

    json_array_foreach(v, i, e) {
        scte35_jp_sub(sub, "%s%ssegmentation_upid[%zu]", path,
                 path[0] ? "." : "", i);

        if (!json_is_object(e)) {
            return scte35_jp_fail(jp, sub, NULL, "expected an object");
        }

        if (scte35_jp_keys(jp, sub, e, lists) != SCTE35_OK) {
            return SCTE35_ERROR;
        }

        rc = scte35_jp_uint(jp, sub, e, "type", 0xff, &type);
        if (rc <= 0) {
            return (rc < 0) ? SCTE35_ERROR
                            : scte35_jp_fail(jp, sub, "type", "missing");
        }

        if (type == SCTE35_UPID_MID) {
            return scte35_jp_fail(jp, sub, "type", "a MID cannot contain a "
                                  "MID");
        }

        if (max - at < 2) {
            return scte35_jp_fail(jp, sub, NULL, "the MID exceeds %zu bytes",
                                  max);
        }

        len = 0;
        value = json_object_get(e, "value");

        if (value != NULL
            && scte35_jp_upid(jp, sub, "value", value, (uint8_t) type,
                              out + at + 2, max - at - 2, &len) != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        out[at] = (uint8_t) type;
        out[at + 1] = (uint8_t) len;
        at += 2 + len;
    }

    *n = at;

    return SCTE35_OK;
}


/* "10.<prefix>/XXXX-XXXX-XXXX-XXXX-XXXX" -> 2 + 10 bytes */
static int
scte35_jp_eidr(const char *s, uint8_t *out)
{
    int       g, d, h;
    unsigned  prefix, digits, v;

    if (strncmp(s, "10.", 3) != 0) {
        return SCTE35_ERROR;
    }

    s += 3;
    prefix = 0;

    for (digits = 0; *s >= '0' && *s <= '9' && digits < 5; digits++, s++) {
        prefix = prefix * 10 + (unsigned) (*s - '0');
    }

    if (digits == 0 || prefix > 0xffff || *s++ != '/') {
        return SCTE35_ERROR;
    }

    out[0] = (uint8_t) (prefix >> 8);
    out[1] = (uint8_t) prefix;

    for (g = 0; g < 5; g++) {
        if (g > 0 && *s++ != '-') {
            return SCTE35_ERROR;
        }

        for (v = 0, d = 0; d < 4; d++) {
            h = scte35_jp_hexval((unsigned char) *s++);
            if (h < 0) {
                return SCTE35_ERROR;
            }

            v = (v << 4) | (unsigned) h;
        }

        out[2 + 2 * g] = (uint8_t) (v >> 8);
        out[3 + 2 * g] = (uint8_t) v;
    }

    return (*s == '\0') ? SCTE35_OK : SCTE35_ERROR;
}
