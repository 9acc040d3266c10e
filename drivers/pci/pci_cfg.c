/* Configuration space access through ECAM (PCIe §7.2.2) and the capability list walk (PCI 3.0
 * §6.7). Every value read is untrusted: a pointer is checked before it is followed. */
#include <errno.h>

#include "arch/io.h"
#include "pci_priv.h"

/* PCI 3.0 §6.7: the list lives in [0x40, 0x100); each entry takes at least 4 bytes, so a walk
 * longer than this has met a cycle. */
#define PCI_CAP_MAX_COUNT ((PCI_CFG_SPACE_SIZE - PCI_CAP_MIN_PTR) / 4)

uint8_t pci_cfg_read8(const struct pci_func *f, unsigned reg)
{
	return io_read8(f->cfg + reg);
}

uint16_t pci_cfg_read16(const struct pci_func *f, unsigned reg)
{
	return io_read16(f->cfg + reg);
}

uint32_t pci_cfg_read32(const struct pci_func *f, unsigned reg)
{
	return io_read32(f->cfg + reg);
}

void pci_cfg_write8(const struct pci_func *f, unsigned reg, uint8_t v)
{
	io_write8(f->cfg + reg, v);
}

void pci_cfg_write16(const struct pci_func *f, unsigned reg, uint16_t v)
{
	io_write16(f->cfg + reg, v);
}

void pci_cfg_write32(const struct pci_func *f, unsigned reg, uint32_t v)
{
	io_write32(f->cfg + reg, v);
}

void pci_command_set(const struct pci_func *f, uint16_t bits)
{
	pci_cfg_write16(f, PCI_COMMAND, pci_cfg_read16(f, PCI_COMMAND) | bits);
}

void pci_command_clear(const struct pci_func *f, uint16_t bits)
{
	pci_cfg_write16(f, PCI_COMMAND, pci_cfg_read16(f, PCI_COMMAND) & (uint16_t)~bits);
}

/** Follow one pointer: the bottom two bits are reserved and masked (§6.7); 0 ends the list. */
static int pci_cap_follow(uint8_t ptr)
{
	unsigned pos = ptr & PCI_CAP_PTR_MASK;

	if (pos == 0) {
		return -ENOENT;
	}
	if (pos < PCI_CAP_MIN_PTR || pos + 2 > PCI_CFG_SPACE_SIZE) {
		return -EINVAL;
	}
	return (int)pos;
}

void pci_cap_begin(struct pci_cap_iter *it, const struct pci_func *f)
{
	it->f = f;
	it->pos = 0;
	it->count = 0;
}

int pci_cap_next(struct pci_cap_iter *it)
{
	int next;

	if (it->pos < 0) {
		return it->pos; /* the walk already ended */
	}
	if (it->count++ >= PCI_CAP_MAX_COUNT) {
		next = -ELOOP;
	} else if (it->pos == 0) {
		next = (pci_cfg_read16(it->f, PCI_STATUS) & PCI_STATUS_CAP_LIST)
			       ? pci_cap_follow(pci_cfg_read8(it->f, PCI_CAPABILITY_LIST))
			       : -ENOENT;
	} else {
		next = pci_cap_follow(pci_cfg_read8(it->f, (unsigned)it->pos + PCI_CAP_LIST_NEXT));
	}
	it->pos = next;
	return next;
}
