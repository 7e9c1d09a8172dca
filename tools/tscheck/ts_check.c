/*
 * ts_check: MPEG-TS integrity checks after ETSI TR 101 290.  See
 * ts_check.h for the interface and the time base.
 *
 * Layers:
 *   bytes    -> packets: sync acquired after TSC_SYNC_ACQUIRE sync bytes
 *               188 bytes apart, lost after TSC_SYNC_LOSE bad ones in a
 *               row (TS_sync_loss); a single bad one is a Sync_byte_error
 *               and its packet is not parsed (it counts as lost).
 *   packets  -> continuity counters, PCR, PES headers (PTS), sections of
 *               PID 0 and of the PMT PIDs named in the PAT (CRC, tables).
 *   time     -> absence checks (PAT, PMT, PID) in a sweep at most every
 *               10 ms of check time and at the end of the input; an
 *               absence is counted once per gap, when it first exceeds
 *               its limit.
 */

#include <stdarg.h>
#include <string.h>
#include <inttypes.h>

#include "ts_check.h"


#define TSC_PCR_MOD         (((int64_t) 1 << 33) * 300)
#define TSC_27MHZ_PER_US    27
#define TSC_SWEEP_US        10000
#define TSC_REF_SWITCH_US   1000000     /* reference PCR PID silent this long */
#define TSC_NO_PID          0xffff

#define TSC_CC_OK           0
#define TSC_CC_DUP          1
#define TSC_CC_LOST         2
#define TSC_CC_KEEP         3           /* no payload */


static const char  *tsc_names[TSC_NIND] = {
    "TS_sync_loss",
    "Sync_byte_error",
    "PAT_error",
    "Continuity_count_error",
    "PMT_error",
    "PID_error",
    "Transport_error",
    "CRC_error",
    "PCR_repetition_error",
    "PCR_discontinuity_indicator_error",
    "PTS_error",
};

static const char  *tsc_numbers[TSC_NIND] = {
    "1.1", "1.2", "1.3", "1.4", "1.5", "1.6",
    "2.1", "2.2", "2.3a", "2.3b", "2.5",
};

static const char  *tsc_type_names[] = {
    "unreferenced", "PAT", "CAT", "SI", "PMT", "video", "audio", "private",
    "SCTE-35", "null", "PCR",
};


static void tsc_sweep(ts_check_t *c);


/* CRC-32/MPEG-2, four bits at a time: sections are few and short */

static const uint32_t  tsc_crc_nibble[16] = {
    0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9,
    0x130476dc, 0x17c56b6b, 0x1a864db2, 0x1e475005,
    0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
    0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd,
};


uint32_t
ts_check_crc32(const uint8_t *p, size_t n)
{
    size_t    i;
    uint32_t  crc;

    crc = 0xffffffff;

    for (i = 0; i < n; i++) {
        crc = (crc << 4) ^ tsc_crc_nibble[(crc >> 28) ^ (p[i] >> 4)];
        crc = (crc << 4) ^ tsc_crc_nibble[(crc >> 28) ^ (p[i] & 0x0f)];
    }

    return crc;
}


/* events */

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void
tsc_event(ts_check_t *c, tsc_indicator_t ind, unsigned pid, const char *fmt,
    ...)
{
    int           to_list, to_first;
    va_list       ap;
    tsc_event_t   e;

    c->counts[ind]++;

    to_list = c->nevents < TSC_MAX_EVENTS;
    to_first = c->nfirst[ind] < TSC_FIRST_PER_IND;

    if (!to_list && !to_first) {
        return;
    }

    memset(&e, 0, sizeof(e));
    e.ind = ind;
    e.pid = (uint16_t) pid;
    e.packet = c->cur_packet;
    e.offset = c->cur_off;
    e.time_us = c->now;

    va_start(ap, fmt);
    vsnprintf(e.detail, sizeof(e.detail), fmt, ap);
    va_end(ap);

    if (to_list) {
        c->events[c->nevents++] = e;
    }

    if (to_first) {
        c->first[ind][c->nfirst[ind]++] = e;
    }
}


/* init */

void
ts_check_init(ts_check_t *c, const ts_check_opts_t *opts)
{
    unsigned  i;

    memset(c, 0, sizeof(*c));

    if (opts) {
        c->opts = *opts;
    }

    if (c->opts.pid_timeout_us <= 0) {
        c->opts.pid_timeout_us = TSC_PID_TIMEOUT_US;
    }

    c->ref_pid = -1;
    c->clk_pcr = -1;

    for (i = 0; i < TSC_NPIDS; i++) {
        c->pids[i].slot = -1;
    }

    c->pids[0].type = TSC_TYPE_PAT;
    c->pids[1].type = TSC_TYPE_CAT;
    for (i = 0x10; i <= 0x1f; i++) {
        c->pids[i].type = TSC_TYPE_SI;
    }
    c->pids[TSC_NULL_PID].type = TSC_TYPE_NULL;

    /* slot 0 is PID 0's; a free slot has pid 0 */
    c->pids[0].slot = 0;
}


/* the stream clock, in 27 MHz ticks */

