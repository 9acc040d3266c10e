/* BAR and bridge window assignment. Three pools: I/O, 32-bit memory, and 64-bit prefetchable
 * memory (the host's 64-bit window, present with QEMU virt's highmem; without it 64-bit
 * prefetchable BARs share the 32-bit window). Bridge windows are sized bottom-up (each bus's
 * BARs and child windows laid out largest alignment first, rounded to the window granularity
 * of the bridge spec §3.2.5.6-9: 4 KiB I/O, 1 MiB memory) and placed top-down. Whatever does
 * not fit is reported with the function's address and skipped; the rest carries on. */
#include <stdio.h>
#include <stdlib.h>

#include "pci_priv.h"
#include "vireo/types.h"

static const char *const pool_names[PCI_POOL_COUNT] = { "io", "mem", "mem64" };

/** A BAR (bar >= 0) or a child bridge's window (bar < 0) to place on a bus. */
struct pci_item {
	struct pci_func *f;
	int bar;
	uint64_t size;
	uint64_t align;
};

/** The bus below parent can take 64-bit prefetchable BARs in the PREF pool: the host has a
 *  64-bit window and every bridge on the way passes 64-bit prefetchable memory. */
static bool bus_has_pref(const struct pci_host *h, const struct pci_func *parent)
{
	for (const struct pci_func *p = parent; p != NULL; p = p->parent) {
		if (!p->pref64) {
			return false;
		}
	}
	return h->range[PCI_POOL_PREF].size != 0;
}

static bool bus_has_io(const struct pci_host *h, const struct pci_func *parent)
{
	for (const struct pci_func *p = parent; p != NULL; p = p->parent) {
		if (!p->has_io_window) {
			return false;
		}
	}
	return h->range[PCI_POOL_IO].size != 0;
}

static enum pci_pool bar_pool(const struct pci_func *f, const struct pci_bar *b)
{
	if (b->kind == PCI_BAR_IO) {
		return PCI_POOL_IO;
	}
	if (b->kind == PCI_BAR_MEM64 && b->prefetch && bus_has_pref(f->host, f->parent)) {
		return PCI_POOL_PREF;
	}
	return PCI_POOL_MEM;
}

static bool usable(const struct pci_func *f, const struct pci_host *h)
{
	return f->host == h && f->skipped[0] == '\0';
}

static bool is_below(const struct pci_func *f, const struct pci_func *bridge)
{
	for (const struct pci_func *p = f->parent; p != NULL; p = p->parent) {
		if (p == bridge) {
			return true;
		}
	}
	return false;
}

static void skip_subtree(struct pci_func *bridge)
{
	for (struct pci_func *f = pci_funcs(); f != NULL; f = f->next) {
		if (is_below(f, bridge)) {
			pci_skip(f, "behind skipped bridge %s", bridge->name);
		}
	}
}

static void skip_func(struct pci_func *f, const char *fmt, unsigned bar, uint64_t size,
		      enum pci_pool pool)
{
	pci_skip(f, fmt, bar, (unsigned long long)size, pool_names[pool]);
	if (f->header_type == PCI_HEADER_TYPE_BRIDGE) {
		skip_subtree(f);
	}
}

/** Skip what can never be placed: an I/O BAR without an I/O path, a BAR larger than the
 *  host's whole window. Keeps one impossible BAR from inflating its bridges' windows. */
static void prefilter(struct pci_host *h)
{
	for (struct pci_func *f = pci_funcs(); f != NULL; f = f->next) {
		for (unsigned i = 0; i < PCI_STD_NUM_BARS && usable(f, h); i++) {
			const struct pci_bar *b = &f->bar[i];
			enum pci_pool pool = bar_pool(f, b);

			if (b->kind == PCI_BAR_NONE) {
				continue;
			}
			if (pool == PCI_POOL_IO && !bus_has_io(h, f->parent)) {
				skip_func(f, "BAR%u (0x%llx bytes) needs an %s window on its path",
					  i, b->size, pool);
			} else if (b->size > h->range[pool].size) {
				skip_func(f, "BAR%u (0x%llx bytes) larger than the %s window", i,
					  b->size, pool);
			}
		}
	}
}

static uint64_t item_align_of(enum pci_pool pool, uint64_t size)
{
	return MAX(size, (uint64_t)(pool == PCI_POOL_IO ? 4 : 16));
}

