/*
 * SCTE-35 section -> JSON, with the field names of
 * shared/testdata/scte35_vectors.json ("decoded" objects).
 *
 * Conventions (scte35_from_json() reads the same):
 *   - command fields are flat at the top level, as in the vectors;
 *   - 33/40/48-bit values are JSON integers; *_s are derived seconds
 *     (90 kHz ticks / 90000, rounded to the microsecond);
 *   - byte strings (private_bytes, extra_bytes, command_extra_bytes,
 *     alignment_stuffing, encrypted_bytes, private_data) are lowercase hex
 *     without "0x", like the vectors' private_bytes;
 *   - text (identifiers, ISO_code, dtmf_chars, text UPIDs) is a JSON string
 *     when every byte is printable ASCII, else {"hex": "0x..."}, so that
 *     any byte survives the round trip;
 *   - segmentation_upid: TI (0x08, 8 bytes) {"int", "hex"}; EIDR (0x0a,
 *     12 bytes) "10.<prefix>/XXXX-XXXX-XXXX-XXXX-XXXX"; MPU (0x0c)
 *     {"format_identifier", "private_data"}; MID (0x0d) an array of
 *     {"type", "type_name", "value"}; the text types (0x01-0x03, 0x07,
 *     0x09, 0x0e, 0x0f, 0x11) text; anything else {"hex": "0x..."};
 *   - fields that exist only to make the bytes exact appear only when they
 *     are not the default: reserved_zero, splice_time_reserved_zero,
 *     section_syntax_indicator, private_indicator, extra_bytes,
 *     command_extra_bytes, alignment_stuffing;
 *   - section_length, splice_command_length, descriptor_loop_length and
 *     crc_computed come from encoding the struct, crc_32 is the CRC that
 *     was received (the computed one for a section built in C).
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"


typedef struct {
    int          failed;        /* an allocation failed somewhere */
} scte35_js_t;


static void scte35_put(scte35_js_t *c, json_t *o, const char *key,
    json_t *v);
static void scte35_put_uint(scte35_js_t *c, json_t *o, const char *key,
    uint64_t v);
static void scte35_put_secs(scte35_js_t *c, json_t *o, const char *key,
    uint64_t ticks);
static json_t *scte35_hex(const uint8_t *p, size_t n, int prefix);
static json_t *scte35_text(const uint8_t *p, size_t n);
static json_t *scte35_text_u32(uint32_t v);
static void scte35_json_header(scte35_js_t *c, json_t *o,
    const scte35_section_t *sec, const uint8_t *buf, size_t len,
    size_t loop_len);
static void scte35_json_command(scte35_js_t *c, json_t *o,
    const scte35_section_t *sec);
static void scte35_json_splice_time(scte35_js_t *c, json_t *o,
    const scte35_splice_time_t *st, uint64_t adj, const char *rz_key);
static json_t *scte35_json_break(scte35_js_t *c,
    const scte35_break_duration_t *bd);
static void scte35_json_insert(scte35_js_t *c, json_t *o,
    const scte35_splice_insert_t *si, uint64_t adj);
static void scte35_json_schedule(scte35_js_t *c, json_t *o,
    const scte35_splice_schedule_t *ss);
static json_t *scte35_json_event(scte35_js_t *c,
    const scte35_schedule_event_t *ev);
static json_t *scte35_json_descriptor(scte35_js_t *c,
    const scte35_descriptor_t *d);
static void scte35_json_segmentation(scte35_js_t *c, json_t *o,
    const scte35_segmentation_t *sg);
static void scte35_json_audio(scte35_js_t *c, json_t *o,
    const scte35_audio_t *au);
static json_t *scte35_json_upid(scte35_js_t *c, uint8_t type,
    const uint8_t *p, size_t n);
static json_t *scte35_json_mid(scte35_js_t *c, const uint8_t *p, size_t n);


json_t *
scte35_to_json(const scte35_section_t *sec)
{
    size_t       len, cmd_len, loop_len;
    json_t      *o;
    uint8_t      buf[SCTE35_MAX_SECTION];
    scte35_js_t  c;

    /* lengths and CRC as they are on the wire */
    if (scte35_encode_layout(sec, buf, sizeof(buf), &len, &cmd_len,
                             &loop_len, NULL, 0)
        != SCTE35_OK)
    {
        return NULL;
    }

    c.failed = 0;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    scte35_json_header(&c, o, sec, buf, len, loop_len);

    if (c.failed) {
        json_decref(o);
        return NULL;
    }

    return o;
}


