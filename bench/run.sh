#!/usr/bin/env bash
# Fan-out benchmark: one 10 Mbit/s MPEG-TS input fanned out to N outputs.
#
#   bench/run.sh                        # everything, defaults below
#   BENCH_NS="1 10" BENCH_SECONDS=5 bench/run.sh
#
# Systems under test (SUT), each fed by the same tsgen stream:
#   gateway  nginx + ngx_srt_module (udp outputs / srt_ts HTTP clients)
#   floor    bench/floor.c: recvmmsg + sendmmsg / writev, nothing else
#   ffmpeg   one `ffmpeg -c copy` relay per output (udp only); a floor
#            process fans the input out to the relays' input ports and is
#            NOT counted in the ffmpeg CPU
#   direct   tsgen -> tsrecv without any SUT (N=1, udp): the latency of the
#            measurement itself
#
# Environment:
#   BENCH_NS="1 10 100 500"     output counts
#   BENCH_SECONDS=10            measurement window per case
#   BENCH_WARMUP=3              seconds before the window (gateway, floor)
#   BENCH_FFMPEG_WARMUP=10      same for ffmpeg (stream probing, catch-up)
#   BENCH_FFMPEG_MAX=100        largest N run with ffmpeg relays
#   BENCH_FFMPEG_CPU_BUDGET=120 % of one core the relays may use: an N whose
#                               predicted CPU (per-relay CPU measured at the
#                               previous N) exceeds it is skipped, and the
#                               largest N that fits is run once instead
#   BENCH_SYSTEMS="direct gateway floor ffmpeg"
#   BENCH_MODES="udp http"
#   BENCH_BITRATE=10000000      input bitrate, bit/s
#   BENCH_PORT_BASE=20000       ports used: BASE (input), BASE+80 (HTTP),
#                               BASE+1000.. (outputs), BASE+3000.. (ffmpeg in)
#   BENCH_MODULE=$REPO/build/modules/ngx_srt_module.so
#   NGINX=nginx
#
# Results: bench/out/results.json (+ raw JSON lines in bench/out/raw/), and
# a markdown table on stdout.  Only 127.0.0.1 is used.

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$HERE/out
BIN=$OUT/bin
RAW=$OUT/raw
RUN=$OUT/run

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
LOG_TAG=bench
KILL_GRACE=2        # s between SIGTERM and SIGKILL (kill_pids)
SS_UDP=-Hlun        # bound UDP ports: the unconnected (listening) sockets

read -r -a NS <<< "${BENCH_NS:-1 10 100 500}"
DUR=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
FF_WARMUP=${BENCH_FFMPEG_WARMUP:-10}
FF_MAX=${BENCH_FFMPEG_MAX:-100}
FF_BUDGET=${BENCH_FFMPEG_CPU_BUDGET:-120}
SYSTEMS=${BENCH_SYSTEMS:-direct gateway floor ffmpeg}
MODES=${BENCH_MODES:-udp http}
BITRATE=${BENCH_BITRATE:-10000000}
PORT_BASE=${BENCH_PORT_BASE:-20000}
MODULE_SRC=${BENCH_MODULE:-$REPO/build/modules/ngx_srt_module.so}
NGINX=${NGINX:-nginx}

IN_PORT=$PORT_BASE
HTTP_PORT=$((PORT_BASE + 80))
OUT_BASE=$((PORT_BASE + 1000))
FF_IN_BASE=$((PORT_BASE + 3000))

require jq ss
check_ns
((maxn <= 2000)) || die "N too large for the port plan"

# everything we start is killed on exit (lib.sh: PIDS, NGINX_MASTER)
trap_cleanup

# ---- build ------------------------------------------------------------------

mkdir -p "$OUT" "$RAW" "$RUN"
make -s -C "$HERE" OUT="$BIN" >&2 || die "build failed"

# ---- port check ---------------------------------------------------------------

ports_free "$IN_PORT $HTTP_PORT" "$OUT_BASE $((OUT_BASE + maxn - 1))" \
           "$FF_IN_BASE $((FF_IN_BASE + FF_MAX - 1))"

# ---- helpers --------------------------------------------------------------------

