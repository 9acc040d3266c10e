# The GIC (v2, v3, ITS, v2m), shared by arch/aarch64 and arch/aarch32: included by their
# rules.mk. The MMIO-only parts are also built by the host tests against register models.
ARCH_GIC_SRCS := $(wildcard arch/arm/gic/*.c)
GIC_HOST_SRCS := arch/arm/gic/gicv2.c arch/arm/gic/gicv3.c arch/arm/gic/gic_its.c \
	arch/arm/gic/gic_v2m.c
