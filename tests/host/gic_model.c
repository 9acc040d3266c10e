/* GIC register models (see gic_model.h). Register offsets and semantics from IHI 0048B
 * chapter 4 (GICv2) and IHI 0069 chapters 5 and 12 (GICv3, ITS). */
#include <stdlib.h>
#include <string.h>

#include "arch/cpu.h"
#include "arch/io.h"
#include "gic_model.h"

#define WINDOW 0x10000u
#define FRAME 0x20000u	  /* RD_base + SGI_base */
#define FRAME_V4 0x40000u /* + VLPI_base + reserved */
#define ITS_WINDOW 0x20000u
#define RWP_READS 2u

/* ---------------------------------------------------------------- shared banked registers */

/* The word/byte registers common to GICD and the GICR SGI frame, for irq[0 .. n). */
static bool banked_read(struct gic_model_irq *irq, unsigned n, uintptr_t off, unsigned size,
			uint64_t *v)
{
	unsigned first;

	*v = 0;
	if (off >= 0x400 && off < 0x400 + n) { /* IPRIORITYR, byte-accessible */
		for (unsigned b = 0; b < size; b++) {
			*v |= (uint64_t)irq[off - 0x400 + b].prio << (8 * b);
		}
		return true;
	}
	if (off >= 0xc00 && off < 0xc00 + n / 4) { /* ICFGR: bit 1 of each 2-bit field */
		first = (unsigned)(off - 0xc00) * 4;
		for (unsigned i = 0; i < 16; i++) {
			*v |= (uint64_t)(first + i < 16 || irq[first + i].edge) << (2 * i + 1);
		}
		return true;
	}
	for (unsigned reg = 0x080; reg <= 0x380; reg += 0x80) {
		if (off >= reg && off < reg + n / 8) {
			first = (unsigned)(off - reg) * 8;
			for (unsigned i = 0; i < 32; i++) {
				struct gic_model_irq *q = &irq[first + i];
				bool bit = reg == 0x080	  ? q->group1
					   : reg <= 0x180 ? q->enabled
					   : reg <= 0x280 ? q->pending
							  : q->active;

				*v |= (uint64_t)bit << i;
			}
			return true;
		}
	}
	return false;
}

static bool banked_write(struct gic_model_irq *irq, unsigned n, uintptr_t off, unsigned size,
			 uint64_t v)
{
	unsigned first;

	if (off >= 0x400 && off < 0x400 + n) {
		for (unsigned b = 0; b < size; b++) {
			irq[off - 0x400 + b].prio = (uint8_t)(v >> (8 * b));
		}
		return true;
	}
	if (off >= 0xc00 && off < 0xc00 + n / 4) {
		first = (unsigned)(off - 0xc00) * 4;
		for (unsigned i = 0; i < 16; i++) {
			if (first + i >= 16) { /* SGIs are always edge, read-only */
				irq[first + i].edge = (v >> (2 * i + 1)) & 1;
			}
		}
		return true;
	}
	for (unsigned reg = 0x080; reg <= 0x380; reg += 0x80) {
		if (off < reg || off >= reg + n / 8) {
			continue;
		}
		first = (unsigned)(off - reg) * 8;
		for (unsigned i = 0; i < 32; i++) {
			struct gic_model_irq *q = &irq[first + i];
			bool bit = (v >> i) & 1;

			if (reg == 0x080) {
				q->group1 = bit;
			} else if (bit) {
				/* Set/clear pairs: 0x100/0x180 enable, 0x200/0x280 pending,
				 * 0x300/0x380 active; writing 0 does nothing. */
				bool set = (reg & 0x80) == 0;
				bool *field = reg <= 0x180   ? &q->enabled
					      : reg <= 0x280 ? &q->pending
							     : &q->active;

				*field = set;
			}
		}
		return true;
	}
	return false;
}

/* ---------------------------------------------------------------- distributor */

/* GICv3 and GICv4 share the distributor and redistributor programming model. */
static bool is_v3(const struct gic_model *m)
{
	return m->version >= 3;
}

