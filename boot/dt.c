/* Device-tree helpers over libfdt (contracts in include/vireo/dt.h).
 *
 * Bindings followed: Devicetree Specification v0.4 §2.3.5-2.3.9 (#address-cells, #size-cells,
 * reg, ranges, dma-ranges) and §2.4 (interrupt tree); the IEEE 1275 PCI bus binding for 3-cell
 * addresses; Linux's bindings/iommu/iommu.txt and pci/pci-iommu.txt (iommus, iommu-map) and
 * reserved-memory/shared-dma-pool.yaml (restricted-dma-pool). Where the specification is silent
 * we do what Linux's drivers/of does, because the DTBs in the wild are tested against it.
 *
 * Every property is read through prop_cells(), which checks its length is whole cells; every
 * index into it is checked against that count, so a malformed property is -EINVAL, never a read
 * past its end. Cell values are read with fdt32_ld(), which is alignment-safe. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <libfdt.h>

#include "vireo/dt.h"

/* Addresses are 1-3 cells (3 = PCI), sizes 0-2 cells: all fit a 64-bit number. */
#define DT_ADDR_CELLS_MAX 3
#define DT_SIZE_CELLS_MAX 2
/* Unit addresses compared by interrupt-map: up to libfdt's FDT_MAX_NCELLS. */
#define IRQ_ADDR_CELLS_MAX FDT_MAX_NCELLS
/* Bounds that turn a cycle of phandles into -ELOOP: nodes visited while looking for one
 * interrupt parent, and interrupt-map / pass-through steps in one resolution. */
#define IRQ_PARENT_STEPS_MAX 64
#define IRQ_HOPS_MAX 16

/* IEEE 1275 PCI binding: phys.hi = npt000ss bbbbbbbb dddddfff rrrrrrrr; ss is the space code. */
#define PCI_SPACE(hi) (((hi) >> 24) & 3)
#define PCI_SPACE_CONFIG 0
#define PCI_SPACE_MEM32 2
#define PCI_SPACE_MEM64 3

/** A bus node and the cell counts of the addresses of its children. */
struct bus {
	int node;
	int addr_cells; /* 1..DT_ADDR_CELLS_MAX */
	int size_cells; /* 0..DT_SIZE_CELLS_MAX */
};

/** An address on a bus: `space` is phys.hi on a 3-cell (PCI) bus, else 0; `off` is the
 *  64-bit number in the remaining cells. */
struct bus_addr {
	uint32_t space;
	uint64_t off;
};

/** One `ranges` or `dma-ranges` entry. */
struct range {
	struct bus_addr child;
	struct bus_addr parent;
	uint64_t size;
};

/** The state of one interrupt resolution (DT spec §2.4.3): the node the interrupt is presented
 *  to, the unit address of its source and its specifier, both in that node's terms. */
struct irq_walk {
	int node;
	bool addr_known;		   /* false when the source has no `reg` */
	uint32_t addr[IRQ_ADDR_CELLS_MAX]; /* zero beyond what the source supplied */
	uint32_t spec[DT_IRQ_MAX_CELLS];
	int spec_count;
};

/* ---------------------------------------------------------------- properties */

/** Property `name` of node as cells: its cell count, -ENOENT if absent, -EINVAL if it is not a
 *  whole number of cells or node is not a node. */
static int prop_cells(const void *fdt, int node, const char *name, const fdt32_t **cells)
{
	int len;

	*cells = fdt_getprop(fdt, node, name, &len);
	if (*cells == NULL) {
		return len == -FDT_ERR_NOTFOUND ? -ENOENT : -EINVAL;
	}
	if (len % (int)sizeof(fdt32_t) != 0) {
		return -EINVAL;
	}
	return len / (int)sizeof(fdt32_t);
}

/** A one-cell property: 0, -ENOENT or -EINVAL. */
static int prop_u32(const void *fdt, int node, const char *name, uint32_t *val)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, name, &cells);

	if (count < 0) {
		return count;
	}
	if (count != 1) {
		return -EINVAL;
	}
	*val = fdt32_ld(cells);
	return 0;
}

static bool has_prop(const void *fdt, int node, const char *name)
{
	return fdt_getprop(fdt, node, name, NULL) != NULL;
}

