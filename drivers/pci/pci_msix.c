/* MSI-X (PCI 3.0 §6.8.2): the capability, the vector table in a BAR, and the MSIs the
 * platform's MSI controller hands out for the function's requester id. */
#include <errno.h>

#include "arch/io.h"
#include "arch/irq.h"
#include "pci_priv.h"
#include "vireo/dt.h"
#include "vireo/pci.h"
#include "vireo/pci_reg.h"

static int msix_cap(const struct pci_func *f)
{
	struct pci_cap_iter it;
	int pos;

	pci_cap_begin(&it, f);
	while ((pos = pci_cap_next(&it)) > 0) {
		if (pci_cfg_read8(f, (unsigned)pos) == PCI_CAP_ID_MSIX) {
			return pos;
		}
	}
	return -ENODEV;
}

/* The table's CPU address, checked to lie inside its BAR. */
static int msix_table(const struct pci_func *f, int pos, unsigned entries, uintptr_t *table)
{
	uint32_t loc = pci_cfg_read32(f, (unsigned)pos + PCI_MSIX_TABLE);
	unsigned bir = loc & PCI_MSIX_TABLE_BIR;
	uint64_t off = loc & ~(uint32_t)PCI_MSIX_TABLE_BIR;
	const struct pci_bar *bar;

	if (bir >= PCI_STD_NUM_BARS) {
		return -EINVAL;
	}
	bar = &f->bar[bir];
	if (!bar->assigned || (bar->kind != PCI_BAR_MEM32 && bar->kind != PCI_BAR_MEM64) ||
	    off > bar->size || (uint64_t)entries * PCI_MSIX_ENTRY_SIZE > bar->size - off) {
		return -EINVAL;
	}
	*table = (uintptr_t)(bar->cpu_addr + off);
	return 0;
}

static void entry_write(uintptr_t e, const struct arch_msi *msi)
{
	io_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
	io_write32(e + PCI_MSIX_ENTRY_ADDR_LO, (uint32_t)msi->address);
	io_write32(e + PCI_MSIX_ENTRY_ADDR_HI, (uint32_t)(msi->address >> 32));
	io_write32(e + PCI_MSIX_ENTRY_DATA, msi->data);
	io_write32(e + PCI_MSIX_ENTRY_CTRL, 0);
}

int pci_msix_enable(const struct pci_func *f, unsigned nvec, struct arch_msi *out)
{
	int pos = msix_cap(f);
	uint32_t rid = (uint32_t)f->bus << 8 | (uint32_t)f->dev << 3 | f->fn;
	unsigned entries;
	uint16_t flags;
	uintptr_t table;
	uint32_t devid;
	int node, ret, n;

	if (pos < 0 || nvec == 0) {
		return -ENODEV;
	}
	if (f->behind_iommu) {
		return -EOPNOTSUPP;
	}
	ret = dt_msi_map(f->host->fdt, f->host->node, rid, &node, &devid);
	if (ret < 0) {
		return ret == -ENOENT ? -ENODEV : ret;
	}
	flags = pci_cfg_read16(f, (unsigned)pos + PCI_MSIX_FLAGS);
	entries = (flags & PCI_MSIX_FLAGS_QSIZE) + 1u;
	ret = msix_table(f, pos, entries, &table);
	if (ret < 0) {
		return ret;
	}
	n = arch_msi_alloc(node, devid, nvec < entries ? nvec : entries, out);
	if (n <= 0) {
		return n < 0 ? n : -ENOSPC;
	}
	/* Program with the whole function masked, so no half-written entry can fire. */
	pci_command_set(f, PCI_COMMAND_MEMORY);
	pci_cfg_write16(f, (unsigned)pos + PCI_MSIX_FLAGS,
			flags | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < entries; i++) {
		uintptr_t e = table + (uintptr_t)i * PCI_MSIX_ENTRY_SIZE;

		if (i < (unsigned)n) {
			entry_write(e, &out[i]);
		} else {
			io_write32(e + PCI_MSIX_ENTRY_CTRL, PCI_MSIX_ENTRY_CTRL_MASKBIT);
		}
	}
	pci_command_set(f, PCI_COMMAND_INTX_DISABLE);
	pci_cfg_write16(f, (unsigned)pos + PCI_MSIX_FLAGS,
			(flags & ~PCI_MSIX_FLAGS_MASKALL) | PCI_MSIX_FLAGS_ENABLE);
	return n;
}

void pci_msix_disable(const struct pci_func *f)
{
	int pos = msix_cap(f);

	if (pos > 0) {
		uint16_t flags = pci_cfg_read16(f, (unsigned)pos + PCI_MSIX_FLAGS);

		pci_cfg_write16(f, (unsigned)pos + PCI_MSIX_FLAGS, flags & ~PCI_MSIX_FLAGS_ENABLE);
		pci_command_clear(f, PCI_COMMAND_INTX_DISABLE);
	}
}
