/*
 * Input switching without breaking receivers: see srt_join.h.
 */

#include <string.h>

#include "srt_join.h"
#include "srt_ts.h"


#define SRT_JOIN_TS_MASK     ((1ULL << 33) - 1)
#define SRT_JOIN_NO_PCR      0x1fff
#define SRT_JOIN_FREE_TOP    0x1f00      /* PIDs handed out downwards */


static size_t srt_join_watch(srt_join_t *j, const uint8_t *pkt,
    uint16_t pid, uint8_t *out);
static size_t srt_join_psi(srt_join_t *j, const uint8_t *pkt,
    srt_join_section_t *sec, int is_pat, uint8_t *out);
static size_t srt_join_feed(srt_join_section_t *sec, const uint8_t *p,
    size_t n, int *complete);
static size_t srt_join_section(srt_join_t *j, const uint8_t *s, size_t len,
    int is_pat, uint8_t *out);
static int srt_join_parse_pat(const uint8_t *s, size_t len,
    srt_join_layout_t *l);
static int srt_join_parse_pmt(const uint8_t *s, size_t len,
    srt_join_layout_t *l);
static void srt_join_remember(uint8_t *body, size_t *body_len,
    uint8_t *version, const uint8_t *s, size_t len);
static void srt_join_map(srt_join_t *j);
static uint16_t srt_join_free_pid(srt_join_t *j);
static int srt_join_route_pid(const srt_join_t *j, uint16_t pid);
static size_t srt_join_route_pat(srt_join_t *j, uint8_t *out);
static size_t srt_join_route_pmt(srt_join_t *j, const uint8_t *s, size_t len,
    uint8_t *out);
static size_t srt_join_send_section(srt_join_t *j, uint16_t pid,
    uint8_t *sec, size_t len, uint8_t *body, size_t *body_len,
    uint8_t *version, uint8_t *out);
static size_t srt_join_emit(srt_join_t *j, uint8_t *pkt, int own,
    uint8_t *out);
static void srt_join_timestamps(srt_join_t *j, uint8_t *pkt, uint16_t pid,
    int rewrite);
static void srt_join_ts_put(uint8_t *p, uint64_t ts);
static uint64_t srt_join_shift(srt_join_t *j, uint64_t ts, uint64_t last,
    uint64_t last_ms, unsigned have);
static void srt_join_scte35(srt_join_t *j, uint8_t *pkt);
static const uint8_t *srt_join_payload(const uint8_t *pkt, size_t *n);


#define srt_join_bit(map, pid)     ((map)[(pid) >> 3] & (1 << ((pid) & 7)))
#define srt_join_set(map, pid)     (map)[(pid) >> 3] |= (1 << ((pid) & 7))


void
srt_join_init(srt_join_t *j, int rebase)
{
    memset(j, 0, sizeof(srt_join_t));
    j->rebase = rebase ? 1 : 0;
}


void
srt_join_time(srt_join_t *j, uint64_t now_ms)
{
    j->now_ms = now_ms;
}


void
srt_join_switch(srt_join_t *j)
{
    j->joined = 1;
    j->ready = 0;
    j->have_in_pat = 0;
    j->ts_off_known = 0;
    j->ts_off = 0;
    j->pat.active = 0;
    j->pmt.active = 0;
    memset(j->done, 0, sizeof(j->done));
    j->switches++;
}


