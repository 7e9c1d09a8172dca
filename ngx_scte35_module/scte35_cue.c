/*
 * Cue requests to splice_info_sections: see scte35_cue.h.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scte35_cue.h"


#define SCTE35_CUE_MAX_SECONDS   95443.0    /* 2^33 / 90 kHz, a bit less */


typedef struct {
    char               *err;
    size_t              errlen;
    char               *field;
} scte35_cue_ctx_t;


static int scte35_cue_timing(json_t *req, scte35_cue_t *cue,
    scte35_cue_ctx_t *x);
static int scte35_cue_insert(json_t *req, const scte35_cue_defaults_t *d,
    scte35_cue_t *cue, scte35_cue_ctx_t *x);
static int scte35_cue_time_signal(json_t *req,
    const scte35_cue_defaults_t *d, scte35_cue_t *cue, scte35_cue_ctx_t *x);
static int scte35_cue_segmentation(json_t *j, size_t i, uint32_t event_id,
    scte35_descriptor_t *desc, scte35_cue_ctx_t *x);
static int scte35_cue_upid(json_t *v, scte35_segmentation_t *seg,
    const char *field, scte35_cue_ctx_t *x);
static int scte35_cue_fail(scte35_cue_ctx_t *x, const char *field,
    const char *fmt, ...);
static int scte35_cue_bool(json_t *o, const char *key, int def, int *out,
    const char *prefix, scte35_cue_ctx_t *x);
static int scte35_cue_uint(json_t *o, const char *key, uint64_t max,
    uint64_t def, uint64_t *out, const char *prefix, scte35_cue_ctx_t *x);
static int scte35_cue_seconds(json_t *o, const char *key, double min,
    double max, double *out, const char *prefix, scte35_cue_ctx_t *x);
static int scte35_cue_known(json_t *o, const char *const *keys,
    const char *prefix, scte35_cue_ctx_t *x);


static const char *const  scte35_cue_keys_insert[] = {
    "type", "immediate", "pts", "at", "in", "preroll", "repeat",
    "event_id", "cancel", "out_of_network", "duration", "auto_return",
    "unique_program_id", "avail_num", "avails_expected", NULL
};

static const char *const  scte35_cue_keys_time_signal[] = {
    "type", "immediate", "pts", "at", "in", "preroll", "repeat",
    "segmentation", NULL
};

static const char *const  scte35_cue_keys_seg[] = {
    "type_id", "event_id", "cancel", "duration", "upid_type", "upid",
    "segment_num", "segments_expected", "sub_segment_num",
    "sub_segments_expected", "web_delivery_allowed", "no_regional_blackout",
    "archive_allowed", "device_restrictions", NULL
};


int
scte35_cue_parse(json_t *req, const scte35_cue_defaults_t *defaults,
    scte35_cue_t *cue, char *err, size_t errlen,
    char field[SCTE35_CUE_FIELD_LEN])
{
    json_t            *type;
    const char        *t;
    scte35_cue_ctx_t   x;

    x.err = err;
    x.errlen = errlen;
    x.field = field;
    field[0] = '\0';

    memset(cue, 0, sizeof(scte35_cue_t));
    scte35_section_init(&cue->sec);

    if (!json_is_object(req)) {
        return scte35_cue_fail(&x, "", "the cue must be a JSON object");
    }

    type = json_object_get(req, "type");

    if (type == NULL) {
        return scte35_cue_fail(&x, "type", "\"type\" is missing: "
                               "\"splice_insert\" or \"time_signal\"");
    }

    t = json_string_value(type);

    if (t == NULL
        || (strcmp(t, "splice_insert") != 0 && strcmp(t, "time_signal") != 0))
    {
        return scte35_cue_fail(&x, "type", "\"type\" must be "
                               "\"splice_insert\" or \"time_signal\"");
    }

    if (scte35_cue_known(req, strcmp(t, "splice_insert") == 0
                              ? scte35_cue_keys_insert
                              : scte35_cue_keys_time_signal, "", &x)
        != 0)
    {
        return -1;
    }

    cue->preroll = defaults->preroll;
    cue->repeat = defaults->repeat;

    if (scte35_cue_timing(req, cue, &x) != 0) {
        return -1;
    }

    if (strcmp(t, "splice_insert") == 0) {
        return scte35_cue_insert(req, defaults, cue, &x);
    }

    return scte35_cue_time_signal(req, defaults, cue, &x);
}


