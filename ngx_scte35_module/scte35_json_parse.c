/*
 * JSON -> SCTE-35 section, the strict inverse of scte35_to_json() (the
 * conventions are described in scte35_json.c).
 *
 * Strict means: every key must be known *and* meaningful in the state the
 * flags describe (e.g. pts_time under splice_immediate_flag 1 is an error,
 * not silently dropped), integers must be JSON integers within their bit
 * width, and the error names the field with its path
 * ("descriptors[0].segmentation_upid[1].type: ...").
 *
 * Defaults for absent fields are what a conformant cue has: tier 0xfff,
 * sap_type 3, reserved bits 1, program_splice_flag and
 * program_segmentation_flag 1, delivery_not_restricted_flag 1, identifier
 * "CUEI"; flags that only say "the next field is there"
 * (time_specified_flag, duration_flag, segmentation_duration_flag) follow
 * from the presence of that field and are cross-checked when given.
 *
 * Derived fields: *_s, *_name, crc_32, crc_ok, crc_computed and length_ok
 * are ignored; command, name, pts_time_adjusted, the counts
 * (splice_count, dtmf_count, audio_count, segmentation_upid_length) and the
 * lengths (section_length, splice_command_length, descriptor_loop_length)
 * are cross-checked.  splice_command_length 4095 selects the legacy
 * "unknown" value; with encrypted_packet 1 it is taken as given.
 */


#include <stddef.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"
#include "scte35_json_int.h"


static int scte35_jp_header(scte35_jp_t *jp, json_t *j,
    scte35_section_t *sec);
static int scte35_jp_command_type(scte35_jp_t *jp, json_t *j,
    scte35_section_t *sec);
static int scte35_jp_command(scte35_jp_t *jp, json_t *j,
    scte35_section_t *sec);
static int scte35_jp_splice_time(scte35_jp_t *jp, const char *path,
    json_t *obj, scte35_splice_time_t *st, uint64_t adj, const char *rz);
static int scte35_jp_break(scte35_jp_t *jp, const char *path, json_t *obj,
    scte35_break_duration_t *bd);
static int scte35_jp_insert(scte35_jp_t *jp, json_t *j,
    scte35_splice_insert_t *si, uint64_t adj);
static int scte35_jp_insert_components(scte35_jp_t *jp, json_t *j,
    scte35_splice_insert_t *si, uint64_t adj);
static int scte35_jp_schedule(scte35_jp_t *jp, json_t *j,
    scte35_splice_schedule_t *ss);
static int scte35_jp_event_components(scte35_jp_t *jp, const char *path,
    json_t *o, scte35_schedule_event_t *ev);
static int scte35_jp_event(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_schedule_event_t *ev);
static int scte35_jp_private_cmd(scte35_jp_t *jp, json_t *j,
    scte35_private_command_t *pc);
static int scte35_jp_lengths(scte35_jp_t *jp, json_t *j,
    scte35_section_t *sec);


/* keys that are always allowed at the top level */
static scte35_keys_t  scte35_top_keys = {
    "pts_adjustment", "tier", "cw_index", "sap_type", "section_length",
    "splice_command_length", "protocol_version", "encrypted_packet",
    "encryption_algorithm", "section_syntax_indicator", "private_indicator",
    "crc_32", "crc_ok", "length_ok", "crc_computed", NULL
};

static scte35_keys_t  scte35_clear_keys = {
    "command", "splice_command_type", "command_extra_bytes",
    "descriptor_loop_length", "descriptors", "alignment_stuffing", NULL
};

static scte35_keys_t  scte35_encrypted_keys = { "encrypted_bytes", NULL };

static scte35_keys_t  scte35_time_keys = {
    "time_specified_flag", "pts_time", "pts_time_s", "pts_time_adjusted",
    "splice_time_reserved_zero", NULL
};

static const scte35_jfield_t  scte35_header_fields[] = {
    SCTE35_JF(scte35_section_t, sap_type, "sap_type", 3, 0),
    SCTE35_JF(scte35_section_t, protocol_version, "protocol_version", 0xff, 0),
    SCTE35_JF(scte35_section_t, encrypted_packet, "encrypted_packet", 1, 0),
    SCTE35_JF(scte35_section_t, encryption_algorithm, "encryption_algorithm",
              63, 0),
    SCTE35_JF(scte35_section_t, pts_adjustment, "pts_adjustment",
              SCTE35_MAX_33, 0),
    SCTE35_JF(scte35_section_t, cw_index, "cw_index", 0xff, 0),
    SCTE35_JF(scte35_section_t, tier, "tier", 0xfff, 0),
    SCTE35_JF(scte35_section_t, section_syntax_indicator,
              "section_syntax_indicator", 1, 0),
    SCTE35_JF(scte35_section_t, private_indicator, "private_indicator", 1, 0)
};


