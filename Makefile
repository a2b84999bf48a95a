# vfio-barbench: VFIO BAR access costs, mmap versus the device fd.
#
#   make run     boot the embedded guest (or use a cached one), run the
#                default suite on its vfio-pci devices, print the table
#   make test    unit tests (also under ASan/UBSan), then the end-to-end
#                tests in the x86_64, ppc64le (64K) and aarch64 (16K) guests;
#                ONLY="STEP..." runs those steps alone (make test-list)
#   make check   the tests that boot no guest: the developer's quick loop
#   make compare   the suite under kernel variants (VARIANTS="stock
#                  msix-sparse") in one boot, and the report of the difference
#   make run ARCH=ppc64le, make compare ARCH=ppc64le   the same in the 64K
#                  ppc64le guest (ARCH=aarch64: 16K; x86_64, 4K, is the default)
#   make matrix    4K, 16K, 64K: the newest compare of each, side by side
#   make gate BASELINE=... CANDIDATE=...   exit 1 if the candidate regressed
#   make baseline  results/baseline/ARCH-{stock,msix-sparse}[-icount].json
#                  again (ARCH, CLOCK), e.g. after a new Debian kernel
#   make overhead  what trapcount adds to a trapped access
#   make vmm       Debian's QEMU as the VFIO client in the guest: its traps
#                  per register under stock and msix-sparse, against the
#                  qemu profile's prediction (ARCH=aarch64: 16K pages)
#   make fuzz      fuzz the parsers of untrusted input, FUZZ_SECONDS each
#   make lava-validate  lava/'s job templates and test definitions, checked
#   make lava-images LAVA_IMAGES=DIR  what lava/jobs/qemu.yaml boots
#   make         build barbench, trapcount and the tests into $(BUILD)/
#   make TRAPS=0 build/barbench   barbench without --traps: no BPF toolchain
#   CLOCK=icount   run, compare, overhead, matrix on guest instructions (exact)
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
FUZZ_CC ?= clang
# barbench, trapcount and the guest tests run in the guest: built for ARCH.
# The unit tests and fuzzers run here: built with CC (and FUZZ_CC).
TARGET_CC := $(if $(CROSS),$(CROSS)gcc,$(CC))
SYSROOT := $(CACHE)/sysroot/$(ARCH)
SYSROOT_DONE := $(if $(CROSS),$(SYSROOT)/.done)
# The multiarch library folder is the cross prefix without its last '-'
# (powerpc64le-linux-gnu).
TARGET_FLAGS := $(if $(CROSS),-isystem $(SYSROOT)/usr/include \
	-L$(SYSROOT)/usr/lib/$(CROSS:-=))
VERSION := $(shell git describe --always --dirty --tags 2>/dev/null || echo unknown)
CFLAGS ?= -O2 -g
# -MD -MP: every object gets the list of headers it includes ($(BUILD)/**/*.d).
WARN := -std=gnu11 -Wall -Wextra -D_GNU_SOURCE -MD -MP
# Static, so the binary runs in a busybox initramfs or on any lab host.
LDFLAGS_STATIC := -static
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=all

# TRAPS=0 builds barbench without trap counting (--traps): no clang,
# bpftool or vmlinux.h needed.  trapcount and its test need TRAPS=1.
TRAPS ?= 1