void
scte35_cue_set_pts(scte35_cue_t *cue, uint64_t pts)
{
    pts &= SCTE35_MAX_33;

    if (cue->sec.splice_command_type == SCTE35_SPLICE_INSERT) {
        cue->sec.cmd.insert.splice_time.time_specified_flag = 1;
        cue->sec.cmd.insert.splice_time.pts_time = pts;

    } else {
        cue->sec.cmd.time_signal.time_specified_flag = 1;
        cue->sec.cmd.time_signal.pts_time = pts;
    }
}


static int
scte35_cue_timing(json_t *req, scte35_cue_t *cue, scte35_cue_ctx_t *x)
{
    int         n, imm;
    json_t     *v;
    uint64_t    u;
    const char *s;

    n = 0;

    if (scte35_cue_bool(req, "immediate", 0, &imm, "", x) != 0) {
        return -1;
    }

    if (imm) {
        cue->at = SCTE35_AT_IMMEDIATE;
        n++;
    }

    if (json_object_get(req, "pts")) {
        if (scte35_cue_uint(req, "pts", SCTE35_MAX_33, 0, &u, "", x) != 0) {
            return -1;
        }

        cue->at = SCTE35_AT_PTS;
        cue->pts = u;
        n++;
    }

    v = json_object_get(req, "at");

    if (v) {
        if (json_is_integer(v) && json_integer_value(v) > 0) {
            cue->at_ms = json_integer_value(v);

        } else if ((s = json_string_value(v)) != NULL
                   && (cue->at_ms = scte35_parse_time(s)) >= 0)
        {
            /* void */

        } else {
            return scte35_cue_fail(x, "at", "\"at\" must be a wall clock "
                                   "time: unix milliseconds or RFC 3339 "
                                   "text like \"2026-11-21T13:40:00.000Z\"");
        }

        cue->at = SCTE35_AT_WALLCLOCK;
        n++;
    }

    if (json_object_get(req, "in")) {
        /* a PTS says nothing beyond 2^32 ticks (13 h) ahead */
        if (scte35_cue_seconds(req, "in", 0, 43200, &cue->in, "", x) != 0) {
            return -1;
        }

        cue->at = SCTE35_AT_IN;
        n++;
    }

    if (n > 1) {
        return scte35_cue_fail(x, "", "give at most one of \"immediate\", "
                               "\"pts\", \"at\" and \"in\"");
    }

    if (json_object_get(req, "preroll")
        && scte35_cue_seconds(req, "preroll", 0, 60, &cue->preroll, "", x)
           != 0)
    {
        return -1;
    }

    if (json_object_get(req, "repeat")) {
        if (scte35_cue_uint(req, "repeat", 10, 3, &u, "", x) != 0) {
            return -1;
        }

        if (u == 0) {
            return scte35_cue_fail(x, "repeat", "\"repeat\" must be 1 to 10");
        }

        cue->repeat = (int) u;
    }

    return 0;
}


