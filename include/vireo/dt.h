/* Device-tree helpers over libfdt: addresses translated to CPU physical addresses through every
 * parent bus's `ranges`, interrupts resolved through `interrupt-parent` and `interrupt-map`,
 * and the DMA facts of a node. All functions take the blob and a node offset, return 0 (or a
 * node offset where they return one) or a negative error: -ENOENT property absent, -EINVAL
 * malformed, -ERANGE index out of range, -EFAULT untranslatable or not routed, -ELOOP a cycle
 * of phandles (or a chain longer than any real tree). They never trust a property's length.
 *
 * Addresses are 1-3 cells and sizes 0-2 cells. A bus with 3 address cells is a PCI bus (IEEE
 * 1275 PCI binding): its top cell is phys.hi, whose space code must agree with a ranges entry's
 * (I/O with I/O; 32- and 64-bit memory are one kind, as in Linux; configuration space never
 * translates) before the 64-bit phys.mid:phys.lo is compared; its other flag bits are ignored.
 * Where the specification is silent these helpers behave like Linux's drivers/of. */
#ifndef VIREO_DT_H
#define VIREO_DT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Whether the blob at fdt, in a buffer of size bytes, can be read by these helpers and libfdt:
 *  header, structure block (every tag moves forward, nodes nest, names end) and strings. 0, or
 *  a negative libfdt error for fdt_strerror(). Every entry point that takes a DTB from outside
 *  runs it before anything else reads the tree; fdt_check_header() alone is not enough. */
int dt_check(const void *fdt, size_t size);

/** #address-cells / #size-cells that apply to the children of node (defaults 2 and 1, DT spec
 *  §2.3.5); -EINVAL above 4 or malformed. */
int dt_addr_cells(const void *fdt, int node);
int dt_size_cells(const void *fdt, int node);

/** The index-th (addr, size) pair of node's `reg`, translated to a CPU physical address.
 *  -EINVAL when `reg` is not a whole number of entries, -ERANGE past the last one. */
int dt_reg(const void *fdt, int node, int index, uint64_t *pa, uint64_t *size);

/** Translate an address given in the address space of bus node `bus` (cell_count must equal
 *  the bus's #address-cells; host byte order) up through every ancestor's `ranges`. An absent
 *  `ranges` on an ancestor means untranslatable (-EFAULT), as does an address outside every
 *  entry; an empty one means identity. The root's `ranges` is never read. */
int dt_translate(const void *fdt, int bus, const uint32_t *addr_cells, int cell_count,
		 uint64_t *pa);

#define DT_IRQ_MAX_CELLS 4
/** An interrupt resolved to an interrupt controller and its specifier. */
struct dt_irq {
	int controller; /* node offset of the interrupt-controller */
	int cell_count;
	uint32_t cells[DT_IRQ_MAX_CELLS]; /* host byte order; GIC: type, number, flags */
};

/** The index-th interrupt of node (`interrupts-extended` if present, else `interrupts`),
 *  resolved through interrupt-parent chains and interrupt-map nexus nodes (with
 *  interrupt-map-mask) until an `interrupt-controller` without an interrupt-map takes it. The
 *  unit address matched by a nexus is the raw start of node's `reg`, zero-padded (as Linux);
 *  a node with #interrupt-cells but no interrupt-map passes the interrupt to its own interrupt
 *  parent unchanged (FVP's motherboard bus). -ENOENT when node has no interrupts; -EFAULT when
 *  no interrupt-map entry matches. */
int dt_irq(const void *fdt, int node, int index, struct dt_irq *out);

/** Resolve an interrupt specifier as seen at nexus or controller node `parent`: unit address
 *  cells (at most 4, zero-padded to the nexus's #address-cells; may be NULL when addr_count is
 *  0) and the specifier (spec_count must equal parent's #interrupt-cells). Used by PCI for
 *  INTx: unit address = <bus << 16 | dev << 11 | fn << 8, 0, 0>, specifier = <pin> (1 = INTA)
 *  after the caller's swizzle across bridges. */
int dt_irq_map(const void *fdt, int parent, const uint32_t *unit_addr, int addr_count,
	       const uint32_t *spec, int spec_count, struct dt_irq *out);

/** The interrupt parent of node (DT spec §2.4.1): its `interrupt-parent`, else its tree parent,
 *  repeated (as Linux's of_irq_find_parent) until a node with #interrupt-cells; -ENOENT when
 *  the walk reaches the root without finding one. */
int dt_irq_parent(const void *fdt, int node);

/** The GIC interrupt id (SPI n = 32 + n, PPI n = 16 + n) of a resolved interrupt, or -1 when
 *  the controller is not a GIC or the specifier is not an SPI or PPI in range. */
int dt_irq_gic_intid(const void *fdt, const struct dt_irq *irq);

/** True when a resolved GIC interrupt is edge-triggered (cell 2 flags, IRQ_TYPE_EDGE_*). */
bool dt_irq_gic_edge(const struct dt_irq *irq);

/** `dma-coherent` on node or on the nearest bus that says so; a nearer `dma-noncoherent`
 *  wins (Linux's of_dma_is_coherent). */
bool dt_dma_coherent(const void *fdt, int node);

/** The first entry of the nearest non-empty `dma-ranges` that applies to node (from its parent
 *  bus upwards, the root excluded), as device address = cpu address - cpu_base + dev_base over
 *  size. The entry's parent side is translated to a CPU address through the `dma-ranges` of
 *  the buses above (absent or empty = identity, as Linux). -ENOENT when no bus has any (device
 *  address = physical address); an empty dma-ranges is identity (-ENOENT too). */
int dt_dma_range(const void *fdt, int node, uint64_t *cpu_base, uint64_t *dev_base, uint64_t *size);

/** The same for the children of bus itself (bus's own `dma-ranges` upwards): for devices
 *  without a DT node, such as PCI functions below a host bridge. */
int dt_bus_dma_range(const void *fdt, int bus, uint64_t *cpu_base, uint64_t *dev_base,
		     uint64_t *size);

/** The first of node's `memory-region` entries that is a `restricted-dma-pool`: its reg,
 *  translated. -ENOENT when there is none, -EINVAL for a dangling phandle. */
int dt_restricted_pool(const void *fdt, int node, uint64_t *base, uint64_t *size);

/** node's `iommus` first entry: the IOMMU node and the stream id. The IOMMU must have
 *  #iommu-cells = 1 (-EINVAL otherwise). */
int dt_iommu(const void *fdt, int node, int *iommu_node, uint32_t *stream_id);

/** Map a PCI requester id (bus << 8 | devfn) through the host bridge's `iommu-map` (and
 *  `iommu-map-mask`, applied to the rid first): the first entry whose [rid-base, rid-base +
 *  length) holds it. -ENOENT when the host has no map or the rid is outside every entry (the
 *  function is not behind an IOMMU, as in Linux's of_map_id). */
int dt_iommu_map(const void *fdt, int host, uint32_t rid, int *iommu_node, uint32_t *stream_id);

/** The MSI controller (a node with `msi-controller`) and DeviceID of PCI requester rid under
 *  host bridge `host`: through `msi-map` (+ `msi-map-mask`), else `msi-parent` with DeviceID =
 *  rid. -ENOENT when the host has neither or rid is outside every msi-map entry; -EINVAL for a
 *  malformed map or a phandle that is not an MSI controller. */
int dt_msi_map(const void *fdt, int host, uint32_t rid, int *msi_node, uint32_t *devid);

#endif
