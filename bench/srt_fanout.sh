#!/usr/bin/env bash
# SRT fan-out benchmark: one 10 Mbit/s MPEG-TS input fanned out to N SRT
# players, CPU per output, side by side in one run.
#
#   bench/srt_fanout.sh                                   # defaults below
#   BENCH_NS="10" BENCH_SECONDS=3 BENCH_REPEAT=1 bench/srt_fanout.sh
#
# Systems under test (SUT), each fed by the same tsgen stream (UDP):
#   gateway1  nginx + ngx_srt_module, worker_processes 1, one route:
#               input udp://127.0.0.1:IN;
#               output "srt://127.0.0.1:OUT?mode=listener&latency=200";
#             all N players connect to OUT
#   gateway2  the same with worker_processes 2 (players are spread over the
#             workers by SO_REUSEPORT)
#   slt       N srt-live-transmit processes (one per output, its usual
#             deployment): udp://127.0.0.1:SLT_IN+i ->
#             srt://127.0.0.1:SLT_OUT+i?mode=listener&latency=200;
#             bench/floor copies the input to the N input ports and is NOT
#             counted
# Players: ONE bench/srtrecv process (libsrt callers, one srt_epoll), N
# connections; its CPU is reported, not counted.  By default the players
# run without TSBPD and share 16 local UDP ports (srtrecv -D -M 16, see
# BENCH_RECV_OPTS): plain libsrt players (a TSBPD thread and a UDP port
# with two threads per connection) cost 1-1.9 % of a core each here,
# more than the system under test, and on loopback every datagram to a
# separately sleeping receiver thread charges a wakeup to the sender.
#
# Per case: start the SUT, tsgen (10 Mbit/s), then srtrecv; srtrecv waits
# until every player is connected, lets WARMUP seconds pass, then measures
# REPEAT windows of SECONDS each, sampling at every window boundary the SUT
# CPU (utime + stime from /proc/PID/stat: nginx master + workers, or every
# srt-live-transmit), its own CPU and the bytes every player received.  The
# table shows the median over the windows.
#
# Environment:
#   BENCH_NS="10 50 200"        player counts
#   BENCH_SECONDS=10            window length
#   BENCH_REPEAT=3              windows per case (median reported)
#   BENCH_WARMUP=3              seconds after all players are connected
#   BENCH_SYSTEMS="gateway1 gateway2 slt"
#   BENCH_SLT_CPU_BUDGET=150    % of one core the srt-live-transmit
#                               processes may use: an N whose predicted CPU
#                               (CPU per process at the previous steady N
#                               x N) exceeds it is skipped
#   BENCH_BITRATE=10000000      input bitrate, bit/s
#   BENCH_LATENCY=200           SRT latency (ms) of the outputs and players
#   BENCH_SRT_BIND=127.0.0.1    address of the SRT listeners; empty: the
#                               issue's literal "srt://:PORT" (any address)
#   BENCH_CONNECT_TIMEOUT=15    s for all players to connect (srtrecv -T)
#   BENCH_RECV_OPTS="-D -M 16"  srtrecv options: -D players without TSBPD,
#                               -M K: K local ports shared by the players
#                               (16 spread them over 2 nginx workers);
#                               "" for plain libsrt players
#   BENCH_PORT_BASE=24000       ports: BASE (input), BASE+1 (gateway SRT),
#                               BASE+80 (gateway API, TCP),
#                               BASE+1000.. (slt inputs), BASE+2000.. (slt
#                               SRT outputs), BASE+3000.. (players' local
#                               ports); all UDP on 127.0.0.1 unless noted
#   BENCH_MODULE=$REPO/build/modules/ngx_srt_module.so
#   BENCH_API_MODULE=$REPO/build/modules/ngx_http_route_api_module.so
#   NGINX=nginx  SLT=srt-live-transmit
#   BENCH_REPORT_ONLY=1         no runs: the report from the last run's
#                               bench/out/srt/raw/cases.jsonl
#
# Results: bench/out/srt_results.json (raw srtrecv output, API snapshots and
# logs in bench/out/srt/), a markdown table and the ratios on stdout;
# progress on stderr.  Every process started is stopped at the end of its
# case and again on exit.

