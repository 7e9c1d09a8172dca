/*
 * SCTE-35 carriage in MPEG-TS: PMT rewrite, cue insertion on the video
 * clock, observation of the input's cues (see scte35_mux.h).
 *
 * Reads of a packet go through scte35_mux_payload() and the PSI
 * reassembler, which check every length against the 188 bytes; sections
 * are only parsed once complete, from the mux's own buffers, with every
 * loop bounded by the section.
 */


#include <string.h>

#include "scte35.h"
#include "scte35_mux.h"


#define TS                      SCTE35_MUX_TS

#define SCTE35_MUX_SYNC         0x47
#define SCTE35_MUX_NULL_PID     0x1fff
#define SCTE35_MUX_MIN_PID      0x0010
#define SCTE35_MUX_AUTO_PID     0x01f0

#define SCTE35_MUX_TABLE_PAT    0x00
#define SCTE35_MUX_TABLE_PMT    0x02
#define SCTE35_MUX_TABLE_SCTE   0xfc
#define SCTE35_MUX_STREAM_SCTE  0x86
#define SCTE35_MUX_DESC_REG     0x05

/* 3 + section_length: 1021 at most for PAT/PMT, 4093 for private tables */
#define SCTE35_MUX_PSI_MAX      1024
#define SCTE35_MUX_PRIVATE_MAX  4096

/* table_id .. program_info_length, and the smallest PMT with its CRC */
#define SCTE35_MUX_PMT_HEADER   12
#define SCTE35_MUX_PMT_MIN      16
#define SCTE35_MUX_ES_LEN       5
#define SCTE35_MUX_REG_LEN      6

#define SCTE35_MUX_PTS_MASK     0x1ffffffffULL
#define SCTE35_MUX_PTS_HALF     0x100000000ULL

#define scte35_mux_pkt_pid(p)   ((uint16_t) (((p)[1] & 0x1f) << 8 | (p)[2]))
#define scte35_mux_pkt_pusi(p)  ((p)[1] & 0x40)


typedef void (*scte35_mux_done_pt)(scte35_mux_t *m, const uint8_t *sec,
    size_t len);


/* what the mux needs of a PMT section that parsed */
typedef struct {
    uint16_t   pcr_pid;
    uint16_t   video_pid;
    uint16_t   audio_pid;
    uint16_t   scte_pid;
    unsigned   cuei;
    size_t     info_end;        /* end of program_info */
    size_t     es_end;          /* end of the ES loop: the CRC */
} scte35_mux_pmt_t;


static const uint8_t *scte35_mux_payload(const uint8_t *pkt, size_t *n);
static void scte35_mux_psi_feed(scte35_mux_t *m, scte35_mux_psi_t *psi,
    uint8_t *buf, size_t cap, const uint8_t *pkt, scte35_mux_done_pt done);
static size_t scte35_mux_psi_take(scte35_mux_t *m, scte35_mux_psi_t *psi,
    uint8_t *buf, size_t cap, const uint8_t *p, size_t n,
    scte35_mux_done_pt done);
static void scte35_mux_pat_section(scte35_mux_t *m, const uint8_t *s,
    size_t len);
static void scte35_mux_pmt_section(scte35_mux_t *m, const uint8_t *s,
    size_t len);
static void scte35_mux_obs_section(scte35_mux_t *m, const uint8_t *s,
    size_t len);
static int scte35_mux_pmt_parse(const uint8_t *s, size_t len,
    scte35_mux_pmt_t *pmt);
static int scte35_mux_has_cuei(const uint8_t *d, size_t len);
static int scte35_mux_is_video(uint8_t type);
static int scte35_mux_is_audio(uint8_t type, const uint8_t *d, size_t len);
static int scte35_mux_pid_used(const scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt, uint16_t pid);
static void scte35_mux_pmt_apply(scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt);
static uint16_t scte35_mux_choose_pid(scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt);
static void scte35_mux_pmt_reset(scte35_mux_t *m);
static size_t scte35_mux_pat_packet(scte35_mux_t *m, const uint8_t *in,
    uint8_t *out);
static size_t scte35_mux_pmt_packet(scte35_mux_t *m, const uint8_t *in,
    uint8_t *out);
static size_t scte35_mux_pmt_flush(scte35_mux_t *m, uint8_t *out);
static size_t scte35_mux_pmt_rewrite_run(scte35_mux_t *m, uint8_t *out);
static int scte35_mux_pmt_rewrite(scte35_mux_t *m, const uint8_t *s,
    size_t len, uint8_t *dst, size_t room, size_t *olen, unsigned *adv);
static uint8_t scte35_mux_version(scte35_mux_t *m, const uint8_t *s,
    size_t len);
static int scte35_mux_af_keep(const uint8_t *pkt);
static void scte35_mux_af_only(const uint8_t *pkt, scte35_mux_cc_t *cc,
    uint8_t *out);
static size_t scte35_mux_scte_packet(scte35_mux_t *m, const uint8_t *in,
    uint8_t *out);
static int scte35_mux_clock_packet(scte35_mux_t *m, const uint8_t *in);
static int scte35_mux_pes_pts(const uint8_t *p, size_t n, uint64_t *pts);
static size_t scte35_mux_emit(scte35_mux_t *m, int clock_event,
    uint8_t *out);
