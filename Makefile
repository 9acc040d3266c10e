# vireo: one Makefile. `make` builds the image, `make run` boots it in QEMU, `make test` runs
# every test and ends with `N passed, N failed`. `make deps` installs what is missing.

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
GCC_INC := $(shell $(TARGET_CC) -print-file-name=include 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wimplicit-fallthrough -Wno-unused-parameter
COMMON_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Iarch/$(ARCH)/include
TARGET_CFLAGS := $(COMMON_CFLAGS) -O2 -g -ffreestanding -fno-builtin -fPIE \
	-nostdinc -isystem $(SYSROOT)/include -isystem $(GCC_INC) \
	-ffunction-sections -fdata-sections $(ARCH_CFLAGS)
TARGET_ASFLAGS := $(TARGET_CFLAGS) -D__ASSEMBLY__

# Portable sources: built for the target and, with arch/fake, for the host tests.
PORTABLE_SRCS := $(wildcard dma/*.c) $(wildcard drivers/smmu/*.c) $(wildcard drivers/virtio/*.c) $(wildcard drivers/pci/*.c) $(wildcard drivers/net/*.c)\
	$(wildcard boot/dt*.c) boot/bootopt.c boot/crc32.c
# Target-only sources: the rest of boot/ and the hardware drivers.
TARGET_SRCS := $(ARCH_SRCS) $(PORTABLE_SRCS) \
	$(filter-out $(PORTABLE_SRCS),$(wildcard boot/*.c)) \
	$(wildcard drivers/pl011/*.c)

TARGET_OBJS := $(patsubst %,$(TBUILD)/%.o,$(TARGET_SRCS))
TARGET_LIBS := -L$(SYSROOT)/lib -Wl,--start-group -lfdt -lc -lm -lgcc -Wl,--end-group
LDFLAGS_TARGET := -nostdlib -static-pie -Wl,-z,norelro \
	-Wl,--build-id=none -Wl,--gc-sections -Wl,-z,max-page-size=4096 -T $(LINKER_SCRIPT)

IMAGE := $(TBUILD)/vireo.bin
ELF := $(TBUILD)/vireo.elf

.PHONY: all image deps run test host-tests qemu-tests bench check clean fuzz fuzz-build fuzz-deps
all: image

image: $(IMAGE)

$(ELF): $(TARGET_OBJS) $(LINKER_SCRIPT) | $(SYSROOT)/lib/libc.a
	$(Q)$(TARGET_CC) $(LDFLAGS_TARGET) -o $@ $(TARGET_OBJS) $(TARGET_LIBS)

$(IMAGE): $(ELF)
	$(Q)$(TARGET_OBJCOPY) -O binary $< $@
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

# ---------------------------------------------------------------- host tests
HBUILD := $(BUILD)/host
HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 $(WARN) -Iinclude -Iarch/fake/include -Itests/devmodel -Itests/host \
	-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all \
	-DVIREO_HOST
HOST_LIBS := -lcmocka -lfdt -fsanitize=address,undefined
HOST_SUPPORT_SRCS := $(wildcard arch/fake/*.c) $(wildcard tests/devmodel/*.c) \
	$(filter-out tests/host/test_%.c,$(wildcard tests/host/*.c))
HOST_OBJS := $(patsubst %,$(HBUILD)/%.o,$(PORTABLE_SRCS) $(ARCH_HOST_SRCS) $(HOST_SUPPORT_SRCS))
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

host-tests: $(HOST_TESTS) $(HOST_DTBS)

# ---------------------------------------------------------------- fuzz harnesses
# libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the same portable code and device models as the
# host tests, built with clang. `make fuzz FUZZ_S=60` runs each for that long; `make test` runs
# each over its generated corpus for a bounded number of runs (tests/fuzz/run_fuzz.sh).
FBUILD := $(BUILD)/fuzz
FUZZ_CC ?= clang
FUZZ_S ?= 60
FUZZ_CFLAGS := -std=gnu11 $(WARN) -Wno-unknown-warning-option -Iinclude -Iarch/fake/include \
	-Itests/devmodel -Itests/host -Itests/fuzz -O1 -g -fno-omit-frame-pointer \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -DVIREO_HOST
FUZZ_LIBS := -fsanitize=fuzzer,address,undefined -lfdt
FUZZ_SUPPORT_SRCS := $(wildcard arch/fake/*.c) $(wildcard tests/devmodel/*.c) \
	$(filter-out tests/fuzz/fuzz_%.c,$(wildcard tests/fuzz/*.c))
FUZZ_OBJS := $(patsubst %,$(FBUILD)/obj/%.o,$(PORTABLE_SRCS) $(FUZZ_SUPPORT_SRCS))
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
	$(Q)tests/fuzz/run_fuzz.sh $(FBUILD) time $(FUZZ_S)

# ---------------------------------------------------------------- the two commands
run: deps-check image
	$(Q)python3 tests/qemu/run_demo.py --image $(IMAGE) --build $(BUILD)

test: deps-check
	$(Q)$(MAKE) --no-print-directory image host-tests fuzz-build
	$(Q)tests/run_all.sh $(BUILD)

bench: deps-check image
	$(Q)python3 tests/qemu/bench.py --image $(IMAGE) --build $(BUILD)

deps-check:
	$(Q)scripts/deps.sh --check >/dev/null 2>&1 || scripts/deps.sh

# Formatting of every C file, and clang-tidy over the portable sources as the host builds them.
check:
	$(Q)clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')
	$(Q)clang-tidy --quiet $(PORTABLE_SRCS) -- -std=gnu11 -Iinclude -Iarch/fake/include -DVIREO_HOST

clean:
	rm -rf $(BUILD)

-include $(TARGET_OBJS:.o=.d) $(HOST_OBJS:.o=.d) $(FUZZ_OBJS:.o=.d) \
	$(patsubst tests/host/%.c,$(HBUILD)/tests/host/%.c.d,$(wildcard tests/host/test_*.c))
.PHONY: deps-check
# Keep objects between runs (they are intermediates of the test binaries).
.SECONDARY:
