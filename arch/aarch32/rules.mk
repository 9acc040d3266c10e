# AArch32: sources and flags of the arch layer, pulled in by the top-level Makefile.
# Armv7-A with the virtualization extensions (Cortex-A15/A7: LPAE, the generic timer, HYP),
# hard-float ABI with NEON: the multilib of Debian's newlib (thumb/v7ve+simd/hard) and the ABI
# of Debian's libfdt-dev:armhf, both of which the image links.
CROSS_COMPILE ?= arm-none-eabi-
TARGET_CC := $(CROSS_COMPILE)gcc
TARGET_OBJCOPY := $(CROSS_COMPILE)objcopy
TARGET_AR := $(CROSS_COMPILE)ar
include arch/arm/gic/rules.mk
ARCH_SRCS := $(wildcard arch/aarch32/*.S) $(wildcard arch/aarch32/*.c) $(ARCH_GIC_SRCS)
# The MMU is on before any C runs with data that could be unaligned, but the early map's code
# runs with it off: no unaligned accesses from the compiler.
ARCH_CFLAGS := -marm -march=armv7ve+simd -mfloat-abi=hard -mfpu=neon-vfpv4 -mno-unaligned-access \
	-mgeneral-regs-only -fno-short-enums -fno-pie
# Enums are int-sized as in Debian's libfdt (built for arm-linux-gnueabihf); newlib's
# arm-none-eabi objects say "short enums" but pass none across its interface we use.
ARCH_LDFLAGS := -Wl,--no-enum-size-warning -Wl,-z,noexecstack -Wl,--emit-relocs -Wl,--pic-veneer
# Linked for one address (linker/aarch32.ld): Debian's newlib has absolute movw/movt pairs. The
# image carries its own relocation table instead (scripts/arm_reloc_table.py, arch/aarch32/reloc.c).
ARCH_LINK := -static
TARGET_READELF := $(CROSS_COMPILE)readelf
ARCH_IMAGE_FIXUP = python3 scripts/arm_reloc_table.py $(TARGET_READELF) $< $@
LINKER_SCRIPT := linker/aarch32.ld
# Arch code that goes into libvireo.a: it needs nothing but an Armv7-A CPU with the generic
# timer.
ARCH_LIB_SRCS := arch/aarch32/cache.c arch/aarch32/cpu.c
