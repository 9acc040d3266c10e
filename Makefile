# vireo: one Makefile. `make` builds the image for both architectures, `make run` boots it in
# QEMU, `make test` runs every test and ends with `N passed, N failed, N skipped`. `make deps`
# installs what is missing. ARCH=aarch64 (the default) or ARCH=aarch32 picks one architecture;
# its objects, image and library go to build/<arch>/.

# Without ARCH= on the command line, `make` also builds the other architecture.
ifeq ($(origin ARCH),undefined)
BOTH_ARCHES := 1
endif
ARCH ?= aarch64
BUILD ?= build
# Built dependencies (newlib, libfdt for the target) live outside the tree so `make clean`
# keeps them; scripts/deps.sh fills this.
VIREO_DEPS ?= $(HOME)/.cache/vireo/deps-2
export VIREO_DEPS

Q ?= @

# ---------------------------------------------------------------- target image
include arch/$(ARCH)/rules.mk

SYSROOT := $(VIREO_DEPS)/$(ARCH)
TBUILD := $(BUILD)/$(ARCH)
# The cross compiler's own headers. Asked of it when a recipe first needs them, not when make
# reads this file: on a fresh machine the compiler is not there yet, and scripts/deps.sh (run by
# deps-check or as the sysroot's rule) installs it before the first compile. Each is asked once.
GCC_INC = $(eval GCC_INC := $(shell $(TARGET_CC) -print-file-name=include 2>/dev/null))$(GCC_INC)
# newlib's limits.h includes the compiler's (include-fixed) with #include_next.
GCC_INC_FIXED = $(eval GCC_INC_FIXED := \
	$(shell $(TARGET_CC) -print-file-name=include-fixed 2>/dev/null))$(GCC_INC_FIXED)

WARN := -Wall -Wextra -Werror -Wimplicit-fallthrough -Wno-unused-parameter
COMMON_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Iarch/$(ARCH)/include
TARGET_OPT ?= -O2
TARGET_CFLAGS = $(COMMON_CFLAGS) $(TARGET_OPT) -g -ffreestanding -fno-builtin -fPIE \
	-nostdinc -isystem $(SYSROOT)/include -isystem $(GCC_INC) -isystem $(GCC_INC_FIXED) \
	-ffunction-sections -fdata-sections $(ARCH_CFLAGS)
TARGET_ASFLAGS = $(TARGET_CFLAGS) -D__ASSEMBLY__