/** A #…-cells property no larger than max, or dflt when absent. */
static int cells_prop(const void *fdt, int node, const char *name, int dflt, uint32_t max)
{
	uint32_t val;
	int ret = prop_u32(fdt, node, name, &val);

	if (ret == -ENOENT) {
		return dflt;
	}
	if (ret < 0) {
		return ret;
	}
	return val <= max ? (int)val : -EINVAL;
}

/** The node a phandle names; -EINVAL for a dangling one (0 and ~0 included). */
static int by_phandle(const void *fdt, uint32_t phandle)
{
	int node = fdt_node_offset_by_phandle(fdt, phandle);

	return node < 0 ? -EINVAL : node;
}

/** libfdt puts the root node at structure offset 0. */
static bool is_root(int node)
{
	return node == 0;
}

/** node's parent; -EFAULT at the root (there is no bus above it), -EINVAL for a bad offset. */
static int parent_of(const void *fdt, int node)
{
	int parent = fdt_parent_offset(fdt, node);

	if (parent == -FDT_ERR_NOTFOUND) {
		return -EFAULT;
	}
	return parent < 0 ? -EINVAL : parent;
}

int dt_addr_cells(const void *fdt, int node)
{
	/* DT spec §2.3.5: a client assumes 2 and 1 when the properties are missing. */
	return cells_prop(fdt, node, "#address-cells", 2, FDT_MAX_NCELLS);
}

int dt_size_cells(const void *fdt, int node)
{
	return cells_prop(fdt, node, "#size-cells", 1, FDT_MAX_NCELLS);
}

/* ---------------------------------------------------------------- the whole blob */

/** One pass over the structure block in which every tag must end after it starts. libfdt 1.6.1
 *  (Debian 12) adds a property's length to an int offset: a length of 0xfffffff4 takes the next
 *  tag back to the property itself, and every later walk of the tree (phandle lookups, property
 *  scans, fdt_check_full() too) then loops forever. fuzz_dt found this; its input is
 *  tests/fuzz/regress/fuzz_dt/prop_len_loops_libfdt.hex. The pass ends: offsets only grow, and
 *  libfdt stops at the end of the structure block. */
static int tags_move_forward(const void *fdt)
{
	int offset = 0;
	int next;
	uint32_t tag;

	do {
		tag = fdt_next_tag(fdt, offset, &next);
		if (next < 0) {
			return next;
		}
		if (next <= offset) {
			return -FDT_ERR_BADSTRUCTURE;
		}
		offset = next;
	} while (tag != FDT_END);
	return 0;
}

int dt_check(const void *fdt, size_t size)
{
	int ret = size < sizeof(struct fdt_header) ? -FDT_ERR_TRUNCATED : fdt_check_header(fdt);

	if (ret == 0 && fdt_totalsize(fdt) > size) {
		ret = -FDT_ERR_TRUNCATED;
	}
	if (ret == 0) {
		ret = tags_move_forward(fdt);
	}
	return ret == 0 ? fdt_check_full(fdt, size) : ret;
}

/* ---------------------------------------------------------------- addresses */

/** Up to two cells as one number. */
static uint64_t read_number(const fdt32_t *cells, int count)
{
	uint64_t val = 0;

	for (int i = 0; i < count; i++) {
		val = (val << 32) | fdt32_ld(&cells[i]);
	}
	return val;
}

static struct bus_addr read_addr(const fdt32_t *cells, int count)
{
	if (count == 3) {
		return (struct bus_addr){ fdt32_ld(cells), read_number(cells + 1, 2) };
	}
	return (struct bus_addr){ 0, read_number(cells, count) };
}

/** The cell counts of node's children, if this code can translate them. */
static int bus_init(const void *fdt, int node, struct bus *bus)
{
	if (node < 0) {
		return node;
	}
	bus->node = node;
	bus->addr_cells = dt_addr_cells(fdt, node);
	bus->size_cells = dt_size_cells(fdt, node);
	if (bus->addr_cells < 1 || bus->addr_cells > DT_ADDR_CELLS_MAX || bus->size_cells < 0 ||
	    bus->size_cells > DT_SIZE_CELLS_MAX) {
		return -EINVAL;
	}
	return 0;
}

static int range_cells(const struct bus *child, const struct bus *parent)
{
	return child->addr_cells + parent->addr_cells + child->size_cells;
}