set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$HERE")
OUT=$HERE/out
BIN=$OUT/bin
SOUT=$OUT/srt
RAW=$SOUT/raw
RUN=$SOUT/run

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
LOG_TAG=srt-bench
KILL_GRACE=3        # s between SIGTERM and SIGKILL (kill_pids)
SS_UDP=-Huan        # bound UDP ports: all sockets, connected ones too

read -r -a NS <<< "${BENCH_NS:-10 50 200}"
DUR=${BENCH_SECONDS:-10}
REPEAT=${BENCH_REPEAT:-3}
WARMUP=${BENCH_WARMUP:-3}
SYSTEMS=${BENCH_SYSTEMS:-gateway1 gateway2 slt}
SLT_BUDGET=${BENCH_SLT_CPU_BUDGET:-150}
BITRATE=${BENCH_BITRATE:-10000000}
LATENCY=${BENCH_LATENCY:-200}
SRT_BIND=${BENCH_SRT_BIND-127.0.0.1}
CONNECT_TIMEOUT=${BENCH_CONNECT_TIMEOUT:-15}
RECV_OPTS=${BENCH_RECV_OPTS--D -M 16}
PORT_BASE=${BENCH_PORT_BASE:-24000}
MODULE_SRC=${BENCH_MODULE:-$REPO/build/modules/ngx_srt_module.so}
API_MODULE_SRC=${BENCH_API_MODULE:-$REPO/build/modules/ngx_http_route_api_module.so}
NGINX=${NGINX:-nginx}
SLT=${SLT:-srt-live-transmit}
REPORT_ONLY=${BENCH_REPORT_ONLY:-}

IN_PORT=$PORT_BASE
GW_PORT=$((PORT_BASE + 1))
API_PORT=$((PORT_BASE + 80))
SLT_IN_BASE=$((PORT_BASE + 1000))
SLT_OUT_BASE=$((PORT_BASE + 2000))
RECV_BASE=$((PORT_BASE + 3000))

require jq ss curl timeout
check_ns
[[ $REPEAT =~ ^[0-9]+$ && $REPEAT -ge 1 ]] || die "bad BENCH_REPEAT"
((PORT_BASE >= 1024 && PORT_BASE + 3000 + maxn < 65536)) || die "bad BENCH_PORT_BASE"

# everything we start is stopped on exit (lib.sh: PIDS, NGINX_MASTER)
trap_cleanup

# ---- build --------------------------------------------------------------------

mkdir -p "$OUT" "$RAW" "$RUN"
make -s -C "$HERE" OUT="$BIN" all srt >&2 || die "build failed (srtrecv needs libsrt-gnutls-dev)"
command -v "$SLT" >/dev/null || log "warning: $SLT not found: slt cases will be skipped"

# ---- port check -----------------------------------------------------------------

[[ -n $REPORT_ONLY ]] ||
    ports_free "$IN_PORT $GW_PORT" "$API_PORT $API_PORT" \
               "$SLT_IN_BASE $((SLT_IN_BASE + maxn - 1))" \
               "$SLT_OUT_BASE $((SLT_OUT_BASE + maxn - 1))" \
               "$RECV_BASE $((RECV_BASE + maxn - 1))"

# ---- helpers ----------------------------------------------------------------------

srt_url() {         # srt_url PORT
    echo "srt://$SRT_BIND:$1?mode=listener&latency=$LATENCY"
}

gateway_conf() {    # gateway_conf PREFIX WORKERS
    local prefix=$1 workers=$2
    mkdir -p "$prefix/logs"
    {
        nginx_conf_main "$workers"
        echo "srt {"
        echo "    route bench {"
        echo "        input udp://127.0.0.1:$IN_PORT;"
        echo "        output \"$(srt_url "$GW_PORT")\";"
        echo "    }"
        echo "}"
        if [[ -f $MODDIR/ngx_http_route_api_module.so ]]; then
            echo "http {"
            echo "    access_log off;"
            echo "    server { listen 127.0.0.1:$API_PORT; location /api/ { route_api; route_api_auth off; } }"
            echo "}"
        fi
    } > "$prefix/nginx.conf"
}