static size_t scte35_mux_packetize(scte35_mux_cc_t *cc, const uint8_t *buf,
    size_t len, const size_t *starts, size_t nstarts, uint8_t *out);
static void scte35_mux_pass(scte35_mux_cc_t *cc, const uint8_t *in,
    uint8_t *out);
static void scte35_mux_track(scte35_mux_t *m, scte35_mux_cc_t *cc,
    uint16_t pid);
static uint8_t scte35_mux_cc_next(scte35_mux_cc_t *cc);
static void scte35_mux_cc_sync(scte35_mux_cc_t *cc, unsigned have_in,
    uint8_t last_in);
static int scte35_mux_bit(const uint8_t *map, uint16_t pid);
static void scte35_mux_set_bit(uint8_t *map, uint16_t pid);
static uint8_t scte35_mux_last_cc(const scte35_mux_t *m, uint16_t pid);
static void scte35_mux_note_cc(scte35_mux_t *m, uint16_t pid, uint8_t cc);


int
scte35_mux_init(scte35_mux_t *m, uint16_t pid, int insert,
    scte35_mux_seen_pt seen, void *data)
{
    int  rc;

    memset(m, 0, sizeof(scte35_mux_t));

    rc = SCTE35_MUX_OK;

    if (pid != 0 && (pid < SCTE35_MUX_MIN_PID || pid >= SCTE35_MUX_NULL_PID))
    {
        pid = 0;
        rc = SCTE35_MUX_ERROR;
    }

    m->conf_pid = pid;
    m->insert = insert ? 1 : 0;
    m->seen = seen;
    m->data = data;

    return rc;
}


size_t
scte35_mux_packet(scte35_mux_t *m, const uint8_t *in, uint8_t *out)
{
    size_t    n;
    uint16_t  pid;
    int       clock_event;

    m->packets++;

    if (in[0] != SCTE35_MUX_SYNC || (in[1] & 0x80)) {
        /* nothing in it can be trusted, not even the PID */
        memcpy(out, in, TS);
        m->bad_packets++;
        return 1;
    }

    pid = scte35_mux_pkt_pid(in);

    clock_event = scte35_mux_clock_packet(m, in);

    /* due sections go before the packet that made them due */
    n = scte35_mux_emit(m, clock_event, out);
    out += n * TS;

    if (pid == 0) {
        n += scte35_mux_pat_packet(m, in, out);

    } else if (pid == m->pmt_pid) {
        n += scte35_mux_pmt_packet(m, in, out);

    } else if (pid == m->in_pid || pid == m->scte_cc.pid) {
        n += scte35_mux_scte_packet(m, in, out);

    } else {
        memcpy(out, in, TS);
        n++;
    }

    scte35_mux_note_cc(m, pid, in[3] & 0x0f);

    return n;
}


void
scte35_mux_enable(scte35_mux_t *m)
{
    m->insert = 1;
}


int
scte35_mux_queue(scte35_mux_t *m, const uint8_t *section, size_t len,
    uint64_t send_pts, int immediate)
{
    size_t               i;
    scte35_mux_entry_t  *e;

    if (!m->insert
        || section == NULL
        || len < 3
        || len > SCTE35_MUX_MAX_SECTION
        || section[0] != SCTE35_MUX_TABLE_SCTE
        || scte35_section_size(section, len) != len)
    {
        return SCTE35_MUX_ERROR;
    }

    if (m->q_n == SCTE35_MUX_QUEUE) {
        m->queue_full++;
        return SCTE35_MUX_FULL;
    }

    for (i = 0; m->q_used[i]; i++) {
        /* q_n < SCTE35_MUX_QUEUE: there is a free slot */
    }

    e = &m->q[i];
    e->send_pts = send_pts & SCTE35_MUX_PTS_MASK;
    e->len = (uint16_t) len;
    e->immediate = immediate ? 1 : 0;
    e->due = 0;
    memcpy(e->data, section, len);

    m->q_used[i] = 1;
    m->q_order[m->q_n++] = (uint8_t) i;

    return SCTE35_MUX_OK;
}


int
scte35_mux_clock(const scte35_mux_t *m, uint64_t *pts)
{
    if (!m->clock_known) {
        return 0;
    }

    if (pts) {
        *pts = m->clock;
    }

    return 1;
}


uint16_t
scte35_mux_pid(const scte35_mux_t *m)
{
    return m->pid;
}


size_t
scte35_mux_pending(const scte35_mux_t *m)
{
    return m->q_n;
}


/* packets and PSI */

/* the payload of a packet, NULL if it has none we can read */

static const uint8_t *
scte35_mux_payload(const uint8_t *pkt, size_t *n)
{
    size_t  off;

    if (!(pkt[3] & 0x10) || (pkt[3] & 0xc0)) {
        /* no payload, or scrambled */
        return NULL;
    }

    off = 4;

    if (pkt[3] & 0x20) {
        off += 1 + (size_t) pkt[4];

        if (off >= TS) {
            return NULL;
        }
    }

    *n = TS - off;

    return pkt + off;
}