static int64_t
tsc_clk_at(const ts_check_t *c, uint64_t off)
{
    double  dt;

    if (c->clk_rate <= 0 || off <= c->clk_off) {
        return c->clk_t;
    }

    dt = (double) (off - c->clk_off) * 27000000.0 / c->clk_rate;

    return c->clk_t + (int64_t) dt;
}


static void
tsc_clk_anchor(ts_check_t *c, int64_t t, uint64_t off, int64_t pcr)
{
    c->clk_t = t;
    c->clk_off = off;
    c->clk_pcr = pcr;
}


static void
tsc_clk_pcr(ts_check_t *c, unsigned pid, int64_t pcr, int di, uint64_t off)
{
    int64_t  d;

    if (c->ref_pid < 0) {
        c->ref_pid = (int) pid;
        tsc_clk_anchor(c, tsc_clk_at(c, off), off, pcr);
        return;
    }

    if ((int) pid != c->ref_pid) {
        /* the reference PID stopped carrying a PCR (or the PCR moved to
           another PID at a discontinuity, the clock held): take this one */
        if (c->clk_held
            || tsc_clk_at(c, off) - c->pids[c->ref_pid].pcr_t
               > (int64_t) TSC_REF_SWITCH_US * TSC_27MHZ_PER_US)
        {
            c->clk_held = 0;
            c->ref_pid = (int) pid;
            tsc_clk_anchor(c, tsc_clk_at(c, off), off, pcr);
        }

        return;
    }

    d = pcr - c->clk_pcr;
    if (d < 0) {
        d += TSC_PCR_MOD;
    }

    if (d == 0 && !di) {
        return;                 /* a repeated packet */
    }

    if (!di && d > 0 && d <= (int64_t) TSC_PCR_DISC_US * TSC_27MHZ_PER_US
        && off > c->clk_off)
    {
        c->clk_held = 0;
        c->clk_rate = (double) (off - c->clk_off) * 27000000.0 / (double) d;
        tsc_clk_anchor(c, c->clk_t + d, off, pcr);

    } else {
        /*
         * A step or a discontinuity: go on by byte position up to here,
         * then hold the clock until the next PCR gives the new rate.  The
         * old rate would misjudge the new stream: after a switch to an
         * input of another bit rate, a burst from its key frame would
         * count as seconds (or milliseconds) of stream time.
         */
        tsc_clk_anchor(c, tsc_clk_at(c, off), off, pcr);

        if (c->opts.bitrate == 0) {
            c->clk_rate = 0;
            c->clk_held = 1;
        }
    }
}


/* PSI */

static void
tsc_rebuild_watch(ts_check_t *c)
{
    unsigned  i;

    c->nwatch = 0;

    for (i = 0; i < TSC_NPIDS; i++) {
        if (c->pids[i].is_es) {
            c->watch[c->nwatch++] = (uint16_t) i;
        }
    }
}


static void
tsc_reset_programs(ts_check_t *c)
{
    unsigned    i;
    tsc_pid_t  *ps;

    for (i = 0; i < c->nprograms; i++) {
        ps = &c->pids[c->programs[i].pmt_pid];
        ps->is_pmt = 0;

        if (ps->slot > 0) {
            c->slots[ps->slot].pid = 0;
            c->slots[ps->slot].active = 0;
            ps->slot = -1;
        }
    }

    c->nprograms = 0;

    for (i = 0; i < TSC_NPIDS; i++) {
        c->pids[i].is_es = 0;
    }

    c->nwatch = 0;
}


static void
tsc_add_program(ts_check_t *c, unsigned number, unsigned pmt_pid)
{
    unsigned        i;
    tsc_pid_t      *ps;
    tsc_program_t  *pr;

    for (i = 0; i < c->nprograms; i++) {
        if (c->programs[i].number == number
            && c->programs[i].pmt_pid == pmt_pid)
        {
            return;
        }
    }

    if (c->nprograms == TSC_MAX_PROGRAMS) {
        return;
    }

    pr = &c->programs[c->nprograms++];
    pr->number = (uint16_t) number;
    pr->pmt_pid = (uint16_t) pmt_pid;
    pr->have_crc = 0;

    ps = &c->pids[pmt_pid];

    if (ps->is_pmt) {
        return;                 /* several programs on one PMT PID */
    }

    ps->is_pmt = 1;
    ps->type = TSC_TYPE_PMT;
    ps->psi_t = c->now;
    ps->pmt_flagged = 0;

    for (i = 1; i < TSC_MAX_SLOTS; i++) {
        if (c->slots[i].pid == 0) {
            c->slots[i].pid = (uint16_t) pmt_pid;
            c->slots[i].active = 0;
            ps->slot = (int16_t) i;
            break;
        }
    }
}


static void
tsc_pat(ts_check_t *c, const uint8_t *d, size_t n)
{
    size_t    i;
    unsigned  version, number, pid;

    if (!(d[5] & 0x01)) {
        return;                 /* not current yet */
    }

    version = (d[5] >> 1) & 0x1f;

    if (!c->pat_have || version != c->pat_version) {
        tsc_reset_programs(c);
        c->pat_have = 1;
        c->pat_version = version;
    }

    for (i = 8; i + 4 <= n - 4; i += 4) {
        number = ((unsigned) d[i] << 8) | d[i + 1];
        pid = ((unsigned) (d[i + 2] & 0x1f) << 8) | d[i + 3];

        if (number == 0 || pid == 0 || pid == TSC_NULL_PID) {
            continue;           /* the network PID, or nonsense */
        }

        tsc_add_program(c, number, pid);
    }
}


