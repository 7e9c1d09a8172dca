/*
 * tsgen: paced UDP sender of a synthetic, time-stamped MPEG-TS stream.
 *
 *   tsgen -p PORT [-b BITRATE] [-d SECONDS] [-f FPS] [-g GOP_SECONDS] [-q]
 *
 * Sends to 127.0.0.1:PORT only.  7 TS packets (1316 bytes) per datagram,
 * paced with clock_nanosleep() on absolute 1 ms deadlines (all datagrams
 * that are due at a tick are sent in a burst).
 *
 * The stream is a valid single-program transport stream:
 *   PID 0x0000  PAT (program 1 -> PMT PID 0x1000), every 100 ms
 *   PID 0x1000  PMT (stream_type 0x1b H.264 on PID 0x100, PCR PID 0x100)
 *   PID 0x0100  one PES per frame (PTS, unbounded length), Annex B H.264:
 *               AUD, SPS+PPS and an IDR slice header on keyframes (every
 *               GOP_SECONDS, adaptation field random_access_indicator set),
 *               a P slice header otherwise; PCR in the adaptation field of
 *               every frame's first packet.  The slice data is synthetic.
 *
 * Every PID 0x100 packet carries a 24-byte stamp record in its payload
 * (right after the TS header in ordinary packets, i.e. bytes 4..27; after
 * the adaptation field, PES header and NAL headers in a frame's first
 * packet):
 *
 *   A5 5A C3 3C  ts[10]  seq[10]
 *
 * ts is the CLOCK_MONOTONIC time in ns taken just before the datagram is
 * sent, seq a per-packet sequence number; both 64-bit, big-endian, 7 bits
 * per byte with the top bit set (so the H.264 payload never contains a
 * start code or 0x00 byte and survives a remux such as ffmpeg -c copy).
 * Receivers find records by scanning PID 0x100 payloads for the magic.
 *
 * Output: one JSON line on stdout at the end.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "stamp.h"

#define TS            188
#define PKTS_PER_DGRAM 7
#define DGRAM         (TS * PKTS_PER_DGRAM)
#define VIDEO_PID     0x100
#define PMT_PID       0x1000

/* ---- CRC-32/MPEG-2 ---- */

static uint32_t
crc32_mpeg2(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xffffffff;
    while (n--) {
        crc ^= (uint32_t) *p++ << 24;
        for (int i = 0; i < 8; i++) {
            crc = (crc & 0x80000000) ? (crc << 1) ^ 0x04c11db7 : crc << 1;
        }
    }
    return crc;
}

/* ---- bit writer for H.264 parameter sets and slice headers ---- */

typedef struct {
    uint8_t  buf[64];
    size_t   bits;
} bw_t;

static void
bw_u(bw_t *b, unsigned n, uint32_t v)
{
    while (n--) {
        size_t byte = b->bits >> 3;
        if (byte >= sizeof(b->buf)) {
            return;
        }
        if ((b->bits & 7) == 0) {
            b->buf[byte] = 0;
        }
        if ((v >> n) & 1) {
            b->buf[byte] |= 0x80 >> (b->bits & 7);
        }
        b->bits++;
    }
}

static void
bw_ue(bw_t *b, uint32_t v)
{
    uint32_t x = v + 1;
    unsigned len = 0;
    while ((x >> len) > 1) {
        len++;
    }
    bw_u(b, len, 0);
    bw_u(b, len + 1, x);
}

static void
bw_se(bw_t *b, int32_t v)
{
    bw_ue(b, v > 0 ? (uint32_t) (2 * v - 1) : (uint32_t) (-2 * v));
}

/* rbsp_trailing_bits */
static void
bw_trailing(bw_t *b)
{
    bw_u(b, 1, 1);
    while (b->bits & 7) {
        bw_u(b, 1, 0);
    }
}

/* pad to a byte boundary with 1 bits (start of the synthetic slice data) */
static void
bw_align_ones(bw_t *b)
{
    while (b->bits & 7) {
        bw_u(b, 1, 1);
    }
}

