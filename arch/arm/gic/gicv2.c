/* GICv2 distributor and memory-mapped CPU interface (Arm IHI 0048B, chapter 4). Only the
 * non-secure view is used: group and security configuration belong to firmware. */
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "gic_priv.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ICPENDR 0x280
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xc00

#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_BPR 0x08
#define GICC_IAR 0x0c
#define GICC_EOIR 0x10

#define GICD_CTLR_ENABLE 1u
#define GICC_CTLR_ENABLE 1u
#define GICD_TYPER_LINES(t) ((((t)&0x1fu) + 1) * 32)
#define GIC_V2_MAX_LINES 1020u

static uintptr_t word_reg(uintptr_t base, unsigned reg, unsigned intid)
{
	return base + reg + (intid / 32) * 4;
}

/* Every interrupt of [first, hw->lines) disabled, not pending, not active, at the default
 * priority; SPIs also level-triggered and routed to this CPU. */
static void dist_reset_lines(const struct gic_hw *hw, unsigned first)
{
	uint32_t prio = GIC_PRIO_DEFAULT * 0x01010101u;
	uint32_t targets = hw->target_mask * 0x01010101u;

	for (unsigned i = first; i < hw->lines; i += 32) {
		io_write32(word_reg(hw->dist, GICD_ICENABLER, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_ICPENDR, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_ICACTIVER, i), ~0u);
	}
	for (unsigned i = first; i < hw->lines; i += 4) {
		io_write32(hw->dist + GICD_IPRIORITYR + i, prio);
		if (i >= GIC_SPI_BASE) {
			io_write32(hw->dist + GICD_ITARGETSR + i, targets);
		}
	}
	for (unsigned i = first < GIC_SPI_BASE ? GIC_SPI_BASE : first; i < hw->lines; i += 16) {
		io_write32(hw->dist + GICD_ICFGR + (i / 16) * 4, 0);
	}
}

int gicv2_init(struct gic_hw *hw)
{
	uint32_t typer = io_read32(hw->dist + GICD_TYPER);

	if (typer == ~0u) {
		printf("gic: no GICv2 distributor at 0x%llx\n", (unsigned long long)hw->dist);
		return -ENODEV;
	}
	hw->lines = GICD_TYPER_LINES(typer);
	if (hw->lines > GIC_V2_MAX_LINES) {
		hw->lines = GIC_V2_MAX_LINES;
	}
	/* ITARGETSR0 reads as this CPU's own bit in every byte; RAZ on a uniprocessor GIC,
	 * where every interrupt goes to the one CPU anyway. */
	hw->target_mask = io_read32(hw->dist + GICD_ITARGETSR) & 0xffu;
	if (hw->target_mask == 0) {
		hw->target_mask = 1;
	}
	io_write32(hw->dist + GICD_CTLR, 0);
	dist_reset_lines(hw, 0);
	io_write32(hw->dist + GICD_CTLR, GICD_CTLR_ENABLE);

	io_write32(hw->cpu + GICC_PMR, GIC_PRIO_MASK);
	io_write32(hw->cpu + GICC_BPR, 0);
	io_write32(hw->cpu + GICC_CTLR, GICC_CTLR_ENABLE);
	return 0;
}

void gic_dist_configure(uintptr_t base, unsigned intid, bool edge)
{
	uintptr_t cfg = base + GICD_ICFGR + (intid / 16) * 4;
	unsigned shift = (intid % 16) * 2 + 1;
	uint32_t v;

	if (intid >= 16) {
		v = io_read32(cfg);
		v = edge ? v | (1u << shift) : v & ~(1u << shift);
		io_write32(cfg, v);
	}
	io_write8(base + GICD_IPRIORITYR + intid, GIC_PRIO_DEFAULT);
}

void gicv2_configure(const struct gic_hw *hw, unsigned intid, bool edge)
{
	gic_dist_configure(hw->dist, intid, edge);
	if (intid >= GIC_SPI_BASE) {
		io_write8(hw->dist + GICD_ITARGETSR + intid, (uint8_t)hw->target_mask);
	}
}

void gicv2_enable(const struct gic_hw *hw, unsigned intid, bool enable)
{
	io_write32(word_reg(hw->dist, enable ? GICD_ISENABLER : GICD_ICENABLER, intid),
		   1u << (intid % 32));
}

uint32_t gicv2_ack(const struct gic_hw *hw)
{
	return io_read32(hw->cpu + GICC_IAR);
}

void gicv2_eoi(const struct gic_hw *hw, uint32_t iar)
{
	io_write32(hw->cpu + GICC_EOIR, iar);
}