static void
scte35_put(scte35_js_t *c, json_t *o, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(o, key, v) != 0) {
        c->failed = 1;
    }
}


static void
scte35_put_uint(scte35_js_t *c, json_t *o, const char *key, uint64_t v)
{
    scte35_put(c, o, key, json_integer((json_int_t) v));
}


/* 90 kHz ticks as seconds, rounded to the microsecond like the vectors */
static void
scte35_put_secs(scte35_js_t *c, json_t *o, const char *key, uint64_t ticks)
{
    uint64_t  us;

    us = (ticks * 1000000 + 45000) / 90000;

    scte35_put(c, o, key, json_real((double) us / 1e6));
}


static json_t *
scte35_hex(const uint8_t *p, size_t n, int prefix)
{
    char        *s;
    size_t       i, at;
    json_t      *v;
    static const char  digits[] = "0123456789abcdef";

    s = malloc(2 * n + 3);
    if (s == NULL) {
        return NULL;
    }

    at = 0;

    if (prefix) {
        s[at++] = '0';
        s[at++] = 'x';
    }

    for (i = 0; i < n; i++) {
        s[at++] = digits[p[i] >> 4];
        s[at++] = digits[p[i] & 0x0f];
    }

    s[at] = '\0';

    v = json_string(s);
    free(s);

    return v;
}


static json_t *
scte35_text(const uint8_t *p, size_t n)
{
    size_t   i;
    json_t  *o;

    for (i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            break;
        }
    }

    if (i == n) {
        return json_stringn((const char *) p, n);
    }

    o = json_object();
    if (o != NULL && json_object_set_new(o, "hex", scte35_hex(p, n, 1))) {
        json_decref(o);
        return NULL;
    }

    return o;
}


static json_t *
scte35_text_u32(uint32_t v)
{
    uint8_t  b[4];

    b[0] = (uint8_t) (v >> 24);
    b[1] = (uint8_t) (v >> 16);
    b[2] = (uint8_t) (v >> 8);
    b[3] = (uint8_t) v;

    return scte35_text(b, 4);
}


static void
scte35_json_header(scte35_js_t *c, json_t *o, const scte35_section_t *sec,
    const uint8_t *buf, size_t len, size_t loop_len)
{
    size_t    i, cmd_len;
    json_t   *a;
    uint32_t  crc, received;
    char      hex[16];

    /* the field as on the wire: 4095 for the legacy "unknown" */
    cmd_len = ((size_t) (buf[11] & 0x0f) << 8) | buf[12];

    if (!sec->encrypted_packet) {
        scte35_put(c, o, "command",
                   json_string(scte35_command_name(sec->splice_command_type)));
        scte35_put_uint(c, o, "splice_command_type", sec->splice_command_type);
    }

    scte35_put_uint(c, o, "pts_adjustment", sec->pts_adjustment);
    scte35_put_uint(c, o, "tier", sec->tier);
    scte35_put_uint(c, o, "cw_index", sec->cw_index);
    scte35_put_uint(c, o, "sap_type", sec->sap_type);
    scte35_put_uint(c, o, "section_length", len - 3);
    scte35_put_uint(c, o, "splice_command_length", cmd_len);
    scte35_put_uint(c, o, "protocol_version", sec->protocol_version);
    scte35_put_uint(c, o, "encrypted_packet", sec->encrypted_packet);
    scte35_put_uint(c, o, "encryption_algorithm", sec->encryption_algorithm);

    if (sec->section_syntax_indicator) {
        scte35_put_uint(c, o, "section_syntax_indicator", 1);
    }

    if (sec->private_indicator) {
        scte35_put_uint(c, o, "private_indicator", 1);
    }

    if (sec->encrypted_packet) {
        scte35_put(c, o, "encrypted_bytes",
                   scte35_hex(sec->encrypted, sec->encrypted_length, 0));

    } else {
        scte35_json_command(c, o, sec);

        if (sec->command_extra_length) {
            scte35_put(c, o, "command_extra_bytes",
                       scte35_hex(sec->command_extra,
                                  sec->command_extra_length, 0));
        }

        scte35_put_uint(c, o, "descriptor_loop_length", loop_len);

        a = json_array();
        scte35_put(c, o, "descriptors", a);

        for (i = 0; a != NULL && i < sec->descriptor_count; i++) {
            if (json_array_append_new(a,
                    scte35_json_descriptor(c, &sec->descriptors[i])))
            {
                c->failed = 1;
            }
        }

        if (sec->stuffing_length) {
            scte35_put(c, o, "alignment_stuffing",
                       scte35_hex(sec->stuffing, sec->stuffing_length, 0));
        }
    }

    crc = scte35_crc32(buf, len - 4);
    received = sec->crc_32_received ? sec->crc_32 : crc;

    snprintf(hex, sizeof(hex), "0x%08x", received);
    scte35_put(c, o, "crc_32", json_string(hex));
    scte35_put(c, o, "crc_ok", json_boolean(received == crc));
    scte35_put(c, o, "length_ok", json_true());
    snprintf(hex, sizeof(hex), "0x%08x", crc);
    scte35_put(c, o, "crc_computed", json_string(hex));
}


