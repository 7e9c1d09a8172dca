/*
 * MPEG-TS helpers for datagram inputs and ring writers: RTP header
 * detection, packet alignment inside datagrams, and a light analyzer for
 * continuity counters, PAT/PMT and random access points.
 *
 * Plain C99 and libc only; everything here works on caller-provided buffers
 * and never reads outside them.
 */


#include <string.h>

#include "srt_ts.h"


#define SRT_TS_RTP_MIN_HEADER    12
#define SRT_TS_RTP_PT_MP2T       33

/* section_length bounds: 5 header bytes + CRC at least, 1021 at most */
#define SRT_TS_SECTION_MIN_LEN   9
#define SRT_TS_SECTION_MAX_LEN   1021

#define SRT_TS_TABLE_PAT         0x00
#define SRT_TS_TABLE_PMT         0x02

/* cc[] bits, see srt_ts.h: 0-3 last counter, 4 seen, 5 duplicate seen */
#define SRT_TS_CC_SEEN           0x10
#define SRT_TS_CC_DUP            0x20

/* adaptation field flags */
#define SRT_TS_AF_DISCONTINUITY  0x80
#define SRT_TS_AF_RAI            0x40


static void srt_ts_section_start(srt_ts_analyzer_t *a, uint16_t pid,
    const uint8_t *p, size_t n, unsigned *flags);
static void srt_ts_section_feed(srt_ts_analyzer_t *a, const uint8_t *p,
    size_t n, unsigned *flags);
static void srt_ts_section_parse(srt_ts_analyzer_t *a, uint16_t pid,
    const uint8_t *s, size_t len, unsigned *flags);
static void srt_ts_parse_pat(srt_ts_analyzer_t *a, const uint8_t *s,
    size_t len, unsigned *flags);
static void srt_ts_parse_pmt(srt_ts_analyzer_t *a, const uint8_t *s,
    size_t len, unsigned *flags);
static int srt_ts_is_video(uint8_t type);
static int srt_ts_is_audio(uint8_t type, const uint8_t *desc, size_t len);
static int srt_ts_video_rap(uint8_t type, const uint8_t *p, size_t n);
static int srt_ts_es_rap(uint8_t type, const uint8_t *p, size_t n);


/*
 * CRC-32/MPEG-2 (poly 0x04c11db7, init 0xffffffff, not reflected, no final
 * xor), four bits at a time: PSI sections are rare and short, so a 16-entry
 * table is fast enough and keeps the code small.
 */
static const uint32_t  srt_ts_crc_nibble[16] = {
    0x00000000, 0x04c11db7, 0x09823b6e, 0x0d4326d9,
    0x130476dc, 0x17c56b6b, 0x1a864db2, 0x1e475005,
    0x2608edb8, 0x22c9f00f, 0x2f8ad6d6, 0x2b4bcb61,
    0x350c9b64, 0x31cd86d3, 0x3c8ea00a, 0x384fbdbd
};


size_t
srt_ts_rtp_header_len(const uint8_t *buf, size_t len, int force,
    size_t *padding)
{
    size_t    hlen, pad, payload;
    unsigned  pt;

    if (padding) {
        *padding = 0;
    }

    if (buf == NULL || len < SRT_TS_RTP_MIN_HEADER) {
        return 0;
    }

    /* version 2; plain TS starts with 0x47, i.e. version 1, never matches */
    if ((buf[0] >> 6) != 2) {
        return 0;
    }

    hlen = SRT_TS_RTP_MIN_HEADER + (size_t) (buf[0] & 0x0f) * 4;

    if (hlen > len) {
        return 0;
    }

    if (buf[0] & 0x10) {
        /* header extension: 16-bit profile, 16-bit length in 32-bit words */

        if (len - hlen < 4) {
            return 0;
        }

        hlen += 4 + (((size_t) buf[hlen + 2] << 8) | buf[hlen + 3]) * 4;

        if (hlen > len) {
            return 0;
        }
    }

    pad = 0;

    if (buf[0] & 0x20) {
        /* the last octet counts the padding, itself included */

        pad = buf[len - 1];

        if (pad == 0 || pad > len - hlen) {
            return 0;
        }
    }

    if (!force) {
        pt = buf[1] & 0x7f;

        if (pt != SRT_TS_RTP_PT_MP2T && pt < 96) {
            return 0;
        }

        payload = len - hlen - pad;

        if (payload == 0
            || payload % SRT_TS_PACKET_SIZE != 0
            || buf[hlen] != SRT_TS_SYNC_BYTE)
        {
            return 0;
        }
    }

    if (padding) {
        *padding = pad;
    }

    return hlen;
}