static int
scte35_cue_insert(json_t *req, const scte35_cue_defaults_t *d,
    scte35_cue_t *cue, scte35_cue_ctx_t *x)
{
    int                      cancel, out, auto_return;
    double                   duration;
    uint64_t                 u;
    scte35_splice_insert_t  *ins;

    cue->sec.splice_command_type = SCTE35_SPLICE_INSERT;
    ins = &cue->sec.cmd.insert;

    if (scte35_cue_uint(req, "event_id", 0xffffffff, d->event_id, &u, "", x)
        != 0)
    {
        return -1;
    }

    ins->splice_event_id = (uint32_t) u;
    cue->event_id = ins->splice_event_id;

    if (scte35_cue_bool(req, "cancel", 0, &cancel, "", x) != 0) {
        return -1;
    }

    if (cancel) {
        /* a cancel says nothing else, and is sent once, now */
        if (json_object_size(req) > 2 + (json_object_get(req, "event_id")
                                         != NULL))
        {
            return scte35_cue_fail(x, "cancel", "a cancel takes only "
                                   "\"type\", \"event_id\" and \"cancel\"");
        }

        if (json_object_get(req, "event_id") == NULL) {
            return scte35_cue_fail(x, "event_id", "a cancel needs the "
                                   "\"event_id\" of the splice to cancel");
        }

        ins->splice_event_cancel_indicator = 1;
        cue->at = SCTE35_AT_IMMEDIATE;
        cue->repeat = 1;
        return 0;
    }

    if (scte35_cue_bool(req, "out_of_network", 1, &out, "", x) != 0
        || scte35_cue_bool(req, "auto_return", 1, &auto_return, "", x) != 0)
    {
        return -1;
    }

    ins->out_of_network_indicator = (uint8_t) out;
    ins->program_splice_flag = 1;

    if (json_object_get(req, "duration")) {
        if (scte35_cue_seconds(req, "duration", 0.001, SCTE35_CUE_MAX_SECONDS,
                               &duration, "", x)
            != 0)
        {
            return -1;
        }

        ins->duration_flag = 1;
        ins->break_duration.auto_return = (uint8_t) auto_return;
        ins->break_duration.duration = (uint64_t) llround(duration * 90000);

    } else if (json_object_get(req, "auto_return")) {
        return scte35_cue_fail(x, "auto_return", "\"auto_return\" needs a "
                               "\"duration\"");
    }

    if (scte35_cue_uint(req, "unique_program_id", 0xffff, 0, &u, "", x) != 0)
    {
        return -1;
    }

    ins->unique_program_id = (uint16_t) u;

    if (scte35_cue_uint(req, "avail_num", 0xff, 0, &u, "", x) != 0) {
        return -1;
    }

    ins->avail_num = (uint8_t) u;

    if (scte35_cue_uint(req, "avails_expected", 0xff, 0, &u, "", x) != 0) {
        return -1;
    }

    ins->avails_expected = (uint8_t) u;

    if (cue->at == SCTE35_AT_IMMEDIATE) {
        ins->splice_immediate_flag = 1;
        cue->repeat = 1;

    } else {
        cue->timed = 1;
        ins->splice_time.time_specified_flag = 1;
    }

    return 0;
}


static int
scte35_cue_time_signal(json_t *req, const scte35_cue_defaults_t *d,
    scte35_cue_t *cue, scte35_cue_ctx_t *x)
{
    size_t   i;
    json_t  *segs, *s;

    cue->sec.splice_command_type = SCTE35_TIME_SIGNAL;
    cue->event_id = d->event_id;

    segs = json_object_get(req, "segmentation");

    if (segs != NULL && !json_is_array(segs)) {
        return scte35_cue_fail(x, "segmentation", "\"segmentation\" must be "
                               "an array of segmentation descriptors");
    }

    if (json_array_size(segs) > 8) {
        return scte35_cue_fail(x, "segmentation", "at most 8 segmentation "
                               "descriptors");
    }

    json_array_foreach(segs, i, s) {
        if (scte35_cue_segmentation(s, i, d->event_id + (uint32_t) i,
                                    &cue->sec.descriptors[i], x)
            != 0)
        {
            return -1;
        }

        if (i == 0) {
            cue->event_id =
                cue->sec.descriptors[0].u.segmentation.segmentation_event_id;
        }

        cue->sec.descriptor_count++;
    }

    if (cue->at == SCTE35_AT_IMMEDIATE) {
        cue->sec.cmd.time_signal.time_specified_flag = 0;
        cue->repeat = 1;

    } else {
        cue->timed = 1;
        cue->sec.cmd.time_signal.time_specified_flag = 1;
    }

    return 0;
}