static void
scte35_json_command(scte35_js_t *c, json_t *o, const scte35_section_t *sec)
{
    const scte35_private_command_t  *pc;

    switch (sec->splice_command_type) {

    case SCTE35_SPLICE_SCHEDULE:
        scte35_json_schedule(c, o, &sec->cmd.schedule);
        break;

    case SCTE35_SPLICE_INSERT:
        scte35_json_insert(c, o, &sec->cmd.insert, sec->pts_adjustment);
        break;

    case SCTE35_TIME_SIGNAL:
        scte35_json_splice_time(c, o, &sec->cmd.time_signal,
                                sec->pts_adjustment,
                                "splice_time_reserved_zero");
        break;

    case SCTE35_PRIVATE_COMMAND:
        pc = &sec->cmd.private_cmd;
        scte35_put(c, o, "identifier", scte35_text_u32(pc->identifier));
        scte35_put(c, o, "private_bytes",
                   scte35_hex(pc->private_bytes, pc->private_length, 0));
        break;

    default:
        break;
    }
}


static void
scte35_json_splice_time(scte35_js_t *c, json_t *o,
    const scte35_splice_time_t *st, uint64_t adj, const char *rz_key)
{
    scte35_put_uint(c, o, "time_specified_flag", st->time_specified_flag);

    if (st->time_specified_flag) {
        scte35_put_uint(c, o, "pts_time", st->pts_time);
        scte35_put_secs(c, o, "pts_time_s", st->pts_time);
        scte35_put_uint(c, o, "pts_time_adjusted",
                        (st->pts_time + adj) & SCTE35_MAX_33);
    }

    if (st->reserved_zero) {
        scte35_put_uint(c, o, rz_key, st->reserved_zero);
    }
}


static json_t *
scte35_json_break(scte35_js_t *c, const scte35_break_duration_t *bd)
{
    json_t  *o;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    scte35_put_uint(c, o, "auto_return", bd->auto_return);
    scte35_put_uint(c, o, "duration", bd->duration);
    scte35_put_secs(c, o, "duration_s", bd->duration);

    if (bd->reserved_zero) {
        scte35_put_uint(c, o, "reserved_zero", bd->reserved_zero);
    }

    return o;
}


static void
scte35_json_insert(scte35_js_t *c, json_t *o, const scte35_splice_insert_t *si,
    uint64_t adj)
{
    unsigned  i;
    json_t   *a, *e;

    scte35_put_uint(c, o, "splice_event_id", si->splice_event_id);
    scte35_put_uint(c, o, "splice_event_cancel_indicator",
                    si->splice_event_cancel_indicator);

    if (si->reserved_zero) {
        scte35_put_uint(c, o, "reserved_zero", si->reserved_zero);
    }

    if (si->splice_event_cancel_indicator) {
        return;
    }

    scte35_put_uint(c, o, "out_of_network_indicator",
                    si->out_of_network_indicator);
    scte35_put_uint(c, o, "program_splice_flag", si->program_splice_flag);
    scte35_put_uint(c, o, "duration_flag", si->duration_flag);
    scte35_put_uint(c, o, "splice_immediate_flag", si->splice_immediate_flag);
    scte35_put_uint(c, o, "unique_program_id", si->unique_program_id);
    scte35_put_uint(c, o, "avail_num", si->avail_num);
    scte35_put_uint(c, o, "avails_expected", si->avails_expected);

    if (si->program_splice_flag && !si->splice_immediate_flag) {
        scte35_json_splice_time(c, o, &si->splice_time, adj,
                                "splice_time_reserved_zero");
    }

    if (!si->program_splice_flag) {
        a = json_array();
        scte35_put(c, o, "components", a);

        for (i = 0; a != NULL && i < si->component_count; i++) {
            e = json_object();
            if (e == NULL || json_array_append_new(a, e)) {
                c->failed = 1;
                break;
            }

            scte35_put_uint(c, e, "component_tag",
                            si->components[i].component_tag);

            if (!si->splice_immediate_flag) {
                scte35_json_splice_time(c, e, &si->components[i].splice_time,
                                        adj, "reserved_zero");
            }
        }
    }

    if (si->duration_flag) {
        scte35_put(c, o, "break_duration",
                   scte35_json_break(c, &si->break_duration));
    }
}


