/* Identity maps with the 4 KiB granule and 48-bit addresses (lookup from level 0).
 * The early map (MMU still off, compiled -mstrict-align) uses 1 GiB blocks: the RAM holding
 * the image and the DTB cacheable, everything else device memory. The final map is built by
 * boot/ from the DTB with arch_mmu_map() and entered with arch_mmu_switch(). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/cache.h"
#include "arch/mmu.h"
#include "arch/sysreg.h"
#include "vireo/types.h"

#define GRANULE 4096ull
#define ENTRIES 512u
#define LEVEL_SHIFT(l) (12 + 9 * (3 - (l)))
#define EARLY_LIMIT (1ull << 40) /* QEMU virt: ECAM at 256 GiB, 64-bit MMIO up to 1 TiB */
#define FINAL_TABLES 96u

#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1) /* levels 0-2: next-level table; level 3: page */
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_PXN (1ull << 53)
#define DESC_UXN (1ull << 54)
#define DESC_ADDR_MASK 0x0000fffffffff000ull

/* MAIR_EL1 slots, in enum arch_mem_attr order. */
#define MAIR_DEVICE_nGnRE 0x04ull
#define MAIR_NORMAL_WB 0xffull
#define MAIR_NORMAL_NC 0x44ull
#define MAIR_VALUE (MAIR_NORMAL_WB | (MAIR_NORMAL_NC << 8) | (MAIR_DEVICE_nGnRE << 16))

/* TCR_EL1: T0SZ 16, walks write-back cacheable inner shareable, 4 KiB, TTBR1 walks off. */
#define TCR_T0SZ 16ull
#define TCR_IRGN0_WBWA (1ull << 8)
#define TCR_ORGN0_WBWA (1ull << 10)
#define TCR_SH0_INNER (3ull << 12)
#define TCR_EPD1 (1ull << 23)
#define TCR_IPS_SHIFT 32

typedef uint64_t pte_t;

struct table {
	pte_t e[ENTRIES];
} __attribute__((aligned(GRANULE)));

static struct table early_l0;
static struct table early_l1[2];
static struct table final_tables[FINAL_TABLES];
static unsigned final_used;
static struct table *final_root;

unsigned arch_pa_bits(void)
{
	static const unsigned bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned r = (unsigned)(read_sysreg(id_aa64mmfr0_el1) & 0xf);

	return r < ARRAY_SIZE(bits) ? bits[r] : 48;
}

static uint64_t pa_limit(void)
{
	unsigned bits = arch_pa_bits();

	return bits >= 48 ? (1ull << 48) : (1ull << bits);
}

static pte_t leaf_attrs(enum arch_mem_attr attr, unsigned level)
{
	pte_t d = DESC_VALID | DESC_AF | (level == 3 ? DESC_TABLE : 0);

	switch (attr) {
	case ARCH_MEM_NORMAL:
		return d | DESC_ATTR(0) | DESC_SH_INNER;
	case ARCH_MEM_NORMAL_NC:
		return d | DESC_ATTR(1) | DESC_SH_INNER | DESC_PXN | DESC_UXN;
	default:
		return d | DESC_ATTR(2) | DESC_PXN | DESC_UXN;
	}
}

static void set_translation_regs(void)
{
	uint64_t ips = read_sysreg(id_aa64mmfr0_el1) & 0x7;

	if (ips > 5) {
		ips = 5; /* 48 bits is all a 4 KiB, level-0 walk needs */
	}
	write_sysreg(mair_el1, MAIR_VALUE);
	write_sysreg(tcr_el1, TCR_T0SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER |
				      TCR_EPD1 | (ips << TCR_IPS_SHIFT));
	isb();
}

static bool in_gib(uint64_t addr, uint64_t gib)
{
	return addr >> 30 == gib;
}

void arch_mmu_early_init(uint64_t image_start, uint64_t image_end, uint64_t dtb);

