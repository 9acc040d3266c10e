/* The legacy virtio-pci interface (virtio 1.2 §4.1.4.8): a register block in I/O BAR0 with
 * 32 feature bits, a fixed queue size the driver must use as is, and the legacy ring layout
 * (§2.7.2) placed by a page frame number of 4 KiB pages. On Arm the host's I/O window is
 * memory-mapped, so the block is reached with the MMIO accessors at its CPU address. */
#include <errno.h>
#include <stdio.h>

#include "arch/barrier.h"
#include "arch/io.h"
#include "arch/timer.h"
#include "vireo/virtio_reg.h"
#include "virtio_pci_priv.h"

int virtio_pci_legacy_setup(struct virtio_pci *vp)
{
	const struct pci_bar *b = &vp->f->bar[0];

	if (b->kind != PCI_BAR_IO || !b->assigned || b->size < VIRTIO_PCI_CONFIG_OFF) {
		printf("pci %s: legacy virtio device without an assigned I/O BAR0 of at least %u "
		       "bytes\n",
		       vp->f->name, VIRTIO_PCI_CONFIG_OFF);
		return -EINVAL;
	}
	vp->io = (uintptr_t)b->cpu_addr;
	vp->io_size = b->size;
	/* §4.1.4.8: the queue size is read-only; the ring is laid out for exactly it. */
	vp->vdev.queue_size_fixed = true;
	pci_command_set(vp->f, PCI_COMMAND_IO);
	return 0;
}

static uintptr_t reg(struct virtio_device *vdev, unsigned offset)
{
	return to_vp(vdev)->io + offset;
}

static uint8_t legacy_get_status(struct virtio_device *vdev)
{
	return io_read8(reg(vdev, VIRTIO_PCI_STATUS));
}

static void legacy_set_status(struct virtio_device *vdev, uint8_t status)
{
	virtio_pci_status_hook(to_vp(vdev), status);
	io_write8(reg(vdev, VIRTIO_PCI_STATUS), status);
}

static int legacy_reset(struct virtio_device *vdev)
{
	uint64_t deadline = arch_time_ns() + VIRTIO_PCI_RESET_TIMEOUT_NS;

	/* §4.1.4.8: writing 0 to status resets the device; read back until it shows. */
	io_write8(reg(vdev, VIRTIO_PCI_STATUS), 0);
	while (io_read8(reg(vdev, VIRTIO_PCI_STATUS)) != 0) {
		if (arch_time_ns() > deadline) {
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
	}
	virtio_pci_reset_done(to_vp(vdev));
	return 0;
}

static uint64_t legacy_get_features(struct virtio_device *vdev)
{
	return io_read32(reg(vdev, VIRTIO_PCI_HOST_FEATURES));
}

static void legacy_set_features(struct virtio_device *vdev, uint64_t features)
{
	io_write32(reg(vdev, VIRTIO_PCI_GUEST_FEATURES), (uint32_t)features);
}

/** The device-specific configuration follows the registers, up to the end of BAR0. */
static bool legacy_config_ok(struct virtio_device *vdev, unsigned offset, unsigned len)
{
	return virtio_pci_in(to_vp(vdev)->io_size - VIRTIO_PCI_CONFIG_OFF, offset, len);
}

static int legacy_config_read(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len)
{
	if (!legacy_config_ok(vdev, offset, len)) {
		return -EINVAL;
	}
	virtio_cfg_copy_in(reg(vdev, VIRTIO_PCI_CONFIG_OFF), offset, buf, len);
	return 0;
}

static int legacy_config_write(struct virtio_device *vdev, unsigned offset, const void *buf,
			       unsigned len)
{
	if (!legacy_config_ok(vdev, offset, len)) {
		return -EINVAL;
	}
	virtio_cfg_copy_out(reg(vdev, VIRTIO_PCI_CONFIG_OFF), offset, buf, len);
	return 0;
}

static unsigned legacy_queue_max(struct virtio_device *vdev, unsigned index)
{
	io_write16(reg(vdev, VIRTIO_PCI_QUEUE_SEL), (uint16_t)index);
	if (io_read32(reg(vdev, VIRTIO_PCI_QUEUE_PFN)) != 0) {
		return 0; /* already in use: not ours to set up */
	}
	return io_read16(reg(vdev, VIRTIO_PCI_QUEUE_NUM));
}

/** The device finds avail and used from the descriptor address and its own queue size alone
 *  (§2.7.2 legacy layout, 4 KiB alignment), so the ring must be exactly that. */
static int legacy_layout_ok(struct virtio_device *vdev, unsigned index, unsigned size,
			    dma_addr_t desc, dma_addr_t avail, dma_addr_t used)
{
	uint64_t d = dma_addr(desc);
	uint64_t want_used =
		ALIGN_UP(d + 16u * size + 6u + 2u * size, (uint64_t)VIRTIO_PCI_VRING_ALIGN);
	unsigned fixed = io_read16(reg(vdev, VIRTIO_PCI_QUEUE_NUM));

	if (size != fixed) {
		printf("%s: queue %u has the fixed size %u; a ring of %u cannot be used\n",
		       vdev->transport_name, index, fixed, size);
		return -EINVAL;
	}
	if (dma_addr(avail) != d + 16u * size || dma_addr(used) != want_used ||
	    !IS_ALIGNED(d, (uint64_t)VIRTIO_PCI_VRING_ALIGN) ||
	    (d >> VIRTIO_PCI_QUEUE_ADDR_SHIFT) > UINT32_MAX) {
		return -ERANGE;
	}
	return 0;
}

static int legacy_queue_enable(struct virtio_device *vdev, unsigned index, unsigned size,
			       dma_addr_t desc, dma_addr_t avail, dma_addr_t used)
{
	int ret;

	io_write16(reg(vdev, VIRTIO_PCI_QUEUE_SEL), (uint16_t)index);
	ret = legacy_layout_ok(vdev, index, size, desc, avail, used);
	if (ret < 0) {
		return ret;
	}
	io_write32(reg(vdev, VIRTIO_PCI_QUEUE_PFN),
		   (uint32_t)(dma_addr(desc) >> VIRTIO_PCI_QUEUE_ADDR_SHIFT));
	return 0;
}

static void legacy_queue_disable(struct virtio_device *vdev, unsigned index)
{
	io_write16(reg(vdev, VIRTIO_PCI_QUEUE_SEL), (uint16_t)index);
	io_write32(reg(vdev, VIRTIO_PCI_QUEUE_PFN), 0);
}

static void legacy_notify(struct virtio_device *vdev, unsigned index)
{
	/* The ring writes must reach memory before the device is told to look. */
	io_mb();
	io_write16(reg(vdev, VIRTIO_PCI_QUEUE_NOTIFY), (uint16_t)index);
}

static uint32_t legacy_irq_ack(struct virtio_device *vdev)
{
	/* §4.1.4.8: reading the ISR status acknowledges it, as in the modern interface. */
	return io_read8(reg(vdev, VIRTIO_PCI_ISR)) & (VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG);
}

const struct virtio_transport_ops virtio_pci_legacy_ops = {
	.get_status = legacy_get_status,
	.set_status = legacy_set_status,
	.reset = legacy_reset,
	.get_features = legacy_get_features,
	.set_features = legacy_set_features,
	.config_read = legacy_config_read,
	.config_write = legacy_config_write,
	.queue_max = legacy_queue_max,
	.queue_enable = legacy_queue_enable,
	.queue_disable = legacy_queue_disable,
	.notify = legacy_notify,
	.irq_ack = legacy_irq_ack,
};