size_t
srt_join_packet(srt_join_t *j, const uint8_t *pkt, uint8_t *out)
{
    uint8_t   buf[SRT_JOIN_TS];
    uint16_t  pid, to;

    pid = ((pkt[1] & 0x1f) << 8) | pkt[2];

    if (!j->joined) {
        return srt_join_watch(j, pkt, pid, out);
    }

    if (pid == SRT_TS_NULL_PID) {
        memcpy(out, pkt, SRT_JOIN_TS);
        return 1;
    }

    if (pkt[1] & 0x80) {
        /* transport_error_indicator: the PID itself may be wrong */
        j->dropped++;
        return 0;
    }

    if (pid == 0) {
        return srt_join_psi(j, pkt, &j->pat, 1, out);
    }

    if (j->have_in_pat && pid == j->in.pmt_pid) {
        return srt_join_psi(j, pkt, &j->pmt, 0, out);
    }

    if (!j->ready) {
        j->dropped++;
        return 0;
    }

    if (j->map[pid]) {
        to = j->map[pid] - 1;

    } else if (srt_join_bit(j->taken, pid) || pid == j->route.pmt_pid) {
        j->dropped++;                 /* a mapped stream has this PID now */
        return 0;

    } else {
        to = pid;
    }

    memcpy(buf, pkt, SRT_JOIN_TS);

    if (to != pid) {
        buf[1] = (buf[1] & 0xe0) | (to >> 8);
        buf[2] = to & 0xff;
        j->remapped++;
    }

    srt_join_timestamps(j, buf, to, j->rebase);

    return srt_join_emit(j, buf, 0, out);
}


/* before the first switch: byte-exact, but learn the layout and the clock */

static size_t
srt_join_watch(srt_join_t *j, const uint8_t *pkt, uint16_t pid, uint8_t *out)
{
    memcpy(out, pkt, SRT_JOIN_TS);

    if (pid == SRT_TS_NULL_PID || (pkt[1] & 0x80)) {
        return 1;
    }

    if (pid == 0) {
        (void) srt_join_psi(j, pkt, &j->pat, 1, NULL);

    } else if (j->have_in_pat && pid == j->in.pmt_pid) {
        (void) srt_join_psi(j, pkt, &j->pmt, 0, NULL);
    }

    j->cc[pid] = 0x10 | (pkt[3] & 0x0f);

    srt_join_timestamps(j, out, pid, 0);

    return 1;
}


/*
 * Reassembles the sections of one PSI PID; each complete one is handled by
 * srt_join_section().  out == NULL: watching, nothing is written.  Only
 * the first section of a packet may write packets, which bounds the
 * output at SRT_JOIN_MAX_OUT.
 */

static size_t
srt_join_psi(srt_join_t *j, const uint8_t *pkt, srt_join_section_t *sec,
    int is_pat, uint8_t *out)
{
    int             complete;
    size_t          n, k, total;
    const uint8_t  *p;

    p = srt_join_payload(pkt, &n);

    if (p == NULL) {
        return 0;
    }

    total = 0;

    if (!(pkt[1] & 0x40)) {
        if (sec->active) {
            (void) srt_join_feed(sec, p, n, &complete);

            if (complete) {
                total = srt_join_section(j, sec->buf, sec->len, is_pat, out);
            }
        }

        return total;
    }

    k = p[0];

    if (k + 1 > n) {
        sec->active = 0;
        return 0;
    }

    /* the end of a section in progress, then new ones */

    if (sec->active) {
        (void) srt_join_feed(sec, p + 1, k, &complete);

        if (complete) {
            total = srt_join_section(j, sec->buf, sec->len, is_pat, out);
        }
    }

    p += 1 + k;
    n -= 1 + k;

    while (n > 0 && p[0] != 0xff) {
        sec->active = 1;
        sec->len = 0;
        sec->size = 0;

        k = srt_join_feed(sec, p, n, &complete);

        if (!complete) {
            break;
        }

        p += k;
        n -= k;

        if (total == 0 || out == NULL) {
            total = srt_join_section(j, sec->buf, sec->len, is_pat, out);
        }
    }

    return total;
}


/* appends to a section: returns the bytes used; *complete when it ends */

static size_t
srt_join_feed(srt_join_section_t *sec, const uint8_t *p, size_t n,
    int *complete)
{
    size_t  take;

    *complete = 0;

    if (sec->len < 3) {
        take = 3 - sec->len < n ? 3 - sec->len : n;
        memcpy(sec->buf + sec->len, p, take);
        sec->len += take;

        if (sec->len < 3) {
            return take;
        }

        sec->size = 3 + (((sec->buf[1] & 0x0f) << 8) | sec->buf[2]);

        if (sec->size > SRT_JOIN_SECTION_MAX || sec->size < 12) {
            sec->active = 0;
            return n;
        }

        p += take;
        n -= take;

    } else {
        take = 0;
    }

    if (n > sec->size - sec->len) {
        n = sec->size - sec->len;
    }

    memcpy(sec->buf + sec->len, p, n);
    sec->len += n;

    if (sec->len == sec->size) {
        sec->active = 0;
        *complete = 1;
    }

    return take + n;
}