/** Decode the ranges entry at cells (range_cells() long). */
static struct range read_range(const fdt32_t *cells, const struct bus *child,
			       const struct bus *parent)
{
	const fdt32_t *size = cells + child->addr_cells + parent->addr_cells;

	return (struct range){ read_addr(cells, child->addr_cells),
			       read_addr(cells + child->addr_cells, parent->addr_cells),
			       read_number(size, child->size_cells) };
}

/** PCI address kinds that one window can serve: I/O, or memory. As Linux's of_bus_pci_map
 *  does, 32- and 64-bit memory are one kind and the prefetchable, relocatable, aliased and
 *  bus/device/function bits are ignored. Configuration space has no CPU mapping. */
static uint32_t pci_kind(uint32_t hi)
{
	uint32_t space = PCI_SPACE(hi);

	return space == PCI_SPACE_MEM64 ? PCI_SPACE_MEM32 : space;
}

/** Whether addr falls in the child side of r on a bus with addr_cells cells. On a PCI bus the
 *  space codes must agree first; then, as everywhere, the 64-bit phys.mid:phys.lo is compared. */
static bool range_contains(const struct range *r, const struct bus_addr *addr, int addr_cells)
{
	if (addr_cells == 3 && (PCI_SPACE(addr->space) == PCI_SPACE_CONFIG ||
				pci_kind(addr->space) != pci_kind(r->child.space))) {
		return false;
	}
	return addr->off >= r->child.off && addr->off - r->child.off < r->size;
}

/** Whether a number fits a parent address of `cells` cells (a 1-cell bus is 32 bits). */
static bool fits(uint64_t off, int cells)
{
	return cells > 1 || off <= UINT32_MAX;
}

/** Move addr across r into the parent's space: the parent's space bits and base plus the
 *  offset inside the window. A window running past 2^64 or the parent's cells is malformed. */
static int range_apply(const struct range *r, const struct bus *parent, struct bus_addr *addr)
{
	uint64_t off = r->parent.off + (addr->off - r->child.off);

	if (off < r->parent.off || !fits(off, parent->addr_cells)) {
		return -EINVAL;
	}
	*addr = (struct bus_addr){ r->parent.space, off };
	return 0;
}

/** Translate addr through the entries of a non-empty ranges/dma-ranges; -EFAULT if none
 *  contains it. */
static int map_through(const fdt32_t *cells, int count, const struct bus *child,
		       const struct bus *parent, struct bus_addr *addr)
{
	int entry = range_cells(child, parent);

	if (count % entry != 0) {
		return -EINVAL;
	}
	for (int i = 0; i < count; i += entry) {
		struct range r = read_range(cells + i, child, parent);

		if (range_contains(&r, addr, child->addr_cells)) {
			return range_apply(&r, parent, addr);
		}
	}
	return -EFAULT;
}

/** An empty ranges is identity (DT spec §2.3.8): the number carries over; PCI space bits
 *  survive only onto another PCI bus. */
static int identity(const struct bus *parent, struct bus_addr *addr)
{
	if (!fits(addr->off, parent->addr_cells)) {
		return -EFAULT;
	}
	if (parent->addr_cells != 3) {
		addr->space = 0;
	}
	return 0;
}

/** Translate addr from child's space into parent's through child's `ranges`, or `dma-ranges`
 *  when dma. An absent `ranges` makes the bus opaque (-EFAULT); an absent `dma-ranges` is
 *  identity, as Linux's of_translate_one treats it (trees rarely repeat `dma-ranges;` on every
 *  bus). */
static int translate_level(const void *fdt, const struct bus *child, const struct bus *parent,
			   bool dma, struct bus_addr *addr)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, child->node, dma ? "dma-ranges" : "ranges", &cells);

	if (count == -ENOENT) {
		return dma ? identity(parent, addr) : -EFAULT;
	}
	if (count < 0) {
		return count;
	}
	if (count == 0) {
		return identity(parent, addr);
	}
	return map_through(cells, count, child, parent, addr);
}

/** Translate addr, in the space of bus node `node`, up to the root through every ancestor's
 *  `ranges` (or `dma-ranges` when dma). The root's own property is never read: its space is
 *  the CPU's physical address space. */
static int translate_up(const void *fdt, int node, bool dma, struct bus_addr addr, uint64_t *pa)
{
	struct bus child;
	struct bus parent;
	int ret = bus_init(fdt, node, &child);

	while (ret == 0 && !is_root(child.node)) {
		ret = bus_init(fdt, parent_of(fdt, child.node), &parent);
		if (ret == 0) {
			ret = translate_level(fdt, &child, &parent, dma, &addr);
			child = parent;
		}
	}
	if (ret == 0) {
		*pa = addr.off;
	}
	return ret;
}