/** The items of pool on the bus below bridge (NULL: the root bus), largest alignment first.
 *  Returns how many; *out is malloc'd (NULL when none or out of memory). */
static unsigned collect(struct pci_host *h, struct pci_func *bridge, enum pci_pool pool,
			struct pci_item **out)
{
	unsigned n = 0;
	unsigned cap = 0;
	struct pci_item *items;

	for (struct pci_func *f = pci_funcs(); f != NULL; f = f->next) {
		cap += usable(f, h) && f->parent == bridge ? PCI_STD_NUM_BARS + 1 : 0;
	}
	items = cap != 0 ? calloc(cap, sizeof(*items)) : NULL;
	if (cap != 0 && items == NULL) {
		printf("pci: %s: out of memory while assigning BARs\n", h->name);
	}
	for (struct pci_func *f = pci_funcs(); f && items; f = f->next) {
		if (!usable(f, h) || f->parent != bridge) {
			continue;
		}
		for (int i = 0; i < PCI_STD_NUM_BARS; i++) {
			if (f->bar[i].kind != PCI_BAR_NONE && bar_pool(f, &f->bar[i]) == pool) {
				items[n++] =
					(struct pci_item){ f, i, f->bar[i].size,
							   item_align_of(pool, f->bar[i].size) };
			}
		}
		if (f->header_type == PCI_HEADER_TYPE_BRIDGE && f->need[pool].size != 0) {
			items[n++] =
				(struct pci_item){ f, -1, f->need[pool].size, f->need[pool].align };
		}
	}
	/* Insertion sort, stable: the scan order breaks ties. */
	for (unsigned i = 1; i < n; i++) {
		struct pci_item it = items[i];
		unsigned j = i;

		for (; j > 0 && items[j - 1].align < it.align; j--) {
			items[j] = items[j - 1];
		}
		items[j] = it;
	}
	*out = items;
	return n;
}

static uint64_t granule(enum pci_pool pool)
{
	return pool == PCI_POOL_IO ? PCI_BRIDGE_IO_ALIGN : PCI_BRIDGE_MEM_ALIGN;
}

static void measure(struct pci_host *h, struct pci_func *bridge);

/** Size the windows of every bridge on the bus below parent (NULL: the root bus). */
static void measure_children(struct pci_host *h, struct pci_func *parent)
{
	for (struct pci_func *f = pci_funcs(); f != NULL; f = f->next) {
		if (usable(f, h) && f->parent == parent &&
		    f->header_type == PCI_HEADER_TYPE_BRIDGE) {
			measure(h, f);
		}
	}
}

/** Size bridge's windows from what sits below it, deepest bridges first. */
static void measure(struct pci_host *h, struct pci_func *bridge)
{
	measure_children(h, bridge);
	for (unsigned p = 0; p < PCI_POOL_COUNT; p++) {
		struct pci_item *items;
		unsigned n = collect(h, bridge, p, &items);
		uint64_t end = 0;
		uint64_t align = granule(p);

		for (unsigned i = 0; i < n; i++) {
			end = ALIGN_UP(end, items[i].align) + items[i].size;
			align = MAX(align, items[i].align);
		}
		free(items);
		bridge->need[p].size = ALIGN_UP(end, granule(p));
		bridge->need[p].align = align;
	}
}

static void bar_write(struct pci_func *f, unsigned i, uint64_t addr)
{
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * i;

	pci_cfg_write32(f, reg, (uint32_t)addr);
	if (f->bar[i].kind == PCI_BAR_MEM64) {
		pci_cfg_write32(f, reg + 4, (uint32_t)(addr >> 32));
	}
}

static void place(struct pci_host *h, struct pci_func *bridge, enum pci_pool pool, uint64_t base,
		  uint64_t limit);

static void item_assign(struct pci_host *h, const struct pci_item *it, enum pci_pool pool,
			uint64_t addr)
{
	const struct pci_range *r = &h->range[pool];

	if (it->bar < 0) {
		it->f->window[pool] = (struct pci_window){ addr, addr + it->size - 1 };
		place(h, it->f, pool, addr, addr + it->size - 1);
		return;
	}
	it->f->bar[it->bar].bus_addr = addr;
	it->f->bar[it->bar].cpu_addr = r->cpu + (addr - r->pci);
	it->f->bar[it->bar].assigned = true;
	bar_write(it->f, (unsigned)it->bar, addr);
}

