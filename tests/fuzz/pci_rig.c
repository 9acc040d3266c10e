/* See pci_rig.h. */
#include <string.h>

#include "fuzz.h"
#include "pci_rig.h"
#include "vireo/pci.h"
#include "vireo/virtio.h"
#include "vireo/virtio_pci.h"

void pci_rig_up(struct pci_rig *r)
{
	struct pcm_virtio_config vc = { .kind = PCM_VIRTIO_MODERN, .dev = 6, .msix_vectors = 2 };
	struct devmodel_blk_config blk = { .capacity = 64, .flush = true };
	uint8_t *disk;
	size_t size;

	memset(r, 0, sizeof(*r));
	r->cfg.ecam = (uintptr_t)(PR_FAKE + 0x4010000000ull);
	r->cfg.bus_count = 256;
	r->cfg.window[PCM_IO] = (struct pcm_window){ PR_FAKE + 0x3eff0000ull, 0, PR_IO_SIZE };
	r->cfg.window[PCM_MEM] =
		(struct pcm_window){ PR_FAKE + PR_MEM32_PCI, PR_MEM32_PCI, PR_MEM32_SIZE };
	r->cfg.window[PCM_MEM64] =
		(struct pcm_window){ PR_FAKE + PR_MEM64_PCI, PR_MEM64_PCI, PR_MEM64_PCI };
	r->m = pcm_create(&r->cfg);
	r->fdt = pcm_fdt_create(&r->cfg, 0);
	FZ_CHECK(r->m != NULL && r->fdt != NULL, "out of memory");
	r->fn[0] = pcm_add_endpoint(r->m, NULL, 0, 0, 0x1b36, 0x0008, 0x060000);
	r->fn[1] = pcm_add_endpoint(r->m, NULL, 1, 0, 0x8086, 0x100e, 0x020000);
	pcm_add_bar(r->fn[1], 0, 0x20000, 0, NULL, NULL);
	pcm_add_bar(r->fn[1], 1, 0x40, PCM_BAR_IO, NULL, NULL);
	pcm_set_pin(r->fn[1], 1);
	r->fn[2] = pcm_add_bridge(r->m, NULL, 2, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
	r->fn[3] = pcm_add_endpoint(r->m, r->fn[2], 0, 0, 0x1234, 0x0001, 0x010802);
	pcm_add_bar(r->fn[3], 0, 0x100000, PCM_BAR_MEM64 | PCM_BAR_PREFETCH, NULL, NULL);
	pcm_add_bar(r->fn[3], 2, 0x1000, 0, NULL, NULL);
	r->fn[4] = pcm_add_bridge(r->m, NULL, 5, 0, 0x1b36, 0x0001, 0);
	r->fn[5] = pcm_add_bridge(r->m, r->fn[4], 0, 0, 0x1b36, 0x0001, 0);
	r->fn[6] = pcm_add_endpoint(r->m, r->fn[5], 0, 0, 0x1234, 0x0005, 0x078000);
	pcm_add_bar(r->fn[6], 0, 0x2000, 0, NULL, NULL);
	r->blk = pcm_virtio_blk_create(r->m, &vc, &blk);
	FZ_CHECK(r->blk != NULL, "out of memory");
	disk = devmodel_blk_disk(pcm_virtio_devmodel(r->blk), &size);
	for (size_t i = 0; i < size; i++) {
		disk[i] = (uint8_t)(i * 7 + i / 512);
	}
	r->fn[7] = pcm_virtio_fn(r->blk);
}

void pci_rig_down(struct pci_rig *r)
{
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		struct virtio_device *vdev = f->vdev;

		if (vdev == NULL) {
			continue;
		}
		virtio_irq_detach(vdev);
		fz_unbind(vdev);
		virtio_list_remove(vdev);
		virtio_pci_destroy(vdev);
	}
	pci_forget_all();
	pcm_virtio_destroy(r->blk);
	pcm_destroy(r->m);
	free(r->fdt);
}
