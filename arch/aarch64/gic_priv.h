/* GIC internals of arch/aarch64, shared by its two parts:
 *  - the controller: gic.c (DT discovery, arch_irq_* entry points, dispatch, stats, the timer
 *    wait), gicv2.c and gicv3.c (distributor, CPU interface, redistributor programming),
 *    gic_cpuif.c (GICv3 system registers);
 *  - the MSI controllers: gic_msi.c (DT discovery, arch_msi_alloc), gic_v2m.c (GICv2m frames),
 *    gic_its.c (GICv3 ITS: tables, command queue, LPI configuration and pending tables).
 * gicv2.c, gicv3.c, gic_v2m.c and gic_its.c touch hardware only through include/arch/io.h and
 * functions declared here, on base addresses they are given, so the host tests build them
 * against register models. gic.c, gic_cpuif.c and gic_msi.c are target-only. */
#ifndef ARCH_AARCH64_GIC_PRIV_H
#define ARCH_AARCH64_GIC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#define GIC_LPI_BASE 8192u

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

/* ---------------------------------------------------------------- MSI part -> controller */

/** 2 or 3 once the controller is up, 0 before. */
unsigned gic_version(void);

/** GICv3: this CPU's redistributor (RD_base frame; SGI_base is RD_base + 64 KiB); 0 for GICv2. */
uintptr_t gic_redist_base(void);

/** GICv3: number of INTID bits the distributor implements (GICD_TYPER.IDbits + 1) and
 *  whether it supports LPIs (GICD_TYPER.LPIS). */
unsigned gic_id_bits(void);
bool gic_lpis_supported(void);

#endif