/* writes start code + NAL header + RBSP with emulation prevention */
static size_t
put_nal(uint8_t *out, uint8_t nal_header, const bw_t *b)
{
    size_t n = 0, zeros = 0;
    out[n++] = 0; out[n++] = 0; out[n++] = 1;
    out[n++] = nal_header;
    for (size_t i = 0; i < (b->bits + 7) / 8; i++) {
        if (zeros >= 2 && b->buf[i] <= 3) {
            out[n++] = 3;
            zeros = 0;
        }
        out[n++] = b->buf[i];
        zeros = b->buf[i] == 0 ? zeros + 1 : 0;
    }
    return n;
}

static size_t
make_sps(uint8_t *out)
{
    bw_t b = { .bits = 0 };
    bw_u(&b, 8, 66);        /* profile_idc: baseline */
    bw_u(&b, 8, 0xc0);      /* constraint_set0/1 */
    bw_u(&b, 8, 40);        /* level_idc 4.0 */
    bw_ue(&b, 0);           /* seq_parameter_set_id */
    bw_ue(&b, 0);           /* log2_max_frame_num_minus4 -> 4 bits */
    bw_ue(&b, 2);           /* pic_order_cnt_type 2 */
    bw_ue(&b, 1);           /* max_num_ref_frames */
    bw_u(&b, 1, 0);         /* gaps_in_frame_num_value_allowed_flag */
    bw_ue(&b, 79);          /* pic_width_in_mbs_minus1: 1280 */
    bw_ue(&b, 44);          /* pic_height_in_map_units_minus1: 720 */
    bw_u(&b, 1, 1);         /* frame_mbs_only_flag */
    bw_u(&b, 1, 1);         /* direct_8x8_inference_flag */
    bw_u(&b, 1, 0);         /* frame_cropping_flag */
    bw_u(&b, 1, 0);         /* vui_parameters_present_flag */
    bw_trailing(&b);
    return put_nal(out, 0x67, &b);
}

static size_t
make_pps(uint8_t *out)
{
    bw_t b = { .bits = 0 };
    bw_ue(&b, 0);           /* pic_parameter_set_id */
    bw_ue(&b, 0);           /* seq_parameter_set_id */
    bw_u(&b, 1, 0);         /* entropy_coding_mode_flag: CAVLC */
    bw_u(&b, 1, 0);         /* bottom_field_pic_order_in_frame_present */
    bw_ue(&b, 0);           /* num_slice_groups_minus1 */
    bw_ue(&b, 0);           /* num_ref_idx_l0_default_active_minus1 */
    bw_ue(&b, 0);           /* num_ref_idx_l1_default_active_minus1 */
    bw_u(&b, 1, 0);         /* weighted_pred_flag */
    bw_u(&b, 2, 0);         /* weighted_bipred_idc */
    bw_se(&b, 0);           /* pic_init_qp_minus26 */
    bw_se(&b, 0);           /* pic_init_qs_minus26 */
    bw_se(&b, 0);           /* chroma_qp_index_offset */
    bw_u(&b, 1, 1);         /* deblocking_filter_control_present_flag */
    bw_u(&b, 1, 0);         /* constrained_intra_pred_flag */
    bw_u(&b, 1, 0);         /* redundant_pic_cnt_present_flag */
    bw_trailing(&b);
    return put_nal(out, 0x68, &b);
}

/* slice NAL start + slice header; the caller appends synthetic slice data */
static size_t
make_slice_header(uint8_t *out, int idr, unsigned frame_num, unsigned idr_id)
{
    bw_t b = { .bits = 0 };
    bw_ue(&b, 0);                   /* first_mb_in_slice */
    bw_ue(&b, idr ? 7 : 5);         /* slice_type: all I / all P */
    bw_ue(&b, 0);                   /* pic_parameter_set_id */
    bw_u(&b, 4, idr ? 0 : frame_num & 15);
    if (idr) {
        bw_ue(&b, idr_id & 1);      /* idr_pic_id */
    } else {
        bw_u(&b, 1, 0);             /* num_ref_idx_active_override_flag */
        bw_u(&b, 1, 0);             /* ref_pic_list_modification_flag_l0 */
    }
    if (idr) {
        bw_u(&b, 1, 0);             /* no_output_of_prior_pics_flag */
        bw_u(&b, 1, 0);             /* long_term_reference_flag */
    } else {
        bw_u(&b, 1, 0);             /* adaptive_ref_pic_marking_mode_flag */
    }
    bw_se(&b, 0);                   /* slice_qp_delta */
    bw_ue(&b, 1);                   /* disable_deblocking_filter_idc */
    bw_align_ones(&b);
    return put_nal(out, idr ? 0x65 : 0x41, &b);
}

