/*
 * Internals shared by the SCTE-35 codec files; not part of the API.
 */

#ifndef _SCTE35_INT_H_INCLUDED_
#define _SCTE35_INT_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "scte35.h"


/* formats into err (if any) and returns SCTE35_ERROR */
int scte35_error(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* segmentation types that carry sub_segment_num/sub_segments_expected */
int scte35_has_sub_segments(uint8_t type_id);

/*
 * scte35_encode() that also tells the real splice_command length (also
 * with the legacy 0xfff) and descriptor_loop_length; both 0 if encrypted.
 */
int scte35_encode_layout(const scte35_section_t *sec, uint8_t *buf,
    size_t size, size_t *len, size_t *cmd_len, size_t *loop_len, char *err,
    size_t errlen);

/* UPID types shown as text: 0x01-0x03, 0x07, 0x09, 0x0e, 0x0f, 0x11 */
int scte35_upid_is_text(uint8_t type);

/*
 * Checks the (type, length, bytes) entries of a MID UPID: they must fill
 * it exactly and none may be a MID itself.  Returns the entry count, or -1
 * with *bad set to the offset of the offending entry and *why to a reason.
 */
int scte35_mid_check(const uint8_t *p, size_t n, size_t *bad,
    const char **why);


#endif /* _SCTE35_INT_H_INCLUDED_ */
