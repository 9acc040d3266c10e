/* GIC internals shared by arch/aarch64 and arch/aarch32 (the GIC is the same MMIO device
 * under both; what differs is in arch/<arch>/include/arch/gic_cpu.h and gic_cpuif.c):
 *  - the controller: gic.c (DT discovery, arch_irq_* entry points, dispatch, stats, the timer
 *    wait), gicv2.c and gicv3.c (distributor, CPU interface, redistributor programming),
 *    arch/<arch>/gic_cpuif.c (GICv3 system registers: MSR/MRS or CP15);
 *  - the MSI controllers: gic_msi.c (DT discovery, arch_msi_alloc), gic_v2m.c (GICv2m frames),
 *    gic_its.c (GICv3 ITS: tables, command queue, LPI configuration and pending tables).
 * gicv2.c, gicv3.c, gic_v2m.c and gic_its.c touch hardware only through include/arch/io.h and
 * functions declared here, on base addresses they are given, so the host tests build them
 * against register models. gic.c, gic_cpuif.c and gic_msi.c are target-only. */
#ifndef ARCH_ARM_GIC_PRIV_H
#define ARCH_ARM_GIC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "vireo/dt_platform.h"

#define GIC_LPI_BASE 8192u
#define GIC_SPI_BASE 32u
#define GIC_SPURIOUS 1023u
#define GIC_PRIO_DEFAULT 0xa0u /* below the priority mask, above nothing else */
#define GIC_PRIO_MASK 0xf0u    /* PMR: every priority numerically below it is signalled */

/* ---------------------------------------------------------------- hardware programming */

/** One controller's registers as found in the DT. */
struct gic_hw {
	unsigned version;     /* 2 or 3 */
	uintptr_t dist;	      /* GICD */
	uintptr_t cpu;	      /* GICv2: GICC */
	uintptr_t redist;     /* GICv3: this CPU's RD_base, set by gicv3_init() */
	unsigned lines;	      /* SGIs + PPIs + SPIs the distributor implements (<= 1020) */
	unsigned id_bits;     /* GICv3: GICD_TYPER.IDbits + 1 */
	bool lpis;	      /* GICv3: GICD_TYPER.LPIS */
	uint64_t affinity;    /* GICv3: this CPU's Aff3.Aff2.Aff1.Aff0 as GICD_IROUTER packs it */
	uint32_t target_mask; /* GICv2: this CPU's bit in GICD_ITARGETSR */
};

/** Programs intid's trigger and the default priority through the ICFGR and IPRIORITYR
 *  registers of a distributor-layout block at base (GICD, or for SGIs/PPIs the GICv3
 *  redistributor's SGI frame). SGI triggers are fixed; a PPI's may be read-only (the write is
 *  then ignored, and the DT describes what the hardware does). Shared by gicv2.c and
 *  gicv3.c (in gicv2.c). */
void gic_dist_configure(uintptr_t base, unsigned intid, bool edge);

/** GICv2 (gicv2.c): brings up the distributor (every SPI disabled, inactive, level,
 *  default priority, routed to this CPU) and the CPU interface. 0, or -ENODEV when the
 *  registers do not look like a GICv2 (with a message). */
int gicv2_init(struct gic_hw *hw);
void gicv2_configure(const struct gic_hw *hw, unsigned intid, bool edge);
void gicv2_enable(const struct gic_hw *hw, unsigned intid, bool enable);
/** Acknowledges the highest-priority pending interrupt: the raw IAR value (the id in bits
 *  9:0; GIC_SPURIOUS when nothing is pending). */
uint32_t gicv2_ack(const struct gic_hw *hw);
void gicv2_eoi(const struct gic_hw *hw, uint32_t iar);

/** GICv3 (gicv3.c): the distributor with affinity routing (every SPI disabled, group 1,
 *  routed to hw->affinity), then finds this CPU's redistributor by affinity in the regions
 *  (the DT's #redistributor-regions; each searched to its end or its GICR_TYPER.Last frame;
 *  frames stride bytes apart when stride is not 0, else by their own size), wakes it and
 *  configures its SGIs and PPIs (disabled, group 1). The CPU interface (system registers) is
 *  gic_cpuif_init(). 0, or -ENODEV with a message. */
int gicv3_init(struct gic_hw *hw, const struct dt_gic_region *regions, unsigned count,
	       uint64_t stride);
void gicv3_configure(const struct gic_hw *hw, unsigned intid, bool edge);
void gicv3_enable(const struct gic_hw *hw, unsigned intid, bool enable);

/** GICv3 CPU interface through system registers (gic_cpuif.c, target only). */
void gic_cpuif_init(void);
uint32_t gic_cpuif_ack(void);
void gic_cpuif_eoi(uint32_t intid);

/* ---------------------------------------------------------------- controller -> MSI part */

/** Called by arch_irq_init() once the distributor and this CPU's interface are up: probes the
 *  DT for GICv2m frames and ITSes, sets up LPIs at this CPU's redistributor when there is an
 *  ITS, prints one line per MSI controller. 0 also when there are none (then arch_msi_alloc()
 *  fails with -ENODEV); negative only for a controller found but broken (said in a message). */
