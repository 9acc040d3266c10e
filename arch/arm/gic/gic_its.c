/* GICv3 ITS (Arm IHI 0069, chapter 5 and 12.19) and the LPI tables at the redistributor.
 *
 * Memory the GIC reads or writes is described to it as non-cacheable and non-shareable, and the
 * CPU cleans what it wrote to the point of coherency before telling the GIC: correct whether or
 * not the GIC snoops caches. Tables only the ITS writes (device table, ITTs) are cleaned and
 * invalidated once when allocated, so no dirty line of ours can overwrite them later. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/barrier.h"
#include "arch/cache.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "gic_priv.h"
#include "vireo/mem.h"
#include "vireo/types.h"

#define GITS_CTLR 0x0000
#define GITS_TYPER 0x0008
#define GITS_CBASER 0x0080
#define GITS_CWRITER 0x0088
#define GITS_CREADR 0x0090
#define GITS_BASER(n) (0x0100 + 8 * (n))
#define GITS_BASER_COUNT 8
#define GITS_TRANSLATER 0x10040

#define GITS_CTLR_ENABLED 1u
#define GITS_CTLR_QUIESCENT (1u << 31)
#define GITS_TYPER_PTA (1ull << 19)
#define GITS_CREADR_STALLED 1ull

#define BASER_VALID (1ull << 63)
#define BASER_INDIRECT (1ull << 62)
#define BASER_INNER_NC (1ull << 59)
#define BASER_TYPE(v) (((v) >> 56) & 7u)
#define BASER_ESIZE(v) ((unsigned)(((v) >> 48) & 0x1fu) + 1)
#define BASER_PAGE_SHIFT 8
#define BASER_PA_MASK 0x0000fffffffff000ull
#define BASER_MAX_PAGES 256u
#define BASER_TYPE_DEVICE 1u
#define BASER_TYPE_COLLECTION 4u
#define CBASER_VALID (1ull << 63)
#define CBASER_INNER_NC (1ull << 59)

#define GICR_CTLR 0x0000
#define GICR_PROPBASER 0x0070
#define GICR_PENDBASER 0x0078
#define GICR_CTLR_ENABLE_LPIS 1u
#define GICR_CTLR_RWP (1u << 3)
#define GICR_BASER_INNER_NC (1ull << 7)
#define GICR_PENDBASER_PTZ (1ull << 62)
#define LPI_PEND_ALIGN 0x10000u
#define LPI_CONFIG_RES1 2u

#define CMD_SYNC 0x05
#define CMD_MAPD 0x08
#define CMD_MAPC 0x09
#define CMD_MAPTI 0x0a
#define CMD_INV 0x0c
#define CMD_INVALL 0x0d
#define CMD_VALID (1ull << 63)
#define CMD_BYTES 32u
#define ITT_ALIGN 4096u /* the ITS needs 256; page_alloc() hands out whole pages */
#define ITS_POLL_LIMIT 1000000u
#define PAGE_4K 4096u

static const unsigned page_sizes[4] = { 4096, 16384, 65536, 65536 };

static void *dma_table(size_t size, size_t align)
{
	void *p = page_alloc(size, align);

	if (p != NULL) {
		arch_dcache_clean_inval(p, size);
	}
	return p;
}

static uint64_t pa_of(const void *p)
{
	return pa_addr(arch_va_to_pa(p));
}

/* ---------------------------------------------------------------- command queue */

static int cmd_submit(struct gic_its *its, uint64_t d0, uint64_t d1, uint64_t d2)
{
	uint64_t *slot = &its->cmdq[its->cmd_next * 4];
	uint64_t want;

	if (its->broken) {
		return -EIO;
	}
	slot[0] = d0;
	slot[1] = d1;
	slot[2] = d2;
	slot[3] = 0;
	arch_dcache_clean(slot, CMD_BYTES);
	its->cmd_next = (its->cmd_next + 1) % GIC_ITS_CMDQ_ENTRIES;
	want = (uint64_t)its->cmd_next * CMD_BYTES;
	io_mb();
	io_write64(its->base + GITS_CWRITER, want);
	/* One command at a time, each waited for: the queue can never fill. */
	for (unsigned i = 0; i < ITS_POLL_LIMIT; i++) {
		uint64_t readr = io_read64(its->base + GITS_CREADR);

		if (readr & GITS_CREADR_STALLED) {
			printf("irq: ITS command 0x%02x stalled the queue\n",
			       (unsigned)(d0 & 0xff));
			its->broken = true;
			return -EIO;
		}
		if ((readr & ~0x1full) == want) {
			return 0;
		}
	}
	printf("irq: ITS command 0x%02x not consumed\n", (unsigned)(d0 & 0xff));
	its->broken = true;
	return -ETIMEDOUT;
}

static int cmd_sync(struct gic_its *its)
{
	return cmd_submit(its, CMD_SYNC, 0, its->rd_target);
}

/* ---------------------------------------------------------------- tables */

