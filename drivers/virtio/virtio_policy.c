/* What the DMA policy (dma/policy.c) is told about a virtio device: its offered features and
 * its platform facts. Apart from the core so that vireo-probe asks the policy the same
 * question the image does. */
#include <string.h>

#include "vireo/dma_policy.h"
#include "vireo/platform.h"
#include "vireo/virtio.h"
#include "vireo/virtio_reg.h"

struct virtio_options virtio_options;

void virtio_policy_input(const struct virtio_device *vdev, uint64_t offered,
			 struct dma_policy_in *in)
{
	const struct virtio_platform *p = &vdev->plat;

	memset(in, 0, sizeof(*in));
	in->version_1 = !vdev->legacy && ((offered >> VIRTIO_F_VERSION_1) & 1);
	in->access_platform = in->version_1 && ((offered >> VIRTIO_F_ACCESS_PLATFORM) & 1);
	in->protected_guest = virtio_options.protected_guest ||
			      (platform_dma_hook() != NULL && platform_dma_hook()->protected_guest);
	in->force_bounce = virtio_options.force_bounce;
	in->restricted_pool = p->restricted_pool;
	in->behind_iommu = p->behind_iommu;
	in->iommu_up = p->iommu != NULL;
	in->iommu_name = p->iommu_name[0] ? p->iommu_name : NULL;
	in->coherent = p->coherent;
	in->dma_ranges = p->range_size != 0;
	in->have_iommu_backend = true;
	in->have_bounce_backend = true;
}
