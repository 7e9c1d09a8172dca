# SRT gateway: nginx dynamic modules built out of tree against Debian's nginx.
#
#   make deps   install every Debian package the project uses (idempotent)
#   make        build the dynamic modules into build/modules/
#   make run    build, then run nginx in the foreground with conf/nginx.conf
#   make test   build, run the C unit tests (cmocka, ASan/UBSan) and prove -r t/
#   make bench  run the fan-out benchmark (bench/, results in docs/benchmarks.md)
#   make fuzz   build the libFuzzer targets (clang); make fuzz-run runs them

NGX_SRC    ?= /usr/share/nginx/src
BUILD      ?= $(CURDIR)/build
NGX_BUILD  := $(BUILD)/nginx
MODULES    := $(BUILD)/modules
CC         ?= cc

DEB_PACKAGES := nginx nginx-dev libsrt-gnutls-dev srt-tools libsqlite3-dev \
	libssl-dev libjansson-dev libjwt-dev libavcodec-dev libavformat-dev \
	libavutil-dev libavfilter-dev libswscale-dev libswresample-dev ffmpeg \
	libnginx-mod-rtmp libcmocka-dev perl libpcre2-dev zlib1g-dev \
	build-essential pkg-config curl iproute2 procps python3-prometheus-client \
	clang libclang-rt-14-dev fonts-dejavu-core chromium wrk