static tsc_type_t
tsc_classify(unsigned st, const uint8_t *desc, size_t len)
{
    size_t  i, dl;

    switch (st) {
    case 0x01: case 0x02: case 0x10: case 0x1b: case 0x20: case 0x24:
    case 0x33: case 0x42: case 0xd1: case 0xea:
        return TSC_TYPE_VIDEO;

    case 0x03: case 0x04: case 0x0f: case 0x11: case 0x1c: case 0x81:
    case 0x82: case 0x83: case 0x84: case 0x85: case 0x87:
        return TSC_TYPE_AUDIO;

    case 0x86:
        return TSC_TYPE_SCTE35;

    case 0x06:
        for (i = 0; i + 2 <= len; i += 2 + dl) {
            dl = desc[i + 1];
            if (i + 2 + dl > len) {
                break;
            }

            switch (desc[i]) {
            case 0x6a: case 0x7a: case 0x7b: case 0x7c:
                return TSC_TYPE_AUDIO;

            case 0x05:
                if (dl >= 4
                    && (memcmp(desc + i + 2, "Opus", 4) == 0
                        || memcmp(desc + i + 2, "AC-3", 4) == 0
                        || memcmp(desc + i + 2, "EAC3", 4) == 0))
                {
                    return TSC_TYPE_AUDIO;
                }
                break;

            default:
                break;
            }
        }
        return TSC_TYPE_PRIVATE;

    default:
        return TSC_TYPE_PRIVATE;
    }
}


static void
tsc_pmt(ts_check_t *c, unsigned pmt_pid, const uint8_t *d, size_t n)
{
    size_t          i, end, pil, esil;
    unsigned        number, k, epid;
    uint32_t        crc;
    tsc_pid_t      *ps;
    tsc_program_t  *pr;

    if (!(d[5] & 0x01)) {
        return;
    }

    number = ((unsigned) d[3] << 8) | d[4];
    pr = NULL;

    for (k = 0; k < c->nprograms; k++) {
        if (c->programs[k].number == number
            && c->programs[k].pmt_pid == pmt_pid)
        {
            pr = &c->programs[k];
            break;
        }
    }

    if (pr == NULL) {
        return;                 /* a program the PAT does not name */
    }

    crc = ((uint32_t) d[n - 4] << 24) | ((uint32_t) d[n - 3] << 16)
          | ((uint32_t) d[n - 2] << 8) | d[n - 1];

    if (pr->have_crc && pr->pmt_crc == crc) {
        return;                 /* unchanged */
    }

    pr->have_crc = 1;
    pr->pmt_crc = crc;

    /* 2: listed by the previous version, maybe not by this one */
    for (k = 0; k < TSC_NPIDS; k++) {
        ps = &c->pids[k];
        if (ps->is_es && ps->owner_pid == pmt_pid
            && ps->owner_prog == number)
        {
            ps->is_es = 2;
        }
    }

    end = n - 4;
    pil = ((size_t) (d[10] & 0x0f) << 8) | d[11];

    for (i = 12 + pil; i + 5 <= end; i += 5 + esil) {
        epid = ((unsigned) (d[i + 1] & 0x1f) << 8) | d[i + 2];
        esil = ((size_t) (d[i + 3] & 0x0f) << 8) | d[i + 4];

        if (i + 5 + esil > end) {
            break;
        }

        if (epid == 0 || epid == TSC_NULL_PID) {
            continue;
        }

        ps = &c->pids[epid];

        if (ps->is_es == 0) {
            ps->seen_t = c->now;
            ps->pid_flagged = 0;
        }

        ps->is_es = 1;
        ps->owner_pid = (uint16_t) pmt_pid;
        ps->owner_prog = (uint16_t) number;
        ps->stream_type = d[i];
        ps->type = (uint8_t) tsc_classify(d[i], d + i + 5, esil);
    }

    for (k = 0; k < TSC_NPIDS; k++) {
        if (c->pids[k].is_es == 2) {
            c->pids[k].is_es = 0;
        }
    }

    tsc_rebuild_watch(c);
}


/* the first byte of a section: presence and table_id checks */

static void
tsc_section_start(ts_check_t *c, unsigned pid, tsc_pid_t *ps, unsigned tid)
{
    if (pid == 0) {
        if (tid == 0x00) {
            c->pat_t = c->now;
            c->pat_flagged = 0;

        } else {
            tsc_event(c, TSC_PAT_ERROR, pid, "table_id 0x%02x on PID 0", tid);
        }

        return;
    }

    if (ps->is_pmt) {
        if (tid == 0x02) {
            ps->psi_t = c->now;
            ps->pmt_flagged = 0;

        } else {
            tsc_event(c, TSC_PMT_ERROR, pid,
                      "table_id 0x%02x on a PMT PID", tid);
        }
    }
}


static void
tsc_section_done(ts_check_t *c, tsc_slot_t *s)
{
    unsigned     tid;
    uint32_t     crc, want;
    const uint8_t *d;

    d = s->buf;
    tid = d[0];

    if (s->len < 12 || !(d[1] & 0x80)) {
        return;                 /* too short for a PAT/PMT, or no syntax */
    }

    if (ts_check_crc32(d, s->len) != 0) {
        want = ((uint32_t) d[s->len - 4] << 24)
               | ((uint32_t) d[s->len - 3] << 16)
               | ((uint32_t) d[s->len - 2] << 8) | d[s->len - 1];
        crc = ts_check_crc32(d, s->len - 4u);
        tsc_event(c, TSC_CRC_ERROR, s->pid,
                  "table_id 0x%02x: CRC 0x%08" PRIx32 ", computed 0x%08"
                  PRIx32, tid, want, crc);
        return;
    }

    if (s->pid == 0 && tid == 0x00) {
        tsc_pat(c, d, s->len);

    } else if (tid == 0x02 && c->pids[s->pid].is_pmt) {
        tsc_pmt(c, s->pid, d, s->len);
    }
}


/* appends to the section being assembled; returns the bytes used */

static size_t
tsc_section_append(ts_check_t *c, tsc_slot_t *s, const uint8_t *p, size_t n)
{
    size_t  want, take, used;

    used = 0;

    while (s->active && used < n) {
        want = (s->need ? s->need : 3) - s->len;
        take = n - used < want ? n - used : want;

        memcpy(s->buf + s->len, p + used, take);
        s->len = (uint16_t) (s->len + take);
        used += take;

        if (s->need == 0) {
            if (s->len < 3) {
                break;
            }

            s->need = (uint16_t) (3 + (((unsigned) (s->buf[1] & 0x0f) << 8)
                                       | s->buf[2]));

            if (s->need > TSC_SECTION_MAX || s->need < 3 + 5 + 4) {
                s->active = 0;          /* not a PAT/PMT section */
                return n;
            }

            continue;
        }

        if (s->len == s->need) {
            s->active = 0;
            tsc_section_done(c, s);
        }
    }

    return used;
}


static void
tsc_psi(ts_check_t *c, unsigned pid, tsc_pid_t *ps, const uint8_t *p,
    size_t n, int pusi)
{
    size_t       i, ptr;
    tsc_slot_t  *s;

    s = ps->slot >= 0 ? &c->slots[ps->slot] : NULL;

    if (!pusi) {
        if (s && s->active) {
            tsc_section_append(c, s, p, n);   /* then stuffing */
        }
        return;
    }

    ptr = p[0];

    if (ptr >= n) {
        if (s) {
            s->active = 0;
        }
        return;                 /* pointer_field past the packet */
    }

    if (s && s->active) {
        tsc_section_append(c, s, p + 1, ptr);
        s->active = 0;          /* it had to end there */
    }

    i = 1 + ptr;

    while (i < n && p[i] != 0xff) {
        tsc_section_start(c, pid, ps, p[i]);

        if (s == NULL) {
            break;              /* no buffer: header checks only */
        }

        s->active = 1;
        s->len = 0;
        s->need = 0;

        i += tsc_section_append(c, s, p + i, n - i);

        if (s->active) {
            break;              /* continues in the next packet */
        }
    }
}


/* PES: the PTS repetition of video and audio PIDs */

static void
tsc_pes(ts_check_t *c, unsigned pid, tsc_pid_t *ps, const uint8_t *d,
    size_t n)
{
    unsigned  sid;
    int64_t   gap;

    if (ps->type != TSC_TYPE_VIDEO && ps->type != TSC_TYPE_AUDIO) {
        return;
    }

    if (n < 14 || d[0] != 0 || d[1] != 0 || d[2] != 1) {
        return;
    }

    sid = d[3];

    if (sid == 0xbc || sid == 0xbe || sid == 0xbf || sid == 0xf0
        || sid == 0xf1 || sid == 0xf2 || sid == 0xf8 || sid == 0xff)
    {
        return;                 /* no optional PES header */
    }

    if ((d[6] & 0xc0) != 0x80 || !(d[7] & 0x80)) {
        return;                 /* no PTS */
    }

    if (ps->has_pts) {
        gap = c->now - ps->pts_t;

        if (gap > TSC_PTS_REP_US) {
            tsc_event(c, TSC_PTS_ERROR, pid, "no PTS for %.1f ms",
                      (double) gap / 1000.0);
        }
    }

    ps->pts_t = c->now;
    ps->has_pts = 1;
}


/* one packet, sync byte checked */