# gateway_conf PREFIX MODE N
gateway_conf() {
    local prefix=$1 mode=$2 n=$3 i
    mkdir -p "$prefix/logs"
    {
        nginx_conf_main 2
        echo "srt {"
        echo "    route bench {"
        echo "        input udp://127.0.0.1:$IN_PORT;"
        if [[ $mode == udp ]]; then
            for ((i = 0; i < n; i++)); do
                echo "        output udp://127.0.0.1:$((OUT_BASE + i));"
            done
        fi
        echo "    }"
        echo "}"
        echo "http {"
        echo "    access_log off;"
        echo "    server { listen 127.0.0.1:$HTTP_PORT reuseport; location /live/ { srt_ts; } }"
        echo "}"
    } > "$prefix/nginx.conf"
}

gateway_ready() {   # the input and the HTTP port are served
    wait_udp_bound "$IN_PORT" 5 && wait_tcp_listen "$HTTP_PORT" 5
}

# gateway_start MODE N PIDFILE: returns 1 (and sets GATEWAY_WHY) on failure
gateway_start() {
    local mode=$1 n=$2 pidfile=$3 prefix="$RUN/nginx-$1-$2"
    rm -rf "$prefix"
    gateway_conf "$prefix" "$mode" "$n"
    nginx_start "$prefix" 2 gateway_ready || return 1
    nginx_pids > "$pidfile"
    return 0
}

RESULTS=$RAW/cases.jsonl
: > "$RESULTS"