static unsigned log2_floor(uint64_t v)
{
	unsigned n = 0;

	while (v > 1) {
		v >>= 1;
		n++;
	}
	return n;
}

/* One GITS_BASER<n>: a flat table of as many entries as the ITS wants, up to 256 pages. */
static int baser_setup(struct gic_its *its, unsigned n)
{
	uintptr_t reg = its->base + GITS_BASER(n);
	uint64_t v = io_read64(reg);
	unsigned type = BASER_TYPE(v);
	unsigned esize = BASER_ESIZE(v);
	unsigned page;
	uint64_t bytes;
	void *table;

	if (type != BASER_TYPE_DEVICE && type != BASER_TYPE_COLLECTION) {
		return 0;
	}
	/* Ask for 4 KiB pages; an ITS with a fixed page size reads back its own. */
	io_write64(reg, v & ~(BASER_VALID | BASER_INDIRECT | (3ull << BASER_PAGE_SHIFT)));
	page = page_sizes[(io_read64(reg) >> BASER_PAGE_SHIFT) & 3];
	bytes = type == BASER_TYPE_DEVICE ? ((uint64_t)esize << its->dev_bits) : page;
	if (bytes > (uint64_t)page * BASER_MAX_PAGES) {
		bytes = (uint64_t)page * BASER_MAX_PAGES;
	}
	bytes = (bytes + page - 1) / page * page;
	if (type == BASER_TYPE_DEVICE) {
		its->dev_bits = log2_floor(bytes / esize);
	}
	table = dma_table(bytes, page);
	if (table == NULL) {
		printf("irq: ITS table %u: no memory for %llu bytes\n", n,
		       (unsigned long long)bytes);
		return -ENOMEM;
	}
	v = (v & ~(BASER_INDIRECT | 0xfffull | BASER_PA_MASK | (7ull << 59))) | BASER_VALID |
	    BASER_INNER_NC | (pa_of(table) & BASER_PA_MASK) | ((uint64_t)(bytes / page) - 1);
	v |= (uint64_t)(page == 4096 ? 0 : page == 16384 ? 1 : 2) << BASER_PAGE_SHIFT;
	io_write64(reg, v);
	return 0;
}

static int its_quiesce(struct gic_its *its)
{
	uint32_t ctlr = io_read32(its->base + GITS_CTLR);

	if ((ctlr & GITS_CTLR_ENABLED) == 0 && (ctlr & GITS_CTLR_QUIESCENT) != 0) {
		return 0;
	}
	io_write32(its->base + GITS_CTLR, ctlr & ~GITS_CTLR_ENABLED);
	for (unsigned i = 0; i < ITS_POLL_LIMIT; i++) {
		if (io_read32(its->base + GITS_CTLR) & GITS_CTLR_QUIESCENT) {
			return 0;
		}
	}
	printf("irq: ITS at 0x%llx does not quiesce\n", (unsigned long long)its->base);
	return -ENODEV;
}

int gic_its_shutdown(struct gic_its *its)
{
	return its_quiesce(its);
}

int gic_its_init(struct gic_its *its, uintptr_t base, uint64_t pa, uint64_t redist,
		 unsigned procnum)
{
	uint64_t typer;
	int ret;

	memset(its, 0, sizeof(*its));
	its->base = base;
	its->translater = pa + GITS_TRANSLATER;
	ret = its_quiesce(its);
	if (ret != 0) {
		return ret;
	}
	typer = io_read64(base + GITS_TYPER);
	its->ite_size = (unsigned)((typer >> 4) & 0xf) + 1;
	its->event_bits = (unsigned)((typer >> 8) & 0x1f) + 1;
	its->dev_bits = (unsigned)((typer >> 13) & 0x1f) + 1;
	/* PTA: collections target a redistributor by address, else by processor number. */
	its->rd_target = (typer & GITS_TYPER_PTA) ? (redist & ~0xffffull) : (uint64_t)procnum << 16;
	for (unsigned n = 0; n < GITS_BASER_COUNT && ret == 0; n++) {
		ret = baser_setup(its, n);
	}
	its->cmdq = ret == 0 ? dma_table(PAGE_4K, PAGE_4K) : NULL;
	if (its->cmdq == NULL) {
		return ret != 0 ? ret : -ENOMEM;
	}
	io_write64(base + GITS_CBASER, CBASER_VALID | CBASER_INNER_NC | pa_of(its->cmdq) |
					       (GIC_ITS_CMDQ_ENTRIES * CMD_BYTES / PAGE_4K - 1));
	io_write64(base + GITS_CWRITER, 0);
	io_write32(base + GITS_CTLR, GITS_CTLR_ENABLED);
	ret = cmd_submit(its, CMD_MAPC, 0, CMD_VALID | its->rd_target);
	if (ret == 0) {
		ret = cmd_submit(its, CMD_INVALL, 0, 0);
	}
	return ret == 0 ? cmd_sync(its) : ret;
}

