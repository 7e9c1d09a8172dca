#!/usr/bin/env bash
# The SCTE-35 muxer's cost per packet, against a plain copy (bench/scte35_mux.c).
#   bench/scte35_mux.sh
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/out/bin
cc -O2 -Wall -Wextra -Werror -Ingx_scte35_module -o bench/out/bin/scte35_mux \
    bench/scte35_mux.c ngx_scte35_module/*.c -ljansson -lm
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=25 \
    -f lavfi -i sine -t 30 -c:v libx264 -preset ultrafast -g 50 -b:v 8M \
    -c:a aac -f mpegts bench/out/scte35_mux.ts
bench/out/bin/scte35_mux bench/out/scte35_mux.ts