/*
 * Section reassembly (ISO 13818-1 2.4.4): the pointer_field of a PUSI
 * packet ends the section in progress and tells where the next starts;
 * sections may follow each other in a packet until 0xff stuffing.  A
 * section still incomplete when the pointer_field says it ended lost
 * packets and is dropped.
 */

static void
scte35_mux_psi_feed(scte35_mux_t *m, scte35_mux_psi_t *psi, uint8_t *buf,
    size_t cap, const uint8_t *pkt, scte35_mux_done_pt done)
{
    size_t          n, ptr, k;
    const uint8_t  *p;

    p = scte35_mux_payload(pkt, &n);
    if (p == NULL) {
        return;
    }

    if (!scte35_mux_pkt_pusi(pkt)) {
        if (psi->active) {
            (void) scte35_mux_psi_take(m, psi, buf, cap, p, n, done);
        }

        return;
    }

    ptr = p[0];
    p++;
    n--;

    if (ptr > n) {
        psi->active = 0;
        m->psi_errors++;
        return;
    }

    if (psi->active) {
        (void) scte35_mux_psi_take(m, psi, buf, cap, p, ptr, done);

        if (psi->active) {
            psi->active = 0;
            m->psi_errors++;
        }
    }

    p += ptr;
    n -= ptr;

    while (n > 0 && p[0] != 0xff) {
        psi->active = 1;
        psi->len = 0;
        psi->size = 0;

        k = scte35_mux_psi_take(m, psi, buf, cap, p, n, done);

        if (psi->active) {
            /* continues in the next packet */
            return;
        }

        p += k;
        n -= k;
    }
}


/* takes bytes of the section in progress; returns how many it used */

static size_t
scte35_mux_psi_take(scte35_mux_t *m, scte35_mux_psi_t *psi, uint8_t *buf,
    size_t cap, const uint8_t *p, size_t n, scte35_mux_done_pt done)
{
    size_t  k, want;

    k = 0;

    while (psi->size == 0 && k < n) {
        buf[psi->len++] = p[k++];

        if (psi->len == 3) {
            psi->size = 3 + ((size_t) (buf[1] & 0x0f) << 8 | buf[2]);

            if (psi->size > cap) {
                /* the rest of the packet cannot be delimited */
                psi->active = 0;
                m->psi_errors++;
                return n;
            }
        }
    }

    if (psi->size == 0) {
        return k;
    }

    want = psi->size - psi->len;
    if (want > n - k) {
        want = n - k;
    }

    memcpy(buf + psi->len, p + k, want);
    psi->len += want;
    k += want;

    if (psi->len == psi->size) {
        psi->active = 0;
        done(m, buf, psi->size);
    }

    return k;
}


/* PAT: the first program with a usable PMT PID */

static void
scte35_mux_pat_section(scte35_mux_t *m, const uint8_t *s, size_t len)
{
    size_t    i;
    unsigned  found;
    uint16_t  program, pid;

    if (len < 12
        || s[0] != SCTE35_MUX_TABLE_PAT
        || !(s[1] & 0x80)
        || !(s[5] & 0x01)
        || s[6] != 0
        || scte35_crc32(s, len) != 0)
    {
        return;
    }

    found = 0;

    for (i = 8; i + 4 <= len - 4; i += 4) {
        program = (uint16_t) (s[i] << 8 | s[i + 1]);
        pid = (uint16_t) ((s[i + 2] & 0x1f) << 8 | s[i + 3]);

        /* the auto PID must not take another program's PMT (or the NIT) */
        scte35_mux_set_bit(m->pid_listed, pid);

        if (found
            || program == 0
            || pid < SCTE35_MUX_MIN_PID
            || pid == SCTE35_MUX_NULL_PID)
        {
            continue;
        }

        found = 1;

        if (program != m->program_number || pid != m->pmt_pid) {
            m->pat_changed = 1;
            m->pat_program = program;
            m->pat_pmt_pid = pid;
        }
    }
}


static size_t
scte35_mux_pat_packet(scte35_mux_t *m, const uint8_t *in, uint8_t *out)
{
    size_t  n;

    scte35_mux_psi_feed(m, &m->pat_psi, m->pat_buf, SCTE35_MUX_PSI_MAX, in,
                        scte35_mux_pat_section);

    n = 0;

    if (m->pat_changed) {
        m->pat_changed = 0;

        /* PMT packets withheld so far still go out, before this PAT */
        n = scte35_mux_pmt_flush(m, out);

        m->program_number = m->pat_program;
        m->pmt_pid = m->pat_pmt_pid;
        scte35_mux_pmt_reset(m);
    }

    memcpy(out + n * TS, in, TS);

    return n + 1;
}


/* a new program or PMT PID: forget everything learnt from the old PMT */

static void
scte35_mux_pmt_reset(scte35_mux_t *m)
{
    m->pmt_psi.active = 0;
    m->obs_psi.active = 0;
    m->pmt_known = 0;
    m->pcr_pid = 0;
    m->video_pid = 0;
    m->audio_pid = 0;
    m->clock_pid = 0;
    m->in_pid = 0;
    m->pid = 0;
    m->ready = 0;
    m->map_valid = 0;

    scte35_mux_track(m, &m->pmt_cc, m->pmt_pid);
    scte35_mux_track(m, &m->scte_cc, 0);
}


