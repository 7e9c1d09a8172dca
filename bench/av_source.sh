#!/usr/bin/env bash
# CPU of the built-in sources (testsrc://, the slate card) against the
# ffmpeg command the demo used to run for the same picture, side by side,
# ROUNDS times each, medians.
#   bench/av_source.sh [SECONDS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${2:-3}
libs="libavformat libavfilter libavcodec libavutil"
mkdir -p bench/out/bin
cc -O2 -Wall -Wextra -Werror -Ingx_srt_module $(pkg-config --cflags $libs) \
    -o bench/out/bin/av_source bench/av_source.c ngx_srt_module/av_source*.c \
    $(pkg-config --libs $libs) -lpthread

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# the ffmpeg process: same pattern, clock, tone and settings, to a UDP sink
ffmpeg_cpu() {
    local size=$1 rate=$2 br=$3 t0 t1
    local font=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
    /usr/bin/time -f '%U %S' -o bench/out/ffmpeg.time \
    ffmpeg -nostdin -loglevel error -re \
        -f lavfi -i "testsrc2=size=$size:rate=$rate,drawtext=fontfile=$font:text='%{localtime}':fontsize=72:fontcolor=white:box=1:boxcolor=black@0.7:x=(w-tw)/2:y=h-th*2" \
        -f lavfi -i "sine=frequency=1000:sample_rate=48000" \
        -c:v libx264 -preset veryfast -tune zerolatency -threads 1 -g "$rate" \
        -b:v "$br" -maxrate "$br" -bufsize "$br" -c:a aac -b:a 128k \
        -muxrate $((br * 6 / 5 + 200000)) -t $((secs + 1)) -f mpegts \
        "udp://127.0.0.1:9?pkt_size=1316" 2>/dev/null || true
    awk -v s=$((secs + 1)) '{printf "%.3f\n", ($1 + $2) / s}' bench/out/ffmpeg.time
}

ours=(); theirs=(); slate=()
for r in $(seq "$rounds"); do
    ours+=("$(bench/out/bin/av_source testsrc 1280x720 25 3000000 "$secs" \
              | sed 's/.*cpu \([0-9.]*\).*/\1/')")
    theirs+=("$(ffmpeg_cpu 1280x720 25 3000000)")
    slate+=("$(bench/out/bin/av_source slate 1280x720 25 1000000 "$secs" \
               | sed 's/.*cpu \([0-9.]*\).*/\1/')")
done

o=$(printf '%s\n' "${ours[@]}" | median)
t=$(printf '%s\n' "${theirs[@]}" | median)
s=$(printf '%s\n' "${slate[@]}" | median)
echo "testsrc:// 1280x720 25 fps 3M: ${o} core (runs: ${ours[*]})"
echo "ffmpeg process, same picture:  ${t} core (runs: ${theirs[*]})"
echo "ratio ours/ffmpeg: $(awk -v a="$o" -v b="$t" 'BEGIN {printf "%.2f", a / b}')"
echo "slate card 1280x720 25 fps 1M: ${s} core (runs: ${slate[*]})"