/* Runs with the MMU off: plain stores to static tables, no library calls. */
void arch_mmu_early_init(uint64_t image_start, uint64_t image_end, uint64_t dtb)
{
	uint64_t limit = MIN(pa_limit(), EARLY_LIMIT);

	for (unsigned i = 0; i < 2; i++) {
		early_l0.e[i] = (uint64_t)(uintptr_t)&early_l1[i] | DESC_VALID | DESC_TABLE;
	}
	for (uint64_t gib = 0; gib < limit >> 30; gib++) {
		bool ram = in_gib(image_start, gib) || in_gib(image_end - 1, gib) ||
			   (dtb != 0 && in_gib(dtb, gib));
		pte_t d = leaf_attrs(ram ? ARCH_MEM_NORMAL : ARCH_MEM_DEVICE, 1);

		early_l1[gib / ENTRIES].e[gib % ENTRIES] = (gib << 30) | d;
	}
	set_translation_regs();
	write_sysreg(ttbr0_el1, (uint64_t)(uintptr_t)&early_l0);
	isb();
}

static struct table *table_alloc(void)
{
	struct table *t;

	if (final_used == FINAL_TABLES) {
		return NULL;
	}
	t = &final_tables[final_used++];
	memset(t, 0, sizeof(*t));
	return t;
}

static struct table *table_of(pte_t e)
{
	return (struct table *)(uintptr_t)(e & DESC_ADDR_MASK);
}

/* A block entry at level (1 or 2) becomes a table of the next level with the same mapping. */
static int split_block(pte_t *e, unsigned level)
{
	struct table *t = table_alloc();
	uint64_t step = 1ull << LEVEL_SHIFT(level + 1);
	pte_t attrs = *e & ~DESC_ADDR_MASK & ~DESC_TABLE;

	if (t == NULL) {
		return -ENOMEM;
	}
	if (level + 1 == 3) {
		attrs |= DESC_TABLE; /* page descriptors */
	}
	for (unsigned i = 0; i < ENTRIES; i++) {
		t->e[i] = ((*e & DESC_ADDR_MASK) + i * step) | attrs;
	}
	*e = (uint64_t)(uintptr_t)t | DESC_VALID | DESC_TABLE;
	return 0;
}

/** The next-level table behind *e, made (empty, or from a block) when needed. */
static struct table *next_table(pte_t *e, unsigned level)
{
	if (!(*e & DESC_VALID)) {
		struct table *t = table_alloc();

		if (t == NULL) {
			return NULL;
		}
		*e = (uint64_t)(uintptr_t)t | DESC_VALID | DESC_TABLE;
	} else if (!(*e & DESC_TABLE) && split_block(e, level) < 0) {
		return NULL;
	}
	return table_of(*e);
}

static int map_level(struct table *t, unsigned level, uint64_t pa, uint64_t end,
		     enum arch_mem_attr attr)
{
	uint64_t span = 1ull << LEVEL_SHIFT(level);

	while (pa < end) {
		uint64_t next = MIN(ALIGN_DOWN(pa, span) + span, end);
		pte_t *e = &t->e[(pa >> LEVEL_SHIFT(level)) & (ENTRIES - 1)];

		if (level >= 1 && IS_ALIGNED(pa, span) && next - pa == span) {
			*e = pa | leaf_attrs(attr, level); /* an old table here is simply dropped */
		} else {
			struct table *sub = level < 3 ? next_table(e, level) : NULL;

			if (sub == NULL || map_level(sub, level + 1, pa, next, attr) < 0) {
				return -ENOMEM;
			}
		}
		pa = next;
	}
	return 0;
}

int arch_mmu_map(uint64_t pa, uint64_t size, enum arch_mem_attr attr)
{
	uint64_t end = pa + size;

	if (size == 0 || end < pa || end > pa_limit() || !IS_ALIGNED(pa | size, GRANULE)) {
		return -EINVAL;
	}
	if (final_root == NULL && (final_root = table_alloc()) == NULL) {
		return -ENOMEM;
	}
	return map_level(final_root, 0, pa, end, attr);
}

void arch_mmu_switch_ttbr0(uint64_t ttbr);

void arch_mmu_switch(void)
{
	/* The walker reads the tables from memory while the MMU is off for the switch. */
	arch_dcache_clean(final_tables, sizeof(struct table) * final_used);
	arch_mmu_switch_ttbr0((uint64_t)(uintptr_t)final_root);
}