/* PMT */

static void
scte35_mux_pmt_section(scte35_mux_t *m, const uint8_t *s, size_t len)
{
    unsigned          target;
    scte35_mux_pmt_t  pmt;

    /* our program's table in force; anything else is only carried */
    target = len >= 8
             && s[0] == SCTE35_MUX_TABLE_PMT
             && (s[3] << 8 | s[4]) == m->program_number
             && (s[5] & 0x01);

    if (target) {
        if (scte35_mux_pmt_parse(s, len, &pmt) == 0) {
            scte35_mux_pmt_apply(m, s, &pmt);

        } else {
            m->pmt_errors++;
            target = 0;
        }
    }

    if (!m->insert) {
        return;
    }

    if (m->coll_n == SCTE35_MUX_PMT_SECTIONS
        || len > SCTE35_MUX_PMT_BYTES - m->coll_len)
    {
        m->run_bad = 1;
        return;
    }

    m->coll_off[m->coll_n] = (uint16_t) m->coll_len;
    m->coll_target[m->coll_n] = (uint8_t) target;
    m->coll_n++;

    memcpy(m->coll + m->coll_len, s, len);
    m->coll_len += len;

    m->run_targets += target;
}


static int
scte35_mux_pmt_parse(const uint8_t *s, size_t len, scte35_mux_pmt_t *pmt)
{
    size_t    i, info_len, es_len;
    uint8_t   type;
    uint16_t  pid;

    if (len < SCTE35_MUX_PMT_MIN
        || !(s[1] & 0x80)
        || s[6] != 0
        || s[7] != 0
        || scte35_crc32(s, len) != 0)
    {
        return -1;
    }

    memset(pmt, 0, sizeof(scte35_mux_pmt_t));

    pmt->pcr_pid = (uint16_t) ((s[8] & 0x1f) << 8 | s[9]);
    info_len = (size_t) (s[10] & 0x0f) << 8 | s[11];
    pmt->info_end = SCTE35_MUX_PMT_HEADER + info_len;
    pmt->es_end = len - 4;

    if (pmt->info_end > pmt->es_end) {
        return -1;
    }

    pmt->cuei = scte35_mux_has_cuei(s + SCTE35_MUX_PMT_HEADER, info_len);

    for (i = pmt->info_end; i < pmt->es_end; i += SCTE35_MUX_ES_LEN + es_len)
    {
        if (pmt->es_end - i < SCTE35_MUX_ES_LEN) {
            return -1;
        }

        type = s[i];
        pid = (uint16_t) ((s[i + 1] & 0x1f) << 8 | s[i + 2]);
        es_len = (size_t) (s[i + 3] & 0x0f) << 8 | s[i + 4];

        if (es_len > pmt->es_end - i - SCTE35_MUX_ES_LEN) {
            return -1;
        }

        if (pid < SCTE35_MUX_MIN_PID || pid == SCTE35_MUX_NULL_PID) {
            continue;
        }

        if (type == SCTE35_MUX_STREAM_SCTE) {
            if (pmt->scte_pid == 0) {
                pmt->scte_pid = pid;
            }

        } else if (scte35_mux_is_video(type)) {
            if (pmt->video_pid == 0) {
                pmt->video_pid = pid;
            }

        } else if (pmt->audio_pid == 0
                   && scte35_mux_is_audio(type, s + i + SCTE35_MUX_ES_LEN,
                                          es_len))
        {
            pmt->audio_pid = pid;
        }
    }

    return 0;
}


/* a registration descriptor with format_identifier "CUEI" */

static int
scte35_mux_has_cuei(const uint8_t *d, size_t len)
{
    size_t  i;

    for (i = 0; i + 2 <= len && d[i + 1] <= len - i - 2; i += 2 + d[i + 1]) {
        if (d[i] == SCTE35_MUX_DESC_REG
            && d[i + 1] >= 4
            && memcmp(d + i + 2, "CUEI", 4) == 0)
        {
            return 1;
        }
    }

    return 0;
}


static int
scte35_mux_is_video(uint8_t type)
{
    switch (type) {
    case 0x01:  /* MPEG-1 video */
    case 0x02:  /* MPEG-2 video */
    case 0x10:  /* MPEG-4 part 2 */
    case 0x1b:  /* H.264 */
    case 0x24:  /* H.265 */
    case 0x42:  /* AVS */
    case 0xd1:  /* Dirac */
    case 0xea:  /* VC-1 */
        return 1;
    }

    return 0;
}


static int
scte35_mux_is_audio(uint8_t type, const uint8_t *d, size_t len)
{
    size_t  i;

    switch (type) {
    case 0x03:  /* MPEG-1 audio */
    case 0x04:  /* MPEG-2 audio */
    case 0x0f:  /* AAC, ADTS */
    case 0x11:  /* AAC, LATM */
    case 0x81:  /* AC-3 (ATSC) */
    case 0x87:  /* E-AC-3 (ATSC) */
        return 1;

    case 0x06:
        /* DVB carries AC-3 as private data with an AC-3 descriptor */

        for (i = 0; i + 2 <= len; i += 2 + d[i + 1]) {
            if (d[i] == 0x6a || d[i] == 0x7a) {
                return 1;
            }
        }

        return 0;
    }

    return 0;
}