static size_t
srt_join_section(srt_join_t *j, const uint8_t *s, size_t len, int is_pat,
    uint8_t *out)
{
    size_t  n;

    if (srt_ts_crc32(s, len) != 0) {
        return 0;
    }

    if (is_pat) {
        if (s[0] != 0x00 || srt_join_parse_pat(s, len, &j->in) != 0) {
            return 0;
        }

        j->have_in_pat = 1;

        if (!j->joined) {
            srt_join_remember(j->pat_body, &j->pat_body_len, &j->pat_version,
                              s, len);
            return 0;
        }

        return j->ready ? srt_join_route_pat(j, out) : 0;
    }

    /* the first program's PMT only */
    if (s[0] != 0x02
        || (((uint16_t) s[3] << 8) | s[4]) != j->in.program_number
        || srt_join_parse_pmt(s, len, &j->in) != 0)
    {
        return 0;
    }

    if (!j->joined) {
        j->route = j->in;
        j->have_route = 1;
        srt_join_remember(j->pmt_body, &j->pmt_body_len, &j->pmt_version,
                          s, len);
        return 0;
    }

    if (!j->have_route) {
        /* nothing went out before the switch: this input is the route */
        j->route = j->in;
        j->have_route = 1;
    }

    srt_join_map(j);

    n = 0;

    if (!j->ready) {
        /* receivers get the new tables at once */
        j->ready = 1;
        n = srt_join_route_pat(j, out);
    }

    return n + srt_join_route_pmt(j, s, len, out + n * SRT_JOIN_TS);
}


static int
srt_join_parse_pat(const uint8_t *s, size_t len, srt_join_layout_t *l)
{
    size_t    i;
    uint16_t  program;

    l->tsid = ((uint16_t) s[3] << 8) | s[4];

    for (i = 8; i + 4 <= len - 4; i += 4) {
        program = ((uint16_t) s[i] << 8) | s[i + 1];

        if (program != 0) {
            l->program_number = program;
            l->pmt_pid = ((s[i + 2] & 0x1f) << 8) | s[i + 3];
            return 0;
        }
    }

    return -1;
}


static int
srt_join_parse_pmt(const uint8_t *s, size_t len, srt_join_layout_t *l)
{
    size_t         i, info, end;
    srt_join_es_t  *es;

    if (len < 16) {
        return -1;
    }

    end = len - 4;
    l->pcr_pid = ((s[8] & 0x1f) << 8) | s[9];
    info = ((s[10] & 0x0f) << 8) | s[11];

    if (12 + info > end) {
        return -1;
    }

    l->nes = 0;

    for (i = 12 + info; i + 5 <= end; i += 5 + info) {
        info = ((s[i + 3] & 0x0f) << 8) | s[i + 4];

        if (i + 5 + info > end) {
            return -1;
        }

        if (l->nes == SRT_JOIN_MAX_ES) {
            continue;
        }

        es = &l->es[l->nes++];
        es->type = s[i];
        es->pid = ((s[i + 1] & 0x1f) << 8) | s[i + 2];
        es->kind = srt_join_kind(s[i], s + i + 5, info);
    }

    return 0;
}