int dt_translate(const void *fdt, int bus, const uint32_t *addr_cells, int cell_count, uint64_t *pa)
{
	fdt32_t cells[DT_ADDR_CELLS_MAX];
	int expected = dt_addr_cells(fdt, bus);

	if (expected < 0) {
		return expected;
	}
	if (cell_count != expected || cell_count < 1 || cell_count > DT_ADDR_CELLS_MAX) {
		return -EINVAL;
	}
	for (int i = 0; i < cell_count; i++) {
		cells[i] = cpu_to_fdt32(addr_cells[i]);
	}
	return translate_up(fdt, bus, false, read_addr(cells, cell_count), pa);
}

int dt_reg(const void *fdt, int node, int index, uint64_t *pa, uint64_t *size)
{
	const fdt32_t *cells;
	struct bus bus;
	int entry;
	int count = prop_cells(fdt, node, "reg", &cells);
	int ret = count < 0 ? count : bus_init(fdt, parent_of(fdt, node), &bus);

	if (ret < 0) {
		return ret;
	}
	entry = bus.addr_cells + bus.size_cells;
	if (count < entry || count % entry != 0) {
		return -EINVAL;
	}
	if (index < 0 || index >= count / entry) {
		return -ERANGE;
	}
	cells += index * entry;
	*size = read_number(cells + bus.addr_cells, bus.size_cells);
	return translate_up(fdt, bus.node, false, read_addr(cells, bus.addr_cells), pa);
}

/* ---------------------------------------------------------------- interrupts */

/** A node's #interrupt-cells, which an interrupt parent must have (DT spec §2.4.2.1). */
static int irq_cells(const void *fdt, int node)
{
	uint32_t val;
	int ret = prop_u32(fdt, node, "#interrupt-cells", &val);

	if (ret < 0) {
		return -EINVAL;
	}
	return val >= 1 && val <= DT_IRQ_MAX_CELLS ? (int)val : -EINVAL;
}

/** One step of the interrupt-parent search: node's `interrupt-parent`, else its tree parent
 *  (DT spec §2.4.1). */
static int irq_parent_step(const void *fdt, int node)
{
	uint32_t phandle;
	int ret = prop_u32(fdt, node, "interrupt-parent", &phandle);

	if (ret == -ENOENT) {
		return is_root(node) ? -ENOENT : parent_of(fdt, node);
	}
	return ret < 0 ? ret : by_phandle(fdt, phandle);
}

int dt_irq_parent(const void *fdt, int node)
{
	/* As Linux's of_irq_find_parent: keep stepping until a node has #interrupt-cells, so a
	 * bus without one (FVP's iofpga-bus) passes its children's interrupts up. */
	for (int step = 0; step < IRQ_PARENT_STEPS_MAX; step++) {
		node = irq_parent_step(fdt, node);
		if (node < 0 || has_prop(fdt, node, "#interrupt-cells")) {
			return node;
		}
	}
	return -ELOOP;
}

/** Present `count` specifier cells to node; the caller has checked count. */
static void irq_walk_set(struct irq_walk *w, int node, const fdt32_t *spec, int count)
{
	w->node = node;
	w->spec_count = count;
	for (int i = 0; i < count; i++) {
		w->spec[i] = fdt32_ld(&spec[i]);
	}
}

/** The interrupt's source unit address: the raw first cells of its `reg`, zero-padded. Linux's
 *  of_irq_parse_one does the same, whatever the bus between the source and the nexus. */
static int irq_source_addr(const void *fdt, int node, struct irq_walk *w)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, "reg", &cells);

	if (count == -ENOENT) {
		return 0;
	}
	if (count < 0) {
		return count;
	}
	w->addr_known = true;
	for (int i = 0; i < count && i < IRQ_ADDR_CELLS_MAX; i++) {
		w->addr[i] = fdt32_ld(&cells[i]);
	}
	return 0;
}

