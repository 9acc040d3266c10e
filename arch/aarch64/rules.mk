# AArch64: sources and flags of the arch layer, pulled in by the top-level Makefile.
CROSS_COMPILE ?= aarch64-linux-gnu-
TARGET_CC := $(CROSS_COMPILE)gcc
TARGET_OBJCOPY := $(CROSS_COMPILE)objcopy
TARGET_AR := $(CROSS_COMPILE)ar
ARCH_SRCS := $(wildcard arch/aarch64/*.S) $(wildcard arch/aarch64/*.c)
# strict-align: code that runs before the MMU is on must not make unaligned accesses.
ARCH_CFLAGS := -mcpu=cortex-a53 -mstrict-align -mno-outline-atomics -mgeneral-regs-only
LINKER_SCRIPT := linker/aarch64.ld
# Arch code that goes into libvireo.a: it needs nothing but an Armv8-A CPU.
ARCH_LIB_SRCS := arch/aarch64/cache.c arch/aarch64/cpu.c
# Arch sources that only touch hardware through include/arch/io.h on addresses they are given:
# the host tests build them too, against register models.
ARCH_HOST_SRCS := $(wildcard arch/aarch64/gicv2.c arch/aarch64/gicv3.c arch/aarch64/gic_its.c \
	arch/aarch64/gic_v2m.c)