# run_case SYSTEM MODE N
run_case() {
    local sys=$1 mode=$2 n=$3 tag="$1-$2-$3" warm=$WARMUP
    local pidfile="$RUN/$tag.pids" recv_json="$RAW/$tag.tsrecv.json"
    local gen_json="$RAW/$tag.tsgen.json" sut_json="$RAW/$tag.sut.json"
    local gen_port=$IN_PORT note="" started=() fan="" bg i p
    local life=$((WARMUP + FF_WARMUP + DUR + 60))  # floor exits by itself
    rm -f "$pidfile" "$recv_json" "$gen_json" "$sut_json"
    : > "$pidfile"

    bg=$(bg_busy_pct)
    log "case $tag (host busy before start: ${bg}% of one core)"

    case $sys in
    direct)
        gen_port=$OUT_BASE
        ;;
    floor)
        if [[ $mode == udp ]]; then
            "$BIN/floor" -i "$IN_PORT" -u "$OUT_BASE" -n "$n" -t "$life" > "$sut_json" &
        else
            "$BIN/floor" -i "$IN_PORT" -l "$HTTP_PORT" -t "$life" > "$sut_json" &
        fi
        p=$!; PIDS+=("$p"); started+=("$p"); echo "$p" > "$pidfile"
        wait_udp_bound "$IN_PORT" 5 || { note="floor did not start"; }
        ;;
    gateway)
        if ! gateway_start "$mode" "$n" "$pidfile"; then
            log "gateway: $GATEWAY_WHY"
            jq -nc --arg s "$sys" --arg m "$mode" --argjson n "$n" \
                --arg why "$GATEWAY_WHY" \
                '{system:$s, mode:$m, n:$n, skipped:$why}' >> "$RESULTS"
            return
        fi
        ;;
    ffmpeg)
        warm=$FF_WARMUP
        for ((i = 0; i < n; i++)); do
            ffmpeg -hide_banner -loglevel error -nostdin \
                -i "udp://127.0.0.1:$((FF_IN_BASE + i))?fifo_size=50000&overrun_nonfatal=1&timeout=10000000" \
                -c copy -f mpegts "udp://127.0.0.1:$((OUT_BASE + i))?pkt_size=1316" \
                > /dev/null 2> "$RUN/$tag.ffmpeg-$i.log" &
            p=$!; PIDS+=("$p"); started+=("$p"); echo "$p" >> "$pidfile"
        done
        wait_udp_bound "$((FF_IN_BASE + n - 1))" 10 || note="ffmpeg relays slow to start"
        "$BIN/floor" -i "$IN_PORT" -u "$FF_IN_BASE" -n "$n" -t "$life" > "$sut_json" &
        fan=$!; PIDS+=("$fan"); started+=("$fan")
        wait_udp_bound "$IN_PORT" 5
        ;;
    esac

    local recv_pid gen_pid
    local pidarg=()
    [[ $sys != direct ]] && pidarg=(-P "$pidfile")
    timeout $((warm + DUR + 30)) "$BIN/tsrecv" -m "$mode" -p \
        "$([[ $mode == http ]] && echo "$HTTP_PORT" || echo "$OUT_BASE")" \
        -k "$n" -w "$warm" -d "$DUR" "${pidarg[@]}" > "$recv_json" &
    recv_pid=$!; PIDS+=("$recv_pid")
    [[ $mode == udp ]] && wait_udp_bound "$((OUT_BASE + n - 1))" 5
    timeout $((warm + DUR + 30)) "$BIN/tsgen" -q -p "$gen_port" -b "$BITRATE" \
        -d "$(awk -v a="$warm" -v b="$DUR" 'BEGIN { print a + b + 1.5 }')" \
        > "$gen_json" &
    gen_pid=$!; PIDS+=("$gen_pid")

    wait "$recv_pid"
    wait "$gen_pid"

    # stop the SUT (floor prints its counters on SIGTERM)
    if [[ $sys == gateway ]]; then
        nginx_stop
    fi
    kill_pids "${started[@]}"
    # everything of this case is reaped now: forget the PIDs (never signal
    # a PID that may have been reused)
    PIDS=()
    local ffmpeg_errors=0
    if [[ $sys == ffmpeg ]]; then
        ffmpeg_errors=$(cat "$RUN/$tag".ffmpeg-*.log 2>/dev/null | grep -vc 'h264 @')
    fi

    if [[ ! -s $recv_json ]]; then
        log "$tag: tsrecv produced no result"
        jq -nc --arg s "$sys" --arg m "$mode" --argjson n "$n" \
            '{system:$s, mode:$m, n:$n, skipped:"tsrecv failed"}' >> "$RESULTS"
        return
    fi

    jq -c --arg s "$sys" --arg m "$mode" --argjson n "$n" \
        --argjson bitrate "$BITRATE" --argjson bg "$bg" --arg note "$note" \
        --argjson fferr "${ffmpeg_errors:-0}" \
        --slurpfile gen <(cat "$gen_json" 2>/dev/null) \
        --slurpfile sut <(grep -h '^{' "$sut_json" 2>/dev/null) '
        . as $r
        | ($r.bytes * 8 / 1e9) as $gbit
        | ($n * $bitrate * $r.seconds / 1e9) as $nominal
        | {system: $s, mode: $m, n: $n,
           seconds: $r.seconds,
           delivered_pct: (if $nominal > 0 then 100 * $gbit / $nominal else 0 end),
           mbps_per_output: $r.mbps_per_socket,
           streaming: $r.streaming, closed: $r.closed,
           sut_cpu_s: ($r.sut_cpu_s // null),
           cpu_pct: (if $r.sut_cpu_s then 100 * $r.sut_cpu_s / $r.seconds else null end),
           cpu_s_per_gbit: (if $r.sut_cpu_s and $gbit > 0 then $r.sut_cpu_s / $gbit else null end),
           cpu_ms_per_output_s: (if $r.sut_cpu_s then 1000 * $r.sut_cpu_s / $r.seconds / $n else null end),
           lat_p50_us: $r.lat_us.p50, lat_p99_us: $r.lat_us.p99,
           lat_p999_us: $r.lat_us.p999, lat_max_us: $r.lat_us.max,
           stamps: $r.stamps,
           cc_errors: $r.cc_errors, seq_gaps: $r.seq_gaps,
           sync_losses: $r.sync_losses,
           pkts_min: $r.pkts_min, pkts_avg: $r.pkts_avg,
           recv_cpu_s: $r.recv_cpu_s,
           host_busy_before_pct: $bg,
           ffmpeg_stderr_lines: (if $s == "ffmpeg" then $fferr else null end),
           note: (if $note == "" then null else $note end),
           raw: {tsrecv: $r, tsgen: ($gen[0] // null), sut: ($sut[0] // null)}}
        ' "$recv_json" >> "$RESULTS"
}

# ffmpeg relays: per-relay CPU (% of one core) of the last steady case
FF_PER_OUT=""
FF_LAST_N=0
FF_FIT_DONE=0

ffmpeg_skip() {     # ffmpeg_skip N REASON
    log "ffmpeg N=$1 skipped: $2"
    jq -nc --argjson n "$1" --arg why "$2" \
        '{system:"ffmpeg", mode:"udp", n:$n, skipped:$why}' >> "$RESULTS"
}

ffmpeg_run() {
    run_case ffmpeg udp "$1"
    FF_LAST_N=$1
    # per-relay CPU, only from a steady case (output rate = input rate)
    local per
    per=$(tail -1 "$RESULTS" | jq -r 'if .cpu_pct != null and .delivered_pct >= 98
        and .delivered_pct <= 102 then .cpu_pct / .n else empty end')
    [[ -n $per ]] && FF_PER_OUT=$per
}

ffmpeg_case() {
    local n=$1 predicted fit
    if [[ -n $FF_PER_OUT ]]; then
        predicted=$(awk -v p="$FF_PER_OUT" -v n="$n" 'BEGIN { printf "%.0f", p * n }')
        if ((predicted > FF_BUDGET)); then
            fit=$(awk -v p="$FF_PER_OUT" -v b="$FF_BUDGET" 'BEGIN { printf "%d", b / p }')
            ((fit > FF_MAX)) && fit=$FF_MAX
            if ((!FF_FIT_DONE && fit > FF_LAST_N && fit >= 2)); then
                FF_FIT_DONE=1
                log "ffmpeg: N=$n needs ~${predicted}% CPU > budget ${FF_BUDGET}%; running the largest N that fits: $fit"
                ffmpeg_run "$fit"
            fi
            ffmpeg_skip "$n" "does not fit: ~${predicted}% CPU predicted > BENCH_FFMPEG_CPU_BUDGET=${FF_BUDGET}%"
            return
        fi
    fi
    if ((n > FF_MAX)); then
        ffmpeg_skip "$n" "N > BENCH_FFMPEG_MAX=$FF_MAX"
        return
    fi
    ffmpeg_run "$n"
}

# ---- main -------------------------------------------------------------------------

START=$(date +%s)
log "N = ${NS[*]}, ${DUR} s per case, warmup ${WARMUP} s (ffmpeg ${FF_WARMUP} s), $(nproc) CPUs"

gateway_check

for n in "${NS[@]}"; do
    for sys in $SYSTEMS; do
        for mode in $MODES; do
            case $sys in
            direct)
                [[ $mode == udp && $n == "${NS[0]}" ]] || continue
                run_case direct udp 1
                ;;
            gateway)
                if [[ $GATEWAY_OK != 1 ]]; then
                    jq -nc --arg m "$mode" --argjson n "$n" --arg why "$GATEWAY_WHY" \
                        '{system:"gateway", mode:$m, n:$n, skipped:$why}' >> "$RESULTS"
                    continue
                fi
                run_case gateway "$mode" "$n"
                ;;
            floor)
                run_case floor "$mode" "$n"
                ;;
            ffmpeg)
                [[ $mode == udp ]] || continue
                ffmpeg_case "$n"
                ;;
            *)
                die "unknown system $sys"
                ;;
            esac
        done
    done
done

# ---- report -----------------------------------------------------------------------

jq -s --argjson bitrate "$BITRATE" --argjson dur "$DUR" \
    --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg kernel "$(uname -r)" \
    --argjson cpus "$(nproc)" --arg cpu "$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
    --arg modpath "${MODULE_SRC}" \
    --arg rev "$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)" '
    def steady: .cpu_s_per_gbit != null and .delivered_pct >= 98 and .delivered_pct <= 102;
    (map(if .cpu_s_per_gbit == null then . else
        . + {steady: steady,
             note: ([.note // empty]
                    + (if .delivered_pct < 1 then ["no output received"]
                       elif .delivered_pct < 98 then ["overloaded: \(.delivered_pct | round)% delivered"]
                       elif .delivered_pct > 102 then ["not steady: catching up, \(.delivered_pct | round)% delivered"]
                       else [] end)
                    + (if .system != "ffmpeg" and .lat_p50_us > 100000 then ["queueing: p50 \(.lat_p50_us / 1000 | round) ms"] else [] end)
                    | if length == 0 then null else join("; ") end)}
        end)) as $cases
    | def floor_ref(m; n): [$cases[] | select(.system == "floor" and .mode == m and .n == n and .cpu_s_per_gbit != null)][0];
      # ffmpeg relays are independent processes: their per-output cost does
      # not depend on N, so the reference is ffmpeg at the same N if it ran
      # steadily, else the steady ffmpeg case with the largest N
      def ffmpeg_ref(n): ([$cases[] | select(.system == "ffmpeg" and .steady == true)]
                          | (map(select(.n == n))[0]) // (sort_by(.n) | last));
    {meta: {date: $date, kernel: $kernel, cpus: $cpus, cpu: $cpu, git: $rev,
            bitrate: $bitrate, seconds: $dur, module_path: $modpath,
            cpu_s_per_gbit: "SUT CPU seconds in the window / Gbit delivered to the receivers in the window (= CPU-s/s per Gbit/s of output)",
            latency: "CLOCK_MONOTONIC after the receive call - send stamp written by tsgen just before send(), every stamped TS packet"},
     cases: ($cases | map(
        . as $c
        | if $c.cpu_s_per_gbit == null then $c else
          $c + {vs_floor: (floor_ref($c.mode; $c.n) as $f
                           | if $f then $c.cpu_s_per_gbit / $f.cpu_s_per_gbit else null end)}
             + (ffmpeg_ref($c.n) as $f
                | if $f and $c.mode == "udp" and $c.system != "ffmpeg" then
                    {ffmpeg_vs_this: ($f.cpu_s_per_gbit / $c.cpu_s_per_gbit), ffmpeg_ref_n: $f.n}
                  else {ffmpeg_vs_this: null, ffmpeg_ref_n: null} end)
          end))}' "$RESULTS" > "$OUT/results.json" || die "jq report failed"

jq -r '
  def f(x; d): if x == null then "-" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
  "| system | mode | N | delivered % | SUT CPU % | CPU-s per Gbit | CPU ms per output-s | x floor | ffmpeg / this | p50 us | p99 us | max us | CC err | bg busy % | notes |",
  "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  (.cases[] |
    if .skipped then "| \(.system) | \(.mode) | \(.n) | - | - | - | - | - | - | - | - | - | - | - | skipped: \(.skipped) |"
    else "| \(.system) | \(.mode) | \(.n) | \(f(.delivered_pct; 1)) | \(f(.cpu_pct; 1)) | \(f(.cpu_s_per_gbit; 3)) | \(f(.cpu_ms_per_output_s; 2)) | \(f(.vs_floor; 2)) | \(f(.ffmpeg_vs_this; 1))\(if .ffmpeg_ref_n != null and .ffmpeg_ref_n != .n then " (@\(.ffmpeg_ref_n))" else "" end) | \(f(.lat_p50_us; 0)) | \(f(.lat_p99_us; 0)) | \(f(.lat_max_us; 0)) | \(.cc_errors) | \(.host_busy_before_pct) | \(.note // "") |"
    end)
' "$OUT/results.json"

echo
echo "Targets (gateway): CPU per Gbit <= 1.5x floor; >= 30x cheaper than ffmpeg (same N, or the largest steady ffmpeg N: @N); UDP p99 < 2000 us"
jq -r '
  def r(x; d): x * pow(10; d) | round / pow(10; d) | tostring;
  .cases[] | select(.system == "gateway" and .cpu_s_per_gbit != null)
  | "- \(.mode) N=\(.n): x floor " + (if .vs_floor then r(.vs_floor; 2) + (if .vs_floor <= 1.5 then " PASS" else " FAIL" end) else "n/a" end)
    + (if .mode == "udp" then
         ", ffmpeg/gateway " + (if .ffmpeg_vs_this then r(.ffmpeg_vs_this; 1) + (if .ffmpeg_ref_n != .n then " (@\(.ffmpeg_ref_n))" else "" end) + (if .ffmpeg_vs_this >= 30 then " PASS" else " FAIL" end) else "n/a" end)
         + ", p99 \(.lat_p99_us | round) us " + (if .lat_p99_us < 2000 then "PASS" else "FAIL" end)
       else "" end)
    + (if .note then " [\(.note)]" else "" end)
' "$OUT/results.json"
echo
log "done in $(($(date +%s) - START)) s; results in $OUT/results.json"