static void item_fail(const struct pci_item *it, enum pci_pool pool)
{
	if (it->bar >= 0) {
		skip_func(it->f, "BAR%u (0x%llx bytes) does not fit in the %s window",
			  (unsigned)it->bar, it->size, pool);
	} else {
		pci_skip(it->f, "its %s window (0x%llx bytes) does not fit", pool_names[pool],
			 (unsigned long long)it->size);
		skip_subtree(it->f);
	}
}

/** Place the items of pool on the bus below bridge in [base, limit]. */
static void place(struct pci_host *h, struct pci_func *bridge, enum pci_pool pool, uint64_t base,
		  uint64_t limit)
{
	struct pci_item *items;
	unsigned n = collect(h, bridge, pool, &items);
	uint64_t cursor = base;

	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = ALIGN_UP(cursor, items[i].align);
		uint64_t last = addr + items[i].size - 1;

		if (items[i].f->skipped[0] != '\0') {
			continue; /* an earlier BAR of the same function failed */
		}
		if (addr < cursor || last < addr || last > limit) {
			item_fail(&items[i], pool);
			continue;
		}
		item_assign(h, &items[i], pool, addr);
		cursor = last + 1;
	}
	free(items);
}

static void place_root(struct pci_host *h, enum pci_pool pool)
{
	const struct pci_range *r = &h->range[pool];
	uint64_t base = r->pci;

	if (r->size == 0) {
		return;
	}
	if (pool == PCI_POOL_IO) {
		base = MAX(base, (uint64_t)PCI_MIN_IO);
	} else if (base == 0) {
		base = PCI_LOW_MEM_SKIP;
	}
	place(h, NULL, pool, base, r->pci + r->size - 1);
}

/** Program a bridge's three windows (bridge spec §3.2.5.6-9; empty = base above limit) and
 *  let it forward. */
static void bridge_program(struct pci_func *f)
{
	const struct pci_window *io = &f->window[PCI_POOL_IO];
	const struct pci_window *mem = &f->window[PCI_POOL_MEM];
	const struct pci_window *pref = &f->window[PCI_POOL_PREF];
	bool io_on = pci_window_used(io);
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | (io_on ? PCI_COMMAND_IO : 0);

	if (f->has_io_window) {
		pci_cfg_write8(f, PCI_IO_BASE, io_on ? (uint8_t)((io->base >> 8) & 0xf0) : 0xf0);
		pci_cfg_write8(f, PCI_IO_LIMIT, io_on ? (uint8_t)((io->limit >> 8) & 0xf0) : 0);
		pci_cfg_write16(f, PCI_IO_BASE_UPPER16, io_on ? (uint16_t)(io->base >> 16) : 0);
		pci_cfg_write16(f, PCI_IO_LIMIT_UPPER16, io_on ? (uint16_t)(io->limit >> 16) : 0);
	}
	pci_cfg_write16(f, PCI_MEMORY_BASE,
			pci_window_used(mem) ? (uint16_t)((mem->base >> 16) & 0xfff0) : 0xfff0);
	pci_cfg_write16(f, PCI_MEMORY_LIMIT,
			pci_window_used(mem) ? (uint16_t)((mem->limit >> 16) & 0xfff0) : 0);
	if (f->pref64) {
		bool on = pci_window_used(pref);

		pci_cfg_write32(f, PCI_PREF_BASE_UPPER32, on ? (uint32_t)(pref->base >> 32) : 0);
		pci_cfg_write32(f, PCI_PREF_LIMIT_UPPER32, on ? (uint32_t)(pref->limit >> 32) : 0);
		pci_cfg_write16(f, PCI_PREF_MEMORY_BASE,
				on ? (uint16_t)((pref->base >> 16) & 0xfff0) : 0xfff0);
		pci_cfg_write16(f, PCI_PREF_MEMORY_LIMIT,
				on ? (uint16_t)((pref->limit >> 16) & 0xfff0) : 0);
	}
	pci_command_set(f, cmd);
}

void pci_assign(struct pci_host *h)
{
	prefilter(h);
	measure_children(h, NULL);
	for (unsigned p = 0; p < PCI_POOL_COUNT; p++) {
		place_root(h, p);
	}
	for (struct pci_func *f = pci_funcs(); f != NULL; f = f->next) {
		if (usable(f, h) && f->header_type == PCI_HEADER_TYPE_BRIDGE) {
			bridge_program(f);
		}
	}
}