int
srt_join_kind(uint8_t type, const uint8_t *d, size_t len)
{
    size_t  i;

    switch (type) {
    case 0x01:  /* MPEG-1 video */
    case 0x02:  /* MPEG-2 video */
    case 0x10:  /* MPEG-4 part 2 */
    case 0x1b:  /* H.264 */
    case 0x24:  /* H.265 */
    case 0x42:  /* AVS */
    case 0xd1:  /* Dirac */
    case 0xea:  /* VC-1 */
        return SRT_JOIN_VIDEO;

    case 0x03:  /* MPEG-1 audio */
    case 0x04:  /* MPEG-2 audio */
    case 0x0f:  /* AAC, ADTS */
    case 0x11:  /* AAC, LATM */
    case 0x81:  /* AC-3 (ATSC) */
    case 0x87:  /* E-AC-3 (ATSC) */
        return SRT_JOIN_AUDIO;

    case 0x86:
        return SRT_JOIN_SCTE35;

    case 0x06:
        /* DVB: AC-3, E-AC-3 or AAC descriptor on private data */
        for (i = 0; i + 2 <= len; i += 2 + d[i + 1]) {
            if (d[i] == 0x6a || d[i] == 0x7a || d[i] == 0x7c) {
                return SRT_JOIN_AUDIO;
            }
        }

        return SRT_JOIN_OTHER;
    }

    return SRT_JOIN_OTHER;
}


/* what receivers have: the section without version and CRC */

static void
srt_join_remember(uint8_t *body, size_t *body_len, uint8_t *version,
    const uint8_t *s, size_t len)
{
    *version = (s[5] >> 1) & 0x1f;
    *body_len = len - 4;
    memcpy(body, s, len - 4);
    body[5] &= 0xc1;
}


/* the current input's PIDs onto the route's */

static void
srt_join_map(srt_join_t *j)
{
    unsigned        i, r, used[SRT_JOIN_MAX_ES];
    uint16_t        to, pcr;
    srt_join_es_t  *es;

    memset(j->map, 0, sizeof(j->map));
    memset(j->taken, 0, sizeof(j->taken));
    memset(used, 0, sizeof(used));

    srt_join_set(j->taken, j->route.pmt_pid);
    j->map[j->in.pmt_pid] = j->route.pmt_pid + 1;

    /* the n-th stream of a kind takes the n-th of the route's */

    for (i = 0; i < j->in.nes; i++) {
        es = &j->in.es[i];

        if (es->kind == SRT_JOIN_OTHER || j->map[es->pid]) {
            continue;
        }

        for (r = 0; r < j->route.nes; r++) {
            if (j->route.es[r].kind == es->kind && !used[r]) {
                break;
            }
        }

        if (r == j->route.nes || srt_join_bit(j->taken, j->route.es[r].pid)) {
            continue;
        }

        used[r] = 1;
        to = j->route.es[r].pid;
        j->map[es->pid] = to + 1;
        j->kind[to] = es->kind;
        srt_join_set(j->taken, to);
    }

    /* the others keep their PID if it is free */

    for (i = 0; i < j->in.nes; i++) {
        es = &j->in.es[i];

        if (j->map[es->pid]) {
            continue;
        }

        to = es->pid;

        if (srt_join_bit(j->taken, to) || srt_join_route_pid(j, to)) {
            to = srt_join_free_pid(j);
        }

        j->map[es->pid] = to + 1;
        j->kind[to] = es->kind;
        srt_join_set(j->taken, to);
    }

    pcr = j->in.pcr_pid;

    if (pcr != SRT_JOIN_NO_PCR && !j->map[pcr]) {
        /* a PCR-only PID */
        to = j->route.pcr_pid;

        if (to == SRT_JOIN_NO_PCR || srt_join_bit(j->taken, to)) {
            to = srt_join_free_pid(j);
        }

        j->map[pcr] = to + 1;
        j->kind[to] = SRT_JOIN_OTHER;
        srt_join_set(j->taken, to);
    }
}


static uint16_t
srt_join_free_pid(srt_join_t *j)
{
    uint16_t  pid;

    for (pid = SRT_JOIN_FREE_TOP; pid > 0x20; pid--) {
        if (!srt_join_bit(j->taken, pid) && !srt_join_route_pid(j, pid)
            && j->map[pid] == 0)
        {
            return pid;
        }
    }

    return SRT_JOIN_FREE_TOP;
}


static int
srt_join_route_pid(const srt_join_t *j, uint16_t pid)
{
    unsigned  i;

    if (pid == j->route.pmt_pid || pid == j->route.pcr_pid) {
        return 1;
    }

    for (i = 0; i < j->route.nes; i++) {
        if (j->route.es[i].pid == pid) {
            return 1;
        }
    }

    return 0;
}


