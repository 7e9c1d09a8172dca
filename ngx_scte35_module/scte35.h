/*
 * SCTE-35 splice_info_section codec (ANSI/SCTE 35 2022b): binary <-> C
 * struct <-> JSON.  Plain C99, no nginx types; JSON through jansson.
 *
 * The struct is the core: the gateway decodes cues it passes through and
 * builds the cues it inserts in C; JSON is a view on top for logs and the
 * HTTP API.  Decoding keeps every bit of a valid section (reserved bits,
 * trailing bytes inside a command or descriptor, alignment stuffing,
 * encrypted payloads, the legacy splice_command_length 0xfff), so that
 * scte35_encode(scte35_decode(x)) == x byte for byte.
 *
 * Memory: scte35_section_t owns everything in fixed arrays, there is no
 * free function.  It is about 56 KB: allocate it (or keep one per stream)
 * rather than putting several on a stack.  A zeroed struct is a valid
 * starting point for building a cue: every reserved bit then encodes as 1
 * as the spec wants, and lengths and the CRC are always computed by
 * scte35_encode.  Set tier to 0xfff and sap_type to 3 ("not specified")
 * unless something else is meant; scte35_section_init() does that.
 *
 * Reserved bits: structures that have them carry a reserved_zero mask of
 * the reserved bits that were 0 on the wire, in their wire positions (the
 * spec says reserved bits are 1; conformant sections have 0 there).
 */

#ifndef _SCTE35_H_INCLUDED_
#define _SCTE35_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include <jansson.h>


/* return codes of scte35_decode(), scte35_encode(), scte35_from_json() */
#define SCTE35_OK             0
#define SCTE35_BAD_CRC        1     /* decoded in full, but CRC_32 is wrong */
#define SCTE35_ERROR         -1     /* malformed input, err says what/where */
#define SCTE35_NO_SPACE      -2     /* encode: output buffer too small */

#define SCTE35_TABLE_ID          0xfc
#define SCTE35_MAX_SECTION       4096   /* 3 + section_length (<= 4093) */
#define SCTE35_CUEI              0x43554549u
#define SCTE35_CMD_LEN_UNKNOWN   0xfff  /* legacy splice_command_length */
#define SCTE35_MAX_33            0x1ffffffffULL
#define SCTE35_MAX_40            0xffffffffffULL

/* limits of the fixed arrays; larger (valid) sections are decode errors */
#define SCTE35_MAX_DESCRIPTORS     32
#define SCTE35_MAX_COMPONENTS      255  /* splice_insert component_count */
#define SCTE35_MAX_EVENTS          16   /* splice_schedule splice_count */
#define SCTE35_MAX_EVENT_COMPS     32   /* components per schedule event */
#define SCTE35_MAX_SEG_COMPS       39   /* what fits in 255 bytes */
#define SCTE35_MAX_AUDIO           15   /* audio_count is 4 bits */
#define SCTE35_MAX_DESC_DATA       251  /* descriptor_length - identifier */

/* splice_command_type */
#define SCTE35_SPLICE_NULL             0x00
#define SCTE35_SPLICE_SCHEDULE         0x04
#define SCTE35_SPLICE_INSERT           0x05
#define SCTE35_TIME_SIGNAL             0x06
#define SCTE35_BANDWIDTH_RESERVATION   0x07
#define SCTE35_PRIVATE_COMMAND         0xff

/* splice_descriptor_tag (with identifier "CUEI") */
#define SCTE35_DESC_AVAIL          0x00
#define SCTE35_DESC_DTMF           0x01
#define SCTE35_DESC_SEGMENTATION   0x02
#define SCTE35_DESC_TIME           0x03
#define SCTE35_DESC_AUDIO          0x04

/* segmentation_upid_type values with a structure of their own */
#define SCTE35_UPID_TI             0x08
#define SCTE35_UPID_EIDR           0x0a
#define SCTE35_UPID_MPU            0x0c
#define SCTE35_UPID_MID            0x0d