/** The index-th specifier of `interrupts`, in the terms of node's interrupt parent. */
static int irq_plain(const void *fdt, int node, int index, struct irq_walk *w)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, "interrupts", &cells);
	int parent = count < 0 ? count : dt_irq_parent(fdt, node);
	int ic = parent < 0 ? parent : irq_cells(fdt, parent);

	if (ic < 0) {
		/* An interrupt with nobody to take it is a broken tree, not an absent property. */
		return ic == -ENOENT && count >= 0 ? -EINVAL : ic;
	}
	if (count % ic != 0) {
		return -EINVAL;
	}
	if (index >= count / ic) {
		return -ERANGE;
	}
	irq_walk_set(w, parent, cells + index * ic, ic);
	return 0;
}

/** The index-th <phandle specifier> of `interrupts-extended`; each entry's length depends on
 *  its controller, so the entries before it are walked and checked. */
static int irq_extended(const void *fdt, int node, int index, struct irq_walk *w)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, "interrupts-extended", &cells);

	for (int pos = 0, i = 0; pos < count; i++) {
		int parent = by_phandle(fdt, fdt32_ld(&cells[pos]));
		int ic = parent < 0 ? parent : irq_cells(fdt, parent);

		if (ic < 0) {
			return ic;
		}
		if (ic > count - pos - 1) {
			return -EINVAL;
		}
		if (i == index) {
			irq_walk_set(w, parent, cells + pos + 1, ic);
			return 0;
		}
		pos += 1 + ic;
	}
	return count < 0 ? count : -ERANGE;
}

/** Decode the interrupt-map entry at cells (avail cells left) of a nexus whose child unit
 *  address and specifier are ac and ic cells: the parent's side goes to next. Returns the
 *  entry's length, which depends on the parent's #address-cells (default 0, as in Linux) and
 *  #interrupt-cells (DT spec §2.4.3.1). */
static int irq_map_entry(const void *fdt, const fdt32_t *cells, int avail, int ac, int ic,
			 struct irq_walk *next)
{
	const fdt32_t *paddr;
	int child = ac + ic;
	int parent = avail > child ? by_phandle(fdt, fdt32_ld(&cells[child])) : -EINVAL;
	int pic = parent < 0 ? parent : irq_cells(fdt, parent);
	int pac = pic < 0 ? pic : cells_prop(fdt, parent, "#address-cells", 0, IRQ_ADDR_CELLS_MAX);

	if (pac < 0) {
		return pac;
	}
	if (avail < child + 1 + pac + pic) {
		return -EINVAL;
	}
	paddr = cells + child + 1;
	*next = (struct irq_walk){ .addr_known = true };
	for (int i = 0; i < pac; i++) {
		next->addr[i] = fdt32_ld(&paddr[i]);
	}
	irq_walk_set(next, parent, paddr + pac, pic);
	return child + 1 + pac + pic;
}

/** Whether the child side of a map entry equals (unit address, specifier) under the mask
 *  (NULL: all ones). */
static bool irq_map_matches(const fdt32_t *entry, const fdt32_t *mask, int ac,
			    const struct irq_walk *w)
{
	for (int i = 0; i < ac + w->spec_count; i++) {
		uint32_t have = i < ac ? w->addr[i] : w->spec[i - ac];
		uint32_t m = mask != NULL ? fdt32_ld(&mask[i]) : UINT32_MAX;

		if (((fdt32_ld(&entry[i]) ^ have) & m) != 0) {
			return false;
		}
	}
	return true;
}

/** interrupt-map-mask of the nexus: NULL when absent, else exactly ac + ic cells. */
static int irq_map_mask(const void *fdt, const struct irq_walk *w, int ac, const fdt32_t **mask)
{
	int count = prop_cells(fdt, w->node, "interrupt-map-mask", mask);

	if (count == -ENOENT) {
		*mask = NULL;
		return 0;
	}
	if (count < 0) {
		return count;
	}
	return count == ac + w->spec_count ? 0 : -EINVAL;
}

/** One step through the nexus w->node's interrupt-map: the first matching entry replaces w;
 *  -EFAULT when no entry matches (the interrupt is not routed). */