static size_t
srt_join_route_pat(srt_join_t *j, uint8_t *out)
{
    uint8_t   s[16];

    s[0] = 0x00;
    s[1] = 0xb0;
    s[2] = 13;
    s[3] = j->route.tsid >> 8;
    s[4] = j->route.tsid & 0xff;
    s[5] = 0xc1;
    s[6] = 0;
    s[7] = 0;
    s[8] = j->route.program_number >> 8;
    s[9] = j->route.program_number & 0xff;
    s[10] = 0xe0 | (j->route.pmt_pid >> 8);
    s[11] = j->route.pmt_pid & 0xff;

    return srt_join_send_section(j, 0, s, 16, j->pat_body, &j->pat_body_len,
                                 &j->pat_version, out);
}


/* the input's PMT with the route's program number and PIDs */

static size_t
srt_join_route_pmt(srt_join_t *j, const uint8_t *s, size_t len, uint8_t *out)
{
    size_t    i, info, end, o;
    uint8_t   r[SRT_JOIN_SECTION_MAX];
    uint16_t  pid, pcr;

    end = len - 4;
    pcr = ((s[8] & 0x1f) << 8) | s[9];

    if (pcr != SRT_JOIN_NO_PCR && j->map[pcr]) {
        pcr = j->map[pcr] - 1;
    }

    info = ((s[10] & 0x0f) << 8) | s[11];

    memcpy(r, s, 12 + info);
    r[3] = j->route.program_number >> 8;
    r[4] = j->route.program_number & 0xff;
    r[5] = 0xc1;
    r[6] = 0;
    r[7] = 0;
    r[8] = 0xe0 | (pcr >> 8);
    r[9] = pcr & 0xff;
    o = 12 + info;

    for (i = 12 + info; i + 5 <= end; i += 5 + info) {
        info = ((s[i + 3] & 0x0f) << 8) | s[i + 4];
        pid = ((s[i + 1] & 0x1f) << 8) | s[i + 2];

        if (j->map[pid]) {
            pid = j->map[pid] - 1;
        }

        memcpy(r + o, s + i, 5 + info);
        r[o + 1] = 0xe0 | (pid >> 8);
        r[o + 2] = pid & 0xff;
        o += 5 + info;
    }

    /* same length as the input's: parse_pmt checked every entry fits */
    return srt_join_send_section(j, j->route.pmt_pid, r, o + 4, j->pmt_body,
                                 &j->pmt_body_len, &j->pmt_version, out);
}


/*
 * Versions the section against what receivers last got, adds the CRC and
 * sends it in packets of its own on pid.
 */

static size_t
srt_join_send_section(srt_join_t *j, uint16_t pid, uint8_t *sec, size_t len,
    uint8_t *body, size_t *body_len, uint8_t *version, uint8_t *out)
{
    size_t    n, off, take;
    uint8_t   pkt[SRT_JOIN_TS];
    uint32_t  crc;

    sec[1] = (sec[1] & 0xf0) | (((len - 3) >> 8) & 0x0f);
    sec[2] = (len - 3) & 0xff;

    if (*body_len != len - 4 || memcmp(body, sec, len - 4) != 0) {
        if (*body_len) {
            *version = (*version + 1) & 0x1f;
            j->psi_versions++;
        }

        memcpy(body, sec, len - 4);
        *body_len = len - 4;
    }

    sec[5] = 0xc1 | (*version << 1);

    crc = srt_ts_crc32(sec, len - 4);
    sec[len - 4] = crc >> 24;
    sec[len - 3] = crc >> 16;
    sec[len - 2] = crc >> 8;
    sec[len - 1] = crc;

    for (n = 0, off = 0; off < len; ) {
        memset(pkt, 0xff, SRT_JOIN_TS);
        pkt[0] = 0x47;
        pkt[1] = (off == 0 ? 0x40 : 0) | (pid >> 8);
        pkt[2] = pid & 0xff;
        pkt[3] = 0x10;

        if (off == 0) {
            pkt[4] = 0;
            take = len < 183 ? len : 183;
            memcpy(pkt + 5, sec, take);

        } else {
            take = len - off < 184 ? len - off : 184;
            memcpy(pkt + 4, sec + off, take);
        }

        off += take;
        n += srt_join_emit(j, pkt, 1, out + n * SRT_JOIN_TS);
    }

    return n;
}