int
scte35_from_json(json_t *j, scte35_section_t *sec, char *err, size_t errlen)
{
    size_t              n;
    json_t             *v;
    scte35_jp_t         jp;
    const char *const  *lists[3];

    jp.err = err;
    jp.errlen = errlen;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    scte35_section_init(sec);

    if (!json_is_object(j)) {
        return scte35_error(err, errlen, "section: expected a JSON object");
    }

    if (scte35_jp_header(&jp, j, sec) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    if (!sec->encrypted_packet) {
        if (scte35_jp_command_type(&jp, j, sec) != SCTE35_OK
            || scte35_jp_command(&jp, j, sec) != SCTE35_OK
            || scte35_jp_descriptors(&jp, j, sec) != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        return scte35_jp_lengths(&jp, j, sec);
    }

    lists[0] = scte35_top_keys;
    lists[1] = scte35_encrypted_keys;
    lists[2] = NULL;

    if (scte35_jp_keys(&jp, "", j, lists) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    v = json_object_get(j, "encrypted_bytes");
    if (v == NULL) {
        return scte35_jp_fail(&jp, "", "encrypted_bytes",
                              "missing (encrypted_packet is 1)");
    }

    if (scte35_jp_hex(&jp, "", "encrypted_bytes", v, sec->encrypted,
                      SCTE35_MAX_SECTION, &n)
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sec->encrypted_length = (uint16_t) n;

    return scte35_jp_lengths(&jp, j, sec);
}


/* the section */

static int
scte35_jp_header(scte35_jp_t *jp, json_t *j, scte35_section_t *sec)
{
    int       rc;
    uint64_t  v;

    if (scte35_jp_fields(jp, "", j, sec, scte35_header_fields,
                         sizeof(scte35_header_fields)
                         / sizeof(scte35_header_fields[0]))
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    rc = scte35_jp_uint(jp, "", j, "splice_command_length", 0xfff, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    /* an encrypted command cannot be measured: the value is taken as is */
    if (sec->encrypted_packet) {
        if (rc == 0) {
            return scte35_jp_fail(jp, "", "splice_command_length",
                                  "missing (encrypted_packet is 1)");
        }

        sec->splice_command_length = (uint16_t) v;

    } else if (rc == 1 && v == SCTE35_CMD_LEN_UNKNOWN) {
        sec->splice_command_length = SCTE35_CMD_LEN_UNKNOWN;
    }

    return SCTE35_OK;
}


static int
scte35_jp_command_type(scte35_jp_t *jp, json_t *j, scte35_section_t *sec)
{
    int          rc;
    size_t       i;
    json_t      *name;
    uint64_t     v;
    const char  *s, *known;
    static const uint8_t  types[] = {
        SCTE35_SPLICE_NULL, SCTE35_SPLICE_SCHEDULE, SCTE35_SPLICE_INSERT,
        SCTE35_TIME_SIGNAL, SCTE35_BANDWIDTH_RESERVATION,
        SCTE35_PRIVATE_COMMAND
    };

    rc = scte35_jp_uint(jp, "", j, "splice_command_type", 0xff, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1 && scte35_command_name((uint8_t) v) == NULL) {
        return scte35_jp_fail(jp, "", "splice_command_type", "0x%02x is "
                              "reserved", (unsigned) v);
    }

    name = json_object_get(j, "command");

    if (name == NULL) {
        if (rc == 0) {
            return scte35_jp_fail(jp, "", "command", "missing (and no "
                                  "splice_command_type)");
        }

        sec->splice_command_type = (uint8_t) v;
        return SCTE35_OK;
    }

    if (!json_is_string(name)) {
        return scte35_jp_fail(jp, "", "command", "expected a string");
    }

    s = json_string_value(name);

    for (i = 0; i < sizeof(types); i++) {
        known = scte35_command_name(types[i]);

        if (strcmp(s, known) == 0) {
            if (rc == 1 && v != types[i]) {
                return scte35_jp_fail(jp, "", "command", "\"%s\" does not "
                                      "match splice_command_type %u", s,
                                      (unsigned) v);
            }

            sec->splice_command_type = types[i];
            return SCTE35_OK;
        }
    }

    return scte35_jp_fail(jp, "", "command", "unknown command \"%s\"", s);
}


static int
scte35_jp_command(scte35_jp_t *jp, json_t *j, scte35_section_t *sec)
{
    int                 rc;
    size_t              n;
    const char *const  *lists[4];

    lists[0] = scte35_top_keys;
    lists[1] = scte35_clear_keys;
    lists[2] = NULL;
    lists[3] = NULL;

    switch (sec->splice_command_type) {

    case SCTE35_SPLICE_SCHEDULE:
        rc = scte35_jp_schedule(jp, j, &sec->cmd.schedule);
        break;

    case SCTE35_SPLICE_INSERT:
        rc = scte35_jp_insert(jp, j, &sec->cmd.insert, sec->pts_adjustment);
        break;

    case SCTE35_TIME_SIGNAL:
        lists[2] = scte35_time_keys;
        rc = scte35_jp_keys(jp, "", j, lists);
        if (rc == SCTE35_OK) {
            rc = scte35_jp_splice_time(jp, "", j, &sec->cmd.time_signal,
                                       sec->pts_adjustment,
                                       "splice_time_reserved_zero");
        }
        break;

    case SCTE35_PRIVATE_COMMAND:
        rc = scte35_jp_private_cmd(jp, j, &sec->cmd.private_cmd);
        break;

    default:
        rc = scte35_jp_keys(jp, "", j, lists);
        break;
    }

    if (rc != SCTE35_OK
        || scte35_jp_bytes_field(jp, "", j, "command_extra_bytes",
                                 sec->command_extra, SCTE35_MAX_SECTION, &n)
           != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sec->command_extra_length = (uint16_t) n;

    return SCTE35_OK;
}


static int
scte35_jp_splice_time(scte35_jp_t *jp, const char *path, json_t *obj,
    scte35_splice_time_t *st, uint64_t adj, const char *rz)
{
    int       rc;
    uint64_t  v;

    if (scte35_jp_flag_for(jp, path, obj, "time_specified_flag", "pts_time",
                           &st->time_specified_flag)
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (st->time_specified_flag
        && scte35_jp_uint(jp, path, obj, "pts_time", SCTE35_MAX_33,
                          &st->pts_time) < 0)
    {
        return SCTE35_ERROR;
    }

    rc = scte35_jp_uint(jp, path, obj, rz,
                        st->time_specified_flag ? 0x7e : 0x7f, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    st->reserved_zero = (rc == 1) ? (uint8_t) v : 0;

    rc = scte35_jp_uint(jp, path, obj, "pts_time_adjusted", SCTE35_MAX_33,
                        &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1
        && (!st->time_specified_flag
            || v != ((st->pts_time + adj) & SCTE35_MAX_33)))
    {
        return scte35_jp_fail(jp, path, "pts_time_adjusted", "does not "
                              "match (pts_time + pts_adjustment) mod 2^33");
    }

    return SCTE35_OK;
}


static int
scte35_jp_break(scte35_jp_t *jp, const char *path, json_t *obj,
    scte35_break_duration_t *bd)
{
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_break_duration_t, auto_return, "auto_return", 1, 1),
        SCTE35_JF(scte35_break_duration_t, duration, "duration",
                  SCTE35_MAX_33, 1),
        SCTE35_JF(scte35_break_duration_t, reserved_zero, "reserved_zero",
                  0x7e, 0)
    };
    static scte35_keys_t  keys = {
        "auto_return", "duration", "duration_s", "reserved_zero", NULL
    };

    const char *const  *lists[2];

    lists[0] = keys;
    lists[1] = NULL;

    if (!json_is_object(obj)) {
        return scte35_jp_fail(jp, path, NULL, "expected an object");
    }

    if (scte35_jp_keys(jp, path, obj, lists) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    return scte35_jp_fields(jp, path, obj, bd, fields,
                            sizeof(fields) / sizeof(fields[0]));
}


static int
scte35_jp_insert(scte35_jp_t *jp, json_t *j, scte35_splice_insert_t *si,
    uint64_t adj)
{
    size_t  k;
    static const scte35_jfield_t  base[] = {
        SCTE35_JF(scte35_splice_insert_t, splice_event_id, "splice_event_id",
                  0xffffffff, 1),
        SCTE35_JF(scte35_splice_insert_t, splice_event_cancel_indicator,
                  "splice_event_cancel_indicator", 1, 0),
        SCTE35_JF(scte35_splice_insert_t, reserved_zero, "reserved_zero",
                  0x7f0f, 0)
    };
    static const scte35_jfield_t  active[] = {
        SCTE35_JF(scte35_splice_insert_t, out_of_network_indicator,
                  "out_of_network_indicator", 1, 0),
        SCTE35_JF(scte35_splice_insert_t, program_splice_flag,
                  "program_splice_flag", 1, 0),
        SCTE35_JF(scte35_splice_insert_t, splice_immediate_flag,
                  "splice_immediate_flag", 1, 0),
        SCTE35_JF(scte35_splice_insert_t, unique_program_id,
                  "unique_program_id", 0xffff, 0),
        SCTE35_JF(scte35_splice_insert_t, avail_num, "avail_num", 0xff, 0),
        SCTE35_JF(scte35_splice_insert_t, avails_expected, "avails_expected",
                  0xff, 0)
    };
    static scte35_keys_t  base_keys = {
        "splice_event_id", "splice_event_cancel_indicator", "reserved_zero",
        NULL
    };
    static scte35_keys_t  active_keys = {
        "out_of_network_indicator", "program_splice_flag", "duration_flag",
        "splice_immediate_flag", "unique_program_id", "avail_num",
        "avails_expected", "break_duration", NULL
    };
    static scte35_keys_t  component_keys = { "components", NULL };

    const char *const  *lists[6];

    lists[0] = scte35_top_keys;
    lists[1] = scte35_clear_keys;
    lists[2] = base_keys;
    k = 3;

    if (scte35_jp_fields(jp, "", j, si, base,
                         sizeof(base) / sizeof(base[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (si->splice_event_cancel_indicator) {
        lists[k] = NULL;
        return scte35_jp_keys(jp, "", j, lists);
    }

    si->program_splice_flag = 1;

    if (scte35_jp_fields(jp, "", j, si, active,
                         sizeof(active) / sizeof(active[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    lists[k++] = active_keys;

    if (si->program_splice_flag && !si->splice_immediate_flag) {
        lists[k++] = scte35_time_keys;
    }

    if (!si->program_splice_flag) {
        lists[k++] = component_keys;
    }

    lists[k] = NULL;

    if (scte35_jp_keys(jp, "", j, lists) != SCTE35_OK
        || scte35_jp_flag_for(jp, "", j, "duration_flag", "break_duration",
                              &si->duration_flag) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (si->duration_flag
        && scte35_jp_break(jp, "break_duration",
                           json_object_get(j, "break_duration"),
                           &si->break_duration) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (si->program_splice_flag) {
        if (si->splice_immediate_flag) {
            return SCTE35_OK;
        }

        return scte35_jp_splice_time(jp, "", j, &si->splice_time, adj,
                                     "splice_time_reserved_zero");
    }

    return scte35_jp_insert_components(jp, j, si, adj);
}


static int
scte35_jp_insert_components(scte35_jp_t *jp, json_t *j,
    scte35_splice_insert_t *si, uint64_t adj)
{
    int                 rc;
    size_t              i;
    json_t             *a, *o;
    uint64_t            v;
    char                path[SCTE35_PATH_LEN];
    const char *const  *lists[3];
    static scte35_keys_t  tag_keys = { "component_tag", NULL };
    static scte35_keys_t  time_keys = {
        "time_specified_flag", "pts_time", "pts_time_s", "pts_time_adjusted",
        "reserved_zero", NULL
    };

    rc = scte35_jp_array(jp, "", j, "components", SCTE35_MAX_COMPONENTS, &a);
    if (rc <= 0) {
        return (rc < 0) ? SCTE35_ERROR
                        : scte35_jp_fail(jp, "", "components", "missing "
                                         "(program_splice_flag is 0)");
    }

    lists[0] = tag_keys;
    lists[1] = si->splice_immediate_flag ? NULL : time_keys;
    lists[2] = NULL;

    si->component_count = (uint8_t) json_array_size(a);

    json_array_foreach(a, i, o) {
        scte35_jp_sub(path, "components[%zu]", i);

        if (!json_is_object(o)) {
            return scte35_jp_fail(jp, path, NULL, "expected an object");
        }

        rc = scte35_jp_uint(jp, path, o, "component_tag", 0xff, &v);
        if (rc <= 0) {
            return (rc < 0) ? SCTE35_ERROR
                            : scte35_jp_fail(jp, path, "component_tag",
                                             "missing");
        }

        si->components[i].component_tag = (uint8_t) v;

        if (scte35_jp_keys(jp, path, o, lists) != SCTE35_OK) {
            return SCTE35_ERROR;
        }

        if (!si->splice_immediate_flag
            && scte35_jp_splice_time(jp, path, o,
                                     &si->components[i].splice_time, adj,
                                     "reserved_zero") != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}


static int
scte35_jp_schedule(scte35_jp_t *jp, json_t *j, scte35_splice_schedule_t *ss)
{
    int                 rc;
    size_t              i;
    json_t             *a, *o;
    char                path[SCTE35_PATH_LEN];
    const char *const  *lists[4];
    static scte35_keys_t  keys = { "splice_count", "events", NULL };

    lists[0] = scte35_top_keys;
    lists[1] = scte35_clear_keys;
    lists[2] = keys;
    lists[3] = NULL;

    if (scte35_jp_keys(jp, "", j, lists) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    rc = scte35_jp_array(jp, "", j, "events", SCTE35_MAX_EVENTS, &a);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    ss->splice_count = (rc == 1) ? (uint8_t) json_array_size(a) : 0;

    if (scte35_jp_count(jp, "", j, "splice_count", ss->splice_count)
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    for (i = 0; i < ss->splice_count; i++) {
        scte35_jp_sub(path, "events[%zu]", i);
        o = json_array_get(a, i);

        if (!json_is_object(o)) {
            return scte35_jp_fail(jp, path, NULL, "expected an object");
        }

        if (scte35_jp_event(jp, path, o, &ss->events[i]) != SCTE35_OK) {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}


static int
scte35_jp_event_components(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_schedule_event_t *ev)
{
    static const scte35_jfield_t  fields[] = {
        SCTE35_JF(scte35_schedule_component_t, component_tag, "component_tag",
                  0xff, 1),
        SCTE35_JF(scte35_schedule_component_t, utc_splice_time,
                  "utc_splice_time", 0xffffffff, 1)
    };
    static scte35_keys_t  keys = { "component_tag", "utc_splice_time", NULL };

    return scte35_jp_components(jp, path, o, SCTE35_MAX_EVENT_COMPS,
                                "program_splice_flag is 0", keys, fields,
                                sizeof(fields) / sizeof(fields[0]),
                                ev->components,
                                sizeof(scte35_schedule_component_t),
                                &ev->component_count);
}


static int
scte35_jp_event(scte35_jp_t *jp, const char *path, json_t *o,
    scte35_schedule_event_t *ev)
{
    size_t  k;
    char    sub[SCTE35_PATH_LEN];
    static const scte35_jfield_t  base[] = {
        SCTE35_JF(scte35_schedule_event_t, splice_event_id, "splice_event_id",
                  0xffffffff, 1),
        SCTE35_JF(scte35_schedule_event_t, splice_event_cancel_indicator,
                  "splice_event_cancel_indicator", 1, 0),
        SCTE35_JF(scte35_schedule_event_t, reserved_zero, "reserved_zero",
                  0x7f1f, 0)
    };
    static const scte35_jfield_t  active[] = {
        SCTE35_JF(scte35_schedule_event_t, out_of_network_indicator,
                  "out_of_network_indicator", 1, 0),
        SCTE35_JF(scte35_schedule_event_t, program_splice_flag,
                  "program_splice_flag", 1, 0),
        SCTE35_JF(scte35_schedule_event_t, unique_program_id,
                  "unique_program_id", 0xffff, 0),
        SCTE35_JF(scte35_schedule_event_t, avail_num, "avail_num", 0xff, 0),
        SCTE35_JF(scte35_schedule_event_t, avails_expected, "avails_expected",
                  0xff, 0)
    };
    static scte35_keys_t  base_keys = {
        "splice_event_id", "splice_event_cancel_indicator", "reserved_zero",
        NULL
    };
    static scte35_keys_t  active_keys = {
        "out_of_network_indicator", "program_splice_flag", "duration_flag",
        "unique_program_id", "avail_num", "avails_expected",
        "break_duration", NULL
    };
    static const scte35_jfield_t  utc_field[] = {
        SCTE35_JF(scte35_schedule_event_t, utc_splice_time, "utc_splice_time",
                  0xffffffff, 1)
    };
    static scte35_keys_t  program_keys = { "utc_splice_time", NULL };
    static scte35_keys_t  component_keys = { "components", NULL };

    const char *const  *lists[4];

    lists[0] = base_keys;
    k = 1;

    if (scte35_jp_fields(jp, path, o, ev, base,
                         sizeof(base) / sizeof(base[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (ev->splice_event_cancel_indicator) {
        lists[k] = NULL;
        return scte35_jp_keys(jp, path, o, lists);
    }

    ev->program_splice_flag = 1;

    if (scte35_jp_fields(jp, path, o, ev, active,
                         sizeof(active) / sizeof(active[0])) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    lists[k++] = active_keys;
    lists[k++] = ev->program_splice_flag ? program_keys : component_keys;
    lists[k] = NULL;

    if (scte35_jp_keys(jp, path, o, lists) != SCTE35_OK
        || scte35_jp_flag_for(jp, path, o, "duration_flag", "break_duration",
                              &ev->duration_flag) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    scte35_jp_sub(sub, "%s.break_duration", path);

    if (ev->duration_flag
        && scte35_jp_break(jp, sub, json_object_get(o, "break_duration"),
                           &ev->break_duration) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (!ev->program_splice_flag) {
        return scte35_jp_event_components(jp, path, o, ev);
    }

    return scte35_jp_fields(jp, path, o, ev, utc_field, 1);
}


static int
scte35_jp_private_cmd(scte35_jp_t *jp, json_t *j,
    scte35_private_command_t *pc)
{
    int                 rc;
    size_t              n;
    uint8_t             id[4];
    const char *const  *lists[4];
    static scte35_keys_t  keys = { "identifier", "private_bytes", NULL };

    lists[0] = scte35_top_keys;
    lists[1] = scte35_clear_keys;
    lists[2] = keys;
    lists[3] = NULL;

    if (scte35_jp_keys(jp, "", j, lists) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    rc = scte35_jp_fixed_text(jp, "", j, "identifier", id, 4);
    if (rc <= 0) {
        return (rc < 0) ? SCTE35_ERROR
                        : scte35_jp_fail(jp, "", "identifier", "missing");
    }

    pc->identifier = ((uint32_t) id[0] << 24) | ((uint32_t) id[1] << 16)
                     | ((uint32_t) id[2] << 8) | id[3];

    if (scte35_jp_bytes_field(jp, "", j, "private_bytes", pc->private_bytes,
                              SCTE35_MAX_SECTION, &n) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    pc->private_length = (uint16_t) n;

    return SCTE35_OK;
}


/* encodes to check the derived lengths the JSON gives, if any */
static int
scte35_jp_lengths(scte35_jp_t *jp, json_t *j, scte35_section_t *sec)
{
    int       rc;
    size_t    len, cmd_len, loop_len;
    uint64_t  v;
    uint8_t   buf[SCTE35_MAX_SECTION];

    if (scte35_encode_layout(sec, buf, sizeof(buf), &len, &cmd_len,
                             &loop_len, jp->err, jp->errlen)
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sec->section_length = (uint16_t) (len - 3);

    rc = scte35_jp_uint(jp, "", j, "section_length", 0xfff, &v);
    if (rc == 1 && v != len - 3) {
        return scte35_jp_fail(jp, "", "section_length", "%llu, but the "
                              "section encodes to %zu",
                              (unsigned long long) v, len - 3);
    }

    if (sec->encrypted_packet) {
        return SCTE35_OK;
    }

    /* the legacy 0xfff stays as it is */
    if (sec->splice_command_length != SCTE35_CMD_LEN_UNKNOWN) {
        sec->splice_command_length = (uint16_t) cmd_len;

        rc = scte35_jp_uint(jp, "", j, "splice_command_length", 0xfff, &v);
        if (rc == 1 && v != cmd_len) {
            return scte35_jp_fail(jp, "", "splice_command_length", "%llu, "
                                  "but the command encodes to %zu",
                                  (unsigned long long) v, cmd_len);
        }
    }

    rc = scte35_jp_uint(jp, "", j, "descriptor_loop_length", 0xffff, &v);
    if (rc < 0) {
        return SCTE35_ERROR;
    }

    if (rc == 1 && v != loop_len) {
        return scte35_jp_fail(jp, "", "descriptor_loop_length", "%llu, but "
                              "the descriptors encode to %zu",
                              (unsigned long long) v, loop_len);
    }

    return SCTE35_OK;
}