static int irq_map_lookup(const void *fdt, struct irq_walk *w)
{
	const fdt32_t *map;
	const fdt32_t *mask;
	int count = prop_cells(fdt, w->node, "interrupt-map", &map);
	int ac = cells_prop(fdt, w->node, "#address-cells", 0, IRQ_ADDR_CELLS_MAX);
	int ret = ac < 0 ? ac : irq_map_mask(fdt, w, ac, &mask);

	if (count < 0 || ret < 0) {
		return count < 0 ? count : ret;
	}
	/* Linux's of_irq_parse_raw: a unit address cannot be matched if the source has none. */
	if (ac > 0 && !w->addr_known) {
		return -EINVAL;
	}
	for (int pos = 0; pos < count;) {
		struct irq_walk next;
		int len = irq_map_entry(fdt, map + pos, count - pos, ac, w->spec_count, &next);

		if (len < 0) {
			return len;
		}
		if (irq_map_matches(map + pos, mask, ac, w)) {
			*w = next;
			return 0;
		}
		pos += len;
	}
	return -EFAULT;
}

/** One step of a resolution: 1 when w->node is the interrupt controller, 0 after moving w on
 *  (through an interrupt-map, which takes precedence over interrupt-controller as in Linux, or
 *  unchanged to the interrupt parent of a node with neither: FVP's motherboard-bus). */
static int irq_step(const void *fdt, struct irq_walk *w)
{
	int ic = irq_cells(fdt, w->node);

	if (ic < 0) {
		return ic;
	}
	if (ic != w->spec_count) {
		return -EINVAL;
	}
	if (has_prop(fdt, w->node, "interrupt-map")) {
		return irq_map_lookup(fdt, w);
	}
	if (has_prop(fdt, w->node, "interrupt-controller")) {
		return 1;
	}
	w->node = dt_irq_parent(fdt, w->node);
	if (w->node < 0) {
		/* #interrupt-cells but no way on: the interrupt is not routed anywhere. */
		return w->node == -ENOENT ? -EFAULT : w->node;
	}
	return 0;
}

/** Follow w until an interrupt controller takes it. */
static int irq_resolve(const void *fdt, struct irq_walk *w, struct dt_irq *out)
{
	for (int hop = 0; hop < IRQ_HOPS_MAX; hop++) {
		int ret = irq_step(fdt, w);

		if (ret < 0) {
			return ret;
		}
		if (ret == 1) {
			out->controller = w->node;
			out->cell_count = w->spec_count;
			for (int i = 0; i < w->spec_count; i++) {
				out->cells[i] = w->spec[i];
			}
			return 0;
		}
	}
	return -ELOOP;
}

int dt_irq(const void *fdt, int node, int index, struct dt_irq *out)
{
	struct irq_walk w = { 0 };
	int ret = index < 0 ? -ERANGE : irq_source_addr(fdt, node, &w);

	if (ret < 0) {
		return ret;
	}
	if (has_prop(fdt, node, "interrupts-extended")) {
		ret = irq_extended(fdt, node, index, &w);
	} else {
		ret = irq_plain(fdt, node, index, &w);
	}
	return ret < 0 ? ret : irq_resolve(fdt, &w, out);
}

int dt_irq_map(const void *fdt, int parent, const uint32_t *unit_addr, int addr_count,
	       const uint32_t *spec, int spec_count, struct dt_irq *out)
{
	struct irq_walk w = { .node = parent, .addr_known = addr_count > 0 };

	if (addr_count < 0 || addr_count > IRQ_ADDR_CELLS_MAX || (addr_count > 0 && !unit_addr) ||
	    spec_count < 1 || spec_count > DT_IRQ_MAX_CELLS || spec == NULL) {
		return -EINVAL;
	}
	for (int i = 0; i < addr_count; i++) {
		w.addr[i] = unit_addr[i];
	}
	for (int i = 0; i < spec_count; i++) {
		w.spec[i] = spec[i];
	}
	w.spec_count = spec_count;
	return irq_resolve(fdt, &w, out);
}

/* ---------------------------------------------------------------- DMA facts */

bool dt_dma_coherent(const void *fdt, int node)
{
	/* Linux's of_dma_is_coherent: the nearest of dma-coherent / dma-noncoherent wins. */
	for (; node >= 0; node = fdt_parent_offset(fdt, node)) {
		if (has_prop(fdt, node, "dma-coherent")) {
			return true;
		}
		if (has_prop(fdt, node, "dma-noncoherent")) {
			return false;
		}
	}
	return false;
}

/** The nearest of bus and its ancestors with a non-empty `dma-ranges`, the root excluded (its
 *  space has no parent to map into). */
static int dma_ranges_bus(const void *fdt, int bus)
{
	int len;

	while (bus > 0) {
		if (fdt_getprop(fdt, bus, "dma-ranges", &len) != NULL && len > 0) {
			return bus;
		}
		bus = fdt_parent_offset(fdt, bus);
	}
	return is_root(bus) ? -ENOENT : -EINVAL;
}