static uint64_t dist_read(void *ctx, uintptr_t off, unsigned size)
{
	struct gic_model *m = ctx;
	uint64_t v;

	if (off == 0x000) {
		if (m->rwp_stuck) {
			return m->gicd_ctlr | 1u << 31;
		}
		if (m->rwp_reads > 0) {
			m->rwp_reads--;
			return m->gicd_ctlr | 1u << 31;
		}
		return m->gicd_ctlr;
	}
	if (off == 0x004) { /* TYPER: ITLinesNumber; v3 also IDbits 15 (16 bits) and LPIS */
		return (GIC_MODEL_LINES / 32 - 1) | (is_v3(m) ? (15u << 19 | 1u << 17) : 0);
	}
	if (off == 0xffe8) { /* PIDR2.ArchRev in bits 7:4 */
		return m->version << 4 | 0xb;
	}
	if (m->version == 2 && off >= 0x800 && off < 0x800 + GIC_MODEL_LINES) {
		v = 0;
		for (unsigned b = 0; b < size; b++) {
			unsigned i = (unsigned)(off - 0x800) + b;

			v |= (uint64_t)(i < 32 ? 1u : m->irq[i].target) << (8 * b);
		}
		return v;
	}
	if (is_v3(m) && off >= 0x6000 + 8 * 32 && off < 0x6000 + 8 * GIC_MODEL_LINES) {
		return m->irq[(off - 0x6000) / 8].route;
	}
	if (is_v3(m) && off >= 0xd00 && off < 0xd00 + GIC_MODEL_LINES / 8) {
		return 0; /* IGRPMODR: group 1 non-secure for everything we configure */
	}
	return banked_read(m->irq, GIC_MODEL_LINES, off, size, &v) ? v : 0;
}

static void dist_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	struct gic_model *m = ctx;

	if (off == 0x000) {
		m->gicd_ctlr = (uint32_t)v & 0x7fffffffu;
		m->rwp_reads = is_v3(m) ? RWP_READS : 0;
		return;
	}
	if (m->version == 2 && off >= 0x820 && off < 0x800 + GIC_MODEL_LINES) {
		for (unsigned b = 0; b < size; b++) {
			m->irq[off - 0x800 + b].target = (uint8_t)(v >> (8 * b));
		}
		return;
	}
	if (is_v3(m) && off >= 0x6000 + 8 * 32 && off < 0x6000 + 8 * GIC_MODEL_LINES) {
		m->irq[(off - 0x6000) / 8].route = v;
		return;
	}
	if (off >= 0x180 && off < 0x200 && is_v3(m)) {
		m->rwp_reads = RWP_READS;
	}
	(void)banked_write(m->irq, GIC_MODEL_LINES, off, size, v);
}

/* ---------------------------------------------------------------- GICv2 CPU interface */

/* IAR: the highest-priority (lowest value) pending, enabled interrupt above the mask. */
static uint32_t cpu_ack(struct gic_model *m)
{
	unsigned best = 1023;

	if (!(m->gicd_ctlr & 1) || !(m->gicc_ctlr & 1)) {
		return 1023;
	}
	for (unsigned i = 16; i < GIC_MODEL_LINES; i++) {
		struct gic_model_irq *q = &m->irq[i];

		if (q->pending && q->enabled && !q->active && q->prio < m->pmr &&
		    (best == 1023 || q->prio < m->irq[best].prio)) {
			best = i;
		}
	}
	if (best != 1023) {
		m->irq[best].active = true;
		m->irq[best].pending = false;
	}
	return best;
}

static uint64_t cpu_read(void *ctx, uintptr_t off, unsigned size)
{
	struct gic_model *m = ctx;

	(void)size;
	switch (off) {
	case 0x00:
		return m->gicc_ctlr;
	case 0x04:
		return m->pmr;
	case 0x08:
		return m->bpr;
	case 0x0c:
		return cpu_ack(m);
	default:
		return 0;
	}
}

static void cpu_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	struct gic_model *m = ctx;

	(void)size;
	if (off == 0x00) {
		m->gicc_ctlr = (uint32_t)v;
	} else if (off == 0x04) {
		m->pmr = (uint32_t)v & 0xff;
	} else if (off == 0x08) {
		m->bpr = (uint32_t)v & 7;
	} else if (off == 0x10) {
		m->eois++;
		m->last_eoi = (uint32_t)v;
		if ((v & 0x3ff) < GIC_MODEL_LINES) {
			m->irq[v & 0x3ff].active = false;
		}
	}
}

/* ---------------------------------------------------------------- GICv3 redistributors */

/* GICR_TYPER: Affinity, Processor_Number, Last, VLPIS. */
static uint64_t redist_typer(const struct gic_model *m, unsigned f)
{
	bool last = f == m->last_frame;

	return m->frame[f].affinity << 32 | (uint64_t)f << 8 | (last ? 1u << 4 : 0) |
	       (m->version == 4 ? 1u << 1 : 0);
}

static uint32_t redist_ctlr(struct gic_model_frame *fr)
{
	if (fr->rwp_reads > 0) {
		fr->rwp_reads--;
		return fr->ctlr | 1u << 3;
	}
	return fr->ctlr;
}

static uint64_t redist_read(void *ctx, uintptr_t off, unsigned size)
{
	struct gic_model *m = ctx;
	unsigned f = (unsigned)(off / m->stride);
	struct gic_model_frame *fr = &m->frame[f];
	uintptr_t o = off % m->stride;
	uint64_t v;

	if (f >= m->frame_count || o >= FRAME) {
		return 0; /* beyond the last frame, or the GICv4 VLPI frames */
	}
	if (o >= 0x10000) {
		return banked_read(fr->irq, 32, o - 0x10000, size, &v) ? v : 0;
	}
	switch (o) {
	case 0x0000:
		return redist_ctlr(fr);
	case 0x0008:
		return redist_typer(m, f);
	case 0x0014:
		if (fr->never_wakes) {
			return fr->waker | 4u;
		}
		if (fr->wake_reads > 0) {
			fr->wake_reads--;
			return fr->waker | 4u; /* children still asleep */
		}
		return fr->waker | ((fr->waker & 2u) << 1);
	case 0x0070:
		return fr->propbaser;
	case 0x0078:
		return fr->pendbaser;
	case 0xffe8:
		return m->version << 4 | 0xb;
	default:
		return 0;
	}
}

static void redist_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	struct gic_model *m = ctx;
	unsigned f = (unsigned)(off / m->stride);
	struct gic_model_frame *fr = &m->frame[f];
	uintptr_t o = off % m->stride;

	if (f >= m->frame_count || o >= FRAME) {
		return;
	}
	if (o >= 0x10000) {
		/* Clearing enables is what GICR_CTLR.RWP tracks for SGIs and PPIs. */
		if (o >= 0x10180 && o < 0x10184) {
			fr->rwp_reads = RWP_READS;
		}
		(void)banked_write(fr->irq, 32, o - 0x10000, size, v);
		return;
	}
	if (o == 0x0000) {
		fr->ctlr = (uint32_t)v & 1u;
	} else if (o == 0x0014) {
		if ((fr->waker & 2u) && !(v & 2u)) {
			fr->wake_reads = 3;
		}
		fr->waker = (uint32_t)v & 2u;
	} else if (o == 0x0070 && !(fr->ctlr & 1u)) {
		fr->propbaser = v; /* fixed once LPIs are enabled */
	} else if (o == 0x0078 && !(fr->ctlr & 1u)) {
		fr->pendbaser = v;
	}
}

static uintptr_t window(void **backing, size_t size, uint64_t (*rd)(void *, uintptr_t, unsigned),
			void (*wr)(void *, uintptr_t, unsigned, uint64_t), void *ctx)
{
	struct fake_io_region r = { 0, size, rd, wr, ctx };

	/* Aligned like the hardware windows (64 KiB), rounded up as aligned_alloc() wants. */
	*backing = aligned_alloc(0x10000, (size + 0xffffu) & ~(size_t)0xffffu);
	r.base = (uintptr_t)*backing;
	fake_io_register(&r);
	return r.base;
}

