# mxsurvey — plain Makefile.
#   make            build/mxsurvey (+ the world's fixture server, build/mxsurvey-fixture, the unit
#                   tests build/unit-tests and the integration drivers build/drivers/*_driver)
#   make drivers    only the integration tests' drivers (tests/integration/*_driver.c)
#   make asan       the same with ASan + UBSan into build/asan/
#   make test-asan  the test suite on the sanitizer build
#   make tsan       the scanner and the fixture with ThreadSanitizer into build/tsan/ (--threads)
#   make test       install missing deps, build, bring the world up, unit + integration tests, world down
#   make demo       install missing deps, build, bring the world up, scan it, write a report, world down
#   make install    PREFIX (default /usr/local) and DESTDIR: the binary, mxsurvey-nightly
#                   (scripts/nightly), the man page docs/mxsurvey.1 and the docs under
#                   share/doc/mxsurvey/; make uninstall removes exactly those
#   make fuzz       build every tests/fuzz/fuzz_*.c with clang + libFuzzer and run each for
#                   FUZZ_SECONDS (default 60); needs `scripts/install-deps.sh --fuzz` (docs/testing.md)
#   make fuzz-replay the same harnesses with gcc + ASan/UBSan and a replay driver (no clang needed):
#                   build/asan/fuzz-replay/fuzz_*; tests/run runs each over its corpus (docs/testing.md)
#   make valgrind   a scan of the world under valgrind: no error, no leak (docs/testing.md)
# Objects go under $(BUILD)/obj, never next to the sources.

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := libuv ldns jansson libpsl libidn2 libcurl

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Debian's mbedTLS 2.28 ships no pkg-config file.
MBED_LIBS  := -lmbedtls -lmbedx509 -lmbedcrypto

WARN     := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wno-unused-parameter
OPT      ?= -O2 -g
SAN      ?=
CFLAGS   := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L $(WARN) $(OPT) $(SAN) $(PKG_CFLAGS) \
            -iquote src $(EXTRA_CFLAGS)
LDFLAGS  := $(SAN) $(EXTRA_LDFLAGS)
LDLIBS   := $(PKG_LIBS) $(MBED_LIBS) -lm

SRCS     := $(sort $(wildcard src/*/*.c))
OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/cmd/main.o,$(OBJS))

FIX_SRCS := $(sort $(wildcard tests/world/fixture/*.c))
FIX_OBJS := $(patsubst tests/world/fixture/%.c,$(BUILD)/obj/fixture/%.o,$(FIX_SRCS))

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/obj/unit/%.o,$(UNIT_SRCS))

# The integration tests' C drivers (tests/integration/NAME_driver.c → $(BUILD)/drivers/NAME_driver),
# built like everything else in $(BUILD) (build/asan: sanitized) and linked with the library
# objects; the tests run these binaries and compile nothing themselves.
DRIVER_SRCS := $(sort $(wildcard tests/integration/*_driver.c))
DRIVER_BINS := $(patsubst tests/integration/%.c,$(BUILD)/drivers/%,$(DRIVER_SRCS))
DRIVER_OBJS := $(patsubst tests/integration/%.c,$(BUILD)/obj/drivers/%.o,$(DRIVER_SRCS))

.PHONY: all asan tsan test test-asan demo clean install deps world-up world-down unit fuzz fuzz-deps \
        fuzz-replay fuzz-replay-bins valgrind drivers uninstall FORCE
all: $(BUILD)/mxsurvey $(BUILD)/mxsurvey-fixture $(BUILD)/unit-tests drivers

drivers: $(DRIVER_BINS)
.SECONDARY: $(DRIVER_OBJS)

$(BUILD)/mxsurvey: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mxsurvey-fixture: $(FIX_OBJS) $(BUILD)/obj/core/util.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/drivers/%_driver: $(BUILD)/obj/drivers/%_driver.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/obj/fixture/%.o: tests/world/fixture/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/world/fixture -MMD -MP -c -o $@ $<

$(BUILD)/obj/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -MMD -MP -c -o $@ $<

$(BUILD)/obj/drivers/%.o: tests/integration/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(OBJS:.o=.d) $(FIX_OBJS:.o=.d) $(UNIT_OBJS:.o=.d) $(DRIVER_OBJS:.o=.d)

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all

# ThreadSanitizer (gcc's, libtsan2 with gcc 12): the probe loops' threads (--threads). Only the
# scanner (tests/integration/test_threads.py runs world scans with it and fails on
# any report); -O1 keeps the stacks readable.
tsan:
	$(MAKE) BUILD=build/tsan OPT="-O1 -g -fno-omit-frame-pointer" SAN="-fsanitize=thread" \
	    build/tsan/mxsurvey

deps:
	@scripts/install-deps.sh

# ---- fuzzing (docs/testing.md) --------------------------------------------------------------
# The library sources are compiled once more with clang (coverage for libFuzzer, ASan, UBSan)
# into an archive, so each harness links only the objects it uses. A harness's seeds are
# tests/fuzz/corpus/NAME/ for tests/fuzz/fuzz_NAME.c (read only); what the fuzzer finds goes to
# build/fuzz/corpus/NAME/, crashes to build/fuzz/NAME-crash-*, the log to build/fuzz/NAME.log.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS  := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
                $(filter-out -Werror,$(WARN)) -O1 -g -fno-omit-frame-pointer $(PKG_CFLAGS) -iquote src
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(patsubst tests/fuzz/%.c,$(FUZZ_DIR)/%,$(FUZZ_SRCS))
FUZZ_OBJS    := $(patsubst src/%.c,$(FUZZ_DIR)/obj/%.o,$(filter-out src/cmd/main.c,$(SRCS)))

$(FUZZ_DIR)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/libmxsurvey.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h tests/fuzz/markup.h $(FUZZ_DIR)/libmxsurvey.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< $(FUZZ_DIR)/libmxsurvey.a \
	    $(LDLIBS)

-include $(FUZZ_OBJS:.o=.d)

fuzz-deps:
	@scripts/install-deps.sh --fuzz

fuzz: fuzz-deps
	$(MAKE) $(FUZZ_BINS)
	@set -e; for bin in $(FUZZ_BINS); do \
	    name=$${bin##*/fuzz_}; \
	    mkdir -p $(FUZZ_DIR)/corpus/$$name; \
	    seeds=; [ -d tests/fuzz/corpus/$$name ] && seeds=tests/fuzz/corpus/$$name; \
	    echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	    if ! $$bin -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	        -artifact_prefix=$(FUZZ_DIR)/$$name- $(FUZZ_DIR)/corpus/$$name $$seeds \
	        >$(FUZZ_DIR)/$$name.log 2>&1; then \
	        tail -40 $(FUZZ_DIR)/$$name.log; \
	        echo "fuzz: $$name FAILED; the input is $(FUZZ_DIR)/$$name-crash-* (log $(FUZZ_DIR)/$$name.log)"; \
	        exit 1; \
	    fi; \
	    runs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/$$name.log); \
	    echo "fuzz: $$name: $$runs executions in $(FUZZ_SECONDS) s, no failure"; \
	done