/*
 * The scan keeps every byte accounted for: each byte of a datagram ends up
 * either in an accepted packet (sync->packets * 188) or in garbage_bytes.
 *
 * Acceptance: buf[i] == 0x47, 188 bytes available, and the alignment is
 * confirmed by the next boundary being the end of the data or 0x47.  The
 * one exception is the last whole packet before a short tail (1..187 bytes
 * that do not start with 0x47): it is accepted when it is aligned with the
 * datagram start or directly follows an accepted packet, so a datagram that
 * was cut or has a few trailing bytes loses only the partial packet.
 *
 * Sync accounting, exactly:
 *   - a garbage episode is a maximal stretch of bytes skipped while looking
 *     for a sync byte; it starts when a position that leaves at least 188
 *     bytes is rejected;
 *   - an episode counts one sync loss if sync->in_sync was set when it
 *     began; in_sync is cleared by an episode and set by every accepted
 *     packet, and carries over between datagrams;
 *   - the state before the first datagram counts as "in sync", so a first
 *     datagram that starts with garbage counts one loss;
 *   - a short tail (fewer than 188 bytes after the last accepted packet, or
 *     a whole datagram shorter than 188 bytes) is a truncated packet, not a
 *     sync loss: it counts in truncated and garbage_bytes and leaves in_sync
 *     alone, since the next datagram starts on its own boundary.  Bytes left
 *     at the end of a garbage episode belong to that episode instead.
 */

size_t
srt_ts_find_runs(const uint8_t *buf, size_t len, srt_ts_run_t *runs,
    size_t max_runs, srt_ts_sync_t *sync)
{
    size_t         i, n, end, rest;
    unsigned       skipping, ok;
    const uint8_t  *p;

    if (sync->datagrams == 0) {
        sync->in_sync = 1;
    }

    sync->datagrams++;

    if (buf == NULL) {
        return 0;
    }

    n = 0;
    i = 0;
    end = (size_t) -1;      /* end of the last accepted packet: none yet */
    skipping = 0;

    while (len - i >= SRT_TS_PACKET_SIZE) {

        rest = len - i - SRT_TS_PACKET_SIZE;

        ok = 0;

        if (buf[i] == SRT_TS_SYNC_BYTE) {
            if (rest == 0 || buf[i + SRT_TS_PACKET_SIZE] == SRT_TS_SYNC_BYTE)
            {
                ok = 1;

            } else if (rest < SRT_TS_PACKET_SIZE && (i == 0 || i == end)) {
                /* the last whole packet before a short tail */
                ok = 1;
            }
        }

        if (ok) {
            skipping = 0;
            sync->in_sync = 1;

            if (n > 0
                && runs[n - 1].offset + runs[n - 1].count * SRT_TS_PACKET_SIZE
                   == i)
            {
                runs[n - 1].count++;
                sync->packets++;

            } else if (n < max_runs) {
                runs[n].offset = i;
                runs[n].count = 1;
                n++;
                sync->packets++;

            } else {
                /* no room for another run: the caller asked for the cap */
                sync->garbage_bytes += SRT_TS_PACKET_SIZE;
            }

            i += SRT_TS_PACKET_SIZE;
            end = i;
            continue;
        }

        if (!skipping) {
            skipping = 1;

            if (sync->in_sync) {
                sync->sync_losses++;
                sync->in_sync = 0;
            }
        }

        /* skip to the next candidate sync byte */

        p = memchr(buf + i + 1, SRT_TS_SYNC_BYTE, len - i - 1);

        if (p == NULL) {
            sync->garbage_bytes += len - i;
            i = len;
            break;
        }

        sync->garbage_bytes += (size_t) (p - (buf + i));
        i = (size_t) (p - buf);
    }

    if (i < len) {
        sync->garbage_bytes += len - i;

        if (!skipping) {
            sync->truncated++;
        }
    }

    return n;
}