# lib/: the pure code every tool and test links, built once per flavour
# into an archive.  bench/ (barbench) and bpf/ (trapcount) each link it and
# never each other, except barbench's one door to trapcount's library,
# bench/counting_bpf.c.  vmmdrive/ links lib/ and bench/'s suite of
# registers (cases.c, profile.c).
LIB_SRC := $(wildcard lib/*.c)
BARBENCH_SRC := $(addprefix bench/,barbench.c info.c read.c run.c cases.c \
		sample.c output.c profile.c info_routes.c) \
		$(if $(filter 1,$(TRAPS)),bench/counting_bpf.c bpf/traplib.c,\
		bench/counting_none.c)

# Each object sees the headers of the folders it uses, no more: lib/'s,
# its own folder's, tests/check.h in the tests.  bench/counting_bpf.c, the
# one door to bpf/, sees bpf/ and the generated skeleton too.
INCLUDES.lib/ := -Ilib
INCLUDES.lib/tests/ := -Ilib -Itests
INCLUDES.lib/fuzz/ := -Ilib
INCLUDES.bench/ := -Ilib -Ibench
INCLUDES.bench/tests/ := -Ilib -Itests
INCLUDES.bpf/ = -Ilib -Ibpf -I$(BPF_GEN)
INCLUDES.bpf/tests/ = -Ilib -Ibpf -I$(BPF_GEN) -Itests
INCLUDES.vmmdrive/ := -Ilib -Ivmmdrive -Ibench
# In a recipe of the object rules below: $* is the source without .c.
includes = $(or $(INCLUDES.$(dir $*)),$(error no INCLUDES.$(dir $*) for $*.c)) \
	$(if $(filter bench/counting_bpf,$*),-Ibpf -I$(BPF_GEN))

# Objects: $(BUILD)/obj/ for ARCH, $(BUILD)/obj-san/ (CC, ASan/UBSan) and
# $(BUILD)/obj-fuzz/ (FUZZ_CC, libFuzzer) for this machine.
OBJ := $(BUILD)/obj
OBJ_SAN := $(BUILD)/obj-san
OBJ_FUZZ := $(BUILD)/obj-fuzz
objs = $(patsubst %.c,$(1)/%.o,$(2))
LIB_A := $(BUILD)/libbarbench.a
LIB_SAN_A := $(BUILD)/libbarbench-san.a
LIB_FUZZ_A := $(BUILD)/libbarbench-fuzz.a

# trapcount: CO-RE BPF.  vmlinux.h comes from the target kernel's own BTF:
# the guest's Debian kernel by default; on a lab host pass
# KERNEL_BTF=/sys/kernel/btf/vmlinux.
KERNEL_BTF ?= $(CACHE)/kernel/$(ARCH)/vmlinuz
BPF_GEN := $(BUILD)/bpf-$(ARCH)
VMLINUX_H := $(BPF_GEN)/vmlinux.h
BPF_ARCH := $(patsubst x86_64,x86,$(patsubst ppc64le,powerpc,$(patsubst aarch64,arm64,$(ARCH))))
SKEL := $(BPF_GEN)/trapcount.skel.h
BPF_LIBS := -lbpf -lelf -lz -lzstd

# The fuzz targets (lib/fuzz/README.md): libFuzzer builds and the replay
# builds (gcc, ASan/UBSan) that make test runs on the corpus.
FUZZ_TARGETS := regcaps msix addr stats
FUZZ_BINS := $(addprefix $(BUILD)/fuzz/fuzz_,$(FUZZ_TARGETS))
REPLAY_BINS := $(addprefix $(BUILD)/fuzz/replay/fuzz_,$(FUZZ_TARGETS))

.PHONY: all run test check test-list baseline unit-test e2e-test overhead compare compare-report \
	gate matrix fuzz fuzz-bins deps clean distclean help lava-validate lava-images vmm

all: $(BUILD)/barbench $(if $(filter 1,$(TRAPS)),$(BUILD)/trapcount \
	$(BUILD)/test_trapcount) $(if $(CROSS),,$(BUILD)/test_units) \
	$(BUILD)/test_vfio_facts $(BUILD)/vmmdrive

help:
	@awk 'NR > 1 && !/^#/ { exit } NR > 1' Makefile | sed 's/^# \{0,1\}//'

# Rebuilt when the version changes, so results never carry a stale one.
$(BUILD)/version: FORCE
	@mkdir -p $(@D)
	@echo '$(VERSION)' | cmp -s - $@ || echo '$(VERSION)' > $@
FORCE:

$(OBJ)/%.o: %.c $(SYSROOT_DONE)
	@mkdir -p $(@D)
	$(TARGET_CC) $(CFLAGS) $(WARN) $(TARGET_FLAGS) $(includes) -c $< -o $@
$(OBJ_SAN)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -O1 $(SANITIZE) $(WARN) $(includes) -c $< -o $@
$(OBJ_FUZZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
		-fno-sanitize-recover=all $(WARN) $(includes) -c $< -o $@

$(LIB_A): $(call objs,$(OBJ),$(LIB_SRC))
$(LIB_SAN_A): $(call objs,$(OBJ_SAN),$(LIB_SRC))
$(LIB_FUZZ_A): $(call objs,$(OBJ_FUZZ),$(LIB_SRC))
$(LIB_A) $(LIB_SAN_A) $(LIB_FUZZ_A):
	@rm -f $@
	$(if $(CROSS),$(CROSS),)ar rcs $@ $^

# Only provenance.c says which version built it.
$(OBJ)/lib/provenance.o: CFLAGS += -DBARBENCH_VERSION='"$(VERSION)"'
$(OBJ)/lib/provenance.o: $(BUILD)/version
# What includes the BPF skeleton needs it generated first.
$(OBJ)/bench/counting_bpf.o $(OBJ)/bpf/traplib.o $(OBJ)/bpf/trapcount.o \
	$(OBJ)/bpf/tests/test_trapcount.o: $(SKEL)

$(BUILD)/barbench: $(call objs,$(OBJ),$(BARBENCH_SRC)) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ \
		$(if $(filter 1,$(TRAPS)),$(BPF_LIBS)) -lm

# barbench as make TRAPS=0 builds it, for the test that --traps says why.
NOTRAPS_SRC := $(filter-out bench/counting_bpf.c bpf/traplib.c,$(BARBENCH_SRC)) \
	       $(if $(filter 1,$(TRAPS)),bench/counting_none.c)
$(BUILD)/barbench-notraps: $(call objs,$(OBJ),$(NOTRAPS_SRC)) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ -lm

$(BUILD)/trapcount: $(call objs,$(OBJ),bpf/trapcount.c bpf/traplib.c) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ $(BPF_LIBS)

$(BUILD)/test_trapcount: $(call objs,$(OBJ),bpf/tests/test_trapcount.c bpf/traplib.c) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ $(BPF_LIBS)

# A real VMM (QEMU under -qtest) as the VFIO client: make vmm.
VMMDRIVE_SRC := vmmdrive/vmmdrive.c vmmdrive/qtest.c bench/cases.c \
		bench/profile.c
$(BUILD)/vmmdrive: $(call objs,$(OBJ),$(VMMDRIVE_SRC)) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ -lm

$(BUILD)/test_vfio_facts: $(call objs,$(OBJ),bench/tests/test_vfio_facts.c) $(LIB_A)
	$(TARGET_CC) $(LDFLAGS_STATIC) $(TARGET_FLAGS) -o $@ $^ -lm

$(BUILD)/test_units: $(call objs,$(OBJ),lib/tests/test_units.c) $(LIB_A)
	$(CC) -o $@ $^ -lm

$(BUILD)/test_units_san: $(call objs,$(OBJ_SAN),lib/tests/test_units.c) $(LIB_SAN_A)
	$(CC) $(SANITIZE) -o $@ $^ -lm

$(BUILD)/test_vmm_profile: $(call objs,$(OBJ_SAN),lib/tests/test_vmm_profile.c) $(LIB_SAN_A)
	$(CC) $(SANITIZE) -o $@ $^ -lm

$(BUILD)/fuzz/fuzz_%: $(OBJ_FUZZ)/lib/fuzz/fuzz_%.o $(LIB_FUZZ_A)
	@mkdir -p $(@D)
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ -lm

$(BUILD)/fuzz/replay/fuzz_%: $(OBJ_SAN)/lib/fuzz/fuzz_%.o $(OBJ_SAN)/lib/fuzz/replay.o $(LIB_SAN_A)
	@mkdir -p $(@D)
	$(CC) $(SANITIZE) -o $@ $^ -lm

fuzz-bins: $(FUZZ_BINS) $(REPLAY_BINS)

$(CACHE)/kernel/$(ARCH)/vmlinuz:
	harness/fetch-kernel --arch $(ARCH)

$(CACHE)/sysroot/$(ARCH)/.done:
	harness/fetch-sysroot --arch $(ARCH)

$(VMLINUX_H): $(KERNEL_BTF) bpf/gen-vmlinux-h
	@mkdir -p $(@D)
	bpf/gen-vmlinux-h $(KERNEL_BTF) $@

$(BPF_GEN)/trapcount.bpf.o: bpf/trapcount.bpf.c bpf/counting.bpf.h bpf/trapcount.h bpf/vfio_types.h \
		lib/place.h lib/place_classify.h $(VMLINUX_H)
	clang -g -O2 -target bpf -D__TARGET_ARCH_$(BPF_ARCH) -I$(BPF_GEN) \
		-Ibpf -Ilib -c $< -o $@

$(SKEL): $(BPF_GEN)/trapcount.bpf.o
	bpftool gen skeleton $< > $@.tmp && mv $@.tmp $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@harness/install-deps

# CLOCK=wall: QEMU's emulated time, in ns, which drifts 2-3x between and
# within boots; CLOCK=icount: guest instructions, exact (docs/clocks.md).
CLOCK ?= wall
CLOCK_SUFFIX := $(if $(filter icount,$(CLOCK)),-icount)
# VARIANT: the kernel variant the suite runs under (harness/variants/).
VARIANT ?= stock
run: deps $(BUILD)/barbench
	@harness/run-suite --arch $(ARCH) --build $(BUILD) --samples $(SAMPLES) --clock $(CLOCK) --variant $(VARIANT) \
		--timeout $(GUEST_TIMEOUT) --results $(RESULTS)

VARIANTS ?= stock msix-sparse
ROUNDS ?= 3
compare: deps $(BUILD)/barbench
	@harness/compare-variants --arch $(ARCH) --build $(BUILD) --rounds $(ROUNDS) --samples $(SAMPLES) --clock $(CLOCK) \
		--timeout $(GUEST_TIMEOUT) --results $(RESULTS) $(VARIANTS)

# The report of a comparison folder again (e.g. after editing
# scripts/gate.conf): make compare-report RUNDIR=results/compare-...
compare-report:
	@test -n "$(RUNDIR)" || \
		{ echo "usage: make compare-report RUNDIR=DIR [COMPARE_FLAGS=...]" >&2; exit 2; }
	@python3 scripts/compare-report $(COMPARE_FLAGS) $(RUNDIR)

# The 4K-versus-16K-versus-64K report: the newest make compare of each
# architecture that has one on CLOCK, or COMPARES="DIR DIR...".
COMPARES ?= $(foreach a,x86_64 aarch64 ppc64le,\
	    $(lastword $(sort $(wildcard $(RESULTS)/compare-*-$(a)$(CLOCK_SUFFIX)))))
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

# The committed gate baselines of ARCH on CLOCK, made again from a clean
# build (harness/rebaseline): what the tests ask for after a kernel upload.
baseline: deps $(BUILD)/barbench
	@harness/rebaseline --arch $(ARCH) --build $(BUILD) --clock $(CLOCK) \
		--samples $(SAMPLES) --timeout $(GUEST_TIMEOUT)

# libFuzzer on the parsers (lib/fuzz/README.md); make test runs 10 s each.
FUZZ_SECONDS ?= 300
fuzz: deps fuzz-bins
	@lib/fuzz/run --seconds $(FUZZ_SECONDS) $(BUILD)
	@PYTHONPATH=scripts python3 scripts/tests/fuzz_results.py 5000

# What trapcount adds to a trapped access (docs/trapcount.md, "Overhead").
# On ppc64le, whose kernel has no BPF trampolines, the kprobe setups only.
overhead: deps $(BUILD)/barbench $(BUILD)/trapcount
	@out=$(RESULTS)/overhead-$$(date -u +%Y%m%dT%H%M%SZ)-$(ARCH)$(CLOCK_SUFFIX); \
	harness/guest --arch $(ARCH) --clock $(CLOCK) --timeout $(GUEST_TIMEOUT) --out $$out \
		--add $(BUILD)/barbench $(BUILD)/trapcount device-side/overhead.sh \
		-- sh ./overhead.sh && \
	python3 scripts/overhead --out $$out/overhead.txt $$out

# Debian's QEMU as the VFIO client in the guest, under stock and
# msix-sparse (harness/drive-qemu): results/vmm-DATE-ARCH/vmm.{json,md,txt}.
vmm: deps $(BUILD)/barbench $(BUILD)/vmmdrive $(BUILD)/trapcount
	@harness/drive-qemu --arch $(ARCH) --build $(BUILD) --timeout $(GUEST_TIMEOUT) --results $(RESULTS)

# Lab fleets (lava/README.md): the job templates and test definitions
# against LAVA's own schemas; the kernel and initramfs the QEMU job boots.
lava-validate: deps
	@PYTHONPATH=scripts python3 scripts/tests/test_lava.py Jobs Definitions
lava-images: deps $(BUILD)/barbench
	@test -n "$(LAVA_IMAGES)" || { echo "usage: make lava-images LAVA_IMAGES=DIR (a new folder)" >&2; exit 2; }
	@lava/make-qemu-images --build $(BUILD) $(LAVA_IMAGES)

unit-test: $(BUILD)/test_units $(BUILD)/test_units_san $(BUILD)/test_vmm_profile fuzz-bins

e2e-test: $(BUILD)/barbench $(BUILD)/test_vfio_facts $(BUILD)/trapcount \
	  $(BUILD)/test_trapcount $(BUILD)/barbench-notraps $(BUILD)/vmmdrive

# The x86_64 (4K) guest and, from the default ARCH, the ppc64le (64K) and
# aarch64 (16K) ones.
BIG_PAGE_ARCHES := $(if $(CROSS),,$(if $(filter x86_64,$(HOST_ARCH)),ppc64le aarch64))
test: deps unit-test e2e-test
	@test -z "$(CROSS)" || { echo "make test runs every guest from the \
	default ARCH: run it without ARCH=$(ARCH)" >&2; exit 2; }
	@for a in $(BIG_PAGE_ARCHES); do \
		$(MAKE) --no-print-directory ARCH=$$a e2e-test || exit 1; done
	@ONLY="$(ONLY)" tests/run-all $(BUILD) $(GUEST_TIMEOUT) \
		$(foreach a,$(BIG_PAGE_ARCHES),$(a)=build/$(a))

# Every step that boots no guest, the fuzzers on a third of their inputs
# (tests/run-all with HOST_ONLY=1 QUICK=1).
check: deps unit-test e2e-test
	@HOST_ONLY=1 QUICK=1 tests/run-all $(BUILD) $(GUEST_TIMEOUT)

# The names make test ONLY=... takes; "(guest)" marks those that boot one.
test-list:
	@LIST=1 tests/run-all $(BUILD) $(GUEST_TIMEOUT) \
		$(foreach a,$(BIG_PAGE_ARCHES),$(a)=build/$(a))

clean:
	rm -rf $(BUILD)

# Also drops the downloaded kernel and built initramfs.
distclean: clean
	rm -rf $(CACHE)