static int
scte35_cue_segmentation(json_t *j, size_t i, uint32_t event_id,
    scte35_descriptor_t *desc, scte35_cue_ctx_t *x)
{
    int                     b, cancel;
    char                    p[SCTE35_CUE_FIELD_LEN / 2];
    double                  duration;
    json_t                 *v;
    uint64_t                u;
    scte35_segmentation_t  *seg;

    snprintf(p, sizeof(p), "segmentation[%u].", (unsigned) (i & 0xff));

    if (!json_is_object(j)) {
        return scte35_cue_fail(x, p, "a segmentation descriptor must be an "
                               "object");
    }

    if (scte35_cue_known(j, scte35_cue_keys_seg, p, x) != 0) {
        return -1;
    }

    memset(desc, 0, sizeof(scte35_descriptor_t));
    desc->tag = SCTE35_DESC_SEGMENTATION;
    desc->identifier = SCTE35_CUEI;
    seg = &desc->u.segmentation;

    if (scte35_cue_uint(j, "event_id", 0xffffffff, event_id, &u, p, x) != 0
        || scte35_cue_bool(j, "cancel", 0, &cancel, p, x) != 0)
    {
        return -1;
    }

    seg->segmentation_event_id = (uint32_t) u;

    if (cancel) {
        seg->segmentation_event_cancel_indicator = 1;
        return 0;
    }

    if (json_object_get(j, "type_id") == NULL) {
        snprintf(p + strlen(p), sizeof(p) - strlen(p), "type_id");
        return scte35_cue_fail(x, p, "\"type_id\" is missing (e.g. 52: "
                               "provider placement opportunity start)");
    }

    if (scte35_cue_uint(j, "type_id", 0xff, 0, &u, p, x) != 0) {
        return -1;
    }

    seg->segmentation_type_id = (uint8_t) u;
    seg->program_segmentation_flag = 1;

    /* restrictions: none unless one of the flags is given */
    seg->delivery_not_restricted_flag = 1;

    if (json_object_get(j, "web_delivery_allowed")
        || json_object_get(j, "no_regional_blackout")
        || json_object_get(j, "archive_allowed")
        || json_object_get(j, "device_restrictions"))
    {
        seg->delivery_not_restricted_flag = 0;

        if (scte35_cue_bool(j, "web_delivery_allowed", 1, &b, p, x) != 0) {
            return -1;
        }

        seg->web_delivery_allowed_flag = (uint8_t) b;

        if (scte35_cue_bool(j, "no_regional_blackout", 1, &b, p, x) != 0) {
            return -1;
        }

        seg->no_regional_blackout_flag = (uint8_t) b;

        if (scte35_cue_bool(j, "archive_allowed", 1, &b, p, x) != 0) {
            return -1;
        }

        seg->archive_allowed_flag = (uint8_t) b;

        if (scte35_cue_uint(j, "device_restrictions", 3, 3, &u, p, x) != 0) {
            return -1;
        }

        seg->device_restrictions = (uint8_t) u;
    }

    if (json_object_get(j, "duration")) {
        if (scte35_cue_seconds(j, "duration", 0.001, 12000000.0, &duration,
                               p, x)
            != 0)
        {
            return -1;
        }

        seg->segmentation_duration_flag = 1;
        seg->segmentation_duration = (uint64_t) llround(duration * 90000);
    }

    if (scte35_cue_uint(j, "upid_type", 0xff, 0, &u, p, x) != 0) {
        return -1;
    }

    seg->segmentation_upid_type = (uint8_t) u;

    v = json_object_get(j, "upid");

    if (v) {
        snprintf(x->field, SCTE35_CUE_FIELD_LEN, "%supid", p);

        if (scte35_cue_upid(v, seg, x->field, x) != 0) {
            return -1;
        }

        x->field[0] = '\0';

    } else if (seg->segmentation_upid_type != 0) {
        snprintf(p + strlen(p), sizeof(p) - strlen(p), "upid");
        return scte35_cue_fail(x, p, "\"upid\" is missing for upid_type "
                               "%u", (unsigned) seg->segmentation_upid_type);
    }

    if (scte35_cue_uint(j, "segment_num", 0xff, 0, &u, p, x) != 0) {
        return -1;
    }

    seg->segment_num = (uint8_t) u;

    if (scte35_cue_uint(j, "segments_expected", 0xff, 0, &u, p, x) != 0) {
        return -1;
    }

    seg->segments_expected = (uint8_t) u;

    if (json_object_get(j, "sub_segment_num")
        || json_object_get(j, "sub_segments_expected"))
    {
        if (u = seg->segmentation_type_id,
            u != 0x34 && u != 0x36 && u != 0x38 && u != 0x3a)
        {
            snprintf(p + strlen(p), sizeof(p) - strlen(p), "sub_segment_num");
            return scte35_cue_fail(x, p, "sub-segments exist only for the "
                                   "type ids 0x34, 0x36, 0x38 and 0x3a");
        }

        seg->sub_segments_present = 1;

        if (scte35_cue_uint(j, "sub_segment_num", 0xff, 0, &u, p, x) != 0) {
            return -1;
        }

        seg->sub_segment_num = (uint8_t) u;

        if (scte35_cue_uint(j, "sub_segments_expected", 0xff, 0, &u, p, x)
            != 0)
        {
            return -1;
        }

        seg->sub_segments_expected = (uint8_t) u;
    }

    return 0;
}


