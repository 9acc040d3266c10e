/* GICv3 distributor and redistributor (Arm IHI 0069, chapter 12), with affinity routing.
 * Every interrupt is non-secure group 1: with two security states that is the only group a
 * non-secure OS can use, with one it is the group ICC_IGRPEN1_EL1 signals. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "gic_priv.h"

#define GICD_CTLR 0x0000
#define GICD_TYPER 0x0004
#define GICD_IGROUPR 0x0080
#define GICD_ISENABLER 0x0100
#define GICD_ICENABLER 0x0180
#define GICD_ICPENDR 0x0280
#define GICD_ICACTIVER 0x0380
#define GICD_IPRIORITYR 0x0400
#define GICD_ICFGR 0x0c00
#define GICD_IGRPMODR 0x0d00
#define GICD_IROUTER 0x6000
#define GICD_PIDR2 0xffe8

#define GICD_CTLR_RWP (1u << 31)
#define GICD_CTLR_ARE_NS (1u << 4)
#define GICD_CTLR_ENABLE_G1NS (1u << 1)
#define GICD_TYPER_LPIS (1u << 17)

#define GICR_CTLR 0x0000
#define GICR_TYPER 0x0008
#define GICR_WAKER 0x0014
#define GICR_PIDR2 0xffe8
#define GICR_SGI_BASE 0x10000
#define GICR_FRAME 0x20000	 /* RD_base + SGI_base */
#define GICR_VLPI_FRAMES 0x20000 /* GICv4: VLPI_base + reserved */

#define GICR_CTLR_RWP (1u << 3)
#define GICR_TYPER_VLPIS (1ull << 1)
#define GICR_TYPER_LAST (1ull << 4)
#define GICR_WAKER_SLEEP (1u << 1)
#define GICR_WAKER_CHILDREN_ASLEEP (1u << 2)

#define PIDR2_ARCH(v) (((v) >> 4) & 0xfu)
#define GIC_V3_MAX_LINES 1020u
#define GIC_POLL_LIMIT 1000000u

/* Register writes that change enables or routing are done when RWP reads 0. */
static int wait_rwp(uintptr_t ctlr, uint32_t rwp, const char *what)
{
	for (unsigned i = 0; i < GIC_POLL_LIMIT; i++) {
		if ((io_read32(ctlr) & rwp) == 0) {
			return 0;
		}
	}
	printf("gic: %s write still pending (RWP stuck)\n", what);
	return -ETIMEDOUT;
}

static uintptr_t word_reg(uintptr_t base, unsigned reg, unsigned intid)
{
	return base + reg + (intid / 32) * 4;
}

static uintptr_t sgi_base(const struct gic_hw *hw)
{
	return hw->redist + GICR_SGI_BASE;
}

static int dist_init(struct gic_hw *hw)
{
	uint32_t typer = io_read32(hw->dist + GICD_TYPER);
	uint32_t prio = GIC_PRIO_DEFAULT * 0x01010101u;
	unsigned arch = PIDR2_ARCH(io_read32(hw->dist + GICD_PIDR2));

	if (arch != 3 && arch != 4) {
		printf("gic: no GICv3 distributor at 0x%llx (PIDR2 architecture %u)\n",
		       (unsigned long long)hw->dist, arch);
		return -ENODEV;
	}
	hw->lines = ((typer & 0x1fu) + 1) * 32;
	if (hw->lines > GIC_V3_MAX_LINES) {
		hw->lines = GIC_V3_MAX_LINES;
	}
	hw->id_bits = ((typer >> 19) & 0x1fu) + 1;
	hw->lpis = (typer & GICD_TYPER_LPIS) != 0;

	io_write32(hw->dist + GICD_CTLR, 0);
	if (wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor") != 0) {
		return -ENODEV;
	}
	for (unsigned i = GIC_SPI_BASE; i < hw->lines; i += 32) {
		io_write32(word_reg(hw->dist, GICD_ICENABLER, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_ICPENDR, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_ICACTIVER, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_IGROUPR, i), ~0u);
		io_write32(word_reg(hw->dist, GICD_IGRPMODR, i), 0);
	}
	for (unsigned i = GIC_SPI_BASE; i < hw->lines; i += 4) {
		io_write32(hw->dist + GICD_IPRIORITYR + i, prio);
	}
	for (unsigned i = GIC_SPI_BASE; i < hw->lines; i += 16) {
		io_write32(hw->dist + GICD_ICFGR + (i / 16) * 4, 0);
	}
	if (wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor") != 0) {
		return -ENODEV;
	}
	/* Affinity routing must be in effect (RWP clear) before IROUTER means anything. */
	io_write32(hw->dist + GICD_CTLR, GICD_CTLR_ARE_NS);
	if (wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor") != 0) {
		return -ENODEV;
	}
	io_write32(hw->dist + GICD_CTLR, GICD_CTLR_ARE_NS | GICD_CTLR_ENABLE_G1NS);
	if (wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor") != 0) {
		return -ENODEV;
	}
	for (unsigned i = GIC_SPI_BASE; i < hw->lines; i++) {
		io_write64(hw->dist + GICD_IROUTER + i * 8, hw->affinity);
	}
	return wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor") == 0 ? 0 : -ENODEV;
}