/* splice_time(): reserved_zero mask 0x7e when specified, else 0x7f */
typedef struct {
    uint64_t                 pts_time;          /* 33 bits */
    uint8_t                  time_specified_flag;
    uint8_t                  reserved_zero;
} scte35_splice_time_t;


/* break_duration(): reserved_zero mask 0x7e */
typedef struct {
    uint64_t                 duration;          /* 33 bits, 90 kHz */
    uint8_t                  auto_return;
    uint8_t                  reserved_zero;
} scte35_break_duration_t;


typedef struct {
    scte35_splice_time_t     splice_time;       /* if !splice_immediate */
    uint8_t                  component_tag;
} scte35_insert_component_t;


/*
 * splice_insert(); reserved_zero: 0x7f00 = the 7 bits after the cancel
 * indicator, 0x000f = the 4 bits after splice_immediate_flag.
 */
typedef struct {
    uint32_t                 splice_event_id;
    uint8_t                  splice_event_cancel_indicator;
    uint8_t                  out_of_network_indicator;
    uint8_t                  program_splice_flag;
    uint8_t                  duration_flag;
    uint8_t                  splice_immediate_flag;
    uint16_t                 reserved_zero;
    scte35_splice_time_t     splice_time;       /* program, !immediate */
    scte35_break_duration_t  break_duration;    /* if duration_flag */
    uint16_t                 unique_program_id;
    uint8_t                  avail_num;
    uint8_t                  avails_expected;
    uint8_t                  component_count;   /* if !program_splice */
    scte35_insert_component_t
                             components[SCTE35_MAX_COMPONENTS];
} scte35_splice_insert_t;


typedef struct {
    uint32_t                 utc_splice_time;
    uint8_t                  component_tag;
} scte35_schedule_component_t;


/* one splice_schedule() event; reserved_zero: 0x7f00 and 0x001f */
typedef struct {
    uint32_t                 splice_event_id;
    uint8_t                  splice_event_cancel_indicator;
    uint8_t                  out_of_network_indicator;
    uint8_t                  program_splice_flag;
    uint8_t                  duration_flag;
    uint16_t                 reserved_zero;
    uint32_t                 utc_splice_time;   /* if program_splice */
    scte35_break_duration_t  break_duration;
    uint16_t                 unique_program_id;
    uint8_t                  avail_num;
    uint8_t                  avails_expected;
    uint8_t                  component_count;
    scte35_schedule_component_t
                             components[SCTE35_MAX_EVENT_COMPS];
} scte35_schedule_event_t;


typedef struct {
    uint8_t                  splice_count;
    scte35_schedule_event_t  events[SCTE35_MAX_EVENTS];
} scte35_splice_schedule_t;


typedef struct {
    uint32_t                 identifier;
    uint16_t                 private_length;
    uint8_t                  private_bytes[SCTE35_MAX_SECTION];
} scte35_private_command_t;


typedef struct {
    uint32_t                 provider_avail_id;
} scte35_avail_t;


/* DTMF_descriptor(); reserved_zero mask 0x1f (after dtmf_count) */
typedef struct {
    uint8_t                  preroll;
    uint8_t                  dtmf_count;        /* 3 bits */
    uint8_t                  reserved_zero;
    char                     dtmf_chars[7];     /* not NUL terminated */
} scte35_dtmf_t;


typedef struct {
    uint64_t                 pts_offset;        /* 33 bits */
    uint8_t                  component_tag;
    uint8_t                  reserved_zero;     /* mask 0xfe */
} scte35_seg_component_t;


/*
 * segmentation_descriptor(); reserved_zero: 0x7f00 = the 7 bits after the
 * cancel indicator, 0x001f = the 5 bits used when
 * delivery_not_restricted_flag is 1.  The UPID is kept as raw bytes; for
 * MID (0x0d) they are the nested (type, length, bytes) triples, which the
 * decoder checks and scte35_mid_add() appends.  sub_segment_num and
 * sub_segments_expected are present only for the types 0x34, 0x36, 0x38
 * and 0x3a, and only when the descriptor is long enough (old encoders
 * omit them): sub_segments_present says which.
 */
typedef struct {
    uint32_t                 segmentation_event_id;
    uint8_t                  segmentation_event_cancel_indicator;
    uint8_t                  program_segmentation_flag;
    uint8_t                  segmentation_duration_flag;
    uint8_t                  delivery_not_restricted_flag;
    uint8_t                  web_delivery_allowed_flag;
    uint8_t                  no_regional_blackout_flag;
    uint8_t                  archive_allowed_flag;
    uint8_t                  device_restrictions;      /* 2 bits */
    uint16_t                 reserved_zero;
    uint64_t                 segmentation_duration;    /* 40 bits */
    uint8_t                  segmentation_upid_type;
    uint8_t                  segmentation_upid_length;
    uint8_t                  segmentation_upid[255];
    uint8_t                  segmentation_type_id;
    uint8_t                  segment_num;
    uint8_t                  segments_expected;
    uint8_t                  sub_segments_present;
    uint8_t                  sub_segment_num;
    uint8_t                  sub_segments_expected;
    uint8_t                  component_count;
    scte35_seg_component_t   components[SCTE35_MAX_SEG_COMPS];
} scte35_segmentation_t;


typedef struct {
    uint64_t                 tai_seconds;       /* 48 bits */
    uint32_t                 tai_ns;
    uint16_t                 utc_offset;
} scte35_time_desc_t;


typedef struct {
    uint8_t                  component_tag;
    uint8_t                  iso_code[3];
    uint8_t                  bit_stream_mode;   /* 3 bits */
    uint8_t                  num_channels;      /* 4 bits */
    uint8_t                  full_srvc_audio;   /* 1 bit */
} scte35_audio_component_t;


/* audio_descriptor(); reserved_zero mask 0x0f (after audio_count) */
typedef struct {
    uint8_t                  audio_count;       /* 4 bits */
    uint8_t                  reserved_zero;
    scte35_audio_component_t components[SCTE35_MAX_AUDIO];
} scte35_audio_t;


/*
 * A splice_descriptor().  With identifier "CUEI" and tags 0x00-0x04 the
 * matching union member is used and data[] holds bytes found after the
 * defined fields (kept, normally none).  Any other identifier or tag is a
 * private descriptor: data[] is everything after the identifier.
 */
typedef struct {
    uint8_t                  tag;
    uint32_t                 identifier;
    uint8_t                  data_length;
    uint8_t                  data[SCTE35_MAX_DESC_DATA];
    union {
        scte35_avail_t         avail;
        scte35_dtmf_t          dtmf;
        scte35_segmentation_t  segmentation;
        scte35_time_desc_t     time;
        scte35_audio_t         audio;
    } u;
} scte35_descriptor_t;


/*
 * The section.  Fields set by scte35_decode only (encode computes them):
 * section_length, crc_32, crc_32_received.  splice_command_length is
 * ignored by encode unless it is SCTE35_CMD_LEN_UNKNOWN (kept as the legacy
 * 0xfff) or the section is encrypted (the payload cannot be parsed, so the
 * value is written as is).
 *
 * encrypted_packet: the bytes from splice_command_type up to and including
 * E_CRC_32 are kept raw in encrypted[]; nothing in them is decoded and the
 * command and descriptors stay empty.
 */
typedef struct {
    uint8_t                  section_syntax_indicator;  /* 0 by spec */
    uint8_t                  private_indicator;         /* 0 by spec */
    uint8_t                  sap_type;                  /* 2 bits */
    uint16_t                 section_length;
    uint8_t                  protocol_version;
    uint8_t                  encrypted_packet;
    uint8_t                  encryption_algorithm;      /* 6 bits */
    uint64_t                 pts_adjustment;            /* 33 bits */
    uint8_t                  cw_index;
    uint16_t                 tier;                      /* 12 bits */
    uint16_t                 splice_command_length;
    uint8_t                  splice_command_type;

    union {
        scte35_splice_schedule_t  schedule;
        scte35_splice_insert_t    insert;
        scte35_splice_time_t      time_signal;
        scte35_private_command_t  private_cmd;
    } cmd;

    /* bytes inside splice_command_length after the parsed command */
    uint16_t                 command_extra_length;
    uint8_t                  command_extra[SCTE35_MAX_SECTION];

    uint16_t                 descriptor_count;
    scte35_descriptor_t      descriptors[SCTE35_MAX_DESCRIPTORS];

    /* alignment_stuffing between the descriptor loop and CRC_32 */
    uint16_t                 stuffing_length;
    uint8_t                  stuffing[SCTE35_MAX_SECTION];

    uint16_t                 encrypted_length;
    uint8_t                  encrypted[SCTE35_MAX_SECTION];

    uint32_t                 crc_32;            /* as received */
    uint8_t                  crc_32_received;   /* set by scte35_decode */
} scte35_section_t;