void gic_model_init(struct gic_model *m, unsigned version, unsigned frame_count,
		    const uint32_t *affinities)
{
	memset(m, 0, sizeof(*m));
	m->version = version;
	m->dist = window(&m->backing[0], WINDOW, dist_read, dist_write, m);
	if (version == 2) {
		m->cpu = window(&m->backing[1], 0x2000, cpu_read, cpu_write, m);
		return;
	}
	m->frame_count = frame_count;
	m->stride = version == 4 ? FRAME_V4 : FRAME;
	m->last_frame = frame_count - 1;
	for (unsigned f = 0; f < frame_count; f++) {
		m->frame[f].affinity = affinities[f];
		m->frame[f].waker = 2u; /* ProcessorSleep out of reset */
	}
	m->redist =
		window(&m->backing[2], m->stride * GIC_MODEL_FRAMES, redist_read, redist_write, m);
}

void gic_model_destroy(struct gic_model *m)
{
	for (unsigned i = 0; i < 3; i++) {
		if (m->backing[i] != NULL) {
			fake_io_unregister((uintptr_t)m->backing[i]);
			free(m->backing[i]);
		}
	}
}

void gic_model_raise(struct gic_model *m, unsigned intid)
{
	m->irq[intid].pending = true;
}

/* ---------------------------------------------------------------- ITS */

static struct gic_model_its_map *its_find(struct gic_model_its *its, uint32_t devid, uint32_t event)
{
	for (unsigned i = 0; i < its->map_count; i++) {
		if (its->maps[i].devid == devid && its->maps[i].event == event) {
			return &its->maps[i];
		}
	}
	return NULL;
}

/* One command (IHI 0069 §5.3); false when it is malformed (the queue then stalls). */
static bool its_command(struct gic_model_its *its, const uint64_t *c)
{
	uint32_t devid = (uint32_t)(c[0] >> 32);
	uint32_t event = (uint32_t)c[1];

	switch (c[0] & 0xff) {
	case 0x05: /* SYNC */
		its->syncs++;
		return c[2] == its->coll_target;
	case 0x08: /* MAPD */
		if (devid >= GIC_MODEL_ITS_DEVICES || (c[2] & 0xffull) != 0) {
			return false; /* ITT address must be 256-byte aligned */
		}
		its->dev[devid].valid = (c[2] >> 63) & 1;
		its->dev[devid].itt = c[2] & 0x000fffffffffff00ull;
		its->dev[devid].bits = (unsigned)(c[1] & 0x1f) + 1;
		return true;
	case 0x09: /* MAPC */
		if ((c[2] & 0xffff) != 0) {
			return false; /* only collection 0 exists here */
		}
		its->coll_valid = (c[2] >> 63) & 1;
		its->coll_target = c[2] & 0x7ffffffff0000ull;
		return true;
	case 0x0a: /* MAPTI */
		if (devid >= GIC_MODEL_ITS_DEVICES || !its->dev[devid].valid ||
		    event >= (1u << its->dev[devid].bits) || (c[2] & 0xffff) != 0 ||
		    !its->coll_valid || (c[1] >> 32) < 8192 ||
		    its->map_count == GIC_MODEL_ITS_MAPS) {
			return false;
		}
		its->maps[its->map_count++] =
			(struct gic_model_its_map){ devid, event, (uint32_t)(c[1] >> 32), 0 };
		return true;
	case 0x0c: /* INV */
		its->invs++;
		return its_find(its, devid, event) != NULL;
	case 0x0d: /* INVALL */
		its->invalls++;
		return (c[2] & 0xffff) == 0;
	default:
		return false;
	}
}