/* GICR_TYPER.Affinity packs Aff3.Aff2.Aff1.Aff0 in one 32-bit field. */
static uint32_t typer_affinity(uint64_t affinity)
{
	return (uint32_t)(((affinity >> 8) & 0xff000000u) | (affinity & 0xffffffu));
}

/** Search one region: frames of RD_base + SGI_base (+ VLPI frames with GICv4's VLPIS), or
 *  stride bytes apart when the DT says so, up to the region's end or GICR_TYPER.Last.
 *  1 when found, 0 when not. */
static int search_region(struct gic_hw *hw, const struct dt_gic_region *r, uint64_t stride)
{
	uint32_t want = typer_affinity(hw->affinity);
	uint64_t off = 0;

	while (off + GICR_FRAME <= r->size) {
		uintptr_t rd = (uintptr_t)(r->base + off);
		unsigned arch = PIDR2_ARCH(io_read32(rd + GICR_PIDR2));
		uint64_t typer;

		if (arch != 3 && arch != 4) {
			return 0;
		}
		typer = io_read64(rd + GICR_TYPER);
		if ((uint32_t)(typer >> 32) == want) {
			hw->redist = rd;
			return 1;
		}
		if (typer & GICR_TYPER_LAST) {
			return 0;
		}
		if (stride == 0) {
			off += GICR_FRAME + ((typer & GICR_TYPER_VLPIS) ? GICR_VLPI_FRAMES : 0);
		} else {
			off += stride;
		}
	}
	return 0;
}

/* Last ends a region, not the search: FVP and multi-socket systems have several regions
 * (#redistributor-regions), each with its own Last frame. */
static int find_redist(struct gic_hw *hw, const struct dt_gic_region *regions, unsigned count,
		       uint64_t stride)
{
	for (unsigned i = 0; i < count; i++) {
		if (search_region(hw, &regions[i], stride)) {
			return 0;
		}
	}
	printf("gic: no redistributor for affinity 0x%" PRIx32 " in %u region%s from 0x%llx\n",
	       typer_affinity(hw->affinity), count, count == 1 ? "" : "s",
	       count ? (unsigned long long)regions[0].base : 0ull);
	return -ENODEV;
}

static int redist_wake(const struct gic_hw *hw)
{
	uintptr_t waker = hw->redist + GICR_WAKER;

	io_write32(waker, io_read32(waker) & ~GICR_WAKER_SLEEP);
	for (unsigned i = 0; i < GIC_POLL_LIMIT; i++) {
		if ((io_read32(waker) & GICR_WAKER_CHILDREN_ASLEEP) == 0) {
			return 0;
		}
	}
	printf("gic: redistributor at 0x%llx does not wake up\n", (unsigned long long)hw->redist);
	return -ENODEV;
}

/* SGIs and PPIs live in the redistributor: all disabled, group 1, default priority. */
static int redist_init(const struct gic_hw *hw)
{
	uintptr_t sgi = sgi_base(hw);

	io_write32(sgi + GICD_ICENABLER, ~0u);
	io_write32(sgi + GICD_ICPENDR, ~0u);
	io_write32(sgi + GICD_ICACTIVER, ~0u);
	io_write32(sgi + GICD_IGROUPR, ~0u);
	io_write32(sgi + GICD_IGRPMODR, 0);
	for (unsigned i = 0; i < GIC_SPI_BASE; i += 4) {
		io_write32(sgi + GICD_IPRIORITYR + i, GIC_PRIO_DEFAULT * 0x01010101u);
	}
	return wait_rwp(hw->redist + GICR_CTLR, GICR_CTLR_RWP, "redistributor") == 0 ? 0 : -ENODEV;
}

int gicv3_init(struct gic_hw *hw, const struct dt_gic_region *regions, unsigned count,
	       uint64_t stride)
{
	int ret = dist_init(hw);

	if (ret == 0) {
		ret = find_redist(hw, regions, count, stride);
	}
	if (ret == 0) {
		ret = redist_wake(hw);
	}
	return ret == 0 ? redist_init(hw) : ret;
}

/* Banked SGI/PPI registers are in the redistributor's SGI frame, SPIs in the distributor;
 * both use the distributor's offsets. */
static uintptr_t bank(const struct gic_hw *hw, unsigned intid)
{
	return intid < GIC_SPI_BASE ? sgi_base(hw) : hw->dist;
}

void gicv3_configure(const struct gic_hw *hw, unsigned intid, bool edge)
{
	gic_dist_configure(bank(hw, intid), intid, edge);
	if (intid >= GIC_SPI_BASE) {
		io_write64(hw->dist + GICD_IROUTER + intid * 8, hw->affinity);
	}
}

void gicv3_enable(const struct gic_hw *hw, unsigned intid, bool enable)
{
	uintptr_t base = bank(hw, intid);

	io_write32(word_reg(base, enable ? GICD_ISENABLER : GICD_ICENABLER, intid),
		   1u << (intid % 32));
	/* A disable is complete once RWP clears (a stuck RWP was already reported). */
	if (!enable) {
		if (intid < GIC_SPI_BASE) {
			(void)wait_rwp(hw->redist + GICR_CTLR, GICR_CTLR_RWP, "redistributor");
		} else {
			(void)wait_rwp(hw->dist + GICD_CTLR, GICD_CTLR_RWP, "distributor");
		}
	}
}