void
srt_ts_analyzer_init(srt_ts_analyzer_t *a)
{
    memset(a, 0, sizeof(srt_ts_analyzer_t));

    a->pat_version = -1;
    a->pmt_version = -1;
}


unsigned
srt_ts_analyze(srt_ts_analyzer_t *a, const uint8_t *pkt)
{
    size_t          off, n, aflen;
    uint8_t         cc, prev, afflags;
    uint16_t        pid;
    unsigned        flags, pusi, afc, disc, dup, w, h;
    const uint8_t  *p;

    if (pkt[1] & 0x80) {
        /* the demodulator says the packet is broken: trust nothing in it */
        a->tei_packets++;
        return SRT_TS_F_TEI;
    }

    pid = srt_ts_pid(pkt);

    if (pid == SRT_TS_NULL_PID) {
        return 0;
    }

    flags = 0;
    pusi = (pkt[1] & 0x40) != 0;
    afc = (pkt[3] >> 4) & 0x03;
    cc = pkt[3] & 0x0f;

    if (pusi) {
        flags |= SRT_TS_F_PUSI;
    }

    if (afc == 0) {
        /* reserved: decoders discard such packets */
        return flags;
    }

    /*
     * Adaptation field.  A length that does not fit the packet means the
     * header is damaged: its flags and the payload are ignored, but the
     * continuity counter (in the fixed header) is still checked.
     */

    off = 4;
    afflags = 0;
    p = NULL;
    n = 0;

    if (afc & 0x02) {
        aflen = pkt[4];

        if (aflen <= SRT_TS_PACKET_SIZE - 5) {
            if (aflen > 0) {
                afflags = pkt[5];
            }

            off = 5 + aflen;

            /* 183 with a payload flag leaves no payload at all */
            if ((afc & 0x01) && off < SRT_TS_PACKET_SIZE) {
                p = pkt + off;
                n = SRT_TS_PACKET_SIZE - off;
            }
        }

    } else {
        p = pkt + off;
        n = SRT_TS_PACKET_SIZE - off;
    }

    /* continuity counter */

    disc = (afflags & SRT_TS_AF_DISCONTINUITY) != 0;
    dup = 0;
    prev = a->cc[pid];

    if (!(prev & SRT_TS_CC_SEEN) || disc) {
        a->cc[pid] = SRT_TS_CC_SEEN | cc;

    } else if (afc & 0x01) {

        if (cc == ((prev + 1) & 0x0f)) {
            a->cc[pid] = SRT_TS_CC_SEEN | cc;

        } else if (cc == (prev & 0x0f) && !(prev & SRT_TS_CC_DUP)) {
            /* one duplicate is allowed (ISO 13818-1 2.4.3.3) */
            a->cc[pid] = prev | SRT_TS_CC_DUP;
            dup = 1;

        } else {
            a->cc[pid] = SRT_TS_CC_SEEN | cc;
            a->cc_errors++;
            a->cc_errors_pid[pid]++;
            flags |= SRT_TS_F_CC_ERROR;

            if (a->section.active && a->section.pid == pid) {
                /* the section being collected lost a piece */
                a->section.active = 0;
            }
        }
    }

    /*
     * Packets without payload must keep the counter; a stray value there
     * is not counted (per the spec it carries no data to lose) and does not
     * move the stored counter either.
     */

    if (dup) {
        /* a repeat of data already seen: parsing it again would corrupt
         * section reassembly and duplicate random access points */
        return flags;
    }

    /* PSI */

    if (p != NULL && (pid == 0 || (a->pmt_pid != 0 && pid == a->pmt_pid))) {

        if (pusi) {
            srt_ts_section_start(a, pid, p, n, &flags);

        } else if (a->section.active && a->section.pid == pid) {
            srt_ts_section_feed(a, p, n, &flags);
        }
    }

    /* random access points */

    if (a->video_pid != 0 && pid == a->video_pid) {

        if (afflags & SRT_TS_AF_RAI) {
            flags |= SRT_TS_F_RAP;

        } else if (pusi && p != NULL
                   && srt_ts_video_rap(a->video_type, p, n))
        {
            flags |= SRT_TS_F_RAP;
        }

        /* the picture size, once a keyframe (its parameters come first) */
        if ((flags & SRT_TS_F_RAP) && pusi && p != NULL
            && srt_ts_video_size(a->video_type, p, n, &w, &h))
        {
            a->video_width = (uint16_t) w;
            a->video_height = (uint16_t) h;
        }

    } else if (a->video_pid == 0 && a->audio_pid != 0
               && pid == a->audio_pid && pusi && p != NULL)
    {
        flags |= SRT_TS_F_RAP;
    }

    return flags;
}


