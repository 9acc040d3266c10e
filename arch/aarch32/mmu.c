/* Identity maps with the LPAE long-descriptor format (TTBCR.EAE): 4 KiB granule, 32-bit
 * virtual addresses through TTBR0 (T0SZ 0), so the walk starts at level 1 with four 1 GiB
 * entries. Physical addresses at or above 4 GiB cannot be identity-mapped with 32-bit virtual
 * addresses: arch_mmu_map() refuses them (-ERANGE) and the caller names the window.
 * The early map (MMU still off, compiled without unaligned accesses) uses 1 GiB blocks: the
 * RAM holding the image and the DTB cacheable, everything else device memory. The final map
 * is built by boot/ from the DTB with arch_mmu_map() and entered with arch_mmu_switch(). */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/cache.h"
#include "arch/cp15.h"
#include "arch/mmu.h"
#include "vireo/types.h"

#define GRANULE 4096ull
#define ENTRIES 512u
#define ROOT_LEVEL 1u
#define LEVEL_SHIFT(l) (12 + 9 * (3 - (l)))
#define VA_LIMIT (1ull << 32)
#define FINAL_TABLES 48u

#define DESC_VALID (1ull << 0)
#define DESC_TABLE (1ull << 1) /* levels 1-2: next-level table; level 3: page */
#define DESC_ATTR(i) ((uint64_t)(i) << 2)
#define DESC_SH_INNER (3ull << 8)
#define DESC_AF (1ull << 10)
#define DESC_PXN (1ull << 53)
#define DESC_XN (1ull << 54)
#define DESC_ADDR_MASK 0x000000fffffff000ull

/* MAIR0 slots, in enum arch_mem_attr order. */
#define MAIR_DEVICE_nGnRE 0x04u
#define MAIR_NORMAL_WB 0xffu
#define MAIR_NORMAL_NC 0x44u
#define MAIR0_VALUE (MAIR_NORMAL_WB | (MAIR_NORMAL_NC << 8) | (MAIR_DEVICE_nGnRE << 16))

/* TTBCR: EAE, T0SZ 0, walks write-back cacheable inner shareable, TTBR1 walks off. */
#define TTBCR_EAE (1u << 31)
#define TTBCR_IRGN0_WBWA (1u << 8)
#define TTBCR_ORGN0_WBWA (1u << 10)
#define TTBCR_SH0_INNER (3u << 12)
#define TTBCR_EPD1 (1u << 23)

typedef uint64_t pte_t;

struct table {
	pte_t e[ENTRIES];
} __attribute__((aligned(GRANULE)));

static struct table early_l1;
static struct table final_tables[FINAL_TABLES];
static unsigned final_used;
static struct table *final_root;

/* What the identity map can reach: 32-bit virtual addresses (LPAE itself outputs 40 bits). */
unsigned arch_pa_bits(void)
{
	return 32;
}

static pte_t leaf_attrs(enum arch_mem_attr attr, unsigned level)
{
	pte_t d = DESC_VALID | DESC_AF | (level == 3 ? DESC_TABLE : 0);

	switch (attr) {
	case ARCH_MEM_NORMAL:
		return d | DESC_ATTR(0) | DESC_SH_INNER;
	case ARCH_MEM_NORMAL_NC:
		return d | DESC_ATTR(1) | DESC_SH_INNER | DESC_PXN | DESC_XN;
	default:
		return d | DESC_ATTR(2) | DESC_PXN | DESC_XN;
	}
}

static void set_translation_regs(void)
{
	write_mair0(MAIR0_VALUE);
	write_mair1(0);
	write_ttbcr(TTBCR_EAE | TTBCR_IRGN0_WBWA | TTBCR_ORGN0_WBWA | TTBCR_SH0_INNER | TTBCR_EPD1);
	isb();
}

void arch_mmu_early_init(uint32_t image_start, uint32_t image_end, uint32_t dtb);

/* Runs with the MMU off: plain stores to static tables, no library calls. */
void arch_mmu_early_init(uint32_t image_start, uint32_t image_end, uint32_t dtb)
{
	for (uint32_t gib = 0; gib < 4; gib++) {
		bool ram = image_start >> 30 == gib || (image_end - 1) >> 30 == gib ||
			   (dtb != 0 && dtb >> 30 == gib);
		pte_t d = leaf_attrs(ram ? ARCH_MEM_NORMAL : ARCH_MEM_DEVICE, 1);

		early_l1.e[gib] = ((uint64_t)gib << 30) | d;
	}
	set_translation_regs();
	write_ttbr0((uint64_t)(uintptr_t)&early_l1);
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

		if (IS_ALIGNED(pa, span) && next - pa == span) {
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

	if (size == 0 || end < pa || !IS_ALIGNED(pa | size, GRANULE)) {
		return -EINVAL;
	}
	if (end > VA_LIMIT) {
		return -ERANGE;
	}
	if (final_root == NULL && (final_root = table_alloc()) == NULL) {
		return -ENOMEM;
	}
	return map_level(final_root, ROOT_LEVEL, pa, end, attr);
}

void arch_mmu_switch_ttbr0(uint64_t ttbr);

void arch_mmu_switch(void)
{
	/* The walker reads the tables from memory while the MMU is off for the switch. */
	arch_dcache_clean(final_tables, sizeof(struct table) * final_used);
	arch_mmu_switch_ttbr0((uint64_t)(uintptr_t)final_root);
}
