/*
 * SCTE-35 splice_info_section encoder.
 *
 * The struct can be filled by hand, so every field is checked against its
 * bit width before it is written: a value that does not fit is an error
 * naming it, never a silent truncation.  Lengths and the CRC are computed
 * here; the writer keeps counting past the end of a small buffer so the
 * caller learns the size it needs.
 */


#include <stdio.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"


typedef struct {
    uint8_t     *buf;
    size_t       size;
    size_t       pos;
    char        *err;
    size_t       errlen;
    char         where[64];     /* the structure being written, for errors */
} scte35_wr_t;


static int scte35_chk(scte35_wr_t *w, uint64_t v, uint64_t max,
    const char *field);
static void scte35_wr(scte35_wr_t *w, uint64_t v, size_t n);
static void scte35_wr_copy(scte35_wr_t *w, const uint8_t *p, size_t n);
static int scte35_encode_header(scte35_wr_t *w, const scte35_section_t *sec);
static int scte35_encode_body(scte35_wr_t *w, const scte35_section_t *sec,
    size_t *cmd_len, size_t *loop_len);
static int scte35_encode_command(scte35_wr_t *w,
    const scte35_section_t *sec);
static int scte35_encode_splice_time(scte35_wr_t *w,
    const scte35_splice_time_t *st);
static int scte35_encode_break_duration(scte35_wr_t *w,
    const scte35_break_duration_t *bd);
static int scte35_encode_insert(scte35_wr_t *w,
    const scte35_splice_insert_t *si);
static int scte35_encode_schedule(scte35_wr_t *w,
    const scte35_splice_schedule_t *ss);
static int scte35_encode_event(scte35_wr_t *w,
    const scte35_schedule_event_t *ev);
static int scte35_encode_descriptor(scte35_wr_t *w,
    const scte35_descriptor_t *d, unsigned i);
static int scte35_encode_dtmf(scte35_wr_t *w, const scte35_dtmf_t *dt);
static int scte35_encode_segmentation(scte35_wr_t *w,
    const scte35_segmentation_t *sg);
static int scte35_encode_seg_flags(scte35_wr_t *w,
    const scte35_segmentation_t *sg);
static int scte35_encode_seg_tail(scte35_wr_t *w,
    const scte35_segmentation_t *sg);
static int scte35_encode_time(scte35_wr_t *w, const scte35_time_desc_t *t);
static int scte35_encode_audio(scte35_wr_t *w, const scte35_audio_t *au);


int
scte35_encode(const scte35_section_t *sec, uint8_t *buf, size_t size,
    size_t *len, char *err, size_t errlen)
{
    size_t  cmd_len, loop_len;

    return scte35_encode_layout(sec, buf, size, len, &cmd_len, &loop_len,
                                err, errlen);
}


