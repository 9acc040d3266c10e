/* Virtio device core: the initialisation sequence of virtio 1.2 §3.1.1, feature negotiation and
 * the DMA backend choice. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/cpu.h"
#include "vireo/bounce.h"
#include "vireo/dma_iommu.h"
#include "vireo/dma_policy.h"
#include "vireo/dma_pools.h"
#include "vireo/platform.h"
#include "vireo/virtio.h"
#include "vireo/virtio_reg.h"

#define VIRTIO_DEFAULT_TIMEOUT_NS (5ull * 1000 * 1000 * 1000)

static struct virtio_device *device_list;

struct virtio_device *virtio_first(void)
{
	return device_list;
}

void virtio_list_add(struct virtio_device *vdev)
{
	struct virtio_device **pp = &device_list;

	while (*pp != NULL) {
		pp = &(*pp)->next;
	}
	vdev->next = NULL;
	*pp = vdev;
}

void virtio_list_remove(struct virtio_device *vdev)
{
	struct virtio_device **pp = &device_list;

	while (*pp != NULL && *pp != vdev) {
		pp = &(*pp)->next;
	}
	if (*pp != NULL) {
		*pp = vdev->next;
	}
	vdev->next = NULL;
}

static void add_status(struct virtio_device *vdev, uint8_t bits)
{
	vdev->ops->set_status(vdev, vdev->ops->get_status(vdev) | bits);
}

void virtio_fail(struct virtio_device *vdev, const char *why)
{
	printf("%s: %s: device failed and reset\n",
	       vdev->name[0] ? vdev->name : vdev->transport_name, why);
	vdev->broken = true;
	/* A reset stops the device using any ring or buffer; FAILED tells it we gave up. */
	vdev->ops->reset(vdev);
	vdev->ops->set_status(vdev, VIRTIO_CONFIG_S_FAILED);
}

static int virtio_setup_bounce(struct virtio_device *vdev)
{
	const struct virtio_platform *p = &vdev->plat;
	struct bounce_pool *pool = dma_pool_for(p->restricted_pool ? p->pool_base : 0,
						p->restricted_pool ? p->pool_size : 0);

	if (pool == NULL) {
		vdev->dma.backend = DMA_BACKEND_NONE;
		snprintf(vdev->dma.reason, sizeof(vdev->dma.reason), "no bounce pool");
		return -EPERM;
	}
	dma_bounce_attach(&vdev->dma, pool);
	if (p->iommu != NULL) {
		/* Behind an SMMU: the pool, and nothing else, is reachable through it. */
		int ret = dma_iommu_map_window(p->iommu, p->stream_id, pool->dev_base,
					       arch_va_to_pa(pool->cpu), pool->size,
					       vdev->dma.coherent);

		if (ret < 0) {
			vdev->dma.backend = DMA_BACKEND_NONE;
			snprintf(vdev->dma.reason, sizeof(vdev->dma.reason),
				 "bounce pool not mapped in %s (%d)", p->iommu_name, ret);
			return -EPERM;
		}
	}
	return 0;
}

/** The device's SMMU stream: bypass for the direct backend, a translating domain for the
 *  iommu backend. Nothing to do when the device is not behind an SMMU that is up. */
static int virtio_setup_stream(struct virtio_device *vdev, const struct dma_policy_out *out)
{
	const struct virtio_platform *p = &vdev->plat;
	int ret = 0;

	if (p->iommu == NULL) {
		return 0;
	}
	if (out->backend == DMA_BACKEND_IOMMU) {
		ret = dma_iommu_attach(&vdev->dma, p->iommu, p->stream_id);
	} else if (out->stream_bypass) {
		ret = dma_iommu_bypass(p->iommu, p->stream_id);
	}
	if (ret < 0) {
		vdev->dma.backend = DMA_BACKEND_NONE;
		snprintf(vdev->dma.reason, sizeof(vdev->dma.reason),
			 "stream 0x%x of %s not set up (%d)", (unsigned)p->stream_id, p->iommu_name,
			 ret);
		return -EPERM;
	}
	return 0;
}

/** Fill vdev->dma from the policy. -EPERM when the policy refuses the device. */
static int virtio_setup_dma(struct virtio_device *vdev, uint64_t offered,
			    struct dma_policy_out *out)
{
	struct dma_policy_in in;
	struct dma_dev *d = &vdev->dma;