/* a UPID: text as its bytes, "0x..." as hex, an integer as 8 bytes (TI) */

static int
scte35_cue_upid(json_t *v, scte35_segmentation_t *seg, const char *field,
    scte35_cue_ctx_t *x)
{
    char        f[SCTE35_CUE_FIELD_LEN];
    size_t      len, i;
    uint64_t    n;
    const char *s;

    snprintf(f, sizeof(f), "%s", field);

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        n = (uint64_t) json_integer_value(v);

        for (i = 0; i < 8; i++) {
            seg->segmentation_upid[i] = (uint8_t) (n >> (56 - 8 * i));
        }

        seg->segmentation_upid_length = 8;
        return 0;
    }

    s = json_string_value(v);

    if (s == NULL) {
        return scte35_cue_fail(x, f, "\"upid\" must be text, \"0x\" and hex "
                               "digits, or an integer");
    }

    len = strlen(s);

    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        len -= 2;

        if (len % 2 || len / 2 > 255) {
            return scte35_cue_fail(x, f, "a hex UPID needs an even number "
                                   "of digits, at most 510");
        }

        for (i = 0; i < len / 2; i++) {
            if (!isxdigit((unsigned char) s[2 * i])
                || !isxdigit((unsigned char) s[2 * i + 1]))
            {
                return scte35_cue_fail(x, f, "\"%s\" is not hex", s);
            }

            sscanf(s + 2 * i, "%2hhx", &seg->segmentation_upid[i]);
        }

        seg->segmentation_upid_length = (uint8_t) (len / 2);
        return 0;
    }

    if (len == 0 || len > 255) {
        return scte35_cue_fail(x, f, "a UPID has 1 to 255 bytes");
    }

    memcpy(seg->segmentation_upid, s, len);
    seg->segmentation_upid_length = (uint8_t) len;

    return 0;
}


/* RFC 3339 with a Z or an offset; fractions of seconds to the ms */