/* ---- TS generator ---- */

typedef struct {
    uint64_t   bitrate;
    double     fps;
    double     gop;
    uint64_t   pkt_index;        /* TS packets generated so far */
    uint64_t   next_psi_pkt;     /* packet index of the next PAT/PMT pair */
    uint64_t   frame;            /* frames started */
    uint64_t   seq;              /* stamped video packets */
    uint8_t    cc[8192];
    int        psi_phase;        /* 0: none pending, 1: PMT pending */
    uint8_t    pat[TS], pmt[TS];
    uint8_t    sps[64], pps[64];
    size_t     sps_len, pps_len;
} gen_t;

static double
pkt_time(const gen_t *g, uint64_t idx)
{
    return (double) idx * TS * 8 / (double) g->bitrate;
}

static void
build_psi(gen_t *g)
{
    uint8_t *p;
    size_t   n;
    uint32_t crc;

    /* PAT */
    memset(g->pat, 0xff, TS);
    p = g->pat;
    p[0] = 0x47; p[1] = 0x40; p[2] = 0x00; p[3] = 0x10;
    p[4] = 0;                           /* pointer_field */
    n = 5;
    p[n++] = 0x00;                      /* table_id */
    p[n++] = 0xb0; p[n++] = 13;         /* section_length */
    p[n++] = 0x00; p[n++] = 0x01;       /* transport_stream_id */
    p[n++] = 0xc1;                      /* version 0, current */
    p[n++] = 0; p[n++] = 0;
    p[n++] = 0x00; p[n++] = 0x01;       /* program_number 1 */
    p[n++] = 0xe0 | (PMT_PID >> 8); p[n++] = PMT_PID & 0xff;
    crc = crc32_mpeg2(p + 5, n - 5);
    p[n++] = crc >> 24; p[n++] = crc >> 16; p[n++] = crc >> 8; p[n++] = crc;

    /* PMT */
    memset(g->pmt, 0xff, TS);
    p = g->pmt;
    p[0] = 0x47; p[1] = 0x40 | (PMT_PID >> 8); p[2] = PMT_PID & 0xff;
    p[3] = 0x10;
    p[4] = 0;
    n = 5;
    p[n++] = 0x02;
    p[n++] = 0xb0; p[n++] = 18;         /* section_length */
    p[n++] = 0x00; p[n++] = 0x01;       /* program_number */
    p[n++] = 0xc1;
    p[n++] = 0; p[n++] = 0;
    p[n++] = 0xe0 | (VIDEO_PID >> 8); p[n++] = VIDEO_PID & 0xff; /* PCR */
    p[n++] = 0xf0; p[n++] = 0x00;       /* program_info_length */
    p[n++] = 0x1b;                      /* H.264 */
    p[n++] = 0xe0 | (VIDEO_PID >> 8); p[n++] = VIDEO_PID & 0xff;
    p[n++] = 0xf0; p[n++] = 0x00;       /* ES_info_length */
    crc = crc32_mpeg2(p + 5, n - 5);
    p[n++] = crc >> 24; p[n++] = crc >> 16; p[n++] = crc >> 8; p[n++] = crc;
}

/*
 * Generates the next TS packet into out; returns the offset of the stamp
 * record inside the packet, or -1 if the packet carries none.
 */
static int
gen_packet(gen_t *g, uint8_t *out)
{
    uint64_t idx = g->pkt_index++;
    double   t = pkt_time(g, idx);
    uint8_t  *p = out;
    size_t   n;
    int      stamp_off;

    if (idx >= g->next_psi_pkt && g->psi_phase == 0) {
        g->psi_phase = 1;
        memcpy(out, g->pat, TS);
        out[3] = 0x10 | (g->cc[0]++ & 15);
        g->next_psi_pkt = idx + (uint64_t) (0.1 * g->bitrate / (TS * 8));
        return -1;
    }
    if (g->psi_phase == 1) {
        g->psi_phase = 0;
        memcpy(out, g->pmt, TS);
        out[3] = 0x10 | (g->cc[PMT_PID]++ & 15);
        return -1;
    }

    memset(out, 0xff, TS);
    p[0] = 0x47;
    p[2] = VIDEO_PID & 0xff;

    if (t * g->fps >= (double) g->frame) {
        /* first packet of a new frame: AF (PCR, RAI), PES header, NALs */
        unsigned gop_frames = (unsigned) (g->gop * g->fps + 0.5);
        int      key = gop_frames == 0 || g->frame % gop_frames == 0;
        uint64_t pcr_base = (uint64_t) (t * 90000.0) + 90000; /* +1 s */
        uint64_t pts = pcr_base + 9000;                        /* +100 ms */

        p[1] = 0x40 | (VIDEO_PID >> 8);
        p[3] = 0x30 | (g->cc[VIDEO_PID]++ & 15);
        p[4] = 7;                                   /* AF length */
        p[5] = 0x10 | (key ? 0x40 : 0);             /* PCR, RAI */
        p[6] = pcr_base >> 25; p[7] = pcr_base >> 17; p[8] = pcr_base >> 9;
        p[9] = pcr_base >> 1;
        p[10] = ((pcr_base & 1) << 7) | 0x7e;
        p[11] = 0;                                  /* PCR extension */
        n = 12;
        /* PES header, unbounded length, PTS only */
        p[n++] = 0; p[n++] = 0; p[n++] = 1; p[n++] = 0xe0;
        p[n++] = 0; p[n++] = 0;
        p[n++] = 0x80; p[n++] = 0x80; p[n++] = 5;
        p[n++] = 0x21 | ((pts >> 29) & 0x0e);
        p[n++] = pts >> 22;
        p[n++] = 0x01 | ((pts >> 14) & 0xfe);
        p[n++] = pts >> 7;
        p[n++] = 0x01 | ((pts << 1) & 0xfe);
        /* AUD, primary_pic_type 7 */
        p[n++] = 0; p[n++] = 0; p[n++] = 0; p[n++] = 1; p[n++] = 0x09;
        p[n++] = 0xf0;
        if (key) {
            memcpy(p + n, g->sps, g->sps_len); n += g->sps_len;
            memcpy(p + n, g->pps, g->pps_len); n += g->pps_len;
        }
        {
            unsigned since_key = gop_frames ? g->frame % gop_frames : 0;
            n += make_slice_header(p + n, key, since_key,
                                   (unsigned) (g->frame / (gop_frames ? gop_frames : 1)));
        }
        g->frame++;
        stamp_off = (int) n;
    } else {
        p[1] = VIDEO_PID >> 8;
        p[3] = 0x10 | (g->cc[VIDEO_PID]++ & 15);
        stamp_off = 4;
    }

    if (stamp_off + STAMP_LEN > TS) {
        return -1;      /* cannot happen with the headers above */
    }
    memcpy(p + stamp_off, stamp_magic, 4);
    stamp_put(p + stamp_off + 4 + STAMP_VAL_LEN, g->seq++);
    return stamp_off;
}

static void
usage(void)
{
    fprintf(stderr,
        "usage: tsgen -p PORT [-b BITRATE_BPS] [-d SECONDS] [-f FPS] "
        "[-g GOP_SECONDS] [-q]\n"
        "sends a time-stamped MPEG-TS stream to 127.0.0.1:PORT\n");
    exit(2);
}