static void
tsc_packet(ts_check_t *c, const uint8_t *p, uint64_t off)
{
    int          di, has_pcr, status;
    size_t       af_len, pl_off, pl_len;
    int64_t      pcr, d, t, clk;
    unsigned     pid, pusi, sc, afc, cc, want;
    tsc_pid_t   *ps;

    c->cur_packet = c->packets++;
    c->cur_off = off;

    pid = ((unsigned) (p[1] & 0x1f) << 8) | p[2];
    pusi = p[1] & 0x40;
    sc = (p[3] >> 6) & 0x03;
    afc = (p[3] >> 4) & 0x03;
    cc = p[3] & 0x0f;
    ps = &c->pids[pid];

    di = 0;
    has_pcr = 0;
    pcr = 0;
    pl_len = 0;
    pl_off = TSC_PACKET;

    if (afc & 0x02) {
        af_len = p[4];

        if (af_len > 183 || (afc == 0x03 && af_len > 182)) {
            afc = 0x02;         /* malformed: no payload, AF clipped */
            af_len = 183;
        }

        if (af_len >= 1) {
            di = p[5] & 0x80;

            if ((p[5] & 0x10) && af_len >= 7) {
                has_pcr = 1;
                pcr = (((int64_t) p[6] << 25) | ((int64_t) p[7] << 17)
                       | ((int64_t) p[8] << 9) | ((int64_t) p[9] << 1)
                       | (p[10] >> 7)) * 300
                      + (((int64_t) (p[10] & 0x01) << 8) | p[11]);
            }
        }

        if (afc == 0x03) {
            pl_off = 5 + af_len;
        }

    } else if (afc == 0x01) {
        pl_off = 4;
    }

    if (pl_off < TSC_PACKET) {
        pl_len = TSC_PACKET - pl_off;
    }

    if (p[1] & 0x80) {
        has_pcr = 0;            /* nothing in it can be trusted */
    }

    /* time */

    if (!c->started) {
        c->clk_off = off;
        c->clk_t = 0;
        c->clk_rate = (double) c->opts.bitrate / 8.0;
    }

    if (has_pcr) {
        tsc_clk_pcr(c, pid, pcr, di, off);
    }

    clk = tsc_clk_at(c, off);
    t = clk / TSC_27MHZ_PER_US;
    if (t > c->stream_t) {
        c->stream_t = t;
    }

    if (c->opts.clock == TSC_CLOCK_ARRIVAL && c->have_arrival) {
        t = c->arrival - c->arrival0;
    } else {
        t = c->stream_t;
    }

    if (t > c->now) {
        c->now = t;
    }

    if (!c->started) {
        c->started = 1;
        c->pat_t = c->now;
        c->sweep_t = c->now;
    }

    if (p[1] & 0x80) {
        tsc_event(c, TSC_TRANSPORT_ERROR, pid, "transport_error_indicator");
        goto done;
    }

    ps->packets++;
    ps->seen_t = c->now;
    ps->pid_flagged = 0;

    /* continuity */

    status = TSC_CC_OK;

    if (pid != TSC_NULL_PID) {
        if (!ps->has_cc || di) {
            ps->has_cc = 1;

        } else if (!(afc & 0x01)) {
            /* no payload: the CC stays; a wrong one is an error, and the
             * next payload packet is still compared with the last one */
            status = TSC_CC_KEEP;

            if (cc != ps->cc) {
                ps->cc_errors++;
                tsc_event(c, TSC_CC_ERROR, pid,
                          "CC %u in a packet without payload, expected %u",
                          cc, ps->cc);
            }

        } else if (cc == ((ps->cc + 1u) & 0x0f)) {
            ps->dup = 0;

        } else if (cc == ps->cc) {
            status = TSC_CC_DUP;

            if (ps->dup < 255) {
                ps->dup++;
            }

            if (ps->dup >= 2) {
                ps->cc_errors++;
                tsc_event(c, TSC_CC_ERROR, pid,
                          "CC %u: packet repeated %u times", cc,
                          ps->dup + 1u);
            }

        } else {
            want = (ps->cc + 1u) & 0x0f;
            status = TSC_CC_LOST;
            ps->cc_errors++;
            tsc_event(c, TSC_CC_ERROR, pid,
                      "CC %u, expected %u (%u lost)",
                      cc, want, (cc - want) & 0x0f);
        }

        if (status == TSC_CC_OK || status == TSC_CC_LOST) {
            if (ps->cc != cc || di) {
                ps->dup = 0;
            }
            ps->cc = (uint8_t) cc;
        }

        if (status == TSC_CC_LOST && ps->slot >= 0) {
            c->slots[ps->slot].active = 0;
        }
    }

    /* scrambled tables */

    if (sc && pid == 0) {
        tsc_event(c, TSC_PAT_ERROR, pid, "scrambling_control %u on PID 0",
                  sc);

    } else if (sc && ps->is_pmt) {
        tsc_event(c, TSC_PMT_ERROR, pid,
                  "scrambling_control %u on a PMT PID", sc);
    }

    /* PCR */

    if (has_pcr) {
        if (ps->has_pcr && !di) {
            d = pcr - ps->pcr;
            if (d < 0) {
                d += TSC_PCR_MOD;
            }
            if (d > TSC_PCR_MOD / 2) {
                d -= TSC_PCR_MOD;               /* backwards */
            }

            if (d < 0 || d > (int64_t) TSC_PCR_DISC_US * TSC_27MHZ_PER_US) {
                tsc_event(c, TSC_PCR_DISCONTINUITY_ERROR, pid,
                          "PCR step %+.1f ms without discontinuity_indicator",
                          (double) d / 27000.0);
            }

            /* on the unclamped clock: exactly the PCR step on the
             * reference PID */
            if (clk - ps->pcr_t > (int64_t) TSC_PCR_REP_US * TSC_27MHZ_PER_US)
            {
                tsc_event(c, TSC_PCR_REPETITION_ERROR, pid,
                          "PCR interval %.1f ms",
                          (double) (clk - ps->pcr_t) / 27000.0);
            }
        }

        ps->pcr = pcr;
        ps->pcr_t = clk;
        ps->has_pcr = 1;

        if (ps->type == TSC_TYPE_NONE) {
            ps->type = TSC_TYPE_PCR;
        }
    }

    /* payload */

    if (status == TSC_CC_DUP || sc || pl_len == 0) {
        goto done;
    }

    if (pid == 0 || ps->is_pmt) {
        tsc_psi(c, pid, ps, p + pl_off, pl_len, pusi);

    } else if (ps->is_es && pusi) {
        tsc_pes(c, pid, ps, p + pl_off, pl_len);
    }

done:

    if (c->now - c->sweep_t >= TSC_SWEEP_US) {
        tsc_sweep(c);
    }
}