int
scte35_encode_layout(const scte35_section_t *sec, uint8_t *buf, size_t size,
    size_t *len, size_t *cmd_len_out, size_t *loop_len_out, char *err,
    size_t errlen)
{
    size_t       cmd_len, loop_len, total;
    uint32_t     crc;
    scte35_wr_t  w;

    *len = 0;

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    w.buf = buf;
    w.size = (buf == NULL) ? 0 : size;
    w.pos = 0;
    w.err = err;
    w.errlen = errlen;
    w.where[0] = '\0';

    if (scte35_encode_header(&w, sec) != SCTE35_OK
        || scte35_encode_body(&w, sec, &cmd_len, &loop_len) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    total = w.pos + 4;

    if (total > SCTE35_MAX_SECTION) {
        return scte35_error(err, errlen, "section: would be %zu bytes, more "
                            "than %d", total, SCTE35_MAX_SECTION);
    }

    if (!sec->encrypted_packet
        && sec->splice_command_length != SCTE35_CMD_LEN_UNKNOWN
        && cmd_len >= SCTE35_CMD_LEN_UNKNOWN)
    {
        return scte35_error(err, errlen, "splice_command_length: %zu does "
                            "not fit in 12 bits", cmd_len);
    }

    *len = total;
    *cmd_len_out = cmd_len;
    *loop_len_out = loop_len;

    if (total > w.size) {
        scte35_error(err, errlen, "buffer: %zu bytes, the section needs %zu",
                     w.size, total);
        return SCTE35_NO_SPACE;
    }

    /* the length fields, now that everything is known to fit */
    buf[1] = (uint8_t) ((buf[1] & 0xf0) | ((total - 3) >> 8));
    buf[2] = (uint8_t) (total - 3);

    if (!sec->encrypted_packet) {
        if (sec->splice_command_length != SCTE35_CMD_LEN_UNKNOWN) {
            buf[11] = (uint8_t) ((buf[11] & 0xf0) | (cmd_len >> 8));
            buf[12] = (uint8_t) cmd_len;
        }

        buf[14 + cmd_len] = (uint8_t) (loop_len >> 8);
        buf[15 + cmd_len] = (uint8_t) loop_len;
    }

    crc = scte35_crc32(buf, total - 4);
    buf[total - 4] = (uint8_t) (crc >> 24);
    buf[total - 3] = (uint8_t) (crc >> 16);
    buf[total - 2] = (uint8_t) (crc >> 8);
    buf[total - 1] = (uint8_t) crc;

    return SCTE35_OK;
}


static int
scte35_chk(scte35_wr_t *w, uint64_t v, uint64_t max, const char *field)
{
    if (v <= max) {
        return SCTE35_OK;
    }

    return scte35_error(w->err, w->errlen, "%s%s%s: %llu out of range "
                        "(max %llu)", w->where, w->where[0] ? "." : "",
                        field, (unsigned long long) v,
                        (unsigned long long) max);
}


/* n bytes of v, big endian; past the buffer only the position moves */
static void
scte35_wr(scte35_wr_t *w, uint64_t v, size_t n)
{
    while (n--) {
        if (w->pos < w->size) {
            w->buf[w->pos] = (uint8_t) (v >> (8 * n));
        }

        w->pos++;
    }
}


static void
scte35_wr_copy(scte35_wr_t *w, const uint8_t *p, size_t n)
{
    size_t  room;

    if (w->pos < w->size) {
        room = w->size - w->pos;
        memcpy(w->buf + w->pos, p, (n < room) ? n : room);
    }

    w->pos += n;
}


static int
scte35_encode_header(scte35_wr_t *w, const scte35_section_t *sec)
{
    if (scte35_chk(w, sec->section_syntax_indicator, 1,
                   "section_syntax_indicator")
        || scte35_chk(w, sec->private_indicator, 1, "private_indicator")
        || scte35_chk(w, sec->sap_type, 3, "sap_type")
        || scte35_chk(w, sec->encrypted_packet, 1, "encrypted_packet")
        || scte35_chk(w, sec->encryption_algorithm, 63,
                      "encryption_algorithm")
        || scte35_chk(w, sec->pts_adjustment, SCTE35_MAX_33,
                      "pts_adjustment")
        || scte35_chk(w, sec->tier, 0xfff, "tier")
        || scte35_chk(w, sec->splice_command_length, 0xfff,
                      "splice_command_length"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, SCTE35_TABLE_ID, 1);
    /* section_length is patched in at the end */
    scte35_wr(w, (sec->section_syntax_indicator << 7)
                 | (sec->private_indicator << 6) | (sec->sap_type << 4), 1);
    scte35_wr(w, 0, 1);
    scte35_wr(w, sec->protocol_version, 1);
    scte35_wr(w, ((uint64_t) sec->encrypted_packet << 39)
                 | ((uint64_t) sec->encryption_algorithm << 33)
                 | sec->pts_adjustment, 5);
    scte35_wr(w, sec->cw_index, 1);
    scte35_wr(w, ((uint32_t) sec->tier << 12) | sec->splice_command_length,
              3);

    return SCTE35_OK;
}


static int
scte35_encode_body(scte35_wr_t *w, const scte35_section_t *sec,
    size_t *cmd_len, size_t *loop_len)
{
    size_t    start;
    unsigned  i;

    *cmd_len = 0;
    *loop_len = 0;

    if (sec->encrypted_packet) {
        if (scte35_chk(w, sec->encrypted_length, SCTE35_MAX_SECTION,
                       "encrypted_length"))
        {
            return SCTE35_ERROR;
        }

        scte35_wr_copy(w, sec->encrypted, sec->encrypted_length);
        return SCTE35_OK;
    }

    scte35_wr(w, sec->splice_command_type, 1);

    start = w->pos;

    if (scte35_encode_command(w, sec) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    *cmd_len = w->pos - start;

    /* descriptor_loop_length is patched in at the end */
    scte35_wr(w, 0, 2);
    start = w->pos;

    if (scte35_chk(w, sec->descriptor_count, SCTE35_MAX_DESCRIPTORS,
                   "descriptor_count"))
    {
        return SCTE35_ERROR;
    }

    for (i = 0; i < sec->descriptor_count; i++) {
        if (scte35_encode_descriptor(w, &sec->descriptors[i], i)
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    *loop_len = w->pos - start;
    w->where[0] = '\0';

    if (scte35_chk(w, sec->stuffing_length, SCTE35_MAX_SECTION,
                   "stuffing_length"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr_copy(w, sec->stuffing, sec->stuffing_length);

    return SCTE35_OK;
}


static int
scte35_encode_command(scte35_wr_t *w, const scte35_section_t *sec)
{
    int          rc, legacy;
    const char  *name;

    legacy = (sec->splice_command_length == SCTE35_CMD_LEN_UNKNOWN);
    name = scte35_command_name(sec->splice_command_type);

    if (name == NULL) {
        return scte35_error(w->err, w->errlen, "splice_command_type 0x%02x "
                            "is reserved", sec->splice_command_type);
    }

    snprintf(w->where, sizeof(w->where), "%s", name);

    /* with the legacy length a decoder finds the end by parsing: nothing
     * it cannot parse may follow */
    if (legacy && (sec->command_extra_length
                   || sec->splice_command_type == SCTE35_PRIVATE_COMMAND))
    {
        return scte35_error(w->err, w->errlen, "%s: splice_command_length "
                            "0xfff (unknown) needs a command that ends by "
                            "itself, without extra bytes", name);
    }

    switch (sec->splice_command_type) {

    case SCTE35_SPLICE_SCHEDULE:
        rc = scte35_encode_schedule(w, &sec->cmd.schedule);
        break;

    case SCTE35_SPLICE_INSERT:
        rc = scte35_encode_insert(w, &sec->cmd.insert);
        break;

    case SCTE35_TIME_SIGNAL:
        rc = scte35_encode_splice_time(w, &sec->cmd.time_signal);
        break;

    case SCTE35_PRIVATE_COMMAND:
        rc = scte35_chk(w, sec->cmd.private_cmd.private_length,
                        SCTE35_MAX_SECTION, "private_length");
        if (rc == SCTE35_OK) {
            scte35_wr(w, sec->cmd.private_cmd.identifier, 4);
            scte35_wr_copy(w, sec->cmd.private_cmd.private_bytes,
                           sec->cmd.private_cmd.private_length);
        }
        break;

    default:
        rc = SCTE35_OK;
        break;
    }

    if (rc != SCTE35_OK
        || scte35_chk(w, sec->command_extra_length, SCTE35_MAX_SECTION,
                      "command_extra_length"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr_copy(w, sec->command_extra, sec->command_extra_length);

    return SCTE35_OK;
}


static int
scte35_encode_splice_time(scte35_wr_t *w, const scte35_splice_time_t *st)
{
    if (scte35_chk(w, st->time_specified_flag, 1, "time_specified_flag")) {
        return SCTE35_ERROR;
    }

    if (!st->time_specified_flag) {
        if (scte35_chk(w, st->reserved_zero, 0x7f, "splice_time "
                       "reserved_zero"))
        {
            return SCTE35_ERROR;
        }

        scte35_wr(w, 0x7f & ~st->reserved_zero, 1);
        return SCTE35_OK;
    }

    if (scte35_chk(w, st->pts_time, SCTE35_MAX_33, "pts_time")
        || scte35_chk(w, st->reserved_zero & 0x81, 0, "splice_time "
                      "reserved_zero (mask 0x7e)"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, ((uint64_t) (0x80 | (0x7e & ~st->reserved_zero)) << 32)
                 | st->pts_time, 5);

    return SCTE35_OK;
}


static int
scte35_encode_break_duration(scte35_wr_t *w,
    const scte35_break_duration_t *bd)
{
    if (scte35_chk(w, bd->auto_return, 1, "break_duration.auto_return")
        || scte35_chk(w, bd->duration, SCTE35_MAX_33,
                      "break_duration.duration")
        || scte35_chk(w, bd->reserved_zero & 0x81, 0, "break_duration."
                      "reserved_zero (mask 0x7e)"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, ((uint64_t) ((bd->auto_return << 7)
                              | (0x7e & ~bd->reserved_zero)) << 32)
                 | bd->duration, 5);

    return SCTE35_OK;
}


static int
scte35_encode_insert(scte35_wr_t *w, const scte35_splice_insert_t *si)
{
    unsigned  i;

    if (scte35_chk(w, si->splice_event_cancel_indicator, 1,
                   "splice_event_cancel_indicator")
        || scte35_chk(w, si->out_of_network_indicator, 1,
                      "out_of_network_indicator")
        || scte35_chk(w, si->program_splice_flag, 1, "program_splice_flag")
        || scte35_chk(w, si->duration_flag, 1, "duration_flag")
        || scte35_chk(w, si->splice_immediate_flag, 1,
                      "splice_immediate_flag")
        || scte35_chk(w, si->reserved_zero & ~0x7f0f, 0,
                      "reserved_zero (mask 0x7f0f)"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, si->splice_event_id, 4);
    scte35_wr(w, (si->splice_event_cancel_indicator << 7)
                 | (0x7f & ~(si->reserved_zero >> 8)), 1);

    if (si->splice_event_cancel_indicator) {
        return SCTE35_OK;
    }

    scte35_wr(w, (si->out_of_network_indicator << 7)
                 | (si->program_splice_flag << 6) | (si->duration_flag << 5)
                 | (si->splice_immediate_flag << 4)
                 | (0x0f & ~si->reserved_zero), 1);

    if (si->program_splice_flag && !si->splice_immediate_flag
        && scte35_encode_splice_time(w, &si->splice_time) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (!si->program_splice_flag) {
        scte35_wr(w, si->component_count, 1);

        for (i = 0; i < si->component_count; i++) {
            scte35_wr(w, si->components[i].component_tag, 1);

            if (!si->splice_immediate_flag
                && scte35_encode_splice_time(w, &si->components[i].splice_time)
                   != SCTE35_OK)
            {
                return SCTE35_ERROR;
            }
        }
    }

    if (si->duration_flag
        && scte35_encode_break_duration(w, &si->break_duration)
           != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, si->unique_program_id, 2);
    scte35_wr(w, si->avail_num, 1);
    scte35_wr(w, si->avails_expected, 1);

    return SCTE35_OK;
}


static int
scte35_encode_schedule(scte35_wr_t *w, const scte35_splice_schedule_t *ss)
{
    unsigned  i;

    if (scte35_chk(w, ss->splice_count, SCTE35_MAX_EVENTS, "splice_count")) {
        return SCTE35_ERROR;
    }

    scte35_wr(w, ss->splice_count, 1);

    for (i = 0; i < ss->splice_count; i++) {
        snprintf(w->where, sizeof(w->where), "splice_schedule.events[%u]",
                 i);

        if (scte35_encode_event(w, &ss->events[i]) != SCTE35_OK) {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}


static int
scte35_encode_event(scte35_wr_t *w, const scte35_schedule_event_t *ev)
{
    unsigned  i;

    if (scte35_chk(w, ev->splice_event_cancel_indicator, 1,
                   "splice_event_cancel_indicator")
        || scte35_chk(w, ev->out_of_network_indicator, 1,
                      "out_of_network_indicator")
        || scte35_chk(w, ev->program_splice_flag, 1, "program_splice_flag")
        || scte35_chk(w, ev->duration_flag, 1, "duration_flag")
        || scte35_chk(w, ev->reserved_zero & ~0x7f1f, 0,
                      "reserved_zero (mask 0x7f1f)")
        || scte35_chk(w, ev->component_count, SCTE35_MAX_EVENT_COMPS,
                      "component_count"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, ev->splice_event_id, 4);
    scte35_wr(w, (ev->splice_event_cancel_indicator << 7)
                 | (0x7f & ~(ev->reserved_zero >> 8)), 1);

    if (ev->splice_event_cancel_indicator) {
        return SCTE35_OK;
    }

    scte35_wr(w, (ev->out_of_network_indicator << 7)
                 | (ev->program_splice_flag << 6) | (ev->duration_flag << 5)
                 | (0x1f & ~ev->reserved_zero), 1);

    if (ev->program_splice_flag) {
        scte35_wr(w, ev->utc_splice_time, 4);

    } else {
        scte35_wr(w, ev->component_count, 1);

        for (i = 0; i < ev->component_count; i++) {
            scte35_wr(w, ev->components[i].component_tag, 1);
            scte35_wr(w, ev->components[i].utc_splice_time, 4);
        }
    }

    if (ev->duration_flag
        && scte35_encode_break_duration(w, &ev->break_duration)
           != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, ev->unique_program_id, 2);
    scte35_wr(w, ev->avail_num, 1);
    scte35_wr(w, ev->avails_expected, 1);

    return SCTE35_OK;
}


static int
scte35_encode_descriptor(scte35_wr_t *w, const scte35_descriptor_t *d,
    unsigned i)
{
    int     rc;
    size_t  start, dlen;

    snprintf(w->where, sizeof(w->where), "descriptors[%u]", i);

    if (scte35_chk(w, d->data_length, SCTE35_MAX_DESC_DATA, "data_length")) {
        return SCTE35_ERROR;
    }

    scte35_wr(w, d->tag, 1);
    scte35_wr(w, 0, 1);
    start = w->pos;
    scte35_wr(w, d->identifier, 4);

    rc = SCTE35_OK;

    if (d->identifier == SCTE35_CUEI) {
        switch (d->tag) {

        case SCTE35_DESC_AVAIL:
            scte35_wr(w, d->u.avail.provider_avail_id, 4);
            break;

        case SCTE35_DESC_DTMF:
            rc = scte35_encode_dtmf(w, &d->u.dtmf);
            break;

        case SCTE35_DESC_SEGMENTATION:
            rc = scte35_encode_segmentation(w, &d->u.segmentation);
            break;

        case SCTE35_DESC_TIME:
            rc = scte35_encode_time(w, &d->u.time);
            break;

        case SCTE35_DESC_AUDIO:
            rc = scte35_encode_audio(w, &d->u.audio);
            break;

        default:
            break;
        }
    }

    if (rc != SCTE35_OK) {
        return rc;
    }

    scte35_wr_copy(w, d->data, d->data_length);

    dlen = w->pos - start;

    if (dlen > 255) {
        return scte35_error(w->err, w->errlen, "%s: descriptor_length %zu "
                            "does not fit in 8 bits", w->where, dlen);
    }

    if (start - 1 < w->size) {
        w->buf[start - 1] = (uint8_t) dlen;
    }

    return SCTE35_OK;
}


static int
scte35_encode_dtmf(scte35_wr_t *w, const scte35_dtmf_t *dt)
{
    if (scte35_chk(w, dt->dtmf_count, 7, "dtmf_count")
        || scte35_chk(w, dt->reserved_zero, 0x1f, "reserved_zero"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, dt->preroll, 1);
    scte35_wr(w, (dt->dtmf_count << 5) | (0x1f & ~dt->reserved_zero), 1);
    scte35_wr_copy(w, (const uint8_t *) dt->dtmf_chars, dt->dtmf_count);

    return SCTE35_OK;
}


static int
scte35_encode_segmentation(scte35_wr_t *w, const scte35_segmentation_t *sg)
{
    unsigned  i;

    if (scte35_chk(w, sg->segmentation_event_cancel_indicator, 1,
                   "segmentation_event_cancel_indicator")
        || scte35_chk(w, sg->reserved_zero & ~0x7f1f, 0,
                      "reserved_zero (mask 0x7f1f)"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, sg->segmentation_event_id, 4);
    scte35_wr(w, (sg->segmentation_event_cancel_indicator << 7)
                 | (0x7f & ~(sg->reserved_zero >> 8)), 1);

    if (sg->segmentation_event_cancel_indicator) {
        return SCTE35_OK;
    }

    if (scte35_encode_seg_flags(w, sg) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    if (!sg->program_segmentation_flag) {
        if (scte35_chk(w, sg->component_count, SCTE35_MAX_SEG_COMPS,
                       "component_count"))
        {
            return SCTE35_ERROR;
        }

        scte35_wr(w, sg->component_count, 1);

        for (i = 0; i < sg->component_count; i++) {
            if (scte35_chk(w, sg->components[i].pts_offset, SCTE35_MAX_33,
                           "components.pts_offset")
                || scte35_chk(w, sg->components[i].reserved_zero & 1, 0,
                              "components.reserved_zero (mask 0xfe)"))
            {
                return SCTE35_ERROR;
            }

            scte35_wr(w, sg->components[i].component_tag, 1);
            scte35_wr(w, ((uint64_t) (0xfe & ~sg->components[i].reserved_zero)
                          << 32) | sg->components[i].pts_offset, 5);
        }
    }

    if (sg->segmentation_duration_flag) {
        if (scte35_chk(w, sg->segmentation_duration, SCTE35_MAX_40,
                       "segmentation_duration"))
        {
            return SCTE35_ERROR;
        }

        scte35_wr(w, sg->segmentation_duration, 5);
    }

    return scte35_encode_seg_tail(w, sg);
}


static int
scte35_encode_seg_flags(scte35_wr_t *w, const scte35_segmentation_t *sg)
{
    unsigned  b;

    if (scte35_chk(w, sg->program_segmentation_flag, 1,
                   "program_segmentation_flag")
        || scte35_chk(w, sg->segmentation_duration_flag, 1,
                      "segmentation_duration_flag")
        || scte35_chk(w, sg->delivery_not_restricted_flag, 1,
                      "delivery_not_restricted_flag")
        || scte35_chk(w, sg->web_delivery_allowed_flag, 1,
                      "web_delivery_allowed_flag")
        || scte35_chk(w, sg->no_regional_blackout_flag, 1,
                      "no_regional_blackout_flag")
        || scte35_chk(w, sg->archive_allowed_flag, 1, "archive_allowed_flag")
        || scte35_chk(w, sg->device_restrictions, 3, "device_restrictions"))
    {
        return SCTE35_ERROR;
    }

    b = (sg->program_segmentation_flag << 7)
        | (sg->segmentation_duration_flag << 6)
        | (sg->delivery_not_restricted_flag << 5);

    if (sg->delivery_not_restricted_flag) {
        b |= 0x1f & ~sg->reserved_zero;

    } else {
        b |= (sg->web_delivery_allowed_flag << 4)
             | (sg->no_regional_blackout_flag << 3)
             | (sg->archive_allowed_flag << 2) | sg->device_restrictions;
    }

    scte35_wr(w, b, 1);

    return SCTE35_OK;
}


/* the UPID and what follows it */
static int
scte35_encode_seg_tail(scte35_wr_t *w, const scte35_segmentation_t *sg)
{
    size_t       bad;
    const char  *why;

    if (sg->segmentation_upid_type == SCTE35_UPID_MID
        && scte35_mid_check(sg->segmentation_upid,
                            sg->segmentation_upid_length, &bad, &why) < 0)
    {
        return scte35_error(w->err, w->errlen, "%s.segmentation_upid: MID "
                            "%s at offset %zu", w->where, why, bad);
    }

    if (sg->sub_segments_present
        && !scte35_has_sub_segments(sg->segmentation_type_id))
    {
        return scte35_error(w->err, w->errlen, "%s: sub_segment_num is only "
                            "defined for segmentation_type_id 0x34, 0x36, "
                            "0x38 and 0x3a, not 0x%02x", w->where,
                            sg->segmentation_type_id);
    }

    scte35_wr(w, sg->segmentation_upid_type, 1);
    scte35_wr(w, sg->segmentation_upid_length, 1);
    scte35_wr_copy(w, sg->segmentation_upid, sg->segmentation_upid_length);
    scte35_wr(w, sg->segmentation_type_id, 1);
    scte35_wr(w, sg->segment_num, 1);
    scte35_wr(w, sg->segments_expected, 1);

    if (sg->sub_segments_present) {
        scte35_wr(w, sg->sub_segment_num, 1);
        scte35_wr(w, sg->sub_segments_expected, 1);
    }

    return SCTE35_OK;
}


static int
scte35_encode_time(scte35_wr_t *w, const scte35_time_desc_t *t)
{
    if (scte35_chk(w, t->tai_seconds, 0xffffffffffffULL, "TAI_seconds")) {
        return SCTE35_ERROR;
    }

    scte35_wr(w, t->tai_seconds, 6);
    scte35_wr(w, t->tai_ns, 4);
    scte35_wr(w, t->utc_offset, 2);

    return SCTE35_OK;
}


static int
scte35_encode_audio(scte35_wr_t *w, const scte35_audio_t *au)
{
    unsigned                         i;
    const scte35_audio_component_t  *c;

    if (scte35_chk(w, au->audio_count, SCTE35_MAX_AUDIO, "audio_count")
        || scte35_chk(w, au->reserved_zero, 0x0f, "reserved_zero"))
    {
        return SCTE35_ERROR;
    }

    scte35_wr(w, (au->audio_count << 4) | (0x0f & ~au->reserved_zero), 1);

    for (i = 0; i < au->audio_count; i++) {
        c = &au->components[i];

        if (scte35_chk(w, c->bit_stream_mode, 7, "Bit_Stream_Mode")
            || scte35_chk(w, c->num_channels, 15, "Num_Channels")
            || scte35_chk(w, c->full_srvc_audio, 1, "Full_Srvc_Audio"))
        {
            return SCTE35_ERROR;
        }

        scte35_wr(w, c->component_tag, 1);
        scte35_wr_copy(w, c->iso_code, 3);
        scte35_wr(w, (c->bit_stream_mode << 5) | (c->num_channels << 1)
                     | c->full_srvc_audio, 1);
    }

    return SCTE35_OK;
}
