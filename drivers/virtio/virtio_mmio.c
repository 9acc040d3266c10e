/* virtio-mmio transport (virtio 1.2 §4.2): version 2, and version 1 (legacy, §4.2.4) with its
 * GuestPageSize / QueuePFN ring placement. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/io.h"
#include "arch/timer.h"
#include "vireo/virtio.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"
#include "virtio_priv.h"

#define MMIO_LEGACY_PAGE 4096u
#define MMIO_RESET_TIMEOUT_NS (1000ull * 1000 * 1000)
#define MMIO_CONFIG_RETRIES 16

struct virtio_mmio {
	struct virtio_device vdev;
	uintptr_t base;
	uint64_t size;
	uint32_t version;
};

static struct virtio_mmio *to_mmio(struct virtio_device *vdev)
{
	return (struct virtio_mmio *)vdev->transport_priv;
}

static uint32_t rd(struct virtio_device *vdev, unsigned reg)
{
	return io_read32(to_mmio(vdev)->base + reg);
}

static void wr(struct virtio_device *vdev, unsigned reg, uint32_t v)
{
	io_write32(to_mmio(vdev)->base + reg, v);
}

static uint8_t mmio_get_status(struct virtio_device *vdev)
{
	return (uint8_t)rd(vdev, VIRTIO_MMIO_STATUS);
}

static void mmio_set_status(struct virtio_device *vdev, uint8_t status)
{
	wr(vdev, VIRTIO_MMIO_STATUS, status);
}

static int mmio_reset(struct virtio_device *vdev)
{
	uint64_t deadline = arch_time_ns() + MMIO_RESET_TIMEOUT_NS;

	wr(vdev, VIRTIO_MMIO_STATUS, 0);
	/* §4.2.3.1: the reset is complete when Status reads back 0. */
	while (rd(vdev, VIRTIO_MMIO_STATUS) != 0) {
		if (arch_time_ns() > deadline) {
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
	}
	return 0;
}