int64_t
scte35_parse_time(const char *s)
{
    int        y, mo, d, h, mi, n, sign, oh, om;
    double     sec;
    int64_t    days, t;
    const char *p;

    n = 0;

    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec,
               &n)
        != 6
        || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59
        || sec < 0 || sec >= 61 || y < 1970)
    {
        return -1;
    }

    p = s + n;
    oh = 0;
    om = 0;
    sign = 1;

    if (*p == 'Z' || *p == 'z') {
        p++;

    } else if (*p == '+' || *p == '-') {
        sign = (*p == '-') ? -1 : 1;

        if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) {
            return -1;
        }

        p += 6;

    } else {
        return -1;
    }

    if (*p != '\0') {
        return -1;
    }

    /* days from civil (H. Hinnant), no time zone database involved */
    y -= mo <= 2;
    days = (int64_t) (y / 400) * 146097
           + ((y % 400) * 365 + (y % 400) / 4 - (y % 400) / 100)
           + (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1 - 719468;

    t = ((days * 24 + h) * 60 + mi) * 60000 + (int64_t) llround(sec * 1000);

    return t - sign * ((int64_t) oh * 60 + om) * 60000;
}


static int
scte35_cue_fail(scte35_cue_ctx_t *x, const char *field, const char *fmt, ...)
{
    va_list  args;

    if (field != x->field) {
        snprintf(x->field, SCTE35_CUE_FIELD_LEN, "%s", field);
    }

    va_start(args, fmt);
    vsnprintf(x->err, x->errlen, fmt, args);
    va_end(args);

    return -1;
}


static int
scte35_cue_bool(json_t *o, const char *key, int def, int *out,
    const char *prefix, scte35_cue_ctx_t *x)
{
    char     f[SCTE35_CUE_FIELD_LEN];
    json_t  *v;

    v = json_object_get(o, key);

    if (v == NULL) {
        *out = def;
        return 0;
    }

    if (!json_is_boolean(v)) {
        snprintf(f, sizeof(f), "%s%s", prefix, key);
        return scte35_cue_fail(x, f, "\"%s\" must be true or false", key);
    }

    *out = json_is_true(v);

    return 0;
}


static int
scte35_cue_uint(json_t *o, const char *key, uint64_t max, uint64_t def,
    uint64_t *out, const char *prefix, scte35_cue_ctx_t *x)
{
    char     f[SCTE35_CUE_FIELD_LEN];
    json_t  *v;

    v = json_object_get(o, key);

    if (v == NULL) {
        *out = def;
        return 0;
    }

    if (!json_is_integer(v) || json_integer_value(v) < 0
        || (uint64_t) json_integer_value(v) > max)
    {
        snprintf(f, sizeof(f), "%s%s", prefix, key);
        return scte35_cue_fail(x, f, "\"%s\" must be an integer from 0 to "
                               "%llu", key, (unsigned long long) max);
    }

    *out = (uint64_t) json_integer_value(v);

    return 0;
}


static int
scte35_cue_seconds(json_t *o, const char *key, double min, double max,
    double *out, const char *prefix, scte35_cue_ctx_t *x)
{
    char     f[SCTE35_CUE_FIELD_LEN];
    json_t  *v;
    double   d;

    v = json_object_get(o, key);

    if (!json_is_number(v)
        || (d = json_number_value(v), !(d >= min && d <= max)))
    {
        snprintf(f, sizeof(f), "%s%s", prefix, key);
        return scte35_cue_fail(x, f, "\"%s\" must be a number of seconds "
                               "from %g to %g", key, min, max);
    }

    *out = d;

    return 0;
}


static int
scte35_cue_known(json_t *o, const char *const *keys, const char *prefix,
    scte35_cue_ctx_t *x)
{
    char                f[SCTE35_CUE_FIELD_LEN];
    json_t             *v;
    const char         *key;
    const char *const  *k;

    json_object_foreach(o, key, v) {
        for (k = keys; *k; k++) {
            if (strcmp(*k, key) == 0) {
                break;
            }
        }

        if (*k == NULL) {
            snprintf(f, sizeof(f), "%s%s", prefix, key);
            return scte35_cue_fail(x, f, "unknown field \"%s\"", key);
        }
    }

    return 0;
}