	virtio_policy_input(vdev, offered, &in);
	dma_policy_choose(&in, out);
	memset(d, 0, sizeof(*d));
	d->backend = out->backend;
	d->coherent = out->coherent;
	snprintf(d->reason, sizeof(d->reason), "%s", out->reason);
	if (out->backend == DMA_BACKEND_NONE) {
		return -EPERM;
	}
	if (out->backend == DMA_BACKEND_BOUNCE) {
		return virtio_setup_bounce(vdev);
	}
	d->range_cpu_base = vdev->plat.range_cpu_base;
	d->range_dev_base = vdev->plat.range_dev_base;
	d->range_size = vdev->plat.range_size;
	return virtio_setup_stream(vdev, out);
}

static int virtio_begin(struct virtio_device *vdev)
{
	int ret = vdev->ops->reset(vdev);

	if (ret < 0) {
		return ret;
	}
	add_status(vdev, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER);
	return 0;
}

static int virtio_features_ok(struct virtio_device *vdev)
{
	if (vdev->legacy) {
		return 0; /* legacy devices have no FEATURES_OK (§7.2.1) */
	}
	add_status(vdev, VIRTIO_CONFIG_S_FEATURES_OK);
	if (!(vdev->ops->get_status(vdev) & VIRTIO_CONFIG_S_FEATURES_OK)) {
		return -ENOTSUP;
	}
	return 0;
}

static int negotiate_fail(struct virtio_device *vdev, int err, const char *why)
{
	virtio_fail(vdev, why);
	return err;
}

int virtio_negotiate(struct virtio_device *vdev, uint64_t driver_features)
{
	struct dma_policy_out pol;
	uint64_t offered;
	uint64_t wanted = driver_features;

	if (vdev->timeout_ns == 0) {
		vdev->timeout_ns = VIRTIO_DEFAULT_TIMEOUT_NS;
	}
	if (virtio_begin(vdev) < 0) {
		return negotiate_fail(vdev, -ETIMEDOUT, "reset did not complete");
	}
	offered = vdev->ops->get_features(vdev);
	if (vdev->legacy) {
		offered &= 0xffffffffu;
	} else if (!((offered >> VIRTIO_F_VERSION_1) & 1)) {
		return negotiate_fail(vdev, -ENOTSUP, "modern interface without VERSION_1");
	}
	vdev->features_offered = offered;
	if (virtio_setup_dma(vdev, offered, &pol) < 0) {
		return negotiate_fail(vdev, -EPERM, vdev->dma.reason);
	}
	if (!vdev->legacy) {
		/* Ring layouts are the virtqueue's business, not a driver's: every driver's
		 * queues can be packed. */
		wanted |= (1ull << VIRTIO_F_VERSION_1) | (1ull << VIRTIO_F_RING_PACKED);
	}
	if (pol.accept_access_platform) {
		wanted |= 1ull << VIRTIO_F_ACCESS_PLATFORM;
	}
	if (virtio_options.no_indirect) {
		wanted &= ~(1ull << VIRTIO_F_INDIRECT_DESC);
	}
	if (virtio_options.no_event_idx) {
		wanted &= ~(1ull << VIRTIO_F_EVENT_IDX);
	}
	if (virtio_options.no_packed || vdev->legacy) {
		wanted &= ~(1ull << VIRTIO_F_RING_PACKED);
	}
	vdev->features = offered & wanted;
	vdev->ops->set_features(vdev, vdev->features);
	if (virtio_features_ok(vdev) < 0) {
		return negotiate_fail(vdev, -ENOTSUP, "device did not accept the features");
	}
	return 0;
}

int virtio_driver_ok(struct virtio_device *vdev)
{
	add_status(vdev, VIRTIO_CONFIG_S_DRIVER_OK);
	if (vdev->ops->get_status(vdev) & VIRTIO_CONFIG_S_NEEDS_RESET) {
		virtio_fail(vdev, "device needs reset after DRIVER_OK");
		return -EIO;
	}
	return 0;
}

int virtio_config_read(struct virtio_device *vdev, unsigned offset, unsigned size, uint64_t *val)
{
	uint8_t buf[8];
	uint64_t v = 0;
	int ret;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		return -EINVAL;
	}
	ret = vdev->ops->config_read(vdev, offset, buf, size);
	if (ret < 0) {
		return ret;
	}
	for (unsigned i = 0; i < size; i++) {
		v |= (uint64_t)buf[i] << (8 * i);
	}
	*val = v;
	return 0;
}

int virtio_wait_failed(struct virtio_device *vdev, int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		virtio_fail(vdev, "request timed out");
		return ret;
	case -EFAULT:
		virtio_fail(vdev, "request failed: DMA fault in the IOMMU");
		return -EIO;
	case -EPROTO:
		virtio_fail(vdev, "device returned a bad used entry");
		return -EIO;
	default:
		return ret;
	}
}