gateway_ready() {   # the input and the SRT output are bound
    wait_udp_bound "$IN_PORT" 5 && wait_udp_bound "$GW_PORT" 5
}

gw_listeners() {    # gw_listeners N: N sockets (or more) on the SRT port?
    (($(ss -Huan "sport = :$GW_PORT" | wc -l) >= $1))
}

# gateway_start WORKERS PREFIX PIDFILE: 1 (GATEWAY_WHY set) on failure
gateway_start() {
    local workers=$1 prefix=$2 pidfile=$3
    rm -rf "$prefix"
    gateway_conf "$prefix" "$workers"
    nginx_start "$prefix" "$workers" gateway_ready || return 1
    # the SRT listener of every worker
    wait_until 5 gw_listeners "$workers"
    nginx_pids > "$pidfile"
    return 0
}

RESULTS=$RAW/cases.jsonl
RUN_DATE_FILE=$RAW/run_date
if [[ -z $REPORT_ONLY ]]; then
    : > "$RESULTS"
    date -u +%Y-%m-%dT%H:%M:%SZ > "$RUN_DATE_FILE"
fi

skip_case() {       # skip_case SYSTEM N REASON
    log "$1 N=$2 skipped: $3"
    jq -nc --arg s "$1" --argjson n "$2" --arg why "$3" \
        '{system:$s, n:$n, skipped:$why}' >> "$RESULTS"
}

