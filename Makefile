# vfio-barbench: VFIO BAR access costs, mmap versus the device fd.
#
#   make run     boot the embedded guest (or use a cached one), run the
#                default suite on its vfio-pci devices, print the table
#   make test    unit tests (also under ASan/UBSan), then the end-to-end
#                tests in the x86_64, ppc64le (64K) and aarch64 (16K) guests
#   make compare   the suite under kernel variants (VARIANTS="stock
#                  msix-sparse") in one boot, and the report of the difference
#   make run ARCH=ppc64le, make compare ARCH=ppc64le   the same in the 64K
#                  ppc64le guest (ARCH=aarch64: 16K; x86_64, 4K, is the default)
#   make matrix    4K, 16K, 64K: the newest compare of each, side by side
#   make gate BASELINE=... CANDIDATE=...   exit 1 if the candidate regressed
#   make overhead  what trapcount adds to a trapped access
#   make fuzz      fuzz the parsers of untrusted input, FUZZ_SECONDS each
#   make         build barbench, trapcount and the tests into $(BUILD)/
#
# Everything downloaded or built lives under $(CACHE)/ and $(BUILD)/, both
# ignored by git; nothing depends on where the checkout is.

CACHE ?= .cache
RESULTS ?= results
# The guest's architecture: x86_64 (4K pages), ppc64le (64K pages) or
# aarch64 (16K pages); the last two built here with Debian's cross compilers
# against a sysroot of Debian's libraries.
# On a lab host of any architecture, ARCH is that host's: a native build.
HOST_ARCH := $(shell uname -m)
ARCH ?= $(HOST_ARCH)
ifeq ($(ARCH),$(HOST_ARCH))
BUILD ?= build
else ifeq ($(ARCH),ppc64le)
BUILD ?= build/$(ARCH)
CROSS := powerpc64le-linux-gnu-
else ifeq ($(ARCH),aarch64)
BUILD ?= build/$(ARCH)
CROSS := aarch64-linux-gnu-
else
$(error ARCH=$(ARCH) is not supported (x86_64, ppc64le, aarch64))
endif
SAMPLES ?= 200
GUEST_TIMEOUT ?= 900

# The harness scripts may run from another folder: give them an absolute path.
export CACHE := $(abspath $(CACHE))

CC ?= gcc
# barbench, trapcount and the guest tests run in the guest: built for ARCH.
# The unit tests and fuzzers run here: built with CC.
TARGET_CC := $(if $(CROSS),$(CROSS)gcc,$(CC))
SYSROOT := $(CACHE)/sysroot/$(ARCH)
SYSROOT_DONE := $(if $(CROSS),$(SYSROOT)/.done)
# The multiarch library folder is the cross prefix without its last '-'
# (powerpc64le-linux-gnu).
TARGET_FLAGS := $(if $(CROSS),-isystem $(SYSROOT)/usr/include \
	-L$(SYSROOT)/usr/lib/$(CROSS:-=))
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -D_GNU_SOURCE \
	  -DBARBENCH_VERSION='"$(VERSION)"'
# Static, so the binary runs in a busybox initramfs or on any lab host.
LDFLAGS_STATIC := -static
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all

LIB_SRC := bench/vfio_dev.c bench/regcaps.c bench/msix.c bench/stats.c \
	   bench/timer.c bench/json.c
BARBENCH_SRC := bench/barbench.c bench/info.c bench/run.c bench/traps.c \
		bench/provenance.c bench/profile.c bpf/traplib.c $(LIB_SRC)
