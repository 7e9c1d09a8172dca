/*
 * SCTE-35 splice_info_section decoder, CRC-32/MPEG-2 and the name tables.
 *
 * Every read goes through scte35_rd_need(), which checks the bytes left in
 * the structure being parsed (the section, the command, the descriptor
 * loop, one descriptor), so a lying length can never move a read past the
 * buffer; errors name the structure, the field and the byte offset in the
 * section.
 */


#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scte35.h"
#include "scte35_int.h"


/* table_id .. splice_command_length */
#define SCTE35_HEADER_LEN   13
#define SCTE35_CRC_LEN      4


typedef struct {
    const uint8_t  *buf;        /* the whole section: offsets in errors */
    size_t          pos;
    size_t          end;        /* end of the structure being parsed */
    char           *err;
    size_t          errlen;
} scte35_rd_t;


static int scte35_rd_need(scte35_rd_t *rd, size_t n, const char *what);
static uint64_t scte35_rd_bytes(scte35_rd_t *rd, size_t n);
static int scte35_decode_header(scte35_rd_t *rd, scte35_section_t *sec);
static int scte35_decode_command(scte35_rd_t *rd, scte35_section_t *sec);
static int scte35_decode_splice_time(scte35_rd_t *rd,
    scte35_splice_time_t *st, const char *what);
static int scte35_decode_break_duration(scte35_rd_t *rd,
    scte35_break_duration_t *bd, const char *what);
static int scte35_decode_insert(scte35_rd_t *rd, scte35_splice_insert_t *si);
static int scte35_decode_insert_components(scte35_rd_t *rd,
    scte35_splice_insert_t *si);
static int scte35_decode_schedule(scte35_rd_t *rd,
    scte35_splice_schedule_t *ss);
static int scte35_decode_event(scte35_rd_t *rd, scte35_schedule_event_t *ev);
static int scte35_decode_private_cmd(scte35_rd_t *rd,
    scte35_private_command_t *pc, int legacy);
static int scte35_decode_descriptors(scte35_rd_t *rd, scte35_section_t *sec);
static int scte35_decode_descriptor(scte35_rd_t *rd, scte35_descriptor_t *d,
    unsigned i);
static int scte35_decode_dtmf(scte35_rd_t *rd, scte35_dtmf_t *dt);
static int scte35_decode_segmentation(scte35_rd_t *rd,
    scte35_segmentation_t *sg);
static int scte35_decode_seg_flags(scte35_rd_t *rd,
    scte35_segmentation_t *sg);
static int scte35_decode_seg_components(scte35_rd_t *rd,
    scte35_segmentation_t *sg);
static int scte35_decode_upid(scte35_rd_t *rd, scte35_segmentation_t *sg);
static int scte35_decode_audio(scte35_rd_t *rd, scte35_audio_t *au);


/* CRC-32/MPEG-2, four bits at a time (sections are few and short) */
static const uint32_t  scte35_crc_nibble[16] = {
    0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9,
    0x130476dc, 0x17c56b6b, 0x1a864db2, 0x1e475005,
    0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
    0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd
};


uint32_t
scte35_crc32(const uint8_t *p, size_t n)
{
    size_t    i;
    uint32_t  crc;

    crc = 0xffffffff;

    for (i = 0; i < n; i++) {
        crc = (crc << 4) ^ scte35_crc_nibble[(crc >> 28) ^ (p[i] >> 4)];
        crc = (crc << 4) ^ scte35_crc_nibble[(crc >> 28) ^ (p[i] & 0x0f)];
    }

    return crc;
}


void
scte35_section_init(scte35_section_t *sec)
{
    memset(sec, 0, sizeof(scte35_section_t));

    sec->tier = 0xfff;
    sec->sap_type = 3;
}


size_t
scte35_section_size(const uint8_t *buf, size_t len)
{
    if (buf == NULL || len < 3) {
        return 0;
    }

    return 3 + (((size_t) (buf[1] & 0x0f) << 8) | buf[2]);
}


int
scte35_error(char *err, size_t errlen, const char *fmt, ...)
{
    va_list  ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }

    return SCTE35_ERROR;
}


int
scte35_has_sub_segments(uint8_t type_id)
{
    return type_id == 0x34 || type_id == 0x36 || type_id == 0x38
           || type_id == 0x3a;
}