/* absence checks, once per gap */

static void
tsc_sweep(ts_check_t *c)
{
    unsigned    i;
    tsc_pid_t  *ps;

    c->sweep_t = c->now;

    if (!c->pat_flagged && c->now - c->pat_t > TSC_PAT_TIMEOUT_US) {
        c->pat_flagged = 1;
        tsc_event(c, TSC_PAT_ERROR, 0, "no PAT for more than 0.5 s "
                  "(last at %.3f s)", (double) c->pat_t / 1e6);
    }

    for (i = 0; i < c->nprograms; i++) {
        ps = &c->pids[c->programs[i].pmt_pid];

        if (ps->is_pmt && !ps->pmt_flagged
            && c->now - ps->psi_t > TSC_PMT_TIMEOUT_US)
        {
            ps->pmt_flagged = 1;
            tsc_event(c, TSC_PMT_ERROR, c->programs[i].pmt_pid,
                      "no PMT for more than 0.5 s (since %.3f s)",
                      (double) ps->psi_t / 1e6);
        }
    }

    for (i = 0; i < c->nwatch; i++) {
        ps = &c->pids[c->watch[i]];

        if (ps->is_es && !ps->pid_flagged
            && c->now - ps->seen_t > c->opts.pid_timeout_us)
        {
            ps->pid_flagged = 1;
            tsc_event(c, TSC_PID_ERROR, c->watch[i],
                      "PID listed in the PMT absent for more than %.1f s "
                      "(since %.3f s)", (double) c->opts.pid_timeout_us / 1e6,
                      (double) ps->seen_t / 1e6);
        }
    }
}


/* the byte layer */

static int
tsc_sync_at(const uint8_t *b, size_t len, size_t o, unsigned n)
{
    unsigned  k;

    for (k = 0; k < n; k++) {
        if (o + (size_t) k * TSC_PACKET >= len
            || b[o + (size_t) k * TSC_PACKET] != 0x47)
        {
            return 0;
        }
    }

    return 1;
}


static void
tsc_consume(ts_check_t *c, int final)
{
    size_t          pos, o, n;
    const uint8_t  *p;

    pos = 0;

    for ( ;; ) {

        if (c->synced) {
            if (c->blen - pos < TSC_PACKET) {
                break;
            }

            p = c->buf + pos;

            if (p[0] == 0x47) {
                c->bad_sync = 0;
                tsc_packet(c, p, c->buf_off + pos);
                pos += TSC_PACKET;
                continue;
            }

            c->cur_packet = c->packets++;
            c->cur_off = c->buf_off + pos;
            c->bad_sync++;
            tsc_event(c, TSC_SYNC_BYTE_ERROR, TSC_NO_PID,
                      "sync byte 0x%02x", p[0]);

            if (c->bad_sync >= TSC_SYNC_LOSE) {
                tsc_event(c, TSC_TS_SYNC_LOSS, TSC_NO_PID,
                          "%u bad sync bytes in a row", c->bad_sync);
                c->synced = 0;
                c->bad_sync = 0;
                continue;       /* hunt from this packet on */
            }

            pos += TSC_PACKET;  /* not parsed: counts as lost */
            continue;
        }

        /* hunting */

        for (o = pos;
             o + (TSC_SYNC_ACQUIRE - 1) * TSC_PACKET < c->blen;
             o++)
        {
            if (tsc_sync_at(c->buf, c->blen, o, TSC_SYNC_ACQUIRE)) {
                c->synced = 1;
                break;
            }
        }

        if (!c->synced && final) {
            /* the end of the input: fewer packets will do */
            for (o = pos; o + TSC_PACKET <= c->blen; o++) {
                n = (c->blen - o) / TSC_PACKET;
                if (n < TSC_SYNC_ACQUIRE
                    && tsc_sync_at(c->buf, c->blen, o, (unsigned) n))
                {
                    c->synced = 1;
                    break;
                }
            }
        }

        c->skipped += o - pos;
        pos = o;

        if (!c->synced) {
            break;
        }

        c->ever_synced = 1;
        c->bad_sync = 0;
    }

    if (pos > 0) {
        memmove(c->buf, c->buf + pos, c->blen - pos);
        c->blen -= pos;
        c->buf_off += pos;
    }
}


void
ts_check_feed(ts_check_t *c, const uint8_t *data, size_t len,
    int64_t arrival_us)
{
    size_t  n;

    if (c->finished || len == 0) {
        return;
    }

    if (arrival_us >= 0) {
        if (!c->have_arrival) {
            c->have_arrival = 1;
            c->arrival0 = arrival_us;
        }
        if (arrival_us > c->arrival) {
            c->arrival = arrival_us;
        }
    }

    while (len > 0) {
        n = TSC_BUF - c->blen;
        if (n > len) {
            n = len;
        }

        memcpy(c->buf + c->blen, data, n);
        c->blen += n;
        c->bytes += n;
        data += n;
        len -= n;

        tsc_consume(c, 0);
    }
}


void
ts_check_tick(ts_check_t *c, int64_t arrival_us)
{
    int64_t  t;

    if (c->finished || c->opts.clock != TSC_CLOCK_ARRIVAL
        || !c->have_arrival || !c->started)
    {
        return;
    }

    if (arrival_us > c->arrival) {
        c->arrival = arrival_us;
    }

    t = c->arrival - c->arrival0;
    if (t > c->now) {
        c->now = t;
    }

    if (c->now - c->sweep_t >= TSC_SWEEP_US) {
        c->cur_packet = c->packets ? c->packets - 1 : 0;
        tsc_sweep(c);
    }
}


void
ts_check_finish(ts_check_t *c)
{
    int64_t  t;

    if (c->finished) {
        return;
    }

    tsc_consume(c, 1);
    c->skipped += c->blen;
    c->buf_off += c->blen;
    c->blen = 0;
    c->finished = 1;

    c->cur_packet = c->packets ? c->packets - 1 : 0;
    c->cur_off = c->buf_off;

    if (!c->ever_synced && c->bytes > 0) {
        tsc_event(c, TSC_TS_SYNC_LOSS, TSC_NO_PID,
                  "no sync found in %" PRIu64 " bytes", c->bytes);
    }

    if (!c->started) {
        return;
    }

    if (c->opts.clock == TSC_CLOCK_ARRIVAL && c->have_arrival) {
        t = c->arrival - c->arrival0;
        if (t > c->now) {
            c->now = t;
        }
    }

    tsc_sweep(c);
}


/* accessors */

uint64_t
ts_check_count(const ts_check_t *c, tsc_indicator_t ind)
{
    return (unsigned) ind < TSC_NIND ? c->counts[ind] : 0;
}


uint64_t
ts_check_priority1(const ts_check_t *c)
{
    unsigned  i;
    uint64_t  n;

    n = 0;
    for (i = 0; i < TSC_FIRST_P2; i++) {
        n += c->counts[i];
    }

    return n;
}


uint64_t
ts_check_priority2(const ts_check_t *c)
{
    unsigned  i;
    uint64_t  n;

    n = 0;
    for (i = TSC_FIRST_P2; i < TSC_NIND; i++) {
        n += c->counts[i];
    }

    return n;
}


uint64_t
ts_check_packets(const ts_check_t *c)
{
    return c->packets;
}


int64_t
ts_check_now_us(const ts_check_t *c)
{
    return c->now;
}


int64_t
ts_check_duration_us(const ts_check_t *c)
{
    if (c->opts.clock == TSC_CLOCK_ARRIVAL && c->have_arrival) {
        return c->arrival - c->arrival0;
    }

    return c->stream_t;
}


const char *
ts_check_clock_name(const ts_check_t *c)
{
    if (c->opts.clock == TSC_CLOCK_ARRIVAL) {
        return "arrival";
    }

    if (c->ref_pid >= 0) {
        return "pcr";
    }

    return c->opts.bitrate ? "bitrate" : "none";
}


const tsc_event_t *
ts_check_events(const ts_check_t *c, unsigned *n)
{
    *n = c->nevents;
    return c->events;
}


const tsc_pid_t *
ts_check_pid(const ts_check_t *c, unsigned pid)
{
    return pid < TSC_NPIDS ? &c->pids[pid] : NULL;
}


const char *
ts_check_indicator_name(tsc_indicator_t ind)
{
    return (unsigned) ind < TSC_NIND ? tsc_names[ind] : "?";
}


const char *
ts_check_indicator_number(tsc_indicator_t ind)
{
    return (unsigned) ind < TSC_NIND ? tsc_numbers[ind] : "?";
}


const char *
ts_check_type_name(tsc_type_t type)
{
    return (unsigned) type < sizeof(tsc_type_names) / sizeof(char *)
           ? tsc_type_names[type] : "?";
}


/* reports */

static int
tsc_pid_listed(const tsc_pid_t *ps)
{
    return ps->packets || ps->is_es || ps->is_pmt;
}


static void
tsc_json_string(FILE *f, const char *s)
{
    fputc('"', f);

    for ( ; *s; s++) {
        if (*s == '"' || *s == '\\') {
            fputc('\\', f);
            fputc(*s, f);

        } else if ((unsigned char) *s < 0x20) {
            fprintf(f, "\\u%04x", (unsigned char) *s);

        } else {
            fputc(*s, f);
        }
    }

    fputc('"', f);
}


static void
tsc_json_event(FILE *f, const tsc_event_t *e)
{
    fputs("{\"indicator\":", f);
    tsc_json_string(f, tsc_names[e->ind]);

    if (e->pid == TSC_NO_PID) {
        fputs(",\"pid\":null", f);
    } else {
        fprintf(f, ",\"pid\":%u", e->pid);
    }

    fprintf(f, ",\"packet\":%" PRIu64 ",\"offset\":%" PRIu64
            ",\"time_s\":%.3f,\"detail\":", e->packet, e->offset,
            (double) e->time_us / 1e6);
    tsc_json_string(f, e->detail);
    fputc('}', f);
}


void
ts_check_print_json(const ts_check_t *c, FILE *f)
{
    unsigned          i, first;
    const tsc_pid_t  *ps;

    fprintf(f, "{\"packets\":%" PRIu64 ",\"bytes\":%" PRIu64
            ",\"skipped_bytes\":%" PRIu64 ",\"duration_s\":%.3f,\"clock\":",
            c->packets, c->bytes, c->skipped,
            (double) ts_check_duration_us(c) / 1e6);
    tsc_json_string(f, ts_check_clock_name(c));

    if (c->ref_pid >= 0) {
        fprintf(f, ",\"pcr_pid\":%d", c->ref_pid);
    } else {
        fputs(",\"pcr_pid\":null", f);
    }

    fputs(",\"priority1\":{", f);
    for (i = 0; i < TSC_FIRST_P2; i++) {
        fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", tsc_names[i],
                c->counts[i]);
    }

    fputs("},\"priority2\":{", f);
    for (i = TSC_FIRST_P2; i < TSC_NIND; i++) {
        fprintf(f, "%s\"%s\":%" PRIu64, i > TSC_FIRST_P2 ? "," : "",
                tsc_names[i], c->counts[i]);
    }

    fputs("},\"pids\":{", f);
    first = 1;
    for (i = 0; i < TSC_NPIDS; i++) {
        ps = &c->pids[i];
        if (!tsc_pid_listed(ps)) {
            continue;
        }

        fprintf(f, "%s\"%u\":{\"packets\":%" PRIu64 ",\"cc_errors\":%"
                PRIu64 ",\"type\":", first ? "" : ",", i, ps->packets,
                ps->cc_errors);
        tsc_json_string(f, tsc_type_names[ps->type]);

        if (ps->is_es) {
            fprintf(f, ",\"stream_type\":%u", ps->stream_type);
        }

        fputc('}', f);
        first = 0;
    }

    fputs("},\"errors\":[", f);
    for (i = 0; i < c->nevents; i++) {
        if (i) {
            fputc(',', f);
        }
        tsc_json_event(f, &c->events[i]);
    }

    fputs("]}\n", f);
}


static void
tsc_text_event(FILE *f, const tsc_event_t *e)
{
    fprintf(f, "      packet %" PRIu64 " (offset %" PRIu64 ", %.3f s)",
            e->packet, e->offset, (double) e->time_us / 1e6);

    if (e->pid != TSC_NO_PID) {
        fprintf(f, " PID 0x%04x (%u)", e->pid, e->pid);
    }

    fprintf(f, ": %s\n", e->detail);
}


void
ts_check_print_text(const ts_check_t *c, FILE *f)
{
    unsigned          i, k;
    uint64_t          p1;
    const tsc_pid_t  *ps;

    fprintf(f, "packets      %" PRIu64 " (%" PRIu64 " bytes, %" PRIu64
            " outside sync)\n", c->packets, c->bytes, c->skipped);
    fprintf(f, "duration     %.3f s (clock: %s",
            (double) ts_check_duration_us(c) / 1e6, ts_check_clock_name(c));
    if (c->ref_pid >= 0) {
        fprintf(f, ", PCR PID 0x%04x", (unsigned) c->ref_pid);
    }
    fputs(")\n", f);

    if (c->opts.clock == TSC_CLOCK_STREAM && c->ref_pid < 0
        && c->opts.bitrate == 0 && c->packets)
    {
        fputs("note         no PCR and no -b: the time-based checks saw no "
              "time pass\n", f);
    }

    for (i = 0; i < TSC_NIND; i++) {
        if (i == 0) {
            fputs("\npriority 1\n", f);
        } else if (i == TSC_FIRST_P2) {
            fputs("priority 2\n", f);
        }

        fprintf(f, "  %-4s %-36s %10" PRIu64 "\n", tsc_numbers[i],
                tsc_names[i], c->counts[i]);

        for (k = 0; k < c->nfirst[i]; k++) {
            tsc_text_event(f, &c->first[i][k]);
        }

        if (c->counts[i] > c->nfirst[i]) {
            fprintf(f, "      ... %" PRIu64 " more\n",
                    c->counts[i] - c->nfirst[i]);
        }
    }

    fputs("\nPID             type            packets  cc_errors\n", f);
    for (i = 0; i < TSC_NPIDS; i++) {
        ps = &c->pids[i];
        if (!tsc_pid_listed(ps)) {
            continue;
        }

        fprintf(f, "0x%04x %5u   %-12s %10" PRIu64 " %10" PRIu64, i, i,
                tsc_type_names[ps->type], ps->packets, ps->cc_errors);
        if (ps->is_es) {
            fprintf(f, "   stream_type 0x%02x", ps->stream_type);
        }
        fputc('\n', f);
    }

    p1 = ts_check_priority1(c);
    fprintf(f, "\nresult       %s (%" PRIu64 " priority 1, %" PRIu64
            " priority 2)\n", p1 ? "PRIORITY 1 ERRORS" : "OK", p1,
            ts_check_priority2(c));
}
