# AArch64: sources and flags of the arch layer, pulled in by the top-level Makefile.
CROSS_COMPILE ?= aarch64-linux-gnu-
TARGET_CC := $(CROSS_COMPILE)gcc
TARGET_OBJCOPY := $(CROSS_COMPILE)objcopy
TARGET_AR := $(CROSS_COMPILE)ar
include arch/arm/gic/rules.mk
ARCH_SRCS := $(wildcard arch/aarch64/*.S) $(wildcard arch/aarch64/*.c) $(ARCH_GIC_SRCS)
# strict-align: code that runs before the MMU is on must not make unaligned accesses.
ARCH_CFLAGS := -mcpu=cortex-a53 -mstrict-align -mno-outline-atomics -mgeneral-regs-only
ARCH_LDFLAGS :=
# One static PIE that relocates itself (entry.S).
ARCH_LINK := -static-pie -Wl,-z,norelro
LINKER_SCRIPT := linker/aarch64.ld
# `boot linux` (an arm64 Image, inflated with zlib from Debian's zlib1g-dev:arm64).
ARCH_HAS_LINUX_BOOT := 1
ARCH_LIBS := -lz
# Arch code that goes into libvireo.a: it needs nothing but an Armv8-A CPU.
ARCH_LIB_SRCS := arch/aarch64/cache.c arch/aarch64/cpu.c