int
scte35_mid_check(const uint8_t *p, size_t n, size_t *bad, const char **why)
{
    int     count;
    size_t  i;

    count = 0;

    for (i = 0; i < n; i += 2 + (size_t) p[i + 1]) {
        *bad = i;

        if (n - i < 2) {
            *why = "entry header truncated";
            return -1;
        }

        if (p[i] == SCTE35_UPID_MID) {
            *why = "MID nested in a MID";
            return -1;
        }

        if ((size_t) p[i + 1] > n - i - 2) {
            *why = "entry length exceeds the MID upid_length";
            return -1;
        }

        count++;
    }

    return count;
}


int
scte35_mid_add(scte35_segmentation_t *seg, uint8_t type, const uint8_t *upid,
    size_t len)
{
    size_t  at;

    at = seg->segmentation_upid_length;

    if (type == SCTE35_UPID_MID || len > 255 || at + 2 + len > 255) {
        return -1;
    }

    seg->segmentation_upid_type = SCTE35_UPID_MID;
    seg->segmentation_upid[at] = type;
    seg->segmentation_upid[at + 1] = (uint8_t) len;
    if (len) {
        memcpy(&seg->segmentation_upid[at + 2], upid, len);
    }
    seg->segmentation_upid_length = (uint8_t) (at + 2 + len);

    return 0;
}


const char *
scte35_command_name(uint8_t type)
{
    switch (type) {
    case SCTE35_SPLICE_NULL:
        return "splice_null";
    case SCTE35_SPLICE_SCHEDULE:
        return "splice_schedule";
    case SCTE35_SPLICE_INSERT:
        return "splice_insert";
    case SCTE35_TIME_SIGNAL:
        return "time_signal";
    case SCTE35_BANDWIDTH_RESERVATION:
        return "bandwidth_reservation";
    case SCTE35_PRIVATE_COMMAND:
        return "private_command";
    default:
        return NULL;
    }
}


/* SCTE 35 2022b table 22 */
const char *
scte35_upid_type_name(uint8_t type)
{
    static const char  *names[] = {
        "Not Used", "User Defined", "ISCI", "Ad-ID", "UMID",
        "ISAN (deprecated)", "ISAN", "TID", "TI (AiringID)", "ADI", "EIDR",
        "ATSC Content Identifier", "MPU", "MID", "ADS Information", "URI",
        "UUID", "SCR"
    };

    if (type < sizeof(names) / sizeof(names[0])) {
        return names[type];
    }

    return "Reserved";
}


/* SCTE 35 2022b table 23 */
const char *
scte35_segmentation_type_name(uint8_t type)
{
    static const struct {
        uint8_t      id;
        const char  *name;
    } names[] = {
        { 0x00, "Not Indicated" },
        { 0x01, "Content Identification" },
        { 0x02, "Call Ad Server" },
        { 0x10, "Program Start" },
        { 0x11, "Program End" },
        { 0x12, "Program Early Termination" },
        { 0x13, "Program Breakaway" },
        { 0x14, "Program Resumption" },
        { 0x15, "Program Runover Planned" },
        { 0x16, "Program Runover Unplanned" },
        { 0x17, "Program Overlap Start" },
        { 0x18, "Program Blackout Override" },
        { 0x19, "Program Start - In Progress" },
        { 0x20, "Chapter Start" },
        { 0x21, "Chapter End" },
        { 0x22, "Break Start" },
        { 0x23, "Break End" },
        { 0x24, "Opening Credit Start" },
        { 0x25, "Opening Credit End" },
        { 0x26, "Closing Credit Start" },
        { 0x27, "Closing Credit End" },
        { 0x30, "Provider Advertisement Start" },
        { 0x31, "Provider Advertisement End" },
        { 0x32, "Distributor Advertisement Start" },
        { 0x33, "Distributor Advertisement End" },
        { 0x34, "Provider Placement Opportunity Start" },
        { 0x35, "Provider Placement Opportunity End" },
        { 0x36, "Distributor Placement Opportunity Start" },
        { 0x37, "Distributor Placement Opportunity End" },
        { 0x38, "Provider Overlay Placement Opportunity Start" },
        { 0x39, "Provider Overlay Placement Opportunity End" },
        { 0x3a, "Distributor Overlay Placement Opportunity Start" },
        { 0x3b, "Distributor Overlay Placement Opportunity End" },
        { 0x3c, "Provider Promo Start" },
        { 0x3d, "Provider Promo End" },
        { 0x3e, "Distributor Promo Start" },
        { 0x3f, "Distributor Promo End" },
        { 0x40, "Unscheduled Event Start" },
        { 0x41, "Unscheduled Event End" },
        { 0x42, "Alternate Content Opportunity Start" },
        { 0x43, "Alternate Content Opportunity End" },
        { 0x44, "Provider Ad Block Start" },
        { 0x45, "Provider Ad Block End" },
        { 0x46, "Distributor Ad Block Start" },
        { 0x47, "Distributor Ad Block End" },
        { 0x50, "Network Start" },
        { 0x51, "Network End" }
    };

    size_t  i;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].id == type) {
            return names[i].name;
        }
    }

    return "Reserved";
}


/* reader */

static int
scte35_rd_need(scte35_rd_t *rd, size_t n, const char *what)
{
    if (rd->end - rd->pos >= n) {
        return SCTE35_OK;
    }

    return scte35_error(rd->err, rd->errlen,
                        "%s: truncated, needs %zu bytes at byte %zu, "
                        "%zu left", what, n, rd->pos, rd->end - rd->pos);
}


/* n <= 8 bytes, big endian; the caller has checked they are there */
static uint64_t
scte35_rd_bytes(scte35_rd_t *rd, size_t n)
{
    uint64_t  v;

    v = 0;

    while (n--) {
        v = (v << 8) | rd->buf[rd->pos++];
    }

    return v;
}


int
scte35_decode(const uint8_t *buf, size_t len, scte35_section_t *sec,
    char *err, size_t errlen)
{
    int          rc;
    uint32_t     computed;
    scte35_rd_t  rd;

    memset(sec, 0, sizeof(scte35_section_t));

    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }

    rd.buf = buf;
    rd.pos = 0;
    rd.end = (buf == NULL) ? 0 : len;
    rd.err = err;
    rd.errlen = errlen;

    rc = scte35_decode_header(&rd, sec);
    if (rc != SCTE35_OK) {
        return rc;
    }

    /* the CRC is not part of any structure: parse up to it */
    rd.end = len - SCTE35_CRC_LEN;

    if (sec->encrypted_packet) {
        /* splice_command_type .. E_CRC_32: opaque without the key */
        sec->encrypted_length = (uint16_t) (rd.end - rd.pos);
        memcpy(sec->encrypted, buf + rd.pos, sec->encrypted_length);

    } else {
        rc = scte35_decode_command(&rd, sec);
        if (rc != SCTE35_OK) {
            return rc;
        }

        rc = scte35_decode_descriptors(&rd, sec);
        if (rc != SCTE35_OK) {
            return rc;
        }

        /* alignment_stuffing: kept so that re-encoding is byte exact */
        sec->stuffing_length = (uint16_t) (rd.end - rd.pos);
        memcpy(sec->stuffing, buf + rd.pos, sec->stuffing_length);
    }

    rd.pos = rd.end;
    rd.end = len;
    sec->crc_32 = (uint32_t) scte35_rd_bytes(&rd, SCTE35_CRC_LEN);
    sec->crc_32_received = 1;

    computed = scte35_crc32(buf, len - SCTE35_CRC_LEN);

    if (computed != sec->crc_32) {
        scte35_error(err, errlen, "CRC_32 0x%08x does not match the "
                     "computed 0x%08x at byte %zu", sec->crc_32, computed,
                     len - SCTE35_CRC_LEN);
        return SCTE35_BAD_CRC;
    }

    return SCTE35_OK;
}


static int
scte35_decode_header(scte35_rd_t *rd, scte35_section_t *sec)
{
    size_t          total;
    const uint8_t  *p;

    if (rd->end < 3) {
        return scte35_error(rd->err, rd->errlen,
                            "section: %zu bytes, the header needs 3",
                            rd->end);
    }

    p = rd->buf;

    if (p[0] != SCTE35_TABLE_ID) {
        return scte35_error(rd->err, rd->errlen,
                            "section: table_id 0x%02x is not 0xfc at byte 0",
                            p[0]);
    }

    total = scte35_section_size(p, rd->end);

    /* 12 bits could say 4095; the spec caps it so a section fits 4096 */
    if (total > SCTE35_MAX_SECTION) {
        return scte35_error(rd->err, rd->errlen,
                            "section: section_length %zu exceeds 4093 at "
                            "byte 1", total - 3);
    }

    if (total != rd->end) {
        return scte35_error(rd->err, rd->errlen,
                            "section: section_length %zu means %zu bytes, "
                            "the buffer has %zu at byte 1", total - 3, total,
                            rd->end);
    }

    if (total < SCTE35_HEADER_LEN + SCTE35_CRC_LEN) {
        return scte35_error(rd->err, rd->errlen,
                            "section: section_length %zu is too short for "
                            "the fixed fields at byte 1", total - 3);
    }

    sec->section_syntax_indicator = p[1] >> 7;
    sec->private_indicator = (p[1] >> 6) & 1;
    sec->sap_type = (p[1] >> 4) & 3;
    sec->section_length = (uint16_t) (total - 3);
    sec->protocol_version = p[3];
    sec->encrypted_packet = p[4] >> 7;
    sec->encryption_algorithm = (p[4] >> 1) & 0x3f;
    sec->pts_adjustment = ((uint64_t) (p[4] & 1) << 32)
                          | ((uint64_t) p[5] << 24) | ((uint64_t) p[6] << 16)
                          | ((uint64_t) p[7] << 8) | p[8];
    sec->cw_index = p[9];
    sec->tier = (uint16_t) ((p[10] << 4) | (p[11] >> 4));
    sec->splice_command_length = (uint16_t) (((p[11] & 0x0f) << 8) | p[12]);

    rd->pos = SCTE35_HEADER_LEN;

    return SCTE35_OK;
}


static int
scte35_decode_command(scte35_rd_t *rd, scte35_section_t *sec)
{
    int     rc, legacy;
    size_t  section_end, cmd_end;

    legacy = (sec->splice_command_length == SCTE35_CMD_LEN_UNKNOWN);

    if (scte35_rd_need(rd, 1, "splice_command_type") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    sec->splice_command_type = (uint8_t) scte35_rd_bytes(rd, 1);

    section_end = rd->end;

    if (!legacy) {
        if (sec->splice_command_length > rd->end - rd->pos) {
            return scte35_error(rd->err, rd->errlen,
                                "splice_command_length %u exceeds the "
                                "section (%zu bytes left) at byte 11",
                                sec->splice_command_length,
                                rd->end - rd->pos);
        }

        rd->end = rd->pos + sec->splice_command_length;
    }

    switch (sec->splice_command_type) {

    case SCTE35_SPLICE_NULL:
    case SCTE35_BANDWIDTH_RESERVATION:
        rc = SCTE35_OK;
        break;

    case SCTE35_SPLICE_SCHEDULE:
        rc = scte35_decode_schedule(rd, &sec->cmd.schedule);
        break;

    case SCTE35_SPLICE_INSERT:
        rc = scte35_decode_insert(rd, &sec->cmd.insert);
        break;

    case SCTE35_TIME_SIGNAL:
        rc = scte35_decode_splice_time(rd, &sec->cmd.time_signal,
                                       "time_signal");
        break;

    case SCTE35_PRIVATE_COMMAND:
        rc = scte35_decode_private_cmd(rd, &sec->cmd.private_cmd, legacy);
        break;

    default:
        return scte35_error(rd->err, rd->errlen,
                            "splice_command_type 0x%02x is reserved at "
                            "byte %d", sec->splice_command_type,
                            SCTE35_HEADER_LEN);
    }

    if (rc != SCTE35_OK) {
        return rc;
    }

    /*
     * Bytes the command did not use (a newer spec's fields): keep them.
     * With the legacy length the command ends where its parse did.
     */
    cmd_end = legacy ? rd->pos : rd->end;
    sec->command_extra_length = (uint16_t) (cmd_end - rd->pos);
    memcpy(sec->command_extra, rd->buf + rd->pos, sec->command_extra_length);

    rd->pos = cmd_end;
    rd->end = section_end;

    return SCTE35_OK;
}


static int
scte35_decode_splice_time(scte35_rd_t *rd, scte35_splice_time_t *st,
    const char *what)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 1, what) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    b = rd->buf[rd->pos];

    if (!(b & 0x80)) {
        rd->pos++;
        st->reserved_zero = ~b & 0x7f;
        return SCTE35_OK;
    }

    if (scte35_rd_need(rd, 5, what) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    st->time_specified_flag = 1;
    st->reserved_zero = ~b & 0x7e;
    st->pts_time = scte35_rd_bytes(rd, 5) & SCTE35_MAX_33;

    return SCTE35_OK;
}


static int
scte35_decode_break_duration(scte35_rd_t *rd, scte35_break_duration_t *bd,
    const char *what)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 5, what) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    b = rd->buf[rd->pos];

    bd->auto_return = b >> 7;
    bd->reserved_zero = ~b & 0x7e;
    bd->duration = scte35_rd_bytes(rd, 5) & SCTE35_MAX_33;

    return SCTE35_OK;
}