HEADERS := $(wildcard bench/*.h bench/tests/*.h)

# trapcount: CO-RE BPF.  vmlinux.h comes from the target kernel's own BTF:
# the guest's Debian kernel by default; on a lab host pass
# KERNEL_BTF=/sys/kernel/btf/vmlinux.
KERNEL_BTF ?= $(CACHE)/kernel/$(ARCH)/vmlinuz
BPF_GEN := $(BUILD)/bpf-$(ARCH)
VMLINUX_H := $(BPF_GEN)/vmlinux.h
BPF_ARCH := $(patsubst x86_64,x86,$(patsubst ppc64le,powerpc,$(patsubst aarch64,arm64,$(ARCH))))
BPF_HEADERS := bpf/trapcount.h bpf/vfio_types.h
TRAPLIB_SRC := bpf/traplib.c bench/msix.c
BPF_LIBS := -lbpf -lelf -lz -lzstd

.PHONY: all run test unit-test e2e-test overhead compare compare-report \
	gate matrix fuzz deps clean distclean help

all: $(BUILD)/barbench $(BUILD)/trapcount $(if $(CROSS),,$(BUILD)/test_units) \
     $(BUILD)/test_guest $(BUILD)/test_trapcount

help:
	@sed -n '2,15p' Makefile | sed 's/^# \{0,1\}//'

$(BUILD):
	mkdir -p $@

# Rebuilt when the version changes, so results never carry a stale one.
$(BUILD)/version: FORCE | $(BUILD)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
FORCE:

$(BUILD)/barbench: $(BARBENCH_SRC) $(HEADERS) $(BUILD)/version $(SYSROOT_DONE) \
		bpf/traplib.h $(BPF_HEADERS) $(BPF_GEN)/trapcount.skel.h | $(BUILD)
	$(TARGET_CC) $(CFLAGS) $(TARGET_FLAGS) -I$(BPF_GEN) -Ibpf $(LDFLAGS_STATIC) -o $@ \
		$(BARBENCH_SRC) $(BPF_LIBS) -lm

$(BUILD)/test_units: bench/tests/test_units.c $(LIB_SRC) $(HEADERS) | $(BUILD)
	$(CC) $(CFLAGS) -o $@ bench/tests/test_units.c $(LIB_SRC) -lm

$(BUILD)/test_units_san: bench/tests/test_units.c $(LIB_SRC) $(HEADERS) | $(BUILD)
	$(CC) $(CFLAGS) -O1 $(SANITIZE) -o $@ bench/tests/test_units.c $(LIB_SRC) -lm

$(BUILD)/test_guest: bench/tests/test_guest.c $(LIB_SRC) $(HEADERS) $(SYSROOT_DONE) | $(BUILD)
	$(TARGET_CC) $(CFLAGS) $(TARGET_FLAGS) $(LDFLAGS_STATIC) -o $@ bench/tests/test_guest.c $(LIB_SRC) -lm

$(CACHE)/kernel/$(ARCH)/vmlinuz:
	harness/fetch-kernel --arch $(ARCH)

$(CACHE)/sysroot/$(ARCH)/.done:
	harness/fetch-sysroot --arch $(ARCH)

$(VMLINUX_H): $(KERNEL_BTF) bpf/gen-vmlinux-h
	@mkdir -p $(@D)
	bpf/gen-vmlinux-h $(KERNEL_BTF) $@

$(BPF_GEN)/trapcount.bpf.o: bpf/trapcount.bpf.c $(BPF_HEADERS) $(VMLINUX_H)
	clang -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BPF_GEN) \
		-Ibpf -c $< -o $@

$(BPF_GEN)/trapcount.skel.h: $(BPF_GEN)/trapcount.bpf.o
	bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/trapcount: bpf/trapcount.c $(TRAPLIB_SRC) bpf/traplib.h $(SYSROOT_DONE) \
		$(BPF_HEADERS) $(BPF_GEN)/trapcount.skel.h
	$(TARGET_CC) $(CFLAGS) $(TARGET_FLAGS) -I$(BPF_GEN) -Ibpf $(LDFLAGS_STATIC) -o $@ \
		bpf/trapcount.c $(TRAPLIB_SRC) $(BPF_LIBS)

$(BUILD)/test_trapcount: bench/tests/test_trapcount.c $(TRAPLIB_SRC) $(LIB_SRC) $(SYSROOT_DONE) \
		bpf/traplib.h $(BPF_HEADERS) $(BPF_GEN)/trapcount.skel.h $(HEADERS)
	$(TARGET_CC) $(CFLAGS) $(TARGET_FLAGS) -I$(BPF_GEN) -Ibpf $(LDFLAGS_STATIC) -o $@ \
		bench/tests/test_trapcount.c bpf/traplib.c $(LIB_SRC) $(BPF_LIBS)

deps:
	@harness/install-deps

run: deps $(BUILD)/barbench
	@harness/run-suite --arch $(ARCH) --build $(BUILD) --samples $(SAMPLES) \
		--timeout $(GUEST_TIMEOUT) --results $(RESULTS)

VARIANTS ?= stock msix-sparse
ROUNDS ?= 3
compare: deps $(BUILD)/barbench
	@harness/compare --arch $(ARCH) --build $(BUILD) --rounds $(ROUNDS) --samples $(SAMPLES) \
		--timeout $(GUEST_TIMEOUT) --results $(RESULTS) $(VARIANTS)

# The report of a comparison folder again (e.g. after editing
# scripts/gate.conf): make compare-report RUNDIR=results/compare-...
compare-report:
	@test -n "$(RUNDIR)" || \
		{ echo "usage: make compare-report RUNDIR=DIR [COMPARE_FLAGS=...]" >&2; exit 2; }
	@python3 scripts/compare $(COMPARE_FLAGS) $(RUNDIR)

# The 4K-versus-16K-versus-64K report: the newest make compare of each
# architecture that has one, or COMPARES="DIR DIR...".
COMPARES ?= $(foreach a,x86_64 aarch64 ppc64le,\
	    $(lastword $(sort $(wildcard $(RESULTS)/compare-*-$(a)))))
matrix:
	@test -n "$(word 2,$(COMPARES))" || { echo "make matrix needs make \
	compare runs of two architectures in $(RESULTS)/ (make compare, make \
	compare ARCH=ppc64le), or COMPARES=\"DIR DIR\"" >&2; exit 2; }
	@python3 scripts/matrix $(MATRIX_FLAGS) $(COMPARES)

# BASELINE, CANDIDATE: a run JSON, a folder of them, or a bundle
# (scripts/bundle).  GATE_FLAGS=--allow-env-diff to gate across kernels.
gate:
	@test -n "$(BASELINE)" -a -n "$(CANDIDATE)" || \
		{ echo "usage: make gate BASELINE=FILE|DIR CANDIDATE=FILE|DIR [GATE_FLAGS=...]" >&2; exit 2; }
	@python3 scripts/gate $(GATE_FLAGS) $(BASELINE) $(CANDIDATE)

# libFuzzer on the parsers (bench/fuzz/README.md); make test runs 10 s each.
FUZZ_SECONDS ?= 300
fuzz: deps
	@bench/fuzz/run --seconds $(FUZZ_SECONDS) $(BUILD)
	@python3 scripts/tests/fuzz_results.py 5000

# What trapcount adds to a trapped access (README: "Overhead").
# Not on ppc64le: its floor, empty fentry/fexit programs, needs BPF
# trampolines, which Debian's ppc64el kernel lacks.
overhead: deps $(BUILD)/barbench $(BUILD)/trapcount
	@test "$(ARCH)" != ppc64le || { echo "make overhead: the ppc64le \
	kernel has no BPF trampolines for the empty-probe floor; use \
	x86_64 or aarch64" >&2; exit 2; }
	@out=$(RESULTS)/overhead-$$(date -u +%Y%m%dT%H%M%SZ)-$(ARCH); \
	harness/guest --arch $(ARCH) --timeout $(GUEST_TIMEOUT) --out $$out \
		--add $(BUILD)/barbench $(BUILD)/trapcount harness/overhead.sh \
		-- sh ./overhead.sh && \
	python3 scripts/overhead --out $$out/overhead.txt $$out

unit-test: $(BUILD)/test_units $(BUILD)/test_units_san

e2e-test: $(BUILD)/barbench $(BUILD)/test_guest $(BUILD)/trapcount \
	  $(BUILD)/test_trapcount

# The x86_64 (4K) guest and, from the default ARCH, the ppc64le (64K) and
# aarch64 (16K) ones.
BIG_PAGE_ARCHES := $(if $(CROSS),,$(if $(filter x86_64,$(HOST_ARCH)),ppc64le aarch64))
test: deps unit-test e2e-test
	@test -z "$(CROSS)" || { echo "make test runs every guest from the \
	default ARCH: run it without ARCH=$(ARCH)" >&2; exit 2; }
	@for a in $(BIG_PAGE_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a e2e-test || exit 1; done
	@bench/tests/run-all $(BUILD) $(GUEST_TIMEOUT) \
		$(foreach a,$(BIG_PAGE_ARCHES),$(a)=build/$(a))

clean:
	rm -rf $(BUILD)

# Also drops the downloaded kernel and built initramfs.
distclean: clean
	rm -rf $(CACHE)
