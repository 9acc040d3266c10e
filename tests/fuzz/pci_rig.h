/* The PCI board the PCI and transport harnesses share: QEMU virt's windows moved to fake CPU
 * addresses (as tests/host/test_pci.c), a host bridge, an endpoint, a root port with an
 * endpoint behind it, two nested PCI bridges, and a modern virtio-blk function; every device
 * the enumeration made is unbound and freed again. */
#ifndef VIREO_FUZZ_PCI_RIG_H
#define VIREO_FUZZ_PCI_RIG_H

#include "pci_model.h"

#define PR_FAKE 0xffff800000000000ull
#define PR_IO_SIZE 0x10000ull
#define PR_MEM32_PCI 0x10000000ull
#define PR_MEM32_SIZE 0x2eff0000ull
#define PR_MEM64_PCI 0x8000000000ull
#define PR_FNS 8

struct pci_rig {
	struct pcm_config cfg;
	struct pcm *m;
	void *fdt;
	struct pcm_fn *fn[PR_FNS];
	struct pcm_virtio *blk;
};

/** Builds the board; the virtio function is fn[PR_FNS - 1]. */
void pci_rig_up(struct pci_rig *r);
/** Unbinds and frees every device the probe made, forgets the enumeration, frees the models. */
void pci_rig_down(struct pci_rig *r);

#endif