# run_case SYSTEM N
run_case() {
    local sys=$1 n=$2 tag="$1-$2"
    local pidfile="$RUN/$tag.pids" recv_json="$RAW/$tag.srtrecv.json"
    local recv_log="$RAW/$tag.srtrecv.log" api_json="$RAW/$tag.api.json"
    local gen_json="$RAW/$tag.tsgen.json" dir="$RUN/$tag"
    local life=$((CONNECT_TIMEOUT + WARMUP + REPEAT * DUR + 30))
    local started=() bg i p recv_pid gen_pid workers=0 note="" target
    rm -rf "$dir"; mkdir -p "$dir"
    rm -f "$pidfile" "$recv_json" "$recv_log" "$api_json" "$gen_json"
    : > "$pidfile"

    bg=$(bg_busy_pct)
    log "case $tag (host busy before start: ${bg}% of one core)"

    case $sys in
    gateway1|gateway2)
        workers=${sys#gateway}
        if ! gateway_start "$workers" "$dir" "$pidfile"; then
            skip_case "$sys" "$n" "$GATEWAY_WHY"
            return
        fi
        target=(-p "$GW_PORT")
        ;;
    slt)
        for ((i = 0; i < n; i++)); do
            "$SLT" "udp://127.0.0.1:$((SLT_IN_BASE + i))" \
                "$(srt_url $((SLT_OUT_BASE + i)))" \
                > "$dir/slt-$i.log" 2>&1 < /dev/null &
            p=$!; PIDS+=("$p"); started+=("$p"); echo "$p" >> "$pidfile"
        done
        for ((i = 0; i < n; i++)); do
            if ! wait_udp_bound $((SLT_OUT_BASE + i)) 10 \
               || ! wait_udp_bound $((SLT_IN_BASE + i)) 10; then
                note="srt-live-transmit $i not listening after 10 s"
                log "$note"
                break
            fi
        done
        "$BIN/floor" -i "$IN_PORT" -u "$SLT_IN_BASE" -n "$n" -t "$life" > "$dir/floor.json" &
        p=$!; PIDS+=("$p"); started+=("$p")
        wait_udp_bound "$IN_PORT" 5 || note="floor did not start"
        target=(-P "$SLT_OUT_BASE")
        ;;
    esac

    "$BIN/tsgen" -q -p "$IN_PORT" -b "$BITRATE" -d "$life" > "$gen_json" &
    gen_pid=$!; PIDS+=("$gen_pid"); started+=("$gen_pid")
    sleep 1     # the input is live before the first player connects

    # shellcheck disable=SC2086
    timeout "$life" "$BIN/srtrecv" -c "$n" "${target[@]}" -l "$LATENCY" \
        -L "$RECV_BASE" -w "$WARMUP" -t "$DUR" -r "$REPEAT" -S "$pidfile" \
        -T "$CONNECT_TIMEOUT" $RECV_OPTS -o "$recv_json" 2> "$recv_log" &
    recv_pid=$!; PIDS+=("$recv_pid")

    # gateway: one API snapshot in the first window (players per worker,
    # send drops)
    if [[ $sys == gateway* ]]; then
        for ((i = 0; i < (CONNECT_TIMEOUT + 5) * 10; i++)); do
            grep -q "connected in" "$recv_log" 2>/dev/null && break
            kill -0 "$recv_pid" 2>/dev/null || break
            sleep 0.1
        done
        sleep "$(awk -v w="$WARMUP" -v d="$DUR" 'BEGIN { print w + d / 2 }')"
        curl -s -m 5 "http://127.0.0.1:$API_PORT/api/routes/bench" > "$api_json" 2>/dev/null \
            || : > "$api_json"
    fi

    wait "$recv_pid"
    local recv_rc=$?

    # a second snapshot after the run: totals of the route (drops)
    if [[ $sys == gateway* ]]; then
        curl -s -m 5 "http://127.0.0.1:$API_PORT/api/routes/bench" > "$api_json.end" 2>/dev/null \
            || : > "$api_json.end"
        nginx_stop
    fi
    kill_pids "${started[@]}"
    PIDS=()

    grep -v '^srtrecv: window\|connected in' "$recv_log" | head -5 | while read -r line; do
        log "$tag: $line"
    done

    if [[ ! -s $recv_json ]]; then
        skip_case "$sys" "$n" "srtrecv produced no result (exit $recv_rc, see $recv_log)"
        return
    fi

    local slt_err=0
    if [[ $sys == slt ]]; then
        slt_err=$(cat "$dir"/slt-*.log 2>/dev/null | grep -ci 'error')
    fi

    jq -c --arg s "$sys" --argjson n "$n" --argjson w "$workers" \
        --argjson bitrate "$BITRATE" --argjson bg "$bg" --arg note "$note" \
        --argjson slterr "${slt_err:-0}" \
        --slurpfile api <(jq -c . "$api_json" 2>/dev/null) \
        --slurpfile apiend <(jq -c . "$api_json.end" 2>/dev/null) '
        def median: sort | if length == 0 then null
            elif length % 2 == 1 then .[length / 2 | floor]
            else (.[length / 2 - 1] + .[length / 2]) / 2 end;
        . as $r
        | [$r.windows[] | {
              cpu_pct: (100 * .sut_cpu_s / .seconds),
              cpu_sched_pct: (100 * .sut_cpu_sched_s / .seconds),
              egress_mbps: .mbps_total,
              recv_cpu_pct: (100 * .recv_cpu_s / .seconds),
              host_busy_pct: .host_busy_pct,
              mbps_conn_median: .mbps_conn_median, mbps_conn_min: .mbps_conn_min,
              streaming: .streaming, cc_errors: .cc_errors,
              rcv_loss: .rcv_loss, rcv_drop: .rcv_drop, sut_missing: .sut_missing}] as $w
        | ($w | map(.cpu_pct) | median) as $cpu
        | ($w | map(.egress_mbps) | median) as $egress
        | ($api[0].outputs[0].srt.connections // null) as $conns
        | {system: $s, n: $n, workers: (if $w == 0 then null else $w end),
           windows: ($w | length), window_s: ($r.windows[0].seconds // null),
           connected: $r.totals.connected, failed: $r.totals.failed,
           closed: $r.totals.closed, connect_s: $r.connect_s,
           cpu_pct: $cpu,
           cpu_pct_min: ($w | map(.cpu_pct) | min),
           cpu_pct_max: ($w | map(.cpu_pct) | max),
           cpu_per_output_pct: (if $cpu then $cpu / $n else null end),
           cpu_sched_pct: ($w | map(.cpu_sched_pct) | median),
           egress_mbps: $egress,
           delivered: (if $egress then $egress * 1e6 / ($n * $bitrate) else 0 end),
           cpu_per_delivered_output_pct: (if $egress and $egress > 0 then $cpu / ($egress * 1e6 / $bitrate) else null end),
           mbps_conn_median: $r.totals.mbps_conn_median,
           mbps_conn_min: $r.totals.mbps_conn_min,
           recv_cpu_pct: ($w | map(.recv_cpu_pct) | median),
           host_busy_pct: ($w | map(.host_busy_pct) | median),
           cc_errors: ($w | map(.cc_errors) | add),
           cc_errors_total: $r.totals.cc_errors,
           rcv_loss: ($w | map(.rcv_loss) | add),
           rcv_drop: ($w | map(.rcv_drop) | add),
           ts_ok: $r.totals.ts_ok, bad_msgs: $r.totals.bad_msgs,
           sut_missing: ($w | map(.sut_missing) | max),
           players_per_worker: (if $conns then ($conns | group_by(.worker)
               | map({key: (.[0].worker | tostring), value: length}) | from_entries) else null end),
           gateway_send_drops: ($apiend[0].outputs[0].drops // $api[0].outputs[0].drops // null),
           slt_log_error_lines: (if $s == "slt" then $slterr else null end),
           host_busy_before_pct: $bg,
           note: (if $note == "" then null else $note end),
           per_window: $w,
           raw: $r.totals}
        ' "$recv_json" >> "$RESULTS"
}

# srt-live-transmit: CPU per process (% of one core) at the last steady N
SLT_PER_OUT=""

slt_case() {
    local n=$1 predicted per
    if ! command -v "$SLT" >/dev/null; then
        skip_case slt "$n" "$SLT not found"
        return
    fi
    if [[ -n $SLT_PER_OUT ]]; then
        predicted=$(awk -v p="$SLT_PER_OUT" -v n="$n" 'BEGIN { printf "%.0f", p * n }')
        if ((predicted > SLT_BUDGET)); then
            skip_case slt "$n" "does not fit: ~${predicted}% CPU predicted ($(awk -v p="$SLT_PER_OUT" 'BEGIN { printf "%.2f", p }')% per process x $n) > BENCH_SLT_CPU_BUDGET=${SLT_BUDGET}%"
            return
        fi
    fi
    run_case slt "$n"
    per=$(tail -1 "$RESULTS" | jq -r 'if .cpu_pct != null and .delivered >= 0.98
        and .delivered <= 1.02 then .cpu_pct / .n else empty end')
    [[ -n $per ]] && SLT_PER_OUT=$per
}

# ---- main ---------------------------------------------------------------------------

START=$(date +%s)
log "N = ${NS[*]}, systems: $SYSTEMS; $REPEAT x ${DUR} s windows after ${WARMUP} s warmup; $(nproc) CPUs; ports $PORT_BASE+"

gateway_check

[[ -n $REPORT_ONLY ]] && { log "BENCH_REPORT_ONLY: report from $RESULTS"; NS=(); }
for n in "${NS[@]}"; do
    for sys in $SYSTEMS; do
        case $sys in
        gateway1|gateway2)
            if [[ $GATEWAY_OK != 1 ]]; then
                skip_case "$sys" "$n" "$GATEWAY_WHY"
                continue
            fi
            run_case "$sys" "$n"
            ;;
        slt)
            slt_case "$n"
            ;;
        *)
            die "unknown system $sys"
            ;;
        esac
    done