static int
scte35_mux_pid_used(const scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt, uint16_t pid)
{
    size_t  i;

    if (pid == m->pmt_pid || pid == pmt->pcr_pid) {
        return 1;
    }

    /* the loop was checked by scte35_mux_pmt_parse() */

    for (i = pmt->info_end;
         i < pmt->es_end;
         i += SCTE35_MUX_ES_LEN + ((size_t) (s[i + 3] & 0x0f) << 8 | s[i + 4]))
    {
        if (((s[i + 1] & 0x1f) << 8 | s[i + 2]) == pid) {
            return 1;
        }
    }

    return 0;
}


static void
scte35_mux_pmt_apply(scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt)
{
    uint16_t  pid;

    m->pmt_known = 1;
    m->pcr_pid = pmt->pcr_pid;
    m->video_pid = pmt->video_pid;
    m->audio_pid = pmt->audio_pid;
    m->clock_pid = pmt->video_pid ? pmt->video_pid : pmt->audio_pid;

    if (pmt->scte_pid != m->in_pid) {
        m->in_pid = pmt->scte_pid;
        m->obs_psi.active = 0;
    }

    pid = scte35_mux_choose_pid(m, s, pmt);

    if (pid != m->pid) {
        m->pid = pid;
        m->ready = 0;
        scte35_mux_track(m, &m->scte_cc, pid);
    }
}


static uint16_t
scte35_mux_choose_pid(scte35_mux_t *m, const uint8_t *s,
    const scte35_mux_pmt_t *pmt)
{
    uint16_t  pid;

    if (pmt->scte_pid) {
        return pmt->scte_pid;
    }

    if (!m->insert) {
        return 0;
    }

    if (m->conf_pid) {
        if (scte35_mux_pid_used(m, s, pmt, m->conf_pid)) {
            m->pid_conflicts++;
            return 0;
        }

        return m->conf_pid;
    }

    /* keep the PID once chosen: receivers have it in their tables */

    if (m->auto_pid && !scte35_mux_pid_used(m, s, pmt, m->auto_pid)) {
        return m->auto_pid;
    }

    for (pid = SCTE35_MUX_AUTO_PID; pid < SCTE35_MUX_NULL_PID; pid++) {
        if (!scte35_mux_pid_used(m, s, pmt, pid)
            && !scte35_mux_bit(m->pid_seen, pid)
            && !scte35_mux_bit(m->pid_listed, pid))
        {
            m->auto_pid = pid;
            return pid;
        }
    }

    return 0;
}


/*
 * With insert on, PMT PID packets are withheld from a PUSI packet until no
 * section is in progress (the run), so that the sections can be replaced;
 * adaptation-only packets in a run stay in it to keep their order.
 */

static size_t
scte35_mux_pmt_packet(scte35_mux_t *m, const uint8_t *in, uint8_t *out)
{
    size_t  n;

    if (!m->insert) {
        scte35_mux_psi_feed(m, &m->pmt_psi, m->pmt_buf, SCTE35_MUX_PSI_MAX,
                            in, scte35_mux_pmt_section);

        /* byte-exact, but its counter is followed: insertion may be
           turned on later (scte35_mux_enable()) */
        scte35_mux_pass(&m->pmt_cc, in, out);
        return 1;
    }

    if (m->run_n == 0
        && (scte35_mux_payload(in, &n) == NULL || !scte35_mux_pkt_pusi(in)))
    {
        /* no section starts here: the rest of one we did not see */
        scte35_mux_pass(&m->pmt_cc, in, out);
        return 1;
    }

    memcpy(m->run[m->run_n++], in, TS);

    scte35_mux_psi_feed(m, &m->pmt_psi, m->pmt_buf, SCTE35_MUX_PSI_MAX, in,
                        scte35_mux_pmt_section);

    if (m->pmt_psi.active) {
        if (m->run_n < SCTE35_MUX_PMT_PACKETS) {
            return 0;
        }

        m->pmt_psi.active = 0;
        m->run_bad = 1;
    }

    return scte35_mux_pmt_flush(m, out);
}


/* the end of a run: rewritten sections, or the packets as they came */

static size_t
scte35_mux_pmt_flush(scte35_mux_t *m, uint8_t *out)
{
    size_t  i, n;

    if (m->run_n == 0) {
        return 0;
    }

    n = 0;

    if (m->run_bad) {
        m->pmt_errors++;

    } else if (m->run_targets
               && (m->pmt_cc.owned || (m->in_pid == 0 && m->pid != 0)))
    {
        n = scte35_mux_pmt_rewrite_run(m, out);
    }

    if (n == 0) {
        for (i = 0; i < m->run_n; i++) {
            scte35_mux_pass(&m->pmt_cc, m->run[i], out + i * TS);
        }

        n = m->run_n;

        /* the input's own PMT advertises its SCTE-35 PID */
        if (m->run_targets && !m->run_bad && m->pid && m->pid == m->in_pid) {
            m->ready = 1;
        }
    }

    m->run_n = 0;
    m->run_bad = 0;
    m->run_targets = 0;
    m->coll_n = 0;
    m->coll_len = 0;

    return n;
}