static void
scte35_json_schedule(scte35_js_t *c, json_t *o,
    const scte35_splice_schedule_t *ss)
{
    unsigned  i;
    json_t   *a;

    scte35_put_uint(c, o, "splice_count", ss->splice_count);

    a = json_array();
    scte35_put(c, o, "events", a);

    for (i = 0; a != NULL && i < ss->splice_count; i++) {
        if (json_array_append_new(a, scte35_json_event(c, &ss->events[i]))) {
            c->failed = 1;
        }
    }
}


static json_t *
scte35_json_event(scte35_js_t *c, const scte35_schedule_event_t *ev)
{
    unsigned  i;
    json_t   *o, *a, *e;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    scte35_put_uint(c, o, "splice_event_id", ev->splice_event_id);
    scte35_put_uint(c, o, "splice_event_cancel_indicator",
                    ev->splice_event_cancel_indicator);

    if (ev->reserved_zero) {
        scte35_put_uint(c, o, "reserved_zero", ev->reserved_zero);
    }

    if (ev->splice_event_cancel_indicator) {
        return o;
    }

    scte35_put_uint(c, o, "out_of_network_indicator",
                    ev->out_of_network_indicator);
    scte35_put_uint(c, o, "program_splice_flag", ev->program_splice_flag);
    scte35_put_uint(c, o, "duration_flag", ev->duration_flag);

    if (ev->program_splice_flag) {
        scte35_put_uint(c, o, "utc_splice_time", ev->utc_splice_time);

    } else {
        a = json_array();
        scte35_put(c, o, "components", a);

        for (i = 0; a != NULL && i < ev->component_count; i++) {
            e = json_object();
            if (e == NULL || json_array_append_new(a, e)) {
                c->failed = 1;
                break;
            }

            scte35_put_uint(c, e, "component_tag",
                            ev->components[i].component_tag);
            scte35_put_uint(c, e, "utc_splice_time",
                            ev->components[i].utc_splice_time);
        }
    }

    if (ev->duration_flag) {
        scte35_put(c, o, "break_duration",
                   scte35_json_break(c, &ev->break_duration));
    }

    scte35_put_uint(c, o, "unique_program_id", ev->unique_program_id);
    scte35_put_uint(c, o, "avail_num", ev->avail_num);
    scte35_put_uint(c, o, "avails_expected", ev->avails_expected);

    return o;
}