# Portable sources: built for the target and, with arch/fake, for the host tests.
PORTABLE_SRCS := $(wildcard dma/*.c) $(wildcard drivers/smmu/*.c) $(wildcard drivers/virtio/*.c) $(wildcard drivers/pci/*.c) $(wildcard drivers/net/*.c)\
	$(wildcard boot/dt*.c) boot/bootopt.c boot/crc32.c lib/options.c
# libvireo.a: the portable code, the library's interface and its defaults for what a firmware
# may override (lib/pages.c, lib/irq_hooks.c, the weak C runtime in lib/env.c), and the arch
# code every Armv8-A firmware can run (caches, the generic timer, PSCI calls).
LIB_SRCS := $(PORTABLE_SRCS) $(filter-out lib/options.c,$(wildcard lib/*.c)) $(ARCH_LIB_SRCS)
# The image: start-up, shell and hardware drivers, on top of libvireo.a.
IMAGE_SRCS := $(filter-out $(ARCH_LIB_SRCS),$(ARCH_SRCS)) \
	$(filter-out $(PORTABLE_SRCS),$(wildcard boot/*.c)) \
	$(wildcard drivers/pl011/*.c)
# The Linux payload loader (`boot linux`): it boots an arm64 Image, with zlib's inflate, so only
# an arch that sets ARCH_HAS_LINUX_BOOT builds it (and links ARCH_LIBS = -lz).
LINUX_BOOT_SRCS := boot/gpt.c boot/linux_image.c boot/linux_boot.c
ifneq ($(ARCH_HAS_LINUX_BOOT),1)
IMAGE_SRCS := $(filter-out $(LINUX_BOOT_SRCS) boot/cmds_linux.c boot/handoff.c,$(IMAGE_SRCS))
TARGET_CFLAGS += -DVIREO_NO_LINUX_BOOT
endif
TARGET_SRCS := $(LIB_SRCS) $(IMAGE_SRCS)

LIB_OBJS := $(patsubst %,$(TBUILD)/%.o,$(LIB_SRCS))
IMAGE_OBJS := $(patsubst %,$(TBUILD)/%.o,$(IMAGE_SRCS))
TARGET_OBJS := $(LIB_OBJS) $(IMAGE_OBJS)
LIBVIREO := $(TBUILD)/libvireo.a
# What an embedder includes: the glue header and the protected-guest hook it refers to.
LIB_HEADERS := include/vireo/vireo.h include/vireo/platform.h
LIB_INCLUDE := $(TBUILD)/include
TARGET_LIBS := -L$(SYSROOT)/lib -Wl,--start-group -lfdt $(ARCH_LIBS) -lc -lm -lgcc -Wl,--end-group
LDFLAGS_TARGET := -nostdlib $(ARCH_LINK) \
	-Wl,--build-id=none -Wl,--gc-sections -Wl,-z,max-page-size=4096 -T $(LINKER_SCRIPT)

IMAGE := $(TBUILD)/vireo.bin
ELF := $(TBUILD)/vireo.elf

.PHONY: all image lib probe deps run run-linux test host-tests qemu-tests bench check clean \
	fuzz fuzz-build fuzz-deps
all: image lib probe
ifdef BOTH_ARCHES
	$(Q)$(MAKE) --no-print-directory ARCH=aarch32 image lib
endif

image: $(IMAGE)

lib: $(LIBVIREO) $(patsubst include/%,$(LIB_INCLUDE)/%,$(LIB_HEADERS))
	$(Q)echo "lib: $(LIBVIREO) $$(stat -c %s $(LIBVIREO)) bytes, headers in $(LIB_INCLUDE)"

$(LIBVIREO): $(LIB_OBJS)
	$(Q)rm -f $@
	$(Q)$(TARGET_AR) rcs $@ $^

$(LIB_INCLUDE)/%.h: include/%.h
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

# The image's own objects first: its page allocator and GIC driver take the place of the
# library's defaults (lib/pages.c, lib/irq_hooks.c are then not pulled from the archive).
$(ELF): $(IMAGE_OBJS) $(LIBVIREO) $(LINKER_SCRIPT) | $(SYSROOT)/lib/libc.a
	$(Q)$(TARGET_CC) $(ARCH_CFLAGS) $(LDFLAGS_TARGET) $(ARCH_LDFLAGS) -o $@ $(IMAGE_OBJS) $(LIBVIREO) $(TARGET_LIBS)

$(IMAGE): $(ELF)
	$(Q)$(TARGET_OBJCOPY) -O binary $< $@
	$(Q)$(ARCH_IMAGE_FIXUP)
	$(Q)echo "image: $@ $$(stat -c %s $@) bytes"

$(TBUILD)/%.c.o: %.c | $(SYSROOT)/lib/libc.a
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(TARGET_CFLAGS) -MMD -MP -c $< -o $@

$(TBUILD)/%.S.o: %.S | $(SYSROOT)/lib/libc.a
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(TARGET_ASFLAGS) -MMD -MP -c $< -o $@

$(SYSROOT)/lib/libc.a:
	$(Q)scripts/deps.sh

deps:
	$(Q)scripts/deps.sh

# The minimal firmware of the tests (tests/firmware/): built against the installed headers and
# libvireo.a only, as an embedder would.
FW_DIR := $(TBUILD)/tests/firmware
FW_SRCS := $(wildcard tests/firmware/*.c tests/firmware/$(ARCH)/*.c tests/firmware/$(ARCH)/*.S)
FW_LD := tests/firmware/$(ARCH)/firmware.ld
FW_OBJS := $(patsubst tests/firmware/%,$(FW_DIR)/%.o,$(FW_SRCS))
FW_CFLAGS = -std=gnu11 $(WARN) -O2 -g -ffreestanding -nostdinc -isystem $(SYSROOT)/include \
	-isystem $(GCC_INC) -isystem $(GCC_INC_FIXED) -I$(LIB_INCLUDE) $(ARCH_CFLAGS)
FIRMWARE := $(FW_DIR)/minimal.bin

$(FW_DIR)/%.o: tests/firmware/% | lib $(SYSROOT)/lib/libc.a
	$(Q)mkdir -p $(dir $@)
	$(Q)$(TARGET_CC) $(FW_CFLAGS) -MMD -MP -c $< -o $@

$(FW_DIR)/minimal.elf: $(FW_OBJS) $(LIBVIREO) $(FW_LD)
	$(Q)$(TARGET_CC) $(ARCH_CFLAGS) -nostdlib -static -Wl,--gc-sections -Wl,--build-id=none \
		-Wl,--no-warn-rwx-segments $(ARCH_LDFLAGS) -T $(FW_LD) -o $@ $(FW_OBJS) \
		$(LIBVIREO) $(TARGET_LIBS)

$(FIRMWARE): $(FW_DIR)/minimal.elf
	$(Q)$(TARGET_OBJCOPY) -O binary $< $@

firmware: $(FIRMWARE)
.PHONY: firmware

# ---------------------------------------------------------------- host tests
HBUILD := $(BUILD)/host
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Iarch/fake/include -Itests/devmodel -Itests/host \
	-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-DVIREO_HOST
HOST_LIBS := -lcmocka -lfdt -lz -fsanitize=address,undefined
HOST_SUPPORT_SRCS := $(wildcard arch/fake/*.c) $(wildcard tests/devmodel/*.c) \
	$(filter-out tests/host/test_%.c,$(wildcard tests/host/*.c))
# boot/ code the host tests also cover (not part of the library).
BOOT_HOST_SRCS := boot/line_edit.c $(LINUX_BOOT_SRCS)
HOST_OBJS := $(patsubst %,$(HBUILD)/%.o,$(PORTABLE_SRCS) $(BOOT_HOST_SRCS) $(GIC_HOST_SRCS) \
	$(HOST_SUPPORT_SRCS))
HOST_TESTS := $(patsubst tests/host/%.c,$(HBUILD)/tests/%,$(wildcard tests/host/test_*.c))
HOST_DTS := $(wildcard tests/host/dts/*.dts)
HOST_DTBS := $(patsubst tests/host/dts/%.dts,$(HBUILD)/dtb/%.dtb,$(HOST_DTS))

$(HBUILD)/%.c.o: %.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(HBUILD)/tests/%: $(HBUILD)/tests/host/%.c.o $(HOST_OBJS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -o $@ $^ $(HOST_LIBS)

$(HBUILD)/dtb/%.dtb: tests/host/dts/%.dts
	$(Q)mkdir -p $(dir $@)
	$(Q)dtc -q -I dts -O dtb -o $@ $<

# vireo-probe: the portable objects (the same sources the image is built from) in an archive,
# so the tool links only what it uses, against arch/fake.
PROBE := $(HBUILD)/vireo-probe
PROBE_LIB := $(HBUILD)/libvireo-portable.a
PROBE_OBJS := $(patsubst %,$(HBUILD)/%.o,$(wildcard tools/*.c))
PROBE_LIB_OBJS := $(patsubst %,$(HBUILD)/%.o,$(PORTABLE_SRCS) $(wildcard arch/fake/*.c))

$(PROBE_LIB): $(PROBE_LIB_OBJS)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(PROBE): $(PROBE_OBJS) $(PROBE_LIB)
	$(Q)$(HOST_CC) -o $@ $(PROBE_OBJS) $(PROBE_LIB) -lfdt -fsanitize=address,undefined

probe: $(PROBE)

host-tests: $(HOST_TESTS) $(HOST_DTBS) $(PROBE)

# The same tests built -m32 (i386: 32-bit pointers, size_t and long, 64-bit paddr_t), so that
# pointer-size and 64-bit-address assumptions in the portable code fail on the host too.
# Needs gcc-multilib, libcmocka-dev:i386 and libfdt1:i386 (libfdt-dev:i386 cannot be installed
# beside libfdt-dev: not Multi-Arch; the headers are the same, so the runtime library is linked
# by path).
HBUILD32 := $(BUILD)/host32
HOST32_LIBS := -lcmocka /usr/lib/i386-linux-gnu/libfdt.so.1 -lz -fsanitize=address,undefined
HOST32_OBJS := $(patsubst $(HBUILD)/%,$(HBUILD32)/%,$(HOST_OBJS))
HOST32_TESTS := $(patsubst $(HBUILD)/%,$(HBUILD32)/%,$(HOST_TESTS))

$(HBUILD32)/%.c.o: %.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -m32 $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(HBUILD32)/tests/%: $(HBUILD32)/tests/host/%.c.o $(HOST32_OBJS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOST_CC) -m32 -o $@ $^ $(HOST32_LIBS)

host-tests-32: $(HOST32_TESTS) $(HOST_DTBS)
.PHONY: host-tests-32

# ---------------------------------------------------------------- fuzz harnesses
# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the same portable code and device models as the
# host tests, built with clang. `make fuzz FUZZ_S=60` runs each for that long; `make test` runs
# each over its generated corpus for a bounded number of runs (tests/fuzz/run_fuzz.sh).
FBUILD := $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_S ?= 60
FUZZ_JOBS ?= 1
FUZZ_CFLAGS := -std=gnu11 $(WARN) -Wno-unknown-warning-option -Iinclude -Iarch/fake/include \
	-Itests/devmodel -Itests/host -Itests/fuzz -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DVIREO_HOST
FUZZ_LIBS := -fsanitize=fuzzer,address,undefined -lfdt -lz
FUZZ_SUPPORT_SRCS := $(wildcard arch/fake/*.c) $(wildcard tests/devmodel/*.c) \
	$(filter-out tests/fuzz/fuzz_%.c,$(wildcard tests/fuzz/*.c))
FUZZ_OBJS := $(patsubst %,$(FBUILD)/obj/%.o,$(PORTABLE_SRCS) $(LINUX_BOOT_SRCS) $(FUZZ_SUPPORT_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FBUILD)/bin/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FBUILD)/obj/%.c.o: %.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FBUILD)/bin/%: $(FBUILD)/obj/tests/fuzz/%.c.o $(FUZZ_OBJS)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) -o $@ $^ $(FUZZ_LIBS)

fuzz-deps:
	$(Q)scripts/deps.sh --fuzz-check >/dev/null 2>&1 || scripts/deps.sh --fuzz

fuzz-build: fuzz-deps
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)
	$(Q)python3 tests/fuzz/make_corpus.py $(FBUILD)/corpus

fuzz: fuzz-build
	$(Q)FUZZ_JOBS=$(FUZZ_JOBS) tests/fuzz/run_fuzz.sh $(FBUILD) time $(FUZZ_S)

# ---------------------------------------------------------------- the two commands
run: deps-check image
	$(Q)python3 tests/qemu/run_demo.py --arch $(ARCH) --image $(IMAGE) --build $(BUILD)

# vireo loads Debian's arm64 kernel and a busybox initramfs from a GPT virtio-blk disk and boots it.
run-linux: deps-check image
	$(Q)python3 tests/qemu/run_linux.py --image $(IMAGE) --build $(BUILD)

# Both architectures' images: the QEMU cases boot each (tests/qemu/cases_aarch32.py).
test: deps-check
	$(Q)$(MAKE) --no-print-directory ARCH=aarch64 image lib firmware host-tests host-tests-32 \
		fuzz-build
	$(Q)$(MAKE) --no-print-directory ARCH=aarch32 image lib firmware
	$(Q)tests/run_all.sh $(BUILD)

# The benchmark boots the AArch64 image only (tests/qemu/bench*.py know one QEMU).
bench: deps-check
	$(Q)$(MAKE) --no-print-directory ARCH=aarch64 image
	$(Q)python3 tests/qemu/bench.py --image $(BUILD)/aarch64/vireo.bin --build $(BUILD)
	$(Q)python3 tests/qemu/direct_map_calls.py $(BUILD)/aarch64/vireo.elf

# Where boot-to-first-I/O goes: the vCPU thread's host profile (perf), not a test.
profile-boot: deps-check
	$(Q)$(MAKE) --no-print-directory ARCH=aarch64 image
	$(Q)python3 tests/qemu/profile_boot.py --image $(BUILD)/aarch64/vireo.bin --build $(BUILD)
.PHONY: profile-boot

deps-check:
	$(Q)scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh

# Formatting of every C file, and clang-tidy over the portable sources as the host builds them.
check:
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	$(Q)clang-tidy --quiet $(PORTABLE_SRCS) -- -std=gnu11 -Iinclude -Iarch/fake/include -DVIREO_HOST

clean:
	rm -rf $(BUILD)

-include $(TARGET_OBJS:.o=.d) $(HOST_OBJS:.o=.d) $(HOST32_OBJS:.o=.d) $(PROBE_OBJS:.o=.d) \
	$(FUZZ_OBJS:.o=.d) \
	$(patsubst tests/host/%.c,$(HBUILD)/tests/host/%.c.d,$(wildcard tests/host/test_*.c)) \
	$(patsubst tests/host/%.c,$(HBUILD32)/tests/host/%.c.d,$(wildcard tests/host/test_*.c)) \
	$(patsubst tests/fuzz/%.c,$(FBUILD)/obj/tests/fuzz/%.c.d,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: deps-check
# Keep objects between runs (they are intermediates of the test binaries).
.SECONDARY:
