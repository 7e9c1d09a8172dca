#!/usr/bin/env bash
# The joiner's cost per packet, against a plain copy (bench/join.c).
#   bench/join.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out/bin
cc -O2 -Wall -Wextra -Werror -Ingx_srt_module -o bench/out/bin/join \
    bench/join.c ngx_srt_module/srt_join.c ngx_srt_module/srt_ts.c \
    ngx_srt_module/srt_ts_video.c
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
    -f lavfi -i sine -t 30 -c:v libx264 -preset ultrafast -g 50 -b:v 8M \
    -c:a aac -f mpegts bench/out/join.ts
bench/out/bin/join bench/out/join.ts