static json_t *
scte35_json_descriptor(scte35_js_t *c, const scte35_descriptor_t *d)
{
    int       known;
    json_t   *o;

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    known = (d->identifier == SCTE35_CUEI && d->tag <= SCTE35_DESC_AUDIO);

    scte35_put_uint(c, o, "tag", d->tag);
    scte35_put(c, o, "identifier", scte35_text_u32(d->identifier));

    if (!known) {
        scte35_put(c, o, "name", json_string("private"));
        scte35_put(c, o, "private_bytes",
                   scte35_hex(d->data, d->data_length, 0));
        return o;
    }

    switch (d->tag) {

    case SCTE35_DESC_AVAIL:
        scte35_put(c, o, "name", json_string("avail_descriptor"));
        scte35_put_uint(c, o, "provider_avail_id",
                        d->u.avail.provider_avail_id);
        break;

    case SCTE35_DESC_DTMF:
        scte35_put(c, o, "name", json_string("DTMF_descriptor"));
        scte35_put_uint(c, o, "preroll", d->u.dtmf.preroll);
        scte35_put_uint(c, o, "dtmf_count", d->u.dtmf.dtmf_count);
        scte35_put(c, o, "dtmf_chars",
                   scte35_text((const uint8_t *) d->u.dtmf.dtmf_chars,
                               d->u.dtmf.dtmf_count));
        if (d->u.dtmf.reserved_zero) {
            scte35_put_uint(c, o, "reserved_zero", d->u.dtmf.reserved_zero);
        }
        break;

    case SCTE35_DESC_SEGMENTATION:
        scte35_put(c, o, "name", json_string("segmentation_descriptor"));
        scte35_json_segmentation(c, o, &d->u.segmentation);
        break;

    case SCTE35_DESC_TIME:
        scte35_put(c, o, "name", json_string("time_descriptor"));
        scte35_put_uint(c, o, "TAI_seconds", d->u.time.tai_seconds);
        scte35_put_uint(c, o, "TAI_ns", d->u.time.tai_ns);
        scte35_put_uint(c, o, "UTC_offset", d->u.time.utc_offset);
        break;

    default: /* SCTE35_DESC_AUDIO */
        scte35_put(c, o, "name", json_string("audio_descriptor"));
        scte35_json_audio(c, o, &d->u.audio);
        break;
    }

    if (d->data_length) {
        scte35_put(c, o, "extra_bytes",
                   scte35_hex(d->data, d->data_length, 0));
    }

    return o;
}


static void
scte35_json_segmentation(scte35_js_t *c, json_t *o,
    const scte35_segmentation_t *sg)
{
    unsigned  i;
    json_t   *a, *e;

    scte35_put_uint(c, o, "segmentation_event_id", sg->segmentation_event_id);
    scte35_put_uint(c, o, "segmentation_event_cancel_indicator",
                    sg->segmentation_event_cancel_indicator);

    if (sg->reserved_zero) {
        scte35_put_uint(c, o, "reserved_zero", sg->reserved_zero);
    }

    if (sg->segmentation_event_cancel_indicator) {
        return;
    }

    scte35_put_uint(c, o, "program_segmentation_flag",
                    sg->program_segmentation_flag);
    scte35_put_uint(c, o, "segmentation_duration_flag",
                    sg->segmentation_duration_flag);
    scte35_put_uint(c, o, "delivery_not_restricted_flag",
                    sg->delivery_not_restricted_flag);

    if (!sg->delivery_not_restricted_flag) {
        scte35_put_uint(c, o, "web_delivery_allowed_flag",
                        sg->web_delivery_allowed_flag);
        scte35_put_uint(c, o, "no_regional_blackout_flag",
                        sg->no_regional_blackout_flag);
        scte35_put_uint(c, o, "archive_allowed_flag",
                        sg->archive_allowed_flag);
        scte35_put_uint(c, o, "device_restrictions", sg->device_restrictions);
    }

    if (!sg->program_segmentation_flag) {
        a = json_array();
        scte35_put(c, o, "components", a);

        for (i = 0; a != NULL && i < sg->component_count; i++) {
            e = json_object();
            if (e == NULL || json_array_append_new(a, e)) {
                c->failed = 1;
                break;
            }

            scte35_put_uint(c, e, "component_tag",
                            sg->components[i].component_tag);
            scte35_put_uint(c, e, "pts_offset", sg->components[i].pts_offset);
            scte35_put_secs(c, e, "pts_offset_s",
                            sg->components[i].pts_offset);
            if (sg->components[i].reserved_zero) {
                scte35_put_uint(c, e, "reserved_zero",
                                sg->components[i].reserved_zero);
            }
        }
    }

    if (sg->segmentation_duration_flag) {
        scte35_put_uint(c, o, "segmentation_duration",
                        sg->segmentation_duration);
        scte35_put_secs(c, o, "segmentation_duration_s",
                        sg->segmentation_duration);
    }

    scte35_put_uint(c, o, "segmentation_upid_type",
                    sg->segmentation_upid_type);
    scte35_put(c, o, "segmentation_upid_type_name",
               json_string(scte35_upid_type_name(sg->segmentation_upid_type)));
    scte35_put_uint(c, o, "segmentation_upid_length",
                    sg->segmentation_upid_length);
    scte35_put(c, o, "segmentation_upid",
               scte35_json_upid(c, sg->segmentation_upid_type,
                                sg->segmentation_upid,
                                sg->segmentation_upid_length));
    scte35_put_uint(c, o, "segmentation_type_id", sg->segmentation_type_id);
    scte35_put(c, o, "segmentation_type_name",
               json_string(scte35_segmentation_type_name(
                               sg->segmentation_type_id)));
    scte35_put_uint(c, o, "segment_num", sg->segment_num);
    scte35_put_uint(c, o, "segments_expected", sg->segments_expected);

    if (sg->sub_segments_present) {
        scte35_put_uint(c, o, "sub_segment_num", sg->sub_segment_num);
        scte35_put_uint(c, o, "sub_segments_expected",
                        sg->sub_segments_expected);
    }
}