static uint64_t mmio_get_features(struct virtio_device *vdev)
{
	uint64_t f;

	wr(vdev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	f = rd(vdev, VIRTIO_MMIO_DEVICE_FEATURES);
	if (!vdev->legacy) {
		wr(vdev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
		f |= (uint64_t)rd(vdev, VIRTIO_MMIO_DEVICE_FEATURES) << 32;
	}
	return f;
}

static void mmio_set_features(struct virtio_device *vdev, uint64_t features)
{
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	if (!vdev->legacy) {
		wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		wr(vdev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	}
}

static uintptr_t config_base(struct virtio_device *vdev)
{
	return to_mmio(vdev)->base + VIRTIO_MMIO_CONFIG;
}

static bool mmio_config_in_window(struct virtio_device *vdev, unsigned offset, unsigned len)
{
	uint64_t size = to_mmio(vdev)->size;

	return size > VIRTIO_MMIO_CONFIG && len <= size - VIRTIO_MMIO_CONFIG &&
	       offset <= size - VIRTIO_MMIO_CONFIG - len;
}

static int mmio_config_read(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len)
{
	if (!mmio_config_in_window(vdev, offset, len)) {
		return -EINVAL;
	}
	if (vdev->legacy) {
		virtio_cfg_copy_in(config_base(vdev), offset, buf, len);
		return 0;
	}
	/* §4.2.2.2: retry until ConfigGeneration is the same before and after. */
	for (unsigned tries = 0; tries < MMIO_CONFIG_RETRIES; tries++) {
		uint32_t gen = rd(vdev, VIRTIO_MMIO_CONFIG_GENERATION);

		virtio_cfg_copy_in(config_base(vdev), offset, buf, len);
		if (rd(vdev, VIRTIO_MMIO_CONFIG_GENERATION) == gen) {
			return 0;
		}
	}
	return -EAGAIN;
}

static int mmio_config_write(struct virtio_device *vdev, unsigned offset, const void *buf,
			     unsigned len)
{
	if (!mmio_config_in_window(vdev, offset, len)) {
		return -EINVAL;
	}
	virtio_cfg_copy_out(config_base(vdev), offset, buf, len);
	return 0;
}

static unsigned mmio_queue_max(struct virtio_device *vdev, unsigned index)
{
	wr(vdev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (!vdev->legacy && rd(vdev, VIRTIO_MMIO_QUEUE_READY) != 0) {
		return 0; /* already in use: not ours to set up */
	}
	return rd(vdev, VIRTIO_MMIO_QUEUE_NUM_MAX);
}

static void wr64(struct virtio_device *vdev, unsigned reg_low, dma_addr_t a)
{
	wr(vdev, reg_low, (uint32_t)dma_addr(a));
	wr(vdev, reg_low + 4, (uint32_t)(dma_addr(a) >> 32));
}

/* Legacy devices find avail and used from the descriptor address alone (§2.7.2 legacy). */
static int mmio_legacy_layout_ok(struct virtio_device *vdev, unsigned size, dma_addr_t desc,
				 dma_addr_t avail, dma_addr_t used)
{
	uint64_t d = dma_addr(desc);
	uint64_t want_used =
		ALIGN_UP(d + 16u * size + 6u + 2u * size, (uint64_t)vdev->legacy_align);

	if (dma_addr(avail) != d + 16u * size || dma_addr(used) != want_used ||
	    !IS_ALIGNED(d, (uint64_t)MMIO_LEGACY_PAGE) || d / MMIO_LEGACY_PAGE > UINT32_MAX) {
		return -ERANGE;
	}
	return 0;
}

static int mmio_queue_enable(struct virtio_device *vdev, unsigned index, unsigned size,
			     dma_addr_t desc, dma_addr_t avail, dma_addr_t used)
{
	wr(vdev, VIRTIO_MMIO_QUEUE_SEL, index);
	wr(vdev, VIRTIO_MMIO_QUEUE_NUM, size);
	if (vdev->legacy) {
		int ret = mmio_legacy_layout_ok(vdev, size, desc, avail, used);

		if (ret < 0) {
			return ret;
		}
		wr(vdev, VIRTIO_MMIO_GUEST_PAGE_SIZE, MMIO_LEGACY_PAGE);
		wr(vdev, VIRTIO_MMIO_QUEUE_ALIGN, vdev->legacy_align);
		wr(vdev, VIRTIO_MMIO_QUEUE_PFN, (uint32_t)(dma_addr(desc) / MMIO_LEGACY_PAGE));
		return 0;
	}
	wr64(vdev, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
	wr64(vdev, VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail);
	wr64(vdev, VIRTIO_MMIO_QUEUE_DEVICE_LOW, used);
	wr(vdev, VIRTIO_MMIO_QUEUE_READY, 1);
	return 0;
}

static void mmio_queue_disable(struct virtio_device *vdev, unsigned index)
{
	wr(vdev, VIRTIO_MMIO_QUEUE_SEL, index);
	if (vdev->legacy) {
		wr(vdev, VIRTIO_MMIO_QUEUE_PFN, 0);
	} else {
		wr(vdev, VIRTIO_MMIO_QUEUE_READY, 0);
	}
}

static void mmio_notify(struct virtio_device *vdev, unsigned index)
{
	/* The ring writes must reach memory before the device is told to look. */
	io_write32_mb(to_mmio(vdev)->base + VIRTIO_MMIO_QUEUE_NOTIFY, index);
}

static uint32_t mmio_irq_ack(struct virtio_device *vdev)
{
	uint32_t status = rd(vdev, VIRTIO_MMIO_INTERRUPT_STATUS);

	wr(vdev, VIRTIO_MMIO_INTERRUPT_ACK, status);
	return status & (VIRTIO_MMIO_INT_VRING | VIRTIO_MMIO_INT_CONFIG);
}

static const struct virtio_transport_ops mmio_ops = {
	.get_status = mmio_get_status,
	.set_status = mmio_set_status,
	.reset = mmio_reset,
	.get_features = mmio_get_features,
	.set_features = mmio_set_features,
	.config_read = mmio_config_read,
	.config_write = mmio_config_write,
	.queue_max = mmio_queue_max,
	.queue_enable = mmio_queue_enable,
	.queue_disable = mmio_queue_disable,
	.notify = mmio_notify,
	.irq_ack = mmio_irq_ack,
};

int virtio_mmio_create(uintptr_t base, uint64_t size, struct virtio_device **out)
{
	struct virtio_mmio *m;
	uint32_t version;
	uint32_t id;

	if (size < VIRTIO_MMIO_CONFIG) {
		return -EINVAL;
	}
	if (io_read32(base + VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MMIO_MAGIC) {
		return -EINVAL;
	}
	version = io_read32(base + VIRTIO_MMIO_VERSION);
	if (version != 1 && version != 2) {
		return -EINVAL;
	}
	id = io_read32(base + VIRTIO_MMIO_DEVICE_ID);
	if (id == 0) {
		return -ENODEV;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		return -ENOMEM;
	}
	m->base = base;
	m->size = size;
	m->version = version;
	m->vdev.ops = &mmio_ops;
	m->vdev.transport_priv = m;
	m->vdev.device_id = id;
	m->vdev.legacy = version == 1;
	m->vdev.legacy_align = MMIO_LEGACY_PAGE;
	m->vdev.plat.irq = -1;
	snprintf(m->vdev.transport_name, sizeof(m->vdev.transport_name), "mmio@%llx",
		 (unsigned long long)base);
	*out = &m->vdev;
	return 0;
}

void virtio_mmio_destroy(struct virtio_device *vdev)
{
	free(to_mmio(vdev));
}