uint16_t
srt_ts_pid(const uint8_t *pkt)
{
    return (uint16_t) (((pkt[1] & 0x1f) << 8) | pkt[2]);
}


uint64_t
srt_ts_pes_ts(const uint8_t *p)
{
    return ((uint64_t) (p[0] & 0x0e) << 29) | ((uint64_t) p[1] << 22)
           | ((uint64_t) (p[2] & 0xfe) << 14) | ((uint64_t) p[3] << 7)
           | (p[4] >> 1);
}


uint32_t
srt_ts_crc32(const uint8_t *data, size_t len)
{
    size_t    i;
    uint32_t  crc;

    crc = 0xffffffff;

    for (i = 0; i < len; i++) {
        crc = (crc << 4) ^ srt_ts_crc_nibble[((crc >> 28) ^ (data[i] >> 4))
                                             & 0x0f];
        crc = (crc << 4) ^ srt_ts_crc_nibble[((crc >> 28) ^ data[i]) & 0x0f];
    }

    return crc;
}


/*
 * A payload with payload_unit_start_indicator: pointer_field, the tail of
 * the section in progress, then one or more new sections up to 0xff
 * stuffing.  Sections complete inside this packet are parsed in place and
 * never touch the reassembly buffer, so a one-packet PAT between the
 * packets of a long PMT does not break the PMT's reassembly.
 */

static void
srt_ts_section_start(srt_ts_analyzer_t *a, uint16_t pid, const uint8_t *p,
    size_t n, unsigned *flags)
{
    size_t  ptr, slen;

    if (n == 0) {
        return;
    }

    ptr = p[0];
    p++;
    n--;

    if (ptr > n) {
        /* a pointer past the packet: nothing here can be trusted */

        if (a->section.active && a->section.pid == pid) {
            a->section.active = 0;
        }

        a->psi_errors++;
        return;
    }

    if (a->section.active && a->section.pid == pid) {
        srt_ts_section_feed(a, p, ptr, flags);

        /* whatever was not completed by the pointed bytes never will be */
        a->section.active = 0;
    }

    p += ptr;
    n -= ptr;

    if (n > 0) {
        if (pid == 0 && p[0] == SRT_TS_TABLE_PAT) {
            *flags |= SRT_TS_F_PAT;

        } else if (pid != 0 && p[0] == SRT_TS_TABLE_PMT) {
            *flags |= SRT_TS_F_PMT;
        }
    }

    while (n > 0 && p[0] != 0xff) {

        if (n < 3) {
            /* section header split across packets */
            break;
        }

        slen = ((size_t) (p[1] & 0x0f) << 8) | p[2];

        if (slen < SRT_TS_SECTION_MIN_LEN || slen > SRT_TS_SECTION_MAX_LEN) {
            a->psi_errors++;
            return;
        }

        if (3 + slen > n) {
            break;
        }

        srt_ts_section_parse(a, pid, p, 3 + slen, flags);

        p += 3 + slen;
        n -= 3 + slen;
    }

    if (n == 0 || p[0] == 0xff) {
        return;
    }

    /* a section continuing in the next packets */

    memcpy(a->section.buf, p, n);
    a->section.len = n;
    a->section.pid = pid;
    a->section.active = 1;
}


/* appends to the section in progress and parses it once complete */