static void
scte35_json_audio(scte35_js_t *c, json_t *o, const scte35_audio_t *au)
{
    unsigned                         i;
    json_t                          *a, *e;
    const scte35_audio_component_t  *ac;

    scte35_put_uint(c, o, "audio_count", au->audio_count);

    if (au->reserved_zero) {
        scte35_put_uint(c, o, "reserved_zero", au->reserved_zero);
    }

    a = json_array();
    scte35_put(c, o, "components", a);

    for (i = 0; a != NULL && i < au->audio_count; i++) {
        ac = &au->components[i];

        e = json_object();
        if (e == NULL || json_array_append_new(a, e)) {
            c->failed = 1;
            break;
        }

        scte35_put_uint(c, e, "component_tag", ac->component_tag);
        scte35_put(c, e, "ISO_code", scte35_text(ac->iso_code, 3));
        scte35_put_uint(c, e, "Bit_Stream_Mode", ac->bit_stream_mode);
        scte35_put_uint(c, e, "Num_Channels", ac->num_channels);
        scte35_put_uint(c, e, "Full_Srvc_Audio", ac->full_srvc_audio);
    }
}


int
scte35_upid_is_text(uint8_t type)
{
    switch (type) {
    case 0x01: case 0x02: case 0x03: case 0x07: case 0x09: case 0x0e:
    case 0x0f: case 0x11:
        return 1;
    default:
        return 0;
    }
}


static json_t *
scte35_json_upid(scte35_js_t *c, uint8_t type, const uint8_t *p, size_t n)
{
    size_t    i;
    json_t   *o;
    uint64_t  v;
    char      eidr[48];

    if (type == SCTE35_UPID_MID) {
        return scte35_json_mid(c, p, n);
    }

    if (scte35_upid_is_text(type)) {
        return scte35_text(p, n);
    }

    if (type == SCTE35_UPID_EIDR && n == 12) {
        snprintf(eidr, sizeof(eidr), "10.%u/%02X%02X-%02X%02X-%02X%02X-"
                 "%02X%02X-%02X%02X", (unsigned) ((p[0] << 8) | p[1]),
                 p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10],
                 p[11]);
        return json_string(eidr);
    }

    o = json_object();
    if (o == NULL) {
        return NULL;
    }

    if (type == SCTE35_UPID_MPU && n >= 4) {
        scte35_put(c, o, "format_identifier", scte35_text(p, 4));
        scte35_put(c, o, "private_data", scte35_hex(p + 4, n - 4, 0));
        return o;
    }

    if (type == SCTE35_UPID_TI && n == 8) {
        for (v = 0, i = 0; i < 8; i++) {
            v = (v << 8) | p[i];
        }

        /* JSON integers here are signed 64-bit: "hex" alone says it all */
        if (v <= INT64_MAX) {
            scte35_put_uint(c, o, "int", v);
        }
    }

    scte35_put(c, o, "hex", scte35_hex(p, n, 1));

    return o;
}


static json_t *
scte35_json_mid(scte35_js_t *c, const uint8_t *p, size_t n)
{
    size_t   i;
    json_t  *a, *e;

    a = json_array();

    /* scte35_encode() has checked the entries fill the UPID exactly */
    for (i = 0; a != NULL && i + 2 <= n; i += 2 + (size_t) p[i + 1]) {
        e = json_object();
        if (e == NULL || json_array_append_new(a, e)) {
            c->failed = 1;
            break;
        }

        scte35_put_uint(c, e, "type", p[i]);
        scte35_put(c, e, "type_name",
                   json_string(scte35_upid_type_name(p[i])));
        scte35_put(c, e, "value",
                   scte35_json_upid(c, p[i], p + i + 2, p[i + 1]));
    }

    return a;
}