/*
 * Writes one output packet: continuity counter, and the discontinuity
 * indicator on the first packet of a PID after a switch.  own: the joiner
 * made the packet (PSI) and counts on its own.
 */

static size_t
srt_join_emit(srt_join_t *j, uint8_t *pkt, int own, uint8_t *out)
{
    size_t    n;
    uint8_t   cc, last, payload;
    uint16_t  pid;

    pid = ((pkt[1] & 0x1f) << 8) | pkt[2];
    payload = (pkt[3] >> 4) & 1;
    cc = pkt[3] & 0x0f;
    last = j->cc[pid] & 0x0f;
    n = 0;

    if (!srt_join_bit(j->done, pid)) {
        srt_join_set(j->done, pid);
        j->cc_off[pid] = 0;

        if (j->cc[pid] & 0x10) {
            j->cc_off[pid] = (uint8_t) (last + payload - cc) & 0x0f;

            if ((pkt[3] & 0x20) && pkt[4] >= 1) {
                pkt[5] |= 0x80;

            } else {
                /* adaptation only: does not advance the counter */
                memset(out, 0xff, SRT_JOIN_TS);
                out[0] = 0x47;
                out[1] = pid >> 8;
                out[2] = pid & 0xff;
                out[3] = 0x20 | last;
                out[4] = 183;
                out[5] = 0x80;
                n = 1;
                j->di_packets++;
            }
        }
    }

    if (own) {
        cc = (j->cc[pid] & 0x10) ? (uint8_t) (last + payload) & 0x0f : 0;

    } else {
        cc = (cc + j->cc_off[pid]) & 0x0f;
    }

    pkt[3] = (pkt[3] & 0xf0) | cc;
    j->cc[pid] = 0x10 | cc;

    memcpy(out + n * SRT_JOIN_TS, pkt, SRT_JOIN_TS);

    return n + 1;
}


/*
 * PCR, PTS and DTS: shifted by the input's offset when rewrite is set
 * (found from the first timestamp after a switch), and remembered as the
 * output's latest.
 */

static void
srt_join_timestamps(srt_join_t *j, uint8_t *pkt, uint16_t pid, int rewrite)
{
    size_t    n, af;
    uint8_t  *p, flags;
    uint64_t  base, ts;

    af = 0;

    if ((pkt[3] & 0x20) && pkt[4] > 0) {
        af = 1 + pkt[4];

        if (af <= 184 && pkt[4] >= 7 && (pkt[5] & 0x10)) {
            p = pkt + 6;
            base = ((uint64_t) p[0] << 25) | ((uint64_t) p[1] << 17)
                   | ((uint64_t) p[2] << 9) | ((uint64_t) p[3] << 1)
                   | (p[4] >> 7);

            if (rewrite) {
                base = srt_join_shift(j, base, j->last_pcr, j->last_pcr_ms,
                                      j->have_pcr);
                p[0] = base >> 25;
                p[1] = base >> 17;
                p[2] = base >> 9;
                p[3] = base >> 1;
                p[4] = (p[4] & 0x7f) | ((base & 1) << 7);
            }

            j->last_pcr = base;
            j->last_pcr_ms = j->now_ms;
            j->have_pcr = 1;
        }
    }

    if (!(pkt[1] & 0x40) || !(pkt[3] & 0x10) || af > 184) {
        return;
    }

    if (rewrite && j->kind[pid] == SRT_JOIN_SCTE35) {
        srt_join_scte35(j, pkt);
        return;
    }

    p = pkt + 4 + af;
    n = 184 - af;

    if (n < 19 || p[0] != 0 || p[1] != 0 || p[2] != 1
        || (p[6] & 0xc0) != 0x80)
    {
        return;
    }

    switch (p[3]) {
    case 0xbc: case 0xbe: case 0xbf: case 0xf0: case 0xf1: case 0xf2:
    case 0xf8: case 0xff:
        return;                       /* no optional PES header */
    }

    flags = p[7] >> 6;

    if (flags < 2 || p[8] < (flags == 3 ? 10 : 5) || (size_t) 9 + p[8] > n) {
        return;
    }

    if (rewrite) {
        /* the DTS anchors the offset when there is one */
        ts = srt_ts_pes_ts(p + (flags == 3 ? 14 : 9));
        (void) srt_join_shift(j, ts, j->last_dts, j->last_dts_ms,
                              j->have_dts);

        srt_join_ts_put(p + 9, srt_ts_pes_ts(p + 9) + j->ts_off);

        if (flags == 3) {
            srt_join_ts_put(p + 14, srt_ts_pes_ts(p + 14) + j->ts_off);
        }
    }

    j->last_dts = srt_ts_pes_ts(p + (flags == 3 ? 14 : 9));
    j->last_dts_ms = j->now_ms;
    j->have_dts = 1;
}