static void
srt_ts_section_feed(srt_ts_analyzer_t *a, const uint8_t *p, size_t n,
    unsigned *flags)
{
    size_t             need, slen;
    srt_ts_section_t  *s;

    s = &a->section;

    if (s->len < 3) {
        need = 3 - s->len;

        if (need > n) {
            need = n;
        }

        memcpy(s->buf + s->len, p, need);
        s->len += need;
        p += need;
        n -= need;

        if (s->len < 3) {
            return;
        }
    }

    slen = ((size_t) (s->buf[1] & 0x0f) << 8) | s->buf[2];

    if (slen < SRT_TS_SECTION_MIN_LEN || slen > SRT_TS_SECTION_MAX_LEN) {
        a->psi_errors++;
        s->active = 0;
        return;
    }

    /* s->len <= 3 + slen always holds: bytes are only taken as needed */

    need = 3 + slen - s->len;

    if (need > n) {
        need = n;
    }

    memcpy(s->buf + s->len, p, need);
    s->len += need;

    if (s->len < 3 + slen) {
        return;
    }

    s->active = 0;

    srt_ts_section_parse(a, s->pid, s->buf, s->len, flags);
}


static void
srt_ts_section_parse(srt_ts_analyzer_t *a, uint16_t pid, const uint8_t *s,
    size_t len, unsigned *flags)
{
    if (srt_ts_crc32(s, len) != 0) {
        a->psi_errors++;
        return;
    }

    /*
     * Only current (current_next_indicator), long-form, first sections:
     * PMTs are always one section, and a PAT's first section is where the
     * first program lives in any real stream.
     */

    if (!(s[1] & 0x80) || !(s[5] & 0x01) || s[6] != 0) {
        return;
    }

    if (pid == 0) {
        if (s[0] == SRT_TS_TABLE_PAT) {
            srt_ts_parse_pat(a, s, len, flags);
        }

    } else if (s[0] == SRT_TS_TABLE_PMT) {
        srt_ts_parse_pmt(a, s, len, flags);
    }
}


static void
srt_ts_parse_pat(srt_ts_analyzer_t *a, const uint8_t *s, size_t len,
    unsigned *flags)
{
    size_t    i;
    uint16_t  program, pmt_pid;
    uint32_t  crc;

    crc = ((uint32_t) s[len - 4] << 24) | ((uint32_t) s[len - 3] << 16)
          | ((uint32_t) s[len - 2] << 8) | s[len - 1];

    if (a->pat_version != -1 && crc == a->pat_crc) {
        return;
    }

    *flags |= SRT_TS_F_PSI_CHANGE;

    a->pat_version = (s[5] >> 1) & 0x1f;
    a->pat_crc = crc;

    program = 0;
    pmt_pid = 0;

    /* 8-byte header, 4-byte entries, 4-byte CRC */

    for (i = 8; i + 4 <= len - 4; i += 4) {
        program = (uint16_t) ((s[i] << 8) | s[i + 1]);

        if (program != 0) {
            pmt_pid = (uint16_t) (((s[i + 2] & 0x1f) << 8) | s[i + 3]);
            break;
        }

        /* program 0 is the network PID, not a program */
    }

    if (pmt_pid == 0) {
        program = 0;
    }

    if (pmt_pid == a->pmt_pid && program == a->program_number) {
        return;
    }

    /* another program: everything learned from the old PMT is stale */

    if (a->section.active && a->section.pid == a->pmt_pid) {
        a->section.active = 0;
    }

    a->pmt_pid = pmt_pid;
    a->program_number = program;
    a->pcr_pid = 0;
    a->video_pid = 0;
    a->audio_pid = 0;
    a->video_type = 0;
    a->audio_type = 0;
    a->pmt_version = -1;
    a->pmt_crc = 0;
}