int gic_its_map_device(struct gic_its *its, uint32_t devid, unsigned count, unsigned first_lpi,
		       struct arch_msi *out)
{
	unsigned bits = 1;
	void *itt;
	int ret;

	for (unsigned i = 0; i < its->device_count; i++) {
		if (its->devids[i] == devid) {
			return -EBUSY;
		}
	}
	if (its->device_count == GIC_ITS_MAX_DEVICES ||
	    (its->dev_bits < 32 && devid >= (1u << its->dev_bits))) {
		return -ERANGE;
	}
	while ((1u << bits) < count) {
		bits++;
	}
	if (bits > its->event_bits) {
		return -ERANGE;
	}
	itt = dma_table((size_t)its->ite_size << bits, ITT_ALIGN);
	if (itt == NULL) {
		return -ENOMEM;
	}
	ret = cmd_submit(its, CMD_MAPD | (uint64_t)devid << 32, bits - 1,
			 CMD_VALID | (pa_of(itt) & 0x000fffffffffff00ull));
	for (unsigned e = 0; e < count && ret == 0; e++) {
		ret = cmd_submit(its, CMD_MAPTI | (uint64_t)devid << 32,
				 e | (uint64_t)(first_lpi + e) << 32, 0);
		out[e].intid = first_lpi + e;
		out[e].address = its->translater;
		out[e].data = e;
	}
	ret = ret == 0 ? cmd_sync(its) : ret;
	/* On failure the ITS is broken (cmd_submit): the ITT stays allocated, since an ITS that
	 * stopped mid-queue may still own it, and out[] must not be used. */
	if (ret == 0) {
		its->devids[its->device_count++] = devid;
	}
	return ret;
}

int gic_its_inv(struct gic_its *its, uint32_t devid, uint32_t event)
{
	int ret = cmd_submit(its, CMD_INV | (uint64_t)devid << 32, event, 0);

	return ret == 0 ? cmd_sync(its) : ret;
}

/* ---------------------------------------------------------------- LPI tables */

void gic_lpi_config(uint8_t *table, unsigned intid, bool enabled)
{
	uint8_t *b = &table[intid - GIC_LPI_BASE];

	*b = (uint8_t)((GIC_PRIO_DEFAULT & 0xfcu) | LPI_CONFIG_RES1 | (enabled ? 1u : 0u));
	arch_dcache_clean(b, 1);
}

/* GICv3 §12.11.2: clearing EnableLPIs may be refused (then it reads back 1); RWP says when a
 * change is done. */
int gic_lpi_disable(uintptr_t redist)
{
	io_write32(redist + GICR_CTLR, io_read32(redist + GICR_CTLR) & ~GICR_CTLR_ENABLE_LPIS);
	for (unsigned i = 0; i < ITS_POLL_LIMIT; i++) {
		uint32_t ctlr = io_read32(redist + GICR_CTLR);

		if ((ctlr & GICR_CTLR_RWP) == 0) {
			return (ctlr & GICR_CTLR_ENABLE_LPIS) ? -EBUSY : 0;
		}
	}
	return -ETIMEDOUT;
}

uint8_t *gic_lpi_tables_init(uintptr_t redist, unsigned id_bits)
{
	size_t lpis, pend_bytes;
	uint8_t *prop;
	void *pend;

	/* LPIs start at 8192: fewer than 14 ID bits has none; more than 24 is not a GICv3. */
	if (id_bits < 14 || id_bits > 24) {
		printf("irq: %u LPI ID bits: no LPI tables\n", id_bits);
		return NULL;
	}
	lpis = ((size_t)1 << id_bits) - GIC_LPI_BASE;
	pend_bytes = MAX(((size_t)1 << id_bits) / 8, (size_t)PAGE_4K);
	if (io_read32(redist + GICR_CTLR) & GICR_CTLR_ENABLE_LPIS) {
		printf("irq: LPIs already enabled at the redistributor (tables cannot move)\n");
		return NULL;
	}
	prop = dma_table(lpis, PAGE_4K);
	pend = dma_table(pend_bytes, LPI_PEND_ALIGN);
	if (prop == NULL || pend == NULL) {
		page_free(prop, lpis);
		page_free(pend, pend_bytes);
		printf("irq: no memory for LPI tables\n");
		return NULL;
	}
	for (size_t i = 0; i < lpis; i++) {
		prop[i] = (uint8_t)((GIC_PRIO_DEFAULT & 0xfcu) | LPI_CONFIG_RES1);
	}
	arch_dcache_clean(prop, lpis);
	io_write64(redist + GICR_PROPBASER,
		   GICR_BASER_INNER_NC | pa_of(prop) | (uint64_t)(id_bits - 1));
	io_write64(redist + GICR_PENDBASER, GICR_PENDBASER_PTZ | GICR_BASER_INNER_NC | pa_of(pend));
	io_mb();
	io_write32(redist + GICR_CTLR, io_read32(redist + GICR_CTLR) | GICR_CTLR_ENABLE_LPIS);
	return prop;
}