# The replay driver (tests/fuzz/replay.c): each harness linked with the library objects of the
# gcc ASan + UBSan build, so `make test` replays every corpus without clang (docs/testing.md).
REPLAY_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz-replay/%,$(FUZZ_SRCS))

$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h tests/fuzz/markup.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ tests/fuzz/replay.c $< $(LIB_OBJS) $(LDFLAGS) $(LDLIBS)

fuzz-replay-bins: $(REPLAY_BINS)

fuzz-replay:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" fuzz-replay-bins

# A scan of the whole world (and report, diff, trend, check, match) under valgrind: no error,
# no leak (tests/valgrind.sh; about 20 s). It brings the world up: run it in a private network
# namespace. make test runs the same (tests/integration/test_valgrind.py).
valgrind: all
	tests/valgrind.sh --build $(BUILD)

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# The test entry point (README, CI).
test: deps
	$(MAKE) all
	$(MAKE) fuzz-replay
	tests/run --build $(BUILD)

# The same suite on the ASan + UBSan build: unit tests, the fixture and every scan run sanitized.
# (The plain build too: valgrind, in the suite, cannot run an ASan binary.)
test-asan: deps
	$(MAKE) asan
	$(MAKE) all
	$(MAKE) fuzz-replay
	tests/run --build build/asan

demo: deps
	$(MAKE) all
	scripts/demo --build $(BUILD)

world-up: all
	scripts/world up
world-down:
	scripts/world down

# ---- installing, like a Debian tool -----------------------------------------------------------
# $(DESTDIR)$(PREFIX)/bin/mxsurvey and bin/mxsurvey-nightly (scripts/nightly: it finds the
# mxsurvey beside it), share/man/man1/mxsurvey.1, and the README and docs/*.md flat under
# share/doc/mxsurvey/. report.html names the installed schema, $(DOCDIR)/schema.md, beside the
# source tree's docs/schema.md: html.o is compiled with DOCDIR and rebuilt when PREFIX changes.
BINDIR   := $(PREFIX)/bin
MANDIR   := $(PREFIX)/share/man/man1
DOCDIR   := $(PREFIX)/share/doc/mxsurvey
INST_DOCS := README.md $(sort $(wildcard docs/*.md))
INST_FILES := $(BINDIR)/mxsurvey $(BINDIR)/mxsurvey-nightly $(MANDIR)/mxsurvey.1 \
              $(addprefix $(DOCDIR)/,$(notdir $(INST_DOCS)))

$(BUILD)/obj/report/html.o: CFLAGS += -DMXS_DOCDIR='"$(DOCDIR)"'
$(BUILD)/obj/report/html.o: $(BUILD)/docdir.stamp
$(BUILD)/docdir.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(DOCDIR)' | cmp -s - $@ || echo '$(DOCDIR)' > $@
FORCE:

install: $(BUILD)/mxsurvey
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(BUILD)/mxsurvey $(DESTDIR)$(BINDIR)/mxsurvey
	install -m 0755 scripts/nightly $(DESTDIR)$(BINDIR)/mxsurvey-nightly
	install -m 0644 docs/mxsurvey.1 $(DESTDIR)$(MANDIR)/mxsurvey.1
	install -m 0644 $(INST_DOCS) $(DESTDIR)$(DOCDIR)/

# Exactly what install put, and the doc folder when that leaves it empty (never bin/ or man1/).
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INST_FILES))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build
