/*
 * Cue requests: the JSON an operator sends to mark an ad break
 * (POST /api/routes/{id}/scte35), turned into a splice_info_section and
 * its timing.  Plain C, no nginx types.
 *
 *   {"type":"splice_insert","out_of_network":true,"duration":30.0,
 *    "event_id":1001,"auto_return":true,"preroll":4.0}
 *   {"type":"time_signal","segmentation":[{"type_id":52,"event_id":7,
 *    "duration":60.0,"upid_type":15,"upid":"urn:example:1"}]}
 *
 * Timing, at most one of: "immediate": true; "pts": 33-bit PTS of the
 * splice; "at": wall clock (unix ms, or RFC 3339 text); "in": seconds from
 * now.  None: the splice is "preroll" seconds from now.
 */

#ifndef _SCTE35_CUE_H_INCLUDED_
#define _SCTE35_CUE_H_INCLUDED_


#include <stdint.h>

#include <jansson.h>

#include "scte35.h"


#define SCTE35_CUE_FIELD_LEN   64


typedef enum {
    SCTE35_AT_DEFAULT = 0,        /* preroll from now */
    SCTE35_AT_IMMEDIATE,
    SCTE35_AT_PTS,
    SCTE35_AT_WALLCLOCK,
    SCTE35_AT_IN
} scte35_at_e;


typedef struct {
    double              preroll;        /* seconds, default 4 */
    int                 repeat;         /* copies, default 3 */
    uint32_t            event_id;       /* used when the request has none */
} scte35_cue_defaults_t;


typedef struct {
    scte35_at_e         at;
    uint64_t            pts;            /* SCTE35_AT_PTS */
    int64_t             at_ms;          /* SCTE35_AT_WALLCLOCK */
    double              in;             /* SCTE35_AT_IN, seconds */
    double              preroll;
    int                 repeat;
    int                 timed;          /* the command carries a splice
                                           time to fill in: not immediate,
                                           not a cancel */
    uint32_t            event_id;       /* of the command or the first
                                           segmentation descriptor */
    scte35_section_t    sec;            /* all but the splice time */
} scte35_cue_t;


/*
 * Parses a cue request.  Returns 0, or -1 with a message in err and the
 * offending field ("duration", "segmentation[0].upid") in field.
 */
int scte35_cue_parse(json_t *req, const scte35_cue_defaults_t *defaults,
    scte35_cue_t *cue, char *err, size_t errlen,
    char field[SCTE35_CUE_FIELD_LEN]);

/* sets the splice time (timed cues): splice_insert's or time_signal's */
void scte35_cue_set_pts(scte35_cue_t *cue, uint64_t pts);

/* "2026-11-21T13:40:00.250Z" or with +hh:mm: unix ms, or -1 */
int64_t scte35_parse_time(const char *s);


#endif /* _SCTE35_CUE_H_INCLUDED_ */
