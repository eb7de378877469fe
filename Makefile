# mxsurvey — plain Makefile.
#   make            build/mxsurvey (+ the world's fixture server, build/mxsurvey-fixture)
#   make asan       the same with ASan + UBSan into build/asan/
#   make test-asan  the test suite on the sanitizer build
#   make test       install missing deps, build, bring the world up, unit + integration tests, world down
#   make demo       install missing deps, build, bring the world up, scan it, write a report, world down
#   make install PREFIX=/usr/local
# Objects go under $(BUILD)/obj, never next to the sources.

BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
PKGS     := libuv ldns jansson libpsl libidn2

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

SRCS     := $(sort $(wildcard src/*.c))
OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))

FIX_SRCS := $(sort $(wildcard tests/world/fixture/*.c))
FIX_OBJS := $(patsubst tests/world/fixture/%.c,$(BUILD)/obj/fixture/%.o,$(FIX_SRCS))

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(patsubst tests/unit/%.c,$(BUILD)/obj/unit/%.o,$(UNIT_SRCS))

.PHONY: all asan test test-asan demo clean install deps world-up world-down unit
all: $(BUILD)/mxsurvey $(BUILD)/mxsurvey-fixture $(BUILD)/unit-tests

$(BUILD)/mxsurvey: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mxsurvey-fixture: $(FIX_OBJS) $(BUILD)/obj/util.o
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJS) $(LIB_OBJS)
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

-include $(OBJS:.o=.d) $(FIX_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)

asan:
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all

deps:
	@scripts/install-deps.sh

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# The test entry point (README, CI).
test: deps
	$(MAKE) all
	tests/run --build $(BUILD)

# The same suite on the ASan + UBSan build: unit tests, the fixture and every scan run sanitized.
test-asan: deps
	$(MAKE) asan
	tests/run --build build/asan

demo: deps
	$(MAKE) all
	scripts/demo --build $(BUILD)

world-up: all
	scripts/world up
world-down:
	scripts/world down

install: $(BUILD)/mxsurvey
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD)/mxsurvey $(DESTDIR)$(PREFIX)/bin/mxsurvey

clean:
	rm -rf build