static void its_run(struct gic_model_its *its)
{
	uint64_t size = ((its->cbaser & 0xff) + 1) * 4096;
	const uint8_t *q = arch_pa_to_va(pa_init(its->cbaser & 0x000ffffffffff000ull));

	if (its->stuck || !(its->ctlr & 1) || !(its->cbaser >> 63)) {
		return;
	}
	while (its->creadr != its->cwriter) {
		uint64_t c[4];

		memcpy(c, q + its->creadr, sizeof(c));
		if (!its_command(its, c)) {
			its->errors++;
			its->creadr |= 1; /* Stalled */
			return;
		}
		its->creadr = (its->creadr + 32) % size;
	}
}

static uint64_t its_read(void *ctx, uintptr_t off, unsigned size)
{
	struct gic_model_its *its = ctx;

	(void)size;
	if (off == 0x0000) {
		return its->ctlr | (its->ctlr & 1 ? 0 : 1u << 31);
	}
	if (off == 0x0008) { /* ITT entry 8 bytes, 16 EventID bits, 16 DeviceID bits */
		return 7u << 4 | 15u << 8 | (uint64_t)(its->devbits - 1) << 13 |
		       (its->pta ? 1u << 19 : 0);
	}
	if (off >= 0x100 && off < 0x140) {
		return its->baser[(off - 0x100) / 8];
	}
	switch (off) {
	case 0x80:
		return its->cbaser;
	case 0x88:
		return its->cwriter;
	case 0x90:
		return its->creadr;
	default:
		return 0;
	}
}

static void its_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	struct gic_model_its *its = ctx;

	(void)size;
	if (off == 0x0000) {
		its->ctlr = (uint32_t)v & 1;
	} else if (off >= 0x100 && off < 0x140) {
		uint64_t *b = &its->baser[(off - 0x100) / 8];
		/* Type and Entry_Size are read-only; Page_Size too when fixed at 64 KiB. */
		uint64_t ro = 7ull << 56 | 0x1full << 48 | (its->fixed_64k_pages ? 3ull << 8 : 0);

		if (*b != 0) {
			*b = (*b & ro) | (v & ~ro);
		}
	} else if (off == 0x80 && !(its->ctlr & 1)) {
		its->cbaser = v;
		its->creadr = 0;
	} else if (off == 0x88) {
		its->cwriter = v & 0xfffe0ull;
		its_run(its);
	}
}

void gic_model_its_init(struct gic_model_its *its, bool pta)
{
	struct fake_io_region r = { 0, ITS_WINDOW, its_read, its_write, its };

	memset(its, 0, sizeof(*its));
	its->pta = pta;
	its->devbits = 16;
	its->baser[0] = 1ull << 56 | 7ull << 48; /* device table, 8-byte entries */
	its->baser[1] = 4ull << 56 | 7ull << 48; /* collection table */
	its->backing = aligned_alloc(0x10000, ITS_WINDOW);
	its->base = (uintptr_t)its->backing;
	r.base = its->base;
	fake_io_register(&r);
}

void gic_model_its_destroy(struct gic_model_its *its)
{
	fake_io_unregister(its->base);
	free(its->backing);
}

uint32_t gic_model_its_lpi(const struct gic_model_its *its, uint32_t devid, uint32_t event)
{
	for (unsigned i = 0; i < its->map_count; i++) {
		if (its->maps[i].devid == devid && its->maps[i].event == event) {
			return its->maps[i].lpi;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- GICv2m */

static uint64_t v2m_read(void *ctx, uintptr_t off, unsigned size)
{
	(void)size;
	return off == 0x008 ? (uint64_t)(uintptr_t)ctx : 0;
}

static void v2m_write(void *ctx, uintptr_t off, unsigned size, uint64_t v)
{
	(void)ctx;
	(void)off;
	(void)size;
	(void)v;
}

uintptr_t gic_model_v2m_init(void **backing, unsigned base, unsigned count)
{
	return window(backing, 0x1000, v2m_read, v2m_write,
		      (void *)(uintptr_t)(base << 16 | count));
}