int gic_msi_init(const void *fdt);

/** Enables or disables LPI intid (>= GIC_LPI_BASE) in the LPI configuration table, with the
 *  default priority, and makes the redistributor/ITS see the change. -EINVAL for an LPI that
 *  arch_msi_alloc() did not hand out. */
int gic_lpi_set_enabled(unsigned intid, bool enabled);

/* ---------------------------------------------------------------- MSI controllers */

struct arch_msi;

/** A GICv2m frame (Arm's "GICv2m" architecture note, also QEMU's arm_gicv2m): a doorbell that
 *  turns a write of n into SPI n, for a range of SPIs. */
struct gic_v2m {
	uintptr_t base;
	uint64_t doorbell; /* physical address of MSI_SETSPI_NS */
	unsigned spi_base;
	unsigned spi_count;
	unsigned next; /* SPIs handed out */
};

/** Reads the frame's SPI range (MSI_TYPER), or takes dt_base/dt_count from the DT's
 *  arm,msi-base-spi / arm,msi-num-spis when dt_count is nonzero. -ENODEV with a message
 *  when the range is empty or outside [32, lines). */
int gic_v2m_init(struct gic_v2m *m, uintptr_t base, uint64_t pa, unsigned dt_base,
		 unsigned dt_count, unsigned lines);
/** Hands out up to count SPIs; the number handed out, or -ENOSPC. */
int gic_v2m_alloc(struct gic_v2m *m, unsigned count, struct arch_msi *out);

#define GIC_ITS_MAX_DEVICES 32
#define GIC_ITS_CMDQ_ENTRIES 128

/** A GICv3 ITS with flat device and collection tables, one collection (this CPU) and a
 *  command queue in memory the CPU writes then cleans to the point of coherency. */
struct gic_its {
	uintptr_t base;
	uint64_t translater; /* physical address of GITS_TRANSLATER */
	unsigned ite_size;
	unsigned dev_bits;   /* DeviceIDs the device table holds: [0, 1 << dev_bits) */
	unsigned event_bits; /* GITS_TYPER.IDbits + 1 */
	uint64_t rd_target;  /* MAPC RDbase field, already shifted into place */
	uint64_t *cmdq;
	unsigned cmd_next;
	uint32_t devids[GIC_ITS_MAX_DEVICES]; /* mapped devices */
	bool broken; /* a command stalled or timed out: nothing more is sent */
	unsigned device_count;
};

/** Disables the ITS if firmware left it on, allocates and programs the tables GITS_BASER<n>
 *  asks for and the command queue, enables it and maps collection 0 to the redistributor
 *  whose RD_base is redist (physical) / processor number procnum. 0, or -ENODEV / -ENOMEM
 *  with a message. */
int gic_its_init(struct gic_its *its, uintptr_t base, uint64_t pa, uint64_t redist,
		 unsigned procnum);
/** Maps DeviceID devid with count events (an ITT) to the LPIs first_lpi.. and fills out[]
 *  (address = GITS_TRANSLATER, data = event). -EBUSY when devid is mapped already,
 *  -ERANGE when it does not fit the device table, -ENOMEM, -ETIMEDOUT (command queue). */
int gic_its_map_device(struct gic_its *its, uint32_t devid, unsigned count, unsigned first_lpi,
		       struct arch_msi *out);
/** Makes the ITS reload the configuration of (devid, event) (INV then SYNC). */
int gic_its_inv(struct gic_its *its, uint32_t devid, uint32_t event);

/** Allocates the LPI configuration table (all disabled) and pending table for LPIs below
 *  1 << id_bits, points this CPU's redistributor at them and enables LPIs there. Returns the
 *  configuration table, or NULL with a message. */
uint8_t *gic_lpi_tables_init(uintptr_t redist, unsigned id_bits);
/** Disable the ITS (wait for quiescence): its tables are no longer read. */
int gic_its_shutdown(struct gic_its *its);
/** Clear GICR_CTLR.EnableLPIs; -EBUSY when the redistributor keeps it set. */
int gic_lpi_disable(uintptr_t redist);
/** Every ITS disabled and LPIs off at this CPU's redistributor (before a payload runs). */
void gic_msi_shutdown(void);
/** Writes LPI intid's configuration byte (default priority, enabled or not) into table. */
void gic_lpi_config(uint8_t *table, unsigned intid, bool enabled);

/* ---------------------------------------------------------------- MSI part -> controller */

/** 2 or 3 once the controller is up, 0 before. */
unsigned gic_version(void);

/** Interrupt ids below GIC_LPI_BASE the distributor implements (SGIs + PPIs + SPIs). */
unsigned gic_lines(void);

/** GICv3: this CPU's redistributor (RD_base frame; SGI_base is RD_base + 64 KiB); 0 for GICv2. */
uintptr_t gic_redist_base(void);

/** GICv3: number of INTID bits the distributor implements (GICD_TYPER.IDbits + 1) and
 *  whether it supports LPIs (GICD_TYPER.LPIS). */
unsigned gic_id_bits(void);
bool gic_lpis_supported(void);

#endif