/* ts + the input's offset; the first timestamp after a switch fixes it */

static uint64_t
srt_join_shift(srt_join_t *j, uint64_t ts, uint64_t last, uint64_t last_ms,
    unsigned have)
{
    uint64_t  elapsed;

    if (!j->ts_off_known) {
        j->ts_off_known = 1;
        j->ts_off = 0;

        if (have) {
            elapsed = j->now_ms > last_ms ? j->now_ms - last_ms : 0;
            j->ts_off = (int64_t) ((last + elapsed * 90 - ts)
                                   & SRT_JOIN_TS_MASK);
        }
    }

    return (ts + j->ts_off) & SRT_JOIN_TS_MASK;
}



/* keeps the 4-bit prefix and the marker bits */

static void
srt_join_ts_put(uint8_t *p, uint64_t ts)
{
    ts &= SRT_JOIN_TS_MASK;

    p[0] = (p[0] & 0xf1) | ((ts >> 29) & 0x0e);
    p[1] = (ts >> 22) & 0xff;
    p[2] = (p[2] & 0x01) | ((ts >> 14) & 0xfe);
    p[3] = (ts >> 7) & 0xff;
    p[4] = (p[4] & 0x01) | ((ts << 1) & 0xfe);
}


/* a splice_info_section in one packet: pts_adjustment follows the rebase */

static void
srt_join_scte35(srt_join_t *j, uint8_t *pkt)
{
    size_t    n, len;
    uint8_t  *s;
    uint32_t  crc;
    uint64_t  adj;

    s = (uint8_t *) srt_join_payload(pkt, &n);

    if (s == NULL || !j->ts_off_known || n < 1 || (size_t) s[0] + 1 > n) {
        return;
    }

    n -= 1 + s[0];
    s += 1 + s[0];

    if (n < 3 || s[0] != 0xfc) {
        return;
    }

    len = 3 + (((s[1] & 0x0f) << 8) | s[2]);

    if (len > n || len < 15 || srt_ts_crc32(s, len) != 0) {
        return;
    }

    adj = ((uint64_t) (s[4] & 1) << 32) | ((uint64_t) s[5] << 24)
          | ((uint64_t) s[6] << 16) | ((uint64_t) s[7] << 8) | s[8];
    adj = (adj + j->ts_off) & SRT_JOIN_TS_MASK;

    s[4] = (s[4] & 0xfe) | (adj >> 32);
    s[5] = adj >> 24;
    s[6] = adj >> 16;
    s[7] = adj >> 8;
    s[8] = adj;

    crc = srt_ts_crc32(s, len - 4);
    s[len - 4] = crc >> 24;
    s[len - 3] = crc >> 16;
    s[len - 2] = crc >> 8;
    s[len - 1] = crc;
}


static const uint8_t *
srt_join_payload(const uint8_t *pkt, size_t *n)
{
    size_t  off;

    if (!(pkt[3] & 0x10)) {
        return NULL;
    }

    off = 4;

    if (pkt[3] & 0x20) {
        off += 1 + pkt[4];

        if (off >= SRT_JOIN_TS) {
            return NULL;
        }
    }

    *n = SRT_JOIN_TS - off;

    return pkt + off;
}