/* CRC-32/MPEG-2: poly 0x04c11db7, init 0xffffffff, no reflection/xorout */
uint32_t scte35_crc32(const uint8_t *p, size_t n);

/* zeroes sec and sets tier 0xfff, sap_type 3 */
void scte35_section_init(scte35_section_t *sec);

/*
 * 3 + section_length from the first 3 bytes, or 0 if len < 3: lets a
 * caller cut a section out of a TS payload followed by 0xff stuffing.
 */
size_t scte35_section_size(const uint8_t *buf, size_t len);

/*
 * Decodes exactly one section: len must be 3 + section_length (at most
 * 4096).  Returns SCTE35_OK; SCTE35_BAD_CRC when the section parses but
 * CRC_32 is wrong (sec is fully decoded, so passthrough code can count
 * and log it; err gives both CRCs); or SCTE35_ERROR when it does not parse,
 * whatever its CRC (err says what is wrong and at which byte offset, e.g.
 * "segmentation_descriptor: upid_length 40 exceeds descriptor length (11
 * bytes left) at byte 39"; sec is then partly filled and not to be used).
 * Never reads outside buf[0..len).  err may be NULL.
 */
int scte35_decode(const uint8_t *buf, size_t len, scte35_section_t *sec,
    char *err, size_t errlen);

/*
 * Encodes sec into buf, computing section_length, splice_command_length
 * (see scte35_section_t), descriptor_loop_length, descriptor_length,
 * segmentation_upid_length and CRC_32.  Checks every field against its bit
 * width.  Returns SCTE35_OK, SCTE35_ERROR (invalid field, named in err) or
 * SCTE35_NO_SPACE (*len then holds the size needed).
 */
int scte35_encode(const scte35_section_t *sec, uint8_t *buf, size_t size,
    size_t *len, char *err, size_t errlen);

/*
 * JSON view with the field names of shared/testdata/scte35_vectors.json
 * (see docs in scte35_json.c).  Returns a new reference, or NULL when sec
 * does not encode (to_json encodes it to report the lengths and CRCs).
 */
json_t *scte35_to_json(const scte35_section_t *sec);

/*
 * Strict inverse of scte35_to_json: unknown keys, wrong types, unknown
 * names and out-of-range values are errors naming the field (e.g.
 * "descriptors[0].segmentation_upid[1].type: ...").  Derived fields are
 * ignored (*_s seconds, *_name, crc_32, crc_ok, crc_computed, length_ok)
 * or cross-checked when present (command vs splice_command_type,
 * descriptor name vs tag/identifier, section_length, splice_command_length,
 * descriptor_loop_length, segmentation_upid_length, dtmf_count,
 * pts_time_adjusted, the flags implied by optional objects).
 */
int scte35_from_json(json_t *j, scte35_section_t *sec, char *err,
    size_t errlen);

/* names, or NULL / "Reserved" for unknown values */
const char *scte35_command_name(uint8_t type);
const char *scte35_upid_type_name(uint8_t type);
const char *scte35_segmentation_type_name(uint8_t type);

/* appends one (type, length, bytes) entry to a MID UPID; -1 if full */
int scte35_mid_add(scte35_segmentation_t *seg, uint8_t type,
    const uint8_t *upid, size_t len);


#endif /* _SCTE35_H_INCLUDED_ */