MODULE_SRCS := config $(wildcard ngx_srt_module/*.[ch] ngx_route_api_module/*.[ch] \
	ngx_scte35_module/*.[ch])

UNIT_SRCS  := $(wildcard t/unit/test_*.c)
UNIT_BINS  := $(patsubst t/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_LIB   := $(wildcard ngx_srt_module/srt_*.c)
UNIT_CFLAGS := -std=gnu99 -g -O1 -Wall -Wextra -Werror -Ingx_srt_module \
	-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

TOOL_SRCS  := $(wildcard t/tools/*.c)
TOOL_BINS  := $(patsubst t/tools/%.c,$(BUILD)/tools/%,$(TOOL_SRCS)) \
	$(BUILD)/tools/tscheck

# the MPEG-TS checker (TR 101 290): an nginx-free library and its command
TSCHECK_LIB  := tools/tscheck/ts_check.c
TSCHECK_HDRS := tools/tscheck/ts_check.h

.PHONY: all deps modules tools run test unit prove bench clean fuzz fuzz-run

all: modules

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	        | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	        --no-install-recommends $$missing; \
	fi
	@# the browser test's hls.js and playwright-core, from the npm registry
	@# (locked in t/browser/package-lock.json; Chromium is Debian's)
	@if [ ! -d t/browser/node_modules/hls.js ] \
	    || [ ! -d t/browser/node_modules/playwright-core ]; then \
	    npm ci --prefix t/browser --no-audit --no-fund; fi
	@touch $(BUILD).deps 2>/dev/null || true

$(NGX_SRC)/configure:
	$(MAKE) deps

# configure once; the generated objs/Makefile tracks the module sources
$(NGX_BUILD)/objs/Makefile: $(NGX_SRC)/configure config
	rm -rf $(NGX_BUILD) && mkdir -p $(BUILD) && cp -r $(NGX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && . ./conf_flags && \
	    ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="-Werror -g -O2" \
	        --add-dynamic-module=$(CURDIR) > $(BUILD)/configure.log 2>&1 \
	    || { tail -30 $(BUILD)/configure.log; exit 1; }

modules: $(MODULES)/.built

# the OpenAPI document is compiled into the API module (and committed, so
# that a static build with --add-module needs nothing else)
ngx_route_api_module/ngx_http_route_api_openapi.h: docs/openapi.json \
    tools/c_string.pl
	perl tools/c_string.pl ngx_http_route_api_openapi < $< > $@

$(MODULES)/.built: $(NGX_BUILD)/objs/Makefile $(MODULE_SRCS) \
    ngx_route_api_module/ngx_http_route_api_openapi.h
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules
	mkdir -p $(MODULES)
	# a new inode: running nginx processes keep mapping the old file
	cp --remove-destination $(NGX_BUILD)/objs/*.so $(MODULES)/
	touch $@

SHELL := /bin/bash

run: deps modules
	conf/run-demo.sh

$(BUILD)/unit/%: t/unit/%.c $(UNIT_LIB) $(wildcard ngx_srt_module/srt_*.h)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_LIB) -lcmocka -lpthread

# the SQLite store of the route API: its own sources, and libsqlite3
STORE_LIB  := ngx_route_api_module/srt_store.c \
	ngx_route_api_module/srt_cue_store.c

$(BUILD)/unit/test_store: t/unit/test_store.c $(STORE_LIB) \
    ngx_route_api_module/srt_store.h ngx_route_api_module/srt_cue_store.h
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Ingx_route_api_module -o $@ $< $(STORE_LIB) \
	    -lcmocka -lsqlite3

# the in-process TS sources (test pattern, slate, looped file): the FFmpeg
# libraries, and srt_ts.c to check what comes out
AV_LIBS    := libavformat libavfilter libavcodec libavutil

AV_SRCS    := $(wildcard ngx_srt_module/av_source*.c)

$(BUILD)/unit/test_av_source: t/unit/test_av_source.c $(AV_SRCS) \
    $(wildcard ngx_srt_module/av_source*.h) \
    ngx_srt_module/srt_ts.c ngx_srt_module/srt_ts_video.c ngx_srt_module/srt_ts.h
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) $$(pkg-config --cflags $(AV_LIBS)) -o $@ $< \
	    $(AV_SRCS) ngx_srt_module/srt_ts.c ngx_srt_module/srt_ts_video.c \
	    $$(pkg-config --libs $(AV_LIBS)) -lcmocka -lpthread

# the SCTE-35 codec: its own sources, jansson, and the test vectors (a copy
# of ../shared/testdata/scte35_vectors.json; the test skips them when the
# file is not there)
SCTE35_LIB     := $(wildcard ngx_scte35_module/*.c)
SCTE35_HDRS    := $(wildcard ngx_scte35_module/*.h)
SCTE35_VECTORS ?= $(CURDIR)/t/unit/data/scte35_vectors.json

$(BUILD)/unit/test_scte35: t/unit/test_scte35.c $(SCTE35_LIB) $(SCTE35_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Ingx_scte35_module \
	    -DSCTE35_VECTORS='"$(SCTE35_VECTORS)"' -o $@ $< $(SCTE35_LIB) \
	    -lcmocka -ljansson -lm

# cue requests of the API (JSON to sections): the codec's sources too
$(BUILD)/unit/test_scte35_cue: t/unit/test_scte35_cue.c $(SCTE35_LIB) \
    $(SCTE35_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Ingx_scte35_module -o $@ $< $(SCTE35_LIB) \
	    -lcmocka -ljansson -lm

# the SCTE-35 TS mux (PMT rewrite, cue insertion): the codec's sources too
$(BUILD)/unit/test_scte35_mux: t/unit/test_scte35_mux.c $(SCTE35_LIB) \
    $(SCTE35_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Ingx_scte35_module -o $@ $< $(SCTE35_LIB) \
	    -lcmocka -ljansson -lm

# the MPEG-TS checker's analysis (tools/tscheck/ts_check.c)
$(BUILD)/unit/test_tscheck: t/unit/test_tscheck.c $(TSCHECK_LIB) \
    $(TSCHECK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(UNIT_CFLAGS) -Itools/tscheck -o $@ $< $(TSCHECK_LIB) -lcmocka

# libFuzzer targets (clang, libclang-rt-14-dev).  fuzz-run starts from the
# seeds in t/fuzz/corpus, keeps what it finds in build/fuzz/corpus and
# writes crashing inputs to build/fuzz/; FUZZ_TIME seconds per target.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FUZZ_BINS  := $(BUILD)/fuzz/fuzz_scte35

$(BUILD)/fuzz/fuzz_scte35: t/fuzz/fuzz_scte35.c $(SCTE35_LIB) $(SCTE35_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=gnu99 -g -O1 -Wall -Wextra -Werror -Ingx_scte35_module \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -fno-omit-frame-pointer -o $@ $< $(SCTE35_LIB) -ljansson

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	@mkdir -p $(BUILD)/fuzz/corpus
	$(BUILD)/fuzz/fuzz_scte35 -max_total_time=$(FUZZ_TIME) \
	    -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ \
	    $(BUILD)/fuzz/corpus t/fuzz/corpus

# helpers the tests run (the lossy UDP relay)
$(BUILD)/tools/%: t/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu99 -O2 -Wall -Wextra -Werror -o $@ $<

# tscheck: MPEG-TS integrity checker (ETSI TR 101 290), a standalone tool
$(BUILD)/tools/tscheck: tools/tscheck/tscheck.c $(TSCHECK_LIB) \
    $(TSCHECK_HDRS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu99 -O2 -Wall -Wextra -Werror -Itools/tscheck -o $@ \
	    tools/tscheck/tscheck.c $(TSCHECK_LIB)

tools: $(TOOL_BINS)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "# $$t"; $$t; done

prove: modules tools
	prove -r -v t/

test: deps modules tools unit
	prove -r t/

bench: modules
	bench/run.sh

clean:
	rm -rf $(BUILD)
