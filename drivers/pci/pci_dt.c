/* A generic ECAM host bridge from the DT (Linux binding `pci-host-ecam-generic`, IEEE 1275
 * PCI bus binding for `ranges`): the ECAM window, the bus range and the I/O, 32-bit and 64-bit
 * memory windows. Pure DT reading, shared with vireo-probe. */
#include <errno.h>
#include <stdio.h>

#include <libfdt.h>

#include "pci_priv.h"
#include "vireo/types.h"
#include "vireo/dt.h"

/* IEEE 1275 PCI binding: phys.hi = npt000ss bbbbbbbb dddddfff rrrrrrrr. */
#define PCI_PHYS_SPACE(hi) (((hi) >> 24) & 3)
#define PCI_PHYS_SPACE_IO 1
#define PCI_PHYS_SPACE_MEM32 2
#define PCI_PHYS_SPACE_MEM64 3
#define PCI_PHYS_PREFETCH (1u << 30)
#define PCI_ADDR_CELLS 3
#define PCI_RANGE_CELLS_MAX (PCI_ADDR_CELLS + 4 + 2)
#define PCI_4G (1ull << 32)

static uint32_t be32_at(const fdt32_t *p)
{
	return fdt32_to_cpu(*p);
}

static uint64_t cells_u64(const fdt32_t *p, int count)
{
	uint64_t v = 0;

	for (int i = 0; i < count; i++) {
		v = (v << 32) | be32_at(p + i);
	}
	return v;
}

/** Which pool a `ranges` entry serves: I/O, 32-bit memory, or 64-bit memory (PREF: taken by
 *  64-bit prefetchable BARs, whether or not the window says prefetchable, as QEMU's does
 *  not); -1 for configuration space. */
static int range_pool(uint32_t hi, uint64_t pci, uint64_t size)
{
	switch (PCI_PHYS_SPACE(hi)) {
	case PCI_PHYS_SPACE_IO:
		return PCI_POOL_IO;
	case PCI_PHYS_SPACE_MEM32:
		return PCI_POOL_MEM;
	case PCI_PHYS_SPACE_MEM64:
		/* A "64-bit" window wholly below 4 GiB serves 32-bit BARs as well. */
		return pci + size <= PCI_4G ? PCI_POOL_MEM : PCI_POOL_PREF;
	default:
		return -1;
	}
}

const char *pci_pool_name(int pool)
{
	static const char *const names[PCI_POOL_COUNT] = { "io", "mem", "mem64" };

	return names[pool];
}

static int host_range(struct pci_host *h, const fdt32_t *c, int pac, int sc)
{
	uint32_t hi = be32_at(c);
	uint64_t pci = cells_u64(c + 1, 2);
	uint64_t size = cells_u64(c + PCI_ADDR_CELLS + pac, sc);
	uint32_t addr[PCI_ADDR_CELLS] = { hi, (uint32_t)(pci >> 32), (uint32_t)pci };
	int pool = range_pool(hi, pci, size);
	struct pci_range *r;
	uint64_t cpu;

	if (size == 0 || pool < 0) {
		return 0;
	}
	if (pci + size < pci || (pool != PCI_POOL_PREF && pci + size > PCI_4G)) {
		return -EINVAL;
	}
	if (dt_translate(h->fdt, h->node, addr, PCI_ADDR_CELLS, &cpu) < 0) {
		return -EFAULT;
	}
	if (!pa_range_reachable(cpu, size)) {
		printf("pci: %s: %s window 0x%llx+0x%llx is out of reach of this CPU's "
		       "addresses; not used\n",
		       h->name, pci_pool_name(pool), (unsigned long long)cpu,
		       (unsigned long long)size);
		return 0;
	}
	r = &h->range[pool];
	if (r->size == 0) {
		*r = (struct pci_range){ .pci = pci, .cpu = cpu, .size = size };
	}
	return 0;
}

static int host_ranges(struct pci_host *h)
{
	const fdt32_t *c;
	int len;
	int pac = dt_addr_cells(h->fdt, fdt_parent_offset(h->fdt, h->node));
	int sc = dt_size_cells(h->fdt, h->node);
	int entry;

	if (dt_addr_cells(h->fdt, h->node) != PCI_ADDR_CELLS || pac < 1 || pac > 2 || sc < 1 ||
	    sc > 2) {
		return -EINVAL;
	}
	entry = PCI_ADDR_CELLS + pac + sc;
	c = fdt_getprop(h->fdt, h->node, "ranges", &len);
	if (c == NULL || len <= 0 || len % (entry * 4) != 0) {
		return -EINVAL;
	}
	for (int i = 0; i < len / (entry * 4); i++) {
		int ret = host_range(h, c + i * entry, pac, sc);

		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

/** bus-range (default 0-255) limited to what the ECAM window covers. */
static int host_buses(struct pci_host *h)
{
	const fdt32_t *c;
	int len;
	uint32_t start = 0;
	uint32_t end = PCI_MAX_BUS - 1;
	uint64_t covered = h->ecam_size >> PCI_ECAM_BUS_SHIFT;

	c = fdt_getprop(h->fdt, h->node, "bus-range", &len);
	if (c != NULL) {
		if (len != 8) {
			return -EINVAL;
		}
		start = be32_at(c);
		end = be32_at(c + 1);
	}
	if (start > end || end >= PCI_MAX_BUS || covered == 0) {
		return -EINVAL;
	}
	if (end - start + 1 > covered) {
		end = start + (uint32_t)covered - 1;
	}
	h->bus_start = (uint8_t)start;
	h->bus_end = (uint8_t)end;
	h->last_bus = (uint8_t)start;
	return 0;
}

int pci_host_parse(const void *fdt, int node, struct pci_host *h, const char **why)
{
	uint64_t ecam;
	int ret;

	h->fdt = fdt;
	h->node = node;
	snprintf(h->name, sizeof(h->name), "%s", fdt_get_name(fdt, node, NULL));
	ret = dt_reg(fdt, node, 0, &ecam, &h->ecam_size);
	if (ret < 0) {
		*why = "unusable reg";
		return ret;
	}
	if (!pa_range_reachable(ecam, h->ecam_size)) {
		snprintf(h->why, sizeof(h->why),
			 "ECAM window 0x%llx+0x%llx is out of reach of this CPU's addresses (a "
			 "32-bit CPU reaches 4 GiB: QEMU virt needs highmem=off)",
			 (unsigned long long)ecam, (unsigned long long)h->ecam_size);
		*why = h->why;
		return -ERANGE;
	}
	h->ecam = (uintptr_t)ecam;
	ret = host_buses(h);
	if (ret < 0) {
		*why = "malformed bus-range or ECAM window too small";
		return ret;
	}
	ret = host_ranges(h);
	if (ret < 0) {
		*why = "malformed ranges";
	}
	return ret;
}
