/* The virtio-mmio bus from the DT: every enabled `virtio,mmio` node becomes a device with the
 * platform facts the DMA policy needs (coherence, dma-ranges, restricted pool, IOMMU, IRQ). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libfdt.h>

#include "vireo/dt.h"
#include "vireo/dt_platform.h"
#include "vireo/smmu.h"
#include "vireo/virtio.h"
#include "vireo/virtio_mmio.h"
#include "vireo/types.h"

/** The node's DMA and interrupt facts (the same reading vireo-probe prints), with the SMMU
 *  instance when its driver is up (NULL otherwise: the policy refuses what needs it). */
static int probe_dma_facts(const void *fdt, int node, uint64_t pa, struct virtio_platform *p)
{
	int iommu;
	int irq_err;
	int ret = dt_device_platform(fdt, node, p, &iommu, &irq_err);

	if (ret < 0) {
		return ret;
	}
	if (iommu >= 0) {
		p->iommu = smmu_lookup(iommu);
	}
	if (irq_err < 0) {
		printf("virtio-mmio@%llx: interrupt not resolvable (%d)\n", (unsigned long long)pa,
		       irq_err);
	}
	return 0;
}

static const char *bind_failure(const struct virtio_device *vdev, int bind)
{
	if (bind < 0 && vdev->dma.backend != DMA_BACKEND_NONE) {
		return strerror(-bind);
	}
	return vdev->dma.reason[0] ? vdev->dma.reason : strerror(-bind);
}

static void print_device(const struct virtio_device *vdev, int bind)
{
	char type[16];

	virtio_type_name(vdev->device_id, type, sizeof(type));
	if (bind == 0 && vdev->name[0] != '\0') {
		printf("virtio: %s at %s: %s, irq %d, dma=%s (%s)\n", vdev->name,
		       vdev->transport_name, vdev->legacy ? "legacy" : "modern", vdev->plat.irq,
		       dma_backend_name(vdev->dma.backend), vdev->dma.reason);
	} else {
		printf("virtio: %s at %s: not bound (%s)\n", type, vdev->transport_name,
		       bind_failure(vdev, bind));
	}
}

/** Probe one node; returns 1 when it held a device, 0 for an empty slot or a failure. */
static unsigned probe_node(const void *fdt, int node, uint64_t timeout_ns)
{
	struct virtio_device *vdev;
	uint64_t pa;
	uint64_t size;
	int ret = dt_reg(fdt, node, 0, &pa, &size);

	if (ret < 0) {
		printf("virtio-mmio %s: unusable reg (%d)\n", fdt_get_name(fdt, node, NULL), ret);
		return 0;
	}
	if (!pa_range_reachable(pa, size)) {
		printf("virtio-mmio %s: window 0x%llx+0x%llx is out of reach of this CPU's "
		       "addresses; skipped\n",
		       fdt_get_name(fdt, node, NULL), (unsigned long long)pa,
		       (unsigned long long)size);
		return 0;
	}
	ret = virtio_mmio_create((uintptr_t)pa, size, &vdev);
	if (ret == -ENODEV) {
		return 0;
	}
	if (ret < 0) {
		printf("virtio-mmio@%llx: %s\n", (unsigned long long)pa,
		       ret == -ENOMEM ? "out of memory" : "bad magic, version or register window");
		return 0;
	}
	ret = probe_dma_facts(fdt, node, pa, &vdev->plat);
	if (ret < 0) {
		printf("virtio-mmio@%llx: malformed dma-ranges, memory-region or iommus (%d); "
		       "device left alone\n",
		       (unsigned long long)pa, ret);
		virtio_mmio_destroy(vdev);
		return 0;
	}
	vdev->timeout_ns = timeout_ns;
	print_device(vdev, virtio_add_device(vdev));
	return 1;
}

unsigned virtio_mmio_probe_all(const void *fdt, uint64_t timeout_ns)
{
	unsigned nodes = 0;
	unsigned devices = 0;
	int node = -1;

	while ((node = fdt_node_offset_by_compatible(fdt, node, "virtio,mmio")) >= 0) {
		if (dt_node_enabled(fdt, node)) {
			nodes++;
			devices += probe_node(fdt, node, timeout_ns);
		}
	}
	printf("virtio-mmio: %u slot%s, %u device%s\n", nodes, nodes == 1 ? "" : "s", devices,
	       devices == 1 ? "" : "s");
	return devices;
}