int dt_bus_dma_range(const void *fdt, int bus, uint64_t *cpu_base, uint64_t *dev_base,
		     uint64_t *size)
{
	const fdt32_t *cells;
	struct bus child;
	struct bus parent;
	struct range r;
	int node = dma_ranges_bus(fdt, bus);
	int ret = bus_init(fdt, node, &child);
	int count = ret < 0 ? ret : prop_cells(fdt, node, "dma-ranges", &cells);

	ret = count < 0 ? count : bus_init(fdt, parent_of(fdt, node), &parent);
	if (ret < 0) {
		return ret;
	}
	if (count % range_cells(&child, &parent) != 0) {
		return -EINVAL;
	}
	/* Child side = device address; the parent side is in the bus's parent's space and goes
	 * on up through the dma-ranges above (Linux's of_translate_dma_address). */
	r = read_range(cells, &child, &parent);
	*dev_base = r.child.off;
	*size = r.size;
	return translate_up(fdt, parent.node, true, r.parent, cpu_base);
}

int dt_dma_range(const void *fdt, int node, uint64_t *cpu_base, uint64_t *dev_base, uint64_t *size)
{
	int bus = parent_of(fdt, node);

	if (bus < 0) {
		return bus == -EFAULT ? -ENOENT : bus;
	}
	return dt_bus_dma_range(fdt, bus, cpu_base, dev_base, size);
}

int dt_restricted_pool(const void *fdt, int node, uint64_t *base, uint64_t *size)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, "memory-region", &cells);

	/* Linux's of_dma_set_restricted_buffer takes the first region that is such a pool. */
	for (int i = 0; i < count; i++) {
		int region = by_phandle(fdt, fdt32_ld(&cells[i]));

		if (region < 0) {
			return region;
		}
		if (fdt_node_check_compatible(fdt, region, "restricted-dma-pool") == 0) {
			return dt_reg(fdt, region, 0, base, size);
		}
	}
	return count < 0 ? count : -ENOENT;
}

/** The IOMMU a phandle names, if its specifiers are one cell (a StreamID:
 *  bindings/iommu/arm,smmu-v3.yaml); -EINVAL otherwise. */
static int iommu_node(const void *fdt, uint32_t phandle)
{
	int iommu = by_phandle(fdt, phandle);
	uint32_t cells = 0;

	if (iommu < 0 || prop_u32(fdt, iommu, "#iommu-cells", &cells) < 0 || cells != 1) {
		return -EINVAL;
	}
	return iommu;
}

int dt_iommu(const void *fdt, int node, int *iommu, uint32_t *stream_id)
{
	const fdt32_t *cells;
	int count = prop_cells(fdt, node, "iommus", &cells);
	int ret = count < 2 ? -EINVAL : iommu_node(fdt, fdt32_ld(&cells[0]));

	if (count < 0 || ret < 0) {
		return count < 0 ? count : ret;
	}
	*iommu = ret;
	*stream_id = fdt32_ld(&cells[1]);
	return 0;
}

/* pci-iommu.txt: iommu-map = <rid-base iommu iommu-base length>, ... */
#define IOMMU_MAP_CELLS 4

int dt_iommu_map(const void *fdt, int host, uint32_t rid, int *iommu, uint32_t *stream_id)
{
	const fdt32_t *map;
	uint32_t mask = UINT32_MAX;
	int count = prop_cells(fdt, host, "iommu-map", &map);
	int ret = prop_u32(fdt, host, "iommu-map-mask", &mask);

	if (count < 0 || (ret < 0 && ret != -ENOENT)) {
		return count < 0 ? count : ret;
	}
	if (count % IOMMU_MAP_CELLS != 0) {
		return -EINVAL;
	}
	rid &= mask;
	for (int i = 0; i < count; i += IOMMU_MAP_CELLS) {
		uint32_t base = fdt32_ld(&map[i]);

		if (rid >= base && rid - base < fdt32_ld(&map[i + 3])) {
			ret = iommu_node(fdt, fdt32_ld(&map[i + 1]));
			if (ret < 0) {
				return ret;
			}
			*iommu = ret;
			*stream_id = fdt32_ld(&map[i + 2]) + (rid - base);
			return 0;
		}
	}
	return -ENOENT;
}