static void
srt_ts_parse_pmt(srt_ts_analyzer_t *a, const uint8_t *s, size_t len,
    unsigned *flags)
{
    size_t    i, end, info_len;
    uint8_t   type, video_type, audio_type;
    uint16_t  program, pid, pcr_pid, video_pid, audio_pid;
    uint32_t  crc;

    program = (uint16_t) ((s[3] << 8) | s[4]);

    if (program != a->program_number) {
        /* another program's PMT sharing the PID */
        return;
    }

    crc = ((uint32_t) s[len - 4] << 24) | ((uint32_t) s[len - 3] << 16)
          | ((uint32_t) s[len - 2] << 8) | s[len - 1];

    if (a->pmt_version != -1 && crc == a->pmt_crc) {
        return;
    }

    end = len - 4;

    if (end < 12) {
        a->psi_errors++;
        return;
    }

    pcr_pid = (uint16_t) (((s[8] & 0x1f) << 8) | s[9]);
    info_len = ((size_t) (s[10] & 0x0f) << 8) | s[11];

    if (12 + info_len > end) {
        a->psi_errors++;
        return;
    }

    video_pid = 0;
    audio_pid = 0;
    video_type = 0;
    audio_type = 0;

    /* parse into locals first: a bad loop must not leave half an update */

    for (i = 12 + info_len; i < end; i += 5 + info_len) {

        if (end - i < 5) {
            a->psi_errors++;
            return;
        }

        type = s[i];
        pid = (uint16_t) (((s[i + 1] & 0x1f) << 8) | s[i + 2]);
        info_len = ((size_t) (s[i + 3] & 0x0f) << 8) | s[i + 4];

        if (info_len > end - i - 5) {
            a->psi_errors++;
            return;
        }

        if (video_pid == 0 && srt_ts_is_video(type)) {
            video_pid = pid;
            video_type = type;

        } else if (audio_pid == 0
                   && srt_ts_is_audio(type, s + i + 5, info_len))
        {
            audio_pid = pid;
            audio_type = type;
        }
    }

    *flags |= SRT_TS_F_PSI_CHANGE;

    a->pmt_version = (s[5] >> 1) & 0x1f;
    a->pmt_crc = crc;
    a->pcr_pid = pcr_pid;
    a->video_pid = video_pid;
    a->video_type = video_type;
    a->audio_pid = audio_pid;
    a->audio_type = audio_type;
}


static int
srt_ts_is_video(uint8_t type)
{
    switch (type) {
    case 0x01:  /* MPEG-1 video */
    case 0x02:  /* MPEG-2 video */
    case 0x10:  /* MPEG-4 part 2 */
    case 0x1b:  /* H.264 */
    case 0x24:  /* H.265 */
        return 1;
    }

    return 0;
}


static int
srt_ts_is_audio(uint8_t type, const uint8_t *desc, size_t len)
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

        for (i = 0; i + 2 <= len; i += 2 + desc[i + 1]) {
            if (desc[i] == 0x6a || desc[i] == 0x7a) {
                return 1;
            }
        }

        return 0;
    }

    return 0;
}


/*
 * A PES start: 00 00 01 stream_id, PES_packet_length, then the optional
 * header ('10' marker bits) whose PES_header_data_length tells where the
 * elementary stream starts.
 */

static int
srt_ts_video_rap(uint8_t type, const uint8_t *p, size_t n)
{
    size_t  hlen;

    if (n < 9 || p[0] != 0 || p[1] != 0 || p[2] != 1) {
        return 0;
    }

    if ((p[6] & 0xc0) != 0x80) {
        return 0;
    }

    hlen = 9 + (size_t) p[8];

    if (hlen >= n) {
        return 0;
    }

    return srt_ts_es_rap(type, p + hlen, n - hlen);
}


/*
 * Scans the elementary stream bytes of this packet for start codes.  NAL
 * emulation prevention guarantees 00 00 01 only occurs at real start codes.
 */

static int
srt_ts_es_rap(uint8_t type, const uint8_t *p, size_t n)
{
    size_t   i;
    uint8_t  c, nal;

    for (i = 0; i + 3 < n; i++) {

        if (p[i] != 0 || p[i + 1] != 0 || p[i + 2] != 1) {
            continue;
        }

        c = p[i + 3];

        switch (type) {

        case 0x1b:
            nal = c & 0x1f;

            /* IDR slice, SPS */
            if (nal == 5 || nal == 7) {
                return 1;
            }

            break;

        case 0x24:
            nal = (c >> 1) & 0x3f;

            /* BLA, IDR, CRA (16..21), VPS (32) */
            if ((nal >= 16 && nal <= 21) || nal == 32) {
                return 1;
            }

            break;

        case 0x01:
        case 0x02:
            /* sequence header */
            if (c == 0xb3) {
                return 1;
            }

            break;

        case 0x10:
            /* visual object sequence, group of VOPs */
            if (c == 0xb0 || c == 0xb3) {
                return 1;
            }

            break;

        default:
            return 0;
        }

        i += 2;
    }

    return 0;
}