done

# ---- report -------------------------------------------------------------------------

jq -s --argjson bitrate "$BITRATE" --argjson dur "$DUR" --argjson repeat "$REPEAT" \
    --argjson warmup "$WARMUP" --argjson latency "$LATENCY" \
    --arg date "$(cat "$RUN_DATE_FILE" 2>/dev/null)" --arg kernel "$(uname -r)" \
    --argjson cpus "$(nproc)" --arg cpu "$(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
    --arg nginx "$("$NGINX" -v 2>&1 | sed 's/.*: //')" \
    --arg slt "$("$SLT" -version 2>&1 | sed -n 's/.*SRT Library version: \([0-9.]*\).*/\1/p' | head -1)" \
    --arg recvopts "$RECV_OPTS" --arg bind "$SRT_BIND" --arg modpath "$MODULE_SRC" '
    def steady: .cpu_pct != null and .delivered >= 0.98 and .delivered <= 1.02
                and .connected == .n;
    (map(if .cpu_pct == null then . else
        . + {steady: steady,
             note: ([.note // empty]
                    + (if .connected < .n then ["\(.n - .connected) of \(.n) players not connected"] else [] end)
                    + (if .closed > 0 then ["\(.closed) players closed"] else [] end)
                    + (if .delivered < 0.01 then ["no output received"]
                       elif .delivered < 0.98 then ["overloaded: \(.delivered * 100 | round)% delivered, CPU per delivered output \(.cpu_per_delivered_output_pct * 1000 | round / 1000)%"]
                       elif .delivered > 1.02 then ["not steady: \(.delivered * 100 | round)% delivered"]
                       else [] end)
                    + (if .host_busy_pct >= 180 then ["host CPUs saturated (\(.host_busy_pct | round)% of 200)"] else [] end)
                    + (if .ts_ok != true then ["bad TS messages: \(.bad_msgs)"] else [] end)
                    + (if (.rcv_drop // 0) > 0 then ["\(.rcv_drop) pkts dropped too late"] else [] end)
                    + (if .players_per_worker then ["players per worker \(.players_per_worker | to_entries | map(.value | tostring) | join("/"))"] else [] end)
                    | if length == 0 then null else join("; ") end)}
        end)) as $cases
    | def slt_ref(n): ([$cases[] | select(.system == "slt" and .steady == true)]
                       | (map(select(.n == n))[0]) // (sort_by(.n) | last));
      def gw(s; n): [$cases[] | select(.system == s and .n == n and .cpu_pct != null)][0];
    ($cases | map(.n) | max) as $maxn
    | {meta: {date: $date, kernel: $kernel, cpus: $cpus, cpu: $cpu, nginx: $nginx,
              libsrt_slt: $slt, bitrate: $bitrate, window_s: $dur, windows: $repeat,
              warmup_s: $warmup, latency_ms: $latency, srt_bind: $bind,
              srtrecv_extra_opts: $recvopts, module_path: $modpath,
              definitions: {
                cpu_pct: "utime+stime of the SUT processes (/proc/PID/stat) over a window / window length, % of one core; median over the windows",
                cpu_per_output_pct: "cpu_pct / N",
                cpu_per_delivered_output_pct: "cpu_pct / (egress / input bitrate)",
                egress_mbps: "sum over the players of the bytes srtrecv received in the window x 8 / window length; median over the windows",
                delivered: "egress / (N x input bitrate)"}},
       cases: $cases,
       ratios: [$cases | map(.n) | unique | .[] as $n
                | slt_ref($n) as $s
                | ("gateway1", "gateway2") as $g | gw($g; $n) as $c
                | select($c != null and $s != null)
                | {n: $n, gateway: $g, slt_n: $s.n,
                   slt_cpu_per_output_pct: $s.cpu_per_output_pct,
                   gateway_cpu_per_output_pct: $c.cpu_per_output_pct,
                   gateway_steady: $c.steady,
                   gateway_cpu_per_delivered_output_pct: $c.cpu_per_delivered_output_pct,
                   slt_over_gateway: (if $c.cpu_per_output_pct > 0 then $s.cpu_per_output_pct / $c.cpu_per_output_pct else null end),
                   slt_over_gateway_delivered: (if ($c.cpu_per_delivered_output_pct // 0) > 0 then $s.cpu_per_delivered_output_pct / $c.cpu_per_delivered_output_pct else null end)}],
       scaling: (gw("gateway1"; $maxn) as $a | gw("gateway2"; $maxn) as $b
                 | if $a and $b then {n: $maxn, gateway1_egress_mbps: $a.egress_mbps,
                     gateway1_steady: $a.steady,
                     gateway2_egress_mbps: $b.egress_mbps,
                     gateway2_over_gateway1: (if $a.egress_mbps > 0 then $b.egress_mbps / $a.egress_mbps else null end)}
                   else null end)}
    ' "$RESULTS" > "$OUT/srt_results.json" || die "jq report failed"

jq -r '
  def f(x; d): if x == null then "-" else (x * pow(10; d) | round / pow(10; d) | tostring) end;
  # ratios: always 3 decimals, so that 1.999 does not read "2 FAIL"
  def r(x): if x == null then "-" else ((x * 1000 | round) as $i
      | "\($i / 1000 | floor).\("00\($i % 1000)" | .[-3:])") end;
  "| N | system | CPU % (median) | CPU per output % | egress Mbit/s | delivered | receiver CPU % | CC errors | host busy % | notes |",
  "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
  (.cases[] |
    if .skipped then "| \(.n) | \(.system) | - | - | - | - | - | - | - | skipped: \(.skipped) |"
    else "| \(.n) | \(.system) | \(f(.cpu_pct; 1)) (\(f(.cpu_pct_min; 1))-\(f(.cpu_pct_max; 1))) | \(f(.cpu_per_output_pct; 3)) | \(f(.egress_mbps; 1)) | \(f(.delivered; 3)) | \(f(.recv_cpu_pct; 1)) | \(.cc_errors) | \(f(.host_busy_pct; 0)) | \(.note // "") |"
    end),
  "",
  "| N | slt CPU per output / gateway CPU per output | gateway1 | gateway2 |",
  "|---:|---|---:|---:|",
  (.ratios | group_by(.n)[] |
    (map(select(.gateway == "gateway1"))[0]) as $a | (map(select(.gateway == "gateway2"))[0]) as $b
    | def cell(x): if x == null then "-"
        elif x.gateway_steady then "\(r(x.slt_over_gateway))x (gateway \(f(x.gateway_cpu_per_output_pct; 3))%)"
        else "overloaded: per delivered output \(r(x.slt_over_gateway_delivered))x (gateway \(f(x.gateway_cpu_per_delivered_output_pct; 3))%)" end;
      "| \(.[0].n) | slt \(f(.[0].slt_cpu_per_output_pct; 3))%\(if .[0].slt_n != .[0].n then " (@N=\(.[0].slt_n))" else "" end) / gateway | \(cell($a)) | \(cell($b)) |"),
  "",
  (if .scaling then "gateway2 / gateway1 egress at N=\(.scaling.n): \(f(.scaling.gateway2_egress_mbps; 1)) / \(f(.scaling.gateway1_egress_mbps; 1)) Mbit/s = \(r(.scaling.gateway2_over_gateway1))x" else "gateway2 / gateway1 egress: n/a" end),
  "",
  "Targets: slt CPU per output / gateway CPU per output >= 2 (reference: slt at the same N, or at the largest steady slt N: @N; ratios rounded to 3 decimals); gateway2 egress > gateway1 egress at the largest N",
  (.ratios[] | "- N=\(.n) \(.gateway): " + (if .gateway_steady then "\(r(.slt_over_gateway))x " + (if (.slt_over_gateway * 1000 | round) >= 2000 then "PASS" else "FAIL" end)
      else "not a steady state (overloaded); per delivered output \(r(.slt_over_gateway_delivered))x" end)),
  (if .scaling then "- egress N=\(.scaling.n): gateway2/gateway1 \(r(.scaling.gateway2_over_gateway1))x "
      + (if .scaling.gateway1_steady then "n/a (gateway1 already delivers all of it: no saturation to relieve at this N)"
         elif .scaling.gateway2_over_gateway1 > 1 then "PASS" else "FAIL" end) else empty end)
' "$OUT/srt_results.json"

echo
log "done in $(($(date +%s) - START)) s; results in $OUT/srt_results.json"
