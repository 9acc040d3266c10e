/* Platform facts read from the DT, shared by the image's start-up and the host tool
 * vireo-probe: the console, PSCI, the GIC and its redistributor regions, the timer, and the
 * DMA and interrupt facts of a virtio-mmio node. Pure DT reading: no MMIO, no printing. */
#ifndef VIREO_DT_PLATFORM_H
#define VIREO_DT_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

struct virtio_platform;

/** A node's `status` is absent, "okay" or "ok". */
bool dt_node_enabled(const void *fdt, int node);

/** The boot console. */
struct dt_console {
	int node;
	uint64_t base;
	uint64_t size;
	const char *how;  /* "/chosen/stdout-path", or why the fallback was taken */
	char options[32]; /* what follows ':' in stdout-path ("115200n8"), else empty */
};

/** The console: the node /chosen/stdout-path names (a full path or an alias, ":options"
 *  kept in out->options) when it is an enabled arm,pl011 with reg, else the first enabled
 *  arm,pl011 with reg. -ENOENT when there is none. */
int dt_console_find(const void *fdt, struct dt_console *out);

/** An `earlycon=pl011,<address>` value: the UART's address. -EINVAL for anything else. */
int dt_earlycon_parse(const char *value, uint64_t *base);

enum dt_psci_method { DT_PSCI_HVC, DT_PSCI_SMC };

/** PSCI from /psci (or the first arm,psci node): -ENOENT without one, -ENOTSUP for PSCI 0.1
 *  only (no standard function ids), -EINVAL when `method` is neither "hvc" nor "smc". */
int dt_psci_find(const void *fdt, enum dt_psci_method *method);

#define DT_GIC_MAX_REDIST 8
#define DT_GIC_MAX_MSI 8

struct dt_gic_region {
	uint64_t base;
	uint64_t size;
};

/** The interrupt controller: GICv3 (arm,gic-v3) first, else a GICv2. */
struct dt_gic {
	int node;
	unsigned version;	   /* 2 or 3 */
	struct dt_gic_region dist; /* GICD */
	struct dt_gic_region cpu;  /* GICv2: GICC */
	unsigned redist_count;	   /* GICv3: #redistributor-regions (default 1) */
	struct dt_gic_region redist[DT_GIC_MAX_REDIST];
	uint64_t redist_stride; /* GICv3: redistributor-stride, 0 when absent */
};

/** -ENODEV without a GIC, -EINVAL for one whose reg does not hold what its version needs. */
int dt_gic_find(const void *fdt, struct dt_gic *out);

/** The index-th interrupt of the arm,armv8-timer node as a GIC interrupt id (0 secure
 *  physical, 1 non-secure physical, 2 virtual, 3 hypervisor), or -1. */
int dt_timer_intid(const void *fdt, int index);

/** The DMA facts of a device node: dma-coherent, dma-ranges, restricted-dma-pool, iommus
 *  (p->iommu is left NULL; p->iommu_name names the IOMMU, e.g. "smmuv3@2b400000"), and its
 *  first interrupt (p->irq -1 when it has none). *iommu_node gets the IOMMU's node or -1.
 *  Negative for a malformed dma-ranges, memory-region or iommus; -EFAULT (p->irq -1) is
 *  not returned for an interrupt that does not resolve: *irq_err says so (0 when fine or
 *  absent). */
int dt_device_platform(const void *fdt, int node, struct virtio_platform *p, int *iommu_node,
		       int *irq_err);

#endif