static size_t
scte35_mux_pmt_rewrite_run(scte35_mux_t *m, uint8_t *out)
{
    size_t          i, o, len, olen, ns, n;
    size_t          starts[SCTE35_MUX_PMT_SECTIONS];
    unsigned        adv;
    const uint8_t  *s;

    o = 0;
    ns = 0;
    adv = 0;

    for (i = 0; i < m->coll_n; i++) {
        s = m->coll + m->coll_off[i];
        len = (i + 1 < m->coll_n ? m->coll_off[i + 1] : m->coll_len)
              - m->coll_off[i];

        starts[ns++] = o;

        if (m->coll_target[i]) {
            if (scte35_mux_pmt_rewrite(m, s, len, m->scratch + o,
                                       SCTE35_MUX_PMT_BYTES - o, &olen, &adv)
                != 0)
            {
                return 0;
            }

        } else {
            if (len > SCTE35_MUX_PMT_BYTES - o) {
                m->pmt_errors++;
                return 0;
            }

            memcpy(m->scratch + o, s, len);
            olen = len;
        }

        o += olen;
    }

    /* PCRs and other adaptation field flags keep their place */

    n = 0;

    for (i = 0; i < m->run_n; i++) {
        if (scte35_mux_af_keep(m->run[i])) {
            scte35_mux_af_only(m->run[i], &m->pmt_cc, out + n * TS);
            n++;
        }
    }

    n += scte35_mux_packetize(&m->pmt_cc, m->scratch, o, starts, ns,
                              out + n * TS);

    scte35_mux_cc_sync(&m->pmt_cc, 1, m->run[m->run_n - 1][3] & 0x0f);

    m->pmt_rewrites += m->run_targets;
    m->pmt_packets += n;

    if (adv) {
        m->ready = 1;
    }

    return n;
}


/*
 * Rewrites one PMT section of our program into dst.  Adds the ES and the
 * registration when the section has no 0x86 stream and the carriage PID
 * is free in it; sets *adv when the result advertises the carriage PID.
 * Fails (-1) when the additions do not fit and the PMT PID is not ours
 * yet: the input then passes as it is.
 */

static int
scte35_mux_pmt_rewrite(scte35_mux_t *m, const uint8_t *s, size_t len,
    uint8_t *dst, size_t room, size_t *olen, unsigned *adv)
{
    size_t            o, info_len, slen;
    unsigned          add_es, add_reg;
    uint32_t          crc;
    scte35_mux_pmt_t  pmt;

    if (scte35_mux_pmt_parse(s, len, &pmt) != 0) {
        return -1;
    }

    add_es = pmt.scte_pid == 0
             && m->pid != 0
             && !scte35_mux_pid_used(m, s, &pmt, m->pid);
    add_reg = add_es && !pmt.cuei;

    o = len + (add_es ? SCTE35_MUX_ES_LEN : 0)
        + (add_reg ? SCTE35_MUX_REG_LEN : 0);

    if (o > SCTE35_MUX_PSI_MAX || o > room) {
        m->pmt_errors++;

        if (!m->pmt_cc.owned || len > room) {
            return -1;
        }

        add_es = 0;
        add_reg = 0;
    }

    if (pmt.scte_pid != 0 && pmt.scte_pid == m->pid) {
        *adv = 1;
    }

    /* header and program_info */

    memcpy(dst, s, pmt.info_end);
    o = pmt.info_end;

    dst[5] = (uint8_t) ((s[5] & 0xc1) | scte35_mux_version(m, s, len) << 1);

    if (add_reg) {
        dst[o++] = SCTE35_MUX_DESC_REG;
        dst[o++] = 4;
        memcpy(dst + o, "CUEI", 4);
        o += 4;

        info_len = pmt.info_end - SCTE35_MUX_PMT_HEADER + SCTE35_MUX_REG_LEN;
        dst[10] = (uint8_t) ((s[10] & 0xf0) | info_len >> 8);
        dst[11] = (uint8_t) info_len;
    }

    /* the ES loop, and ours at its end */

    memcpy(dst + o, s + pmt.info_end, pmt.es_end - pmt.info_end);
    o += pmt.es_end - pmt.info_end;

    if (add_es) {
        dst[o++] = SCTE35_MUX_STREAM_SCTE;
        dst[o++] = (uint8_t) (0xe0 | m->pid >> 8);
        dst[o++] = (uint8_t) m->pid;
        dst[o++] = 0xf0;
        dst[o++] = 0x00;
        *adv = 1;
    }

    slen = o + 4 - 3;
    dst[1] = (uint8_t) ((s[1] & 0xf0) | slen >> 8);
    dst[2] = (uint8_t) slen;

    crc = scte35_crc32(dst, o);
    dst[o++] = (uint8_t) (crc >> 24);
    dst[o++] = (uint8_t) (crc >> 16);
    dst[o++] = (uint8_t) (crc >> 8);
    dst[o++] = (uint8_t) crc;

    *olen = o;

    return 0;
}


/*
 * Input version + 1, so a receiver that saw the input's PMT takes ours;
 * the same input section keeps its output version, and a different one
 * never gets the version last sent.
 */

static uint8_t
scte35_mux_version(scte35_mux_t *m, const uint8_t *s, size_t len)
{
    uint8_t   in, out;
    uint32_t  crc;

    in = (s[5] >> 1) & 0x1f;
    crc = (uint32_t) s[len - 4] << 24 | (uint32_t) s[len - 3] << 16
          | (uint32_t) s[len - 2] << 8 | s[len - 1];

    if (m->map_valid && m->map_crc == crc && m->map_in == in) {
        return m->map_out;
    }

    out = (in + 1) & 0x1f;

    if (m->map_valid && out == m->map_out) {
        out = (out + 1) & 0x1f;
    }

    m->map_valid = 1;
    m->map_crc = crc;
    m->map_in = in;
    m->map_out = out;

    return out;
}


/* an adaptation field with any flag set (PCR, discontinuity, ...) */

static int
scte35_mux_af_keep(const uint8_t *pkt)
{
    return (pkt[3] & 0x20) && pkt[4] > 0 && pkt[4] <= TS - 5 && pkt[5] != 0;
}


static void
scte35_mux_af_only(const uint8_t *pkt, scte35_mux_cc_t *cc, uint8_t *out)
{
    memset(out, 0xff, TS);
    memcpy(out, pkt, 5 + (size_t) pkt[4]);

    /* no payload: the counter does not move */
    out[1] &= ~0x40;
    out[3] = (uint8_t) (0x20 | (cc->have_out ? cc->last_out : 0));
    out[4] = TS - 5;

    cc->have_out = 1;
    cc->last_out = out[3] & 0x0f;
}


/* the carriage PID and the input's SCTE-35 PID */

static size_t
scte35_mux_scte_packet(scte35_mux_t *m, const uint8_t *in, uint8_t *out)
{
    uint16_t  pid;

    pid = scte35_mux_pkt_pid(in);

    if (pid == m->in_pid) {
        scte35_mux_psi_feed(m, &m->obs_psi, m->obs_buf,
                            SCTE35_MUX_PRIVATE_MAX, in,
                            scte35_mux_obs_section);
        m->obs_last = m->packets;
    }

    if (pid == m->scte_cc.pid) {
        scte35_mux_pass(&m->scte_cc, in, out);

    } else {
        memcpy(out, in, TS);
    }

    return 1;
}


static void
scte35_mux_obs_section(scte35_mux_t *m, const uint8_t *s, size_t len)
{
    m->sections_seen++;

    if (m->seen) {
        m->seen(m->data, s, len);
    }
}


/* the clock */

static int
scte35_mux_clock_packet(scte35_mux_t *m, const uint8_t *in)
{
    size_t          n;
    uint64_t        pts;
    const uint8_t  *p;

    if (m->clock_pid == 0
        || scte35_mux_pkt_pid(in) != m->clock_pid
        || !scte35_mux_pkt_pusi(in))
    {
        return 0;
    }

    p = scte35_mux_payload(in, &n);

    if (p == NULL || !scte35_mux_pes_pts(p, n, &pts)) {
        return 0;
    }

    m->clock = pts;
    m->clock_known = 1;

    return 1;
}


static int
scte35_mux_pes_pts(const uint8_t *p, size_t n, uint64_t *pts)
{
    if (n < 14 || p[0] != 0 || p[1] != 0 || p[2] != 1) {
        return 0;
    }

    switch (p[3]) {
    case 0xbc:  /* program_stream_map */
    case 0xbe:  /* padding_stream */
    case 0xbf:  /* private_stream_2 */
    case 0xf0:  /* ECM */
    case 0xf1:  /* EMM */
    case 0xf2:  /* DSMCC */
    case 0xf8:  /* H.222.1 type E */
    case 0xff:  /* program_stream_directory */
        return 0;
    }

    /* '10', PTS_DTS_flags with PTS, room for it in the header */
    if ((p[6] & 0xc0) != 0x80 || !(p[7] & 0x80) || p[8] < 5) {
        return 0;
    }

    *pts = (uint64_t) (p[9] >> 1 & 0x07) << 30
           | (uint64_t) p[10] << 22
           | (uint64_t) (p[11] >> 1) << 15
           | (uint64_t) p[12] << 7
           | (uint64_t) (p[13] >> 1);

    return 1;
}


/* insertion */

static size_t
scte35_mux_emit(scte35_mux_t *m, int clock_event, uint8_t *out)
{
    size_t               i, n, k, start;
    scte35_mux_entry_t  *e;

    if (m->q_n == 0) {
        return 0;
    }

    if (clock_event) {
        for (i = 0; i < m->q_n; i++) {
            e = &m->q[m->q_order[i]];

            if (((m->clock - e->send_pts) & SCTE35_MUX_PTS_MASK)
                < SCTE35_MUX_PTS_HALF)
            {
                e->due = 1;
            }
        }
    }

    if (!m->ready || m->pid == 0) {
        return 0;
    }

    if (m->pid == m->in_pid && m->obs_psi.active) {
        if (m->packets - m->obs_last < SCTE35_MUX_STALE) {
            /* do not cut the input's section in two */
            return 0;
        }

        /* its end is lost: receivers drop it at our PUSI anyway */
        m->obs_psi.active = 0;
    }

    n = 0;
    i = 0;
    start = 0;

    while (i < m->q_n) {
        e = &m->q[m->q_order[i]];

        if (!e->immediate && !e->due) {
            i++;
            continue;
        }

        k = scte35_mux_packetize(&m->scte_cc, e->data, e->len, &start, 1,
                                 out + n * TS);
        n += k;

        m->sections_inserted++;
        m->packets_inserted += k;

        m->q_used[m->q_order[i]] = 0;
        memmove(&m->q_order[i], &m->q_order[i + 1], m->q_n - i - 1);
        m->q_n--;
    }

    if (n) {
        scte35_mux_cc_sync(&m->scte_cc,
                           scte35_mux_bit(m->pid_seen, m->pid),
                           scte35_mux_last_cc(m, m->pid));
    }

    return n;
}


/*
 * Sections buf[starts[i]..] back to back, starts[0] == 0, in as few
 * packets as the PSI rules allow: a packet where a section starts has PUSI
 * and a pointer_field to the first such start.  A start that would land
 * on the last byte of a packet without pointer_field cannot be pointed
 * at: that byte becomes stuffing and the section starts the next packet.
 */

static size_t
scte35_mux_packetize(scte35_mux_cc_t *cc, const uint8_t *buf, size_t len,
    const size_t *starts, size_t nstarts, uint8_t *out)
{
    size_t    pos, k, np, room, take, hdr;
    uint8_t  *p;
    unsigned  pusi;

    pos = 0;
    k = 0;
    np = 0;

    while (pos < len) {
        p = out + np * TS;

        while (k < nstarts && starts[k] < pos) {
            k++;
        }

        pusi = k < nstarts && starts[k] - pos < TS - 5;

        p[0] = SCTE35_MUX_SYNC;
        p[1] = (uint8_t) ((pusi ? 0x40 : 0) | (cc->pid >> 8 & 0x1f));
        p[2] = (uint8_t) cc->pid;
        p[3] = (uint8_t) (0x10 | scte35_mux_cc_next(cc));

        if (pusi) {
            p[4] = (uint8_t) (starts[k] - pos);
            hdr = 5;
            room = TS - 5;

        } else {
            hdr = 4;
            room = TS - 4;

            if (k < nstarts && starts[k] - pos == TS - 5) {
                room = TS - 5;
            }
        }

        take = len - pos < room ? len - pos : room;

        memcpy(p + hdr, buf + pos, take);
        memset(p + hdr + take, 0xff, TS - hdr - take);

        pos += take;
        np++;
    }

    return np;
}


/* continuity counters */

static void
scte35_mux_pass(scte35_mux_cc_t *cc, const uint8_t *in, uint8_t *out)
{
    memcpy(out, in, TS);

    if (cc->owned) {
        if (cc->off_unknown) {
            /* the first input packet after ours: continue from ours */
            cc->off = (uint8_t) ((cc->last_out + ((in[3] & 0x10) ? 1 : 0)
                                  - in[3]) & 0x0f);
            cc->off_unknown = 0;
        }

        out[3] = (uint8_t) ((in[3] & 0xf0) | ((in[3] + cc->off) & 0x0f));
    }

    cc->have_out = 1;
    cc->last_out = out[3] & 0x0f;
}


/* the PID's output so far was the input's: start from its last counter */

static void
scte35_mux_track(scte35_mux_t *m, scte35_mux_cc_t *cc, uint16_t pid)
{
    cc->pid = pid;
    cc->owned = 0;
    cc->off = 0;
    cc->off_unknown = 0;
    cc->have_out = pid != 0 && scte35_mux_bit(m->pid_seen, pid);
    cc->last_out = cc->have_out ? scte35_mux_last_cc(m, pid) : 0;
}


static uint8_t
scte35_mux_cc_next(scte35_mux_cc_t *cc)
{
    cc->last_out = cc->have_out ? (cc->last_out + 1) & 0x0f : 0;
    cc->have_out = 1;
    cc->owned = 1;

    return cc->last_out;
}


/* after own packets: the input's next packet follows the last we wrote */

static void
scte35_mux_cc_sync(scte35_mux_cc_t *cc, unsigned have_in, uint8_t last_in)
{
    cc->off = have_in ? (uint8_t) ((cc->last_out - last_in) & 0x0f) : 0;
    cc->off_unknown = !have_in;
}


static int
scte35_mux_bit(const uint8_t *map, uint16_t pid)
{
    return map[pid >> 3] >> (pid & 7) & 1;
}


static void
scte35_mux_set_bit(uint8_t *map, uint16_t pid)
{
    map[pid >> 3] |= (uint8_t) (1 << (pid & 7));
}


static uint8_t
scte35_mux_last_cc(const scte35_mux_t *m, uint16_t pid)
{
    return (m->pid_cc[pid >> 1] >> ((pid & 1) * 4)) & 0x0f;
}


static void
scte35_mux_note_cc(scte35_mux_t *m, uint16_t pid, uint8_t cc)
{
    uint8_t  shift;

    shift = (uint8_t) ((pid & 1) * 4);

    m->pid_cc[pid >> 1] = (uint8_t) ((m->pid_cc[pid >> 1] & ~(0x0f << shift))
                                     | cc << shift);
    scte35_mux_set_bit(m->pid_seen, pid);
}
