/* The platform facts of a PCI function from the host's DT node, and the hand-over of virtio
 * functions to the virtio core. INTx: the PCI-to-PCI bridge spec §9.1 swizzle up to the root
 * bus, then the host's `interrupt-map` (IEEE 1275 PCI binding, Linux's of_irq_parse_pci).
 * StreamID: the requester id through `iommu-map` (Linux pci-iommu.txt binding). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "pci_priv.h"
#include "vireo/dt.h"
#include "vireo/smmu.h"
#include "vireo/virtio.h"
#include "vireo/virtio_pci.h"

#define PCI_INTX_COUNT 4

static int pci_intx(const struct pci_func *f)
{
	const struct pci_func *g = f;
	uint32_t pin = f->pin;
	uint32_t unit[3] = { 0 };
	struct dt_irq irq;
	int ret;

	if (pin == 0) {
		return -1;
	}
	/* Bridge spec §9.1: behind a bridge, device D's INTx arrives on the bridge's
	 * INT((x - 1 + D) mod 4), up to the bus the host's interrupt-map describes. */
	for (; g->parent != NULL; g = g->parent) {
		pin = (pin - 1 + g->dev) % PCI_INTX_COUNT + 1;
	}
	unit[0] = (uint32_t)g->bus << 16 | (uint32_t)g->dev << 11 | (uint32_t)g->fn << 8;
	ret = dt_irq_map(f->host->fdt, f->host->node, unit, 3, &pin, 1, &irq);
	if (ret < 0) {
		printf("pci %s: INT%c not routed by %s's interrupt-map (%d)\n", f->name,
		       'A' + f->pin - 1, f->host->name, ret);
		return -1;
	}
	return dt_irq_gic_intid(f->host->fdt, &irq);
}

static void iommu_name(const void *fdt, int iommu, char *buf, size_t len)
{
	uint64_t pa;
	uint64_t size;

	if (fdt_node_check_compatible(fdt, iommu, "arm,smmu-v3") == 0 &&
	    dt_reg(fdt, iommu, 0, &pa, &size) == 0) {
		snprintf(buf, len, "smmuv3@%llx", (unsigned long long)pa);
	} else {
		snprintf(buf, len, "%s", fdt_get_name(fdt, iommu, NULL));
	}
}

static void pci_stream(struct pci_func *f)
{
	uint32_t rid = (uint32_t)f->bus << 8 | (uint32_t)f->dev << 3 | f->fn;
	int iommu;
	int ret = dt_iommu_map(f->host->fdt, f->host->node, rid, &iommu, &f->stream_id);

	if (ret == -ENOENT) {
		return;
	}
	if (ret < 0) {
		printf("pci %s: malformed iommu-map on %s (%d)\n", f->name, f->host->name, ret);
		return;
	}
	f->behind_iommu = true;
	iommu_name(f->host->fdt, iommu, f->iommu_name, sizeof(f->iommu_name));
}

/** The DT node of the IOMMU f's requester id maps to (f->behind_iommu); -1 when none. */
static int pci_iommu_node(const struct pci_func *f)
{
	uint32_t rid = (uint32_t)f->bus << 8 | (uint32_t)f->dev << 3 | f->fn;
	uint32_t sid;
	int iommu;

	return dt_iommu_map(f->host->fdt, f->host->node, rid, &iommu, &sid) == 0 ? iommu : -1;
}

void pci_platform_facts(struct pci_func *f)
{
	f->irq = pci_intx(f);
	pci_stream(f);
}

/** vdev->plat from the host node and f. -EINVAL for a malformed dma-ranges. */
static int fill_platform(const struct pci_func *f, struct virtio_device *vdev)
{
	struct virtio_platform *p = &vdev->plat;
	int ret;

	p->coherent = dt_dma_coherent(f->host->fdt, f->host->node);
	ret = dt_bus_dma_range(f->host->fdt, f->host->node, &p->range_cpu_base, &p->range_dev_base,
			       &p->range_size);
	if (ret < 0 && ret != -ENOENT) {
		return ret;
	}
	p->behind_iommu = f->behind_iommu;
	p->stream_id = f->stream_id;
	p->iommu = f->behind_iommu ? smmu_lookup(pci_iommu_node(f)) : NULL;
	snprintf(p->iommu_name, sizeof(p->iommu_name), "%s", f->iommu_name);
	p->irq = f->irq;
	p->pci = true;
	return 0;
}

/** Why a device did not bind: the error, unless the DMA policy refused it (its reason). */
static const char *bind_failure(const struct virtio_device *vdev, int bind)
{
	if (bind < 0 && vdev->dma.backend != DMA_BACKEND_NONE) {
		return strerror(-bind);
	}
	return vdev->dma.reason[0] != '\0' ? vdev->dma.reason : strerror(-bind);
}

static void print_bound(const struct virtio_device *vdev, int bind)
{
	const struct virtio_platform *p = &vdev->plat;

	if (bind == 0 && vdev->name[0] != '\0') {
		printf("virtio: %s at %s: %s, irq %d, dma=%s (%s)", vdev->name,
		       vdev->transport_name, vdev->legacy ? "legacy" : "modern", p->irq,
		       dma_backend_name(vdev->dma.backend), vdev->dma.reason);
	} else {
		printf("virtio: id %u at %s: not bound (%s)", (unsigned)vdev->device_id,
		       vdev->transport_name, bind_failure(vdev, bind));
	}
	if (p->behind_iommu) {
		printf(", stream 0x%x on %s", (unsigned)p->stream_id, p->iommu_name);
	}
	printf("\n");
}

int pci_bind_virtio(struct pci_func *f, uint64_t timeout_ns)
{
	struct virtio_device *vdev;
	int ret;

	if (f->header_type != PCI_HEADER_TYPE_NORMAL || virtio_pci_device_type(f) == 0) {
		return 0;
	}
	ret = virtio_pci_create(f, &vdev);
	if (ret < 0) {
		pci_skip(f, "no usable virtio interface (%d)", ret);
		return 0;
	}
	ret = fill_platform(f, vdev);
	if (ret < 0) {
		virtio_pci_destroy(vdev);
		pci_skip(f, "malformed dma-ranges on %s (%d)", f->host->name, ret);
		return 0;
	}
	vdev->timeout_ns = timeout_ns;
	f->vdev = vdev;
	print_bound(vdev, virtio_add_device(vdev));
	return 1;
}