int
main(int argc, char **argv)
{
    int      opt, port = 0, quiet = 0;
    double   seconds = 10;
    gen_t   *g = calloc(1, sizeof(gen_t));

    if (g == NULL) {
        return 1;
    }
    g->bitrate = 10000000;
    g->fps = 25;
    g->gop = 1;

    while ((opt = getopt(argc, argv, "p:b:d:f:g:q")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'b': g->bitrate = strtoull(optarg, NULL, 10); break;
        case 'd': seconds = atof(optarg); break;
        case 'f': g->fps = atof(optarg); break;
        case 'g': g->gop = atof(optarg); break;
        case 'q': quiet = 1; break;
        default: usage();
        }
    }
    if (!ports_ok(port, 1) || g->bitrate < 100000 || seconds <= 0
        || seconds > 3600 || g->fps <= 0 || g->fps > 240)
    {
        usage();
    }

    build_psi(g);
    g->sps_len = make_sps(g->sps);
    g->pps_len = make_pps(g->pps);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) {
        perror("socket");
        return 1;
    }
    int sndbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    struct sockaddr_in dst = { .sin_family = AF_INET,
                               .sin_port = htons((uint16_t) port) };
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *) &dst, sizeof(dst)) < 0) {
        perror("connect");
        return 1;
    }

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    uint8_t  dg[DGRAM];
    int      stamp_off[PKTS_PER_DGRAM];
    double   dgram_rate = (double) g->bitrate / (DGRAM * 8);
    uint64_t start = now_ns(), end = start + (uint64_t) (seconds * 1e9);
    uint64_t sent = 0, errors = 0, late_ticks = 0, max_burst = 0;
    struct timespec tick;

    clock_gettime(CLOCK_MONOTONIC, &tick);

    for (;;) {
        uint64_t now = now_ns();
        if (stop || now >= end) {
            break;
        }
        uint64_t due = (uint64_t) ((double) (now - start) * 1e-9 * dgram_rate) + 1;
        uint64_t burst = due > sent ? due - sent : 0;
        if (burst > max_burst) {
            max_burst = burst;
        }
        while (sent < due) {
            for (int i = 0; i < PKTS_PER_DGRAM; i++) {
                stamp_off[i] = gen_packet(g, dg + i * TS);
            }
            uint64_t t = now_ns();
            for (int i = 0; i < PKTS_PER_DGRAM; i++) {
                if (stamp_off[i] >= 0) {
                    stamp_put(dg + i * TS + stamp_off[i] + 4, t);
                }
            }
            if (send(fd, dg, DGRAM, 0) != DGRAM) {
                errors++;       /* e.g. ECONNREFUSED before the peer binds */
            }
            sent++;
        }
        /* next absolute 1 ms deadline */
        tick.tv_nsec += 1000000;
        if (tick.tv_nsec >= 1000000000) {
            tick.tv_nsec -= 1000000000;
            tick.tv_sec++;
        }
        now = now_ns();
        uint64_t tick_ns = (uint64_t) tick.tv_sec * 1000000000ull + (uint64_t) tick.tv_nsec;
        if (tick_ns + 1000000 < now) {
            /* fell behind by more than a tick: resynchronise the grid */
            late_ticks++;
            clock_gettime(CLOCK_MONOTONIC, &tick);
            continue;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &tick, NULL)
               == EINTR && !stop)
        {
            /* retry */
        }
    }

    double elapsed = (double) (now_ns() - start) * 1e-9;
    if (!quiet) {
        fprintf(stderr, "tsgen: %llu datagrams in %.3f s\n",
                (unsigned long long) sent, elapsed);
    }
    printf("{\"tool\":\"tsgen\",\"port\":%d,\"bitrate\":%llu,\"seconds\":%.3f,"
           "\"datagrams\":%llu,\"bytes\":%llu,\"send_errors\":%llu,"
           "\"video_packets\":%llu,\"frames\":%llu,\"late_ticks\":%llu,"
           "\"max_burst\":%llu,\"mbps\":%.3f}\n",
           port, (unsigned long long) g->bitrate, elapsed,
           (unsigned long long) sent, (unsigned long long) (sent * DGRAM),
           (unsigned long long) errors, (unsigned long long) g->seq,
           (unsigned long long) g->frame, (unsigned long long) late_ticks,
           (unsigned long long) max_burst,
           (double) sent * DGRAM * 8 / elapsed / 1e6);
    close(fd);
    free(g);
    return 0;
}