static int
scte35_decode_insert(scte35_rd_t *rd, scte35_splice_insert_t *si)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 5, "splice_insert") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    si->splice_event_id = (uint32_t) scte35_rd_bytes(rd, 4);
    b = (uint8_t) scte35_rd_bytes(rd, 1);
    si->splice_event_cancel_indicator = b >> 7;
    si->reserved_zero = (uint16_t) ((~b & 0x7f) << 8);

    if (si->splice_event_cancel_indicator) {
        return SCTE35_OK;
    }

    if (scte35_rd_need(rd, 1, "splice_insert flags") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    b = (uint8_t) scte35_rd_bytes(rd, 1);
    si->out_of_network_indicator = b >> 7;
    si->program_splice_flag = (b >> 6) & 1;
    si->duration_flag = (b >> 5) & 1;
    si->splice_immediate_flag = (b >> 4) & 1;
    si->reserved_zero |= ~b & 0x0f;

    if (si->program_splice_flag && !si->splice_immediate_flag) {
        if (scte35_decode_splice_time(rd, &si->splice_time,
                                      "splice_insert splice_time")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    if (!si->program_splice_flag) {
        if (scte35_decode_insert_components(rd, si) != SCTE35_OK) {
            return SCTE35_ERROR;
        }
    }

    if (si->duration_flag) {
        if (scte35_decode_break_duration(rd, &si->break_duration,
                                         "splice_insert break_duration")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    if (scte35_rd_need(rd, 4, "splice_insert unique_program_id")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    si->unique_program_id = (uint16_t) scte35_rd_bytes(rd, 2);
    si->avail_num = (uint8_t) scte35_rd_bytes(rd, 1);
    si->avails_expected = (uint8_t) scte35_rd_bytes(rd, 1);

    return SCTE35_OK;
}


static int
scte35_decode_insert_components(scte35_rd_t *rd, scte35_splice_insert_t *si)
{
    unsigned                    i;
    scte35_insert_component_t  *c;

    if (scte35_rd_need(rd, 1, "splice_insert component_count")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    si->component_count = (uint8_t) scte35_rd_bytes(rd, 1);

    /* each component takes one byte at least */
    if (si->component_count > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "splice_insert: component_count %u exceeds the "
                            "command (%zu bytes left) at byte %zu",
                            si->component_count, rd->end - rd->pos,
                            rd->pos - 1);
    }

    for (i = 0; i < si->component_count; i++) {
        c = &si->components[i];

        if (scte35_rd_need(rd, 1, "splice_insert component_tag")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        c->component_tag = (uint8_t) scte35_rd_bytes(rd, 1);

        if (!si->splice_immediate_flag
            && scte35_decode_splice_time(rd, &c->splice_time,
                                         "splice_insert component "
                                         "splice_time")
               != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}


static int
scte35_decode_schedule(scte35_rd_t *rd, scte35_splice_schedule_t *ss)
{
    unsigned  i;

    if (scte35_rd_need(rd, 1, "splice_schedule splice_count") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    ss->splice_count = (uint8_t) scte35_rd_bytes(rd, 1);

    if (ss->splice_count > SCTE35_MAX_EVENTS) {
        return scte35_error(rd->err, rd->errlen,
                            "splice_schedule: splice_count %u exceeds the "
                            "limit of %d at byte %zu", ss->splice_count,
                            SCTE35_MAX_EVENTS, rd->pos - 1);
    }

    for (i = 0; i < ss->splice_count; i++) {
        if (scte35_decode_event(rd, &ss->events[i]) != SCTE35_OK) {
            return SCTE35_ERROR;
        }
    }

    return SCTE35_OK;
}


static int
scte35_decode_event(scte35_rd_t *rd, scte35_schedule_event_t *ev)
{
    uint8_t   b;
    unsigned  k;

    if (scte35_rd_need(rd, 5, "splice_schedule event") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    ev->splice_event_id = (uint32_t) scte35_rd_bytes(rd, 4);
    b = (uint8_t) scte35_rd_bytes(rd, 1);
    ev->splice_event_cancel_indicator = b >> 7;
    ev->reserved_zero = (uint16_t) ((~b & 0x7f) << 8);

    if (ev->splice_event_cancel_indicator) {
        return SCTE35_OK;
    }

    if (scte35_rd_need(rd, 1, "splice_schedule event flags") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    b = (uint8_t) scte35_rd_bytes(rd, 1);
    ev->out_of_network_indicator = b >> 7;
    ev->program_splice_flag = (b >> 6) & 1;
    ev->duration_flag = (b >> 5) & 1;
    ev->reserved_zero |= ~b & 0x1f;

    if (ev->program_splice_flag) {
        if (scte35_rd_need(rd, 4, "splice_schedule utc_splice_time")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        ev->utc_splice_time = (uint32_t) scte35_rd_bytes(rd, 4);

    } else {
        if (scte35_rd_need(rd, 1, "splice_schedule component_count")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        ev->component_count = (uint8_t) scte35_rd_bytes(rd, 1);

        if (ev->component_count > SCTE35_MAX_EVENT_COMPS) {
            return scte35_error(rd->err, rd->errlen,
                                "splice_schedule: component_count %u "
                                "exceeds the limit of %d at byte %zu",
                                ev->component_count, SCTE35_MAX_EVENT_COMPS,
                                rd->pos - 1);
        }

        if (scte35_rd_need(rd, (size_t) ev->component_count * 5,
                           "splice_schedule components")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        for (k = 0; k < ev->component_count; k++) {
            ev->components[k].component_tag =
                (uint8_t) scte35_rd_bytes(rd, 1);
            ev->components[k].utc_splice_time =
                (uint32_t) scte35_rd_bytes(rd, 4);
        }
    }

    if (ev->duration_flag) {
        if (scte35_decode_break_duration(rd, &ev->break_duration,
                                         "splice_schedule break_duration")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }
    }

    if (scte35_rd_need(rd, 4, "splice_schedule unique_program_id")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    ev->unique_program_id = (uint16_t) scte35_rd_bytes(rd, 2);
    ev->avail_num = (uint8_t) scte35_rd_bytes(rd, 1);
    ev->avails_expected = (uint8_t) scte35_rd_bytes(rd, 1);

    return SCTE35_OK;
}


static int
scte35_decode_private_cmd(scte35_rd_t *rd, scte35_private_command_t *pc,
    int legacy)
{
    /* without a length, nothing says where the private bytes end */
    if (legacy) {
        return scte35_error(rd->err, rd->errlen,
                            "private_command: splice_command_length 0xfff "
                            "(unknown) cannot be used at byte 11");
    }

    if (scte35_rd_need(rd, 4, "private_command identifier") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    pc->identifier = (uint32_t) scte35_rd_bytes(rd, 4);
    pc->private_length = (uint16_t) (rd->end - rd->pos);
    memcpy(pc->private_bytes, rd->buf + rd->pos, pc->private_length);
    rd->pos = rd->end;

    return SCTE35_OK;
}


static int
scte35_decode_descriptors(scte35_rd_t *rd, scte35_section_t *sec)
{
    size_t    loop_len, section_end;
    unsigned  i;

    if (scte35_rd_need(rd, 2, "descriptor_loop_length") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    loop_len = (size_t) scte35_rd_bytes(rd, 2);

    if (loop_len > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "descriptor_loop_length %zu exceeds the section "
                            "(%zu bytes left) at byte %zu", loop_len,
                            rd->end - rd->pos, rd->pos - 2);
    }

    section_end = rd->end;
    rd->end = rd->pos + loop_len;

    for (i = 0; rd->pos < rd->end; i++) {
        if (i == SCTE35_MAX_DESCRIPTORS) {
            return scte35_error(rd->err, rd->errlen,
                                "descriptor loop: more than %d descriptors "
                                "at byte %zu", SCTE35_MAX_DESCRIPTORS,
                                rd->pos);
        }

        if (scte35_decode_descriptor(rd, &sec->descriptors[i], i)
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        sec->descriptor_count = (uint16_t) (i + 1);
    }

    rd->end = section_end;

    return SCTE35_OK;
}


static int
scte35_decode_descriptor(scte35_rd_t *rd, scte35_descriptor_t *d, unsigned i)
{
    int     rc;
    size_t  dlen, start, loop_end;

    start = rd->pos;

    if (scte35_rd_need(rd, 2, "descriptor tag/length") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    d->tag = (uint8_t) scte35_rd_bytes(rd, 1);
    dlen = (size_t) scte35_rd_bytes(rd, 1);

    if (dlen > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "descriptor %u (tag 0x%02x): descriptor_length "
                            "%zu exceeds descriptor_loop_length (%zu bytes "
                            "left) at byte %zu", i, d->tag, dlen,
                            rd->end - rd->pos, start + 1);
    }

    if (dlen < 4) {
        return scte35_error(rd->err, rd->errlen,
                            "descriptor %u (tag 0x%02x): descriptor_length "
                            "%zu leaves no room for the identifier at byte "
                            "%zu", i, d->tag, dlen, start + 1);
    }

    loop_end = rd->end;
    rd->end = rd->pos + dlen;

    d->identifier = (uint32_t) scte35_rd_bytes(rd, 4);

    rc = SCTE35_OK;

    if (d->identifier == SCTE35_CUEI) {
        switch (d->tag) {

        case SCTE35_DESC_AVAIL:
            rc = scte35_rd_need(rd, 4, "avail_descriptor");
            if (rc == SCTE35_OK) {
                d->u.avail.provider_avail_id =
                    (uint32_t) scte35_rd_bytes(rd, 4);
            }
            break;

        case SCTE35_DESC_DTMF:
            rc = scte35_decode_dtmf(rd, &d->u.dtmf);
            break;

        case SCTE35_DESC_SEGMENTATION:
            rc = scte35_decode_segmentation(rd, &d->u.segmentation);
            break;

        case SCTE35_DESC_TIME:
            rc = scte35_rd_need(rd, 12, "time_descriptor");
            if (rc == SCTE35_OK) {
                d->u.time.tai_seconds = scte35_rd_bytes(rd, 6);
                d->u.time.tai_ns = (uint32_t) scte35_rd_bytes(rd, 4);
                d->u.time.utc_offset = (uint16_t) scte35_rd_bytes(rd, 2);
            }
            break;

        case SCTE35_DESC_AUDIO:
            rc = scte35_decode_audio(rd, &d->u.audio);
            break;

        default:
            break;
        }
    }

    if (rc != SCTE35_OK) {
        return rc;
    }

    /* private body, or bytes after the fields this version defines */
    d->data_length = (uint8_t) (rd->end - rd->pos);
    memcpy(d->data, rd->buf + rd->pos, d->data_length);

    rd->pos = rd->end;
    rd->end = loop_end;

    return SCTE35_OK;
}


static int
scte35_decode_dtmf(scte35_rd_t *rd, scte35_dtmf_t *dt)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 2, "DTMF_descriptor") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    dt->preroll = (uint8_t) scte35_rd_bytes(rd, 1);
    b = (uint8_t) scte35_rd_bytes(rd, 1);
    dt->dtmf_count = b >> 5;
    dt->reserved_zero = ~b & 0x1f;

    if (dt->dtmf_count > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "DTMF_descriptor: dtmf_count %u exceeds "
                            "descriptor length (%zu bytes left) at byte %zu",
                            dt->dtmf_count, rd->end - rd->pos, rd->pos - 1);
    }

    memcpy(dt->dtmf_chars, rd->buf + rd->pos, dt->dtmf_count);
    rd->pos += dt->dtmf_count;

    return SCTE35_OK;
}


static int
scte35_decode_segmentation(scte35_rd_t *rd, scte35_segmentation_t *sg)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 5, "segmentation_descriptor") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    sg->segmentation_event_id = (uint32_t) scte35_rd_bytes(rd, 4);
    b = (uint8_t) scte35_rd_bytes(rd, 1);
    sg->segmentation_event_cancel_indicator = b >> 7;
    sg->reserved_zero = (uint16_t) ((~b & 0x7f) << 8);

    if (sg->segmentation_event_cancel_indicator) {
        return SCTE35_OK;
    }

    if (scte35_decode_seg_flags(rd, sg) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    if (!sg->program_segmentation_flag
        && scte35_decode_seg_components(rd, sg) != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    if (sg->segmentation_duration_flag) {
        if (scte35_rd_need(rd, 5, "segmentation_descriptor "
                           "segmentation_duration")
            != SCTE35_OK)
        {
            return SCTE35_ERROR;
        }

        sg->segmentation_duration = scte35_rd_bytes(rd, 5);
    }

    if (scte35_decode_upid(rd, sg) != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    if (scte35_rd_need(rd, 3, "segmentation_descriptor "
                       "segmentation_type_id")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sg->segmentation_type_id = (uint8_t) scte35_rd_bytes(rd, 1);
    sg->segment_num = (uint8_t) scte35_rd_bytes(rd, 1);
    sg->segments_expected = (uint8_t) scte35_rd_bytes(rd, 1);

    /* older encoders stop here even for these types */
    if (scte35_has_sub_segments(sg->segmentation_type_id)
        && rd->end - rd->pos >= 2)
    {
        sg->sub_segments_present = 1;
        sg->sub_segment_num = (uint8_t) scte35_rd_bytes(rd, 1);
        sg->sub_segments_expected = (uint8_t) scte35_rd_bytes(rd, 1);
    }

    return SCTE35_OK;
}


static int
scte35_decode_seg_flags(scte35_rd_t *rd, scte35_segmentation_t *sg)
{
    uint8_t  b;

    if (scte35_rd_need(rd, 1, "segmentation_descriptor flags")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    b = (uint8_t) scte35_rd_bytes(rd, 1);
    sg->program_segmentation_flag = b >> 7;
    sg->segmentation_duration_flag = (b >> 6) & 1;
    sg->delivery_not_restricted_flag = (b >> 5) & 1;

    if (sg->delivery_not_restricted_flag) {
        sg->reserved_zero |= ~b & 0x1f;

    } else {
        sg->web_delivery_allowed_flag = (b >> 4) & 1;
        sg->no_regional_blackout_flag = (b >> 3) & 1;
        sg->archive_allowed_flag = (b >> 2) & 1;
        sg->device_restrictions = b & 3;
    }

    return SCTE35_OK;
}


static int
scte35_decode_seg_components(scte35_rd_t *rd, scte35_segmentation_t *sg)
{
    uint8_t                  b;
    unsigned                 i;
    scte35_seg_component_t  *c;

    if (scte35_rd_need(rd, 1, "segmentation_descriptor component_count")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sg->component_count = (uint8_t) scte35_rd_bytes(rd, 1);

    if ((size_t) sg->component_count * 6 > rd->end - rd->pos
        || sg->component_count > SCTE35_MAX_SEG_COMPS)
    {
        return scte35_error(rd->err, rd->errlen,
                            "segmentation_descriptor: component_count %u "
                            "exceeds descriptor length (%zu bytes left) at "
                            "byte %zu", sg->component_count,
                            rd->end - rd->pos, rd->pos - 1);
    }

    for (i = 0; i < sg->component_count; i++) {
        c = &sg->components[i];

        c->component_tag = (uint8_t) scte35_rd_bytes(rd, 1);
        b = rd->buf[rd->pos];
        c->reserved_zero = ~b & 0xfe;
        c->pts_offset = scte35_rd_bytes(rd, 5) & SCTE35_MAX_33;
    }

    return SCTE35_OK;
}


static int
scte35_decode_upid(scte35_rd_t *rd, scte35_segmentation_t *sg)
{
    int          n;
    size_t       bad, at;
    const char  *why;

    if (scte35_rd_need(rd, 2, "segmentation_descriptor "
                       "segmentation_upid_type")
        != SCTE35_OK)
    {
        return SCTE35_ERROR;
    }

    sg->segmentation_upid_type = (uint8_t) scte35_rd_bytes(rd, 1);
    sg->segmentation_upid_length = (uint8_t) scte35_rd_bytes(rd, 1);

    if (sg->segmentation_upid_length > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "segmentation_descriptor: upid_length %u exceeds "
                            "descriptor length (%zu bytes left) at byte %zu",
                            sg->segmentation_upid_length, rd->end - rd->pos,
                            rd->pos - 1);
    }

    at = rd->pos;
    memcpy(sg->segmentation_upid, rd->buf + at,
           sg->segmentation_upid_length);
    rd->pos += sg->segmentation_upid_length;

    if (sg->segmentation_upid_type == SCTE35_UPID_MID) {
        n = scte35_mid_check(sg->segmentation_upid,
                             sg->segmentation_upid_length, &bad, &why);
        if (n < 0) {
            return scte35_error(rd->err, rd->errlen,
                                "segmentation_descriptor: MID upid: %s at "
                                "byte %zu", why, at + bad);
        }
    }

    return SCTE35_OK;
}


static int
scte35_decode_audio(scte35_rd_t *rd, scte35_audio_t *au)
{
    uint8_t                    b;
    unsigned                   i;
    scte35_audio_component_t  *c;

    if (scte35_rd_need(rd, 1, "audio_descriptor") != SCTE35_OK) {
        return SCTE35_ERROR;
    }

    b = (uint8_t) scte35_rd_bytes(rd, 1);
    au->audio_count = b >> 4;
    au->reserved_zero = ~b & 0x0f;

    if ((size_t) au->audio_count * 5 > rd->end - rd->pos) {
        return scte35_error(rd->err, rd->errlen,
                            "audio_descriptor: audio_count %u exceeds "
                            "descriptor length (%zu bytes left) at byte %zu",
                            au->audio_count, rd->end - rd->pos, rd->pos - 1);
    }

    for (i = 0; i < au->audio_count; i++) {
        c = &au->components[i];

        c->component_tag = (uint8_t) scte35_rd_bytes(rd, 1);
        memcpy(c->iso_code, rd->buf + rd->pos, 3);
        rd->pos += 3;
        b = (uint8_t) scte35_rd_bytes(rd, 1);
        c->bit_stream_mode = b >> 5;
        c->num_channels = (b >> 1) & 0x0f;
        c->full_srvc_audio = b & 1;
    }

    return SCTE35_OK;
}
