/* The modern virtio-pci interface (virtio 1.2 §4.1.4): vendor capabilities locate the common
 * configuration, notification, ISR and device configuration structures inside the BARs; all
 * of them, and every value the device returns, are checked before use. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/barrier.h"
#include "arch/io.h"
#include "arch/timer.h"
#include "vireo/virtio_reg.h"
#include "virtio_pci_priv.h"

#define VIRTIO_PCI_CAP_TYPES (VIRTIO_PCI_CAP_DEVICE_CFG + 1)
#define VIRTIO_PCI_CONFIG_RETRIES 16

/** What one virtio vendor capability says (§4.1.4 struct virtio_pci_cap). */
struct vp_cap {
	bool found;
	uint8_t bar;
	uint32_t offset;
	uint32_t length;
	uint32_t mult; /* notify only */
};

static const char *const cap_names[VIRTIO_PCI_CAP_TYPES] = { "?", "common", "notify", "ISR",
							     "device" };

/** Record the capability at pos if it is the first usable one of its type (§4.1.4: use the
 *  first instance of each type; ignore unknown types and reserved BAR numbers). */
static int cap_read(const struct pci_func *f, int pos, struct vp_cap caps[])
{
	unsigned len = pci_cfg_read8(f, (unsigned)pos + VIRTIO_PCI_CAP_CFG_LEN);
	unsigned type = pci_cfg_read8(f, (unsigned)pos + VIRTIO_PCI_CAP_CFG_TYPE);
	uint8_t bar = pci_cfg_read8(f, (unsigned)pos + VIRTIO_PCI_CAP_BAR);
	struct vp_cap *c = &caps[type < VIRTIO_PCI_CAP_TYPES ? type : 0];

	if (type == 0 || type >= VIRTIO_PCI_CAP_TYPES || bar >= PCI_STD_NUM_BARS || c->found) {
		return 0;
	}
	if (len < (type == VIRTIO_PCI_CAP_NOTIFY_CFG ? VIRTIO_PCI_NOTIFY_CAP_SIZE
						     : VIRTIO_PCI_CAP_SIZE) ||
	    (unsigned)pos + len > PCI_CFG_SPACE_SIZE) {
		printf("pci %s: virtio %s capability at 0x%x has a bad length %u\n", f->name,
		       cap_names[type], (unsigned)pos, len);
		return -EINVAL;
	}
	c->found = true;
	c->bar = bar;
	c->offset = pci_cfg_read32(f, (unsigned)pos + VIRTIO_PCI_CAP_OFFSET);
	c->length = pci_cfg_read32(f, (unsigned)pos + VIRTIO_PCI_CAP_LENGTH);
	if (type == VIRTIO_PCI_CAP_NOTIFY_CFG) {
		c->mult = pci_cfg_read32(f, (unsigned)pos + VIRTIO_PCI_NOTIFY_CAP_MULT);
	}
	return 0;
}

static int caps_find(const struct pci_func *f, struct vp_cap caps[])
{
	struct pci_cap_iter it;
	int pos;

	pci_cap_begin(&it, f);
	while ((pos = pci_cap_next(&it)) > 0) {
		if (pci_cfg_read8(f, (unsigned)pos) == PCI_CAP_ID_VNDR &&
		    cap_read(f, pos, caps) < 0) {
			return -EINVAL;
		}
	}
	if (pos != -ENOENT) {
		printf("pci %s: capability list broken (%d)\n", f->name, pos);
		return -EINVAL;
	}
	return 0;
}

/** Map a capability to a region of its BAR: the BAR must be assigned and hold the whole
 *  structure, aligned for the accesses made to it. Adds the decoding it needs to *cmd. */
static int cap_region(const struct pci_func *f, unsigned type, const struct vp_cap *c,
		      uint32_t min_len, uint32_t align, struct virtio_pci_region *r, uint16_t *cmd)
{
	const struct pci_bar *b = &f->bar[c->bar];

	if (b->kind == PCI_BAR_NONE || !b->assigned) {
		printf("pci %s: virtio %s capability points at unassigned BAR%u\n", f->name,
		       cap_names[type], c->bar);
		return -EINVAL;
	}
	if ((uint64_t)c->offset + c->length > b->size || c->length < min_len ||
	    c->offset % align != 0) {
		printf("pci %s: virtio %s capability [0x%x, +0x%x) outside BAR%u (0x%llx bytes), "
		       "too short or misaligned\n",
		       f->name, cap_names[type], (unsigned)c->offset, (unsigned)c->length, c->bar,
		       (unsigned long long)b->size);
		return -EINVAL;
	}
	r->addr = (uintptr_t)(b->cpu_addr + c->offset);
	r->len = c->length;
	*cmd |= b->kind == PCI_BAR_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	return 0;
}

int virtio_pci_modern_setup(struct virtio_pci *vp)
{
	struct vp_cap caps[VIRTIO_PCI_CAP_TYPES];
	const struct pci_func *f = vp->f;
	uint16_t cmd = 0;
	int ret;

	memset(caps, 0, sizeof(caps));
	ret = caps_find(f, caps);
	if (ret < 0) {
		return ret;
	}
	if (!caps[VIRTIO_PCI_CAP_COMMON_CFG].found) {
		return -ENOENT;
	}
	if (!caps[VIRTIO_PCI_CAP_NOTIFY_CFG].found || !caps[VIRTIO_PCI_CAP_ISR_CFG].found) {
		printf("pci %s: virtio common capability without notify and ISR ones\n", f->name);
		return -EINVAL;
	}
	/* Fields are accessed with their natural width (§4.1.3.1), so common and device
	 * configuration are 4-byte aligned and a notify address 2-byte aligned. */
	if (cap_region(f, VIRTIO_PCI_CAP_COMMON_CFG, &caps[VIRTIO_PCI_CAP_COMMON_CFG],
		       VIRTIO_PCI_COMMON_SIZE, 4, &vp->common, &cmd) < 0 ||
	    cap_region(f, VIRTIO_PCI_CAP_NOTIFY_CFG, &caps[VIRTIO_PCI_CAP_NOTIFY_CFG], 2, 2,
		       &vp->notify, &cmd) < 0 ||
	    cap_region(f, VIRTIO_PCI_CAP_ISR_CFG, &caps[VIRTIO_PCI_CAP_ISR_CFG], 1, 1, &vp->isr,
		       &cmd) < 0 ||
	    (caps[VIRTIO_PCI_CAP_DEVICE_CFG].found &&
	     cap_region(f, VIRTIO_PCI_CAP_DEVICE_CFG, &caps[VIRTIO_PCI_CAP_DEVICE_CFG], 0, 4,
			&vp->device, &cmd) < 0)) {
		return -EINVAL;
	}
	vp->notify_mult = caps[VIRTIO_PCI_CAP_NOTIFY_CFG].mult;
	pci_command_set(f, cmd);
	return 0;
}

/* ---------------------------------------------------------------- the transport */

static uintptr_t common(struct virtio_device *vdev, unsigned reg)
{
	return to_vp(vdev)->common.addr + reg;
}

static uint8_t modern_get_status(struct virtio_device *vdev)
{
	return io_read8(common(vdev, VIRTIO_PCI_COMMON_STATUS));
}

static void modern_set_status(struct virtio_device *vdev, uint8_t status)
{
	virtio_pci_status_hook(to_vp(vdev), status);
	io_write8(common(vdev, VIRTIO_PCI_COMMON_STATUS), status);
}

static int modern_reset(struct virtio_device *vdev)
{
	struct virtio_pci *vp = to_vp(vdev);
	uint64_t deadline = arch_time_ns() + VIRTIO_PCI_RESET_TIMEOUT_NS;

	io_write8(common(vdev, VIRTIO_PCI_COMMON_STATUS), 0);
	/* §4.1.4.3.2: wait until device_status reads 0 before reinitialising. */
	while (io_read8(common(vdev, VIRTIO_PCI_COMMON_STATUS)) != 0) {
		if (arch_time_ns() > deadline) {
			return -ETIMEDOUT;
		}
		arch_cpu_relax();
	}
	memset(vp->queue_notify, 0, sizeof(vp->queue_notify));
	virtio_pci_reset_done(vp);
	/* A reset sets every vector back to NO_VECTOR (§4.1.5.1.2). */
	if (virtio_pci_msix_config_vector(vp) != 0) {
		printf("%s: device refused the configuration MSI-X vector\n", vdev->transport_name);
	}
	return 0;
}

static uint64_t modern_get_features(struct virtio_device *vdev)
{
	uint64_t f;

	io_write32(common(vdev, VIRTIO_PCI_COMMON_DFSELECT), 0);
	f = io_read32(common(vdev, VIRTIO_PCI_COMMON_DF));
	io_write32(common(vdev, VIRTIO_PCI_COMMON_DFSELECT), 1);
	return f | (uint64_t)io_read32(common(vdev, VIRTIO_PCI_COMMON_DF)) << 32;
}

static void modern_set_features(struct virtio_device *vdev, uint64_t features)
{
	io_write32(common(vdev, VIRTIO_PCI_COMMON_GFSELECT), 0);
	io_write32(common(vdev, VIRTIO_PCI_COMMON_GF), (uint32_t)features);
	io_write32(common(vdev, VIRTIO_PCI_COMMON_GFSELECT), 1);
	io_write32(common(vdev, VIRTIO_PCI_COMMON_GF), (uint32_t)(features >> 32));
}

static int modern_config_read(struct virtio_device *vdev, unsigned offset, void *buf, unsigned len)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (!virtio_pci_in(vp->device.len, offset, len)) {
		return -EINVAL;
	}
	/* §4.1.4.3.1: retry until config_generation is the same before and after. */
	for (unsigned tries = 0; tries < VIRTIO_PCI_CONFIG_RETRIES; tries++) {
		uint8_t gen = io_read8(common(vdev, VIRTIO_PCI_COMMON_CFGGENERATION));

		virtio_cfg_copy_in(vp->device.addr, offset, buf, len);
		if (io_read8(common(vdev, VIRTIO_PCI_COMMON_CFGGENERATION)) == gen) {
			return 0;
		}
	}
	return -EAGAIN;
}

static int modern_config_write(struct virtio_device *vdev, unsigned offset, const void *buf,
			       unsigned len)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (!virtio_pci_in(vp->device.len, offset, len)) {
		return -EINVAL;
	}
	virtio_cfg_copy_out(vp->device.addr, offset, buf, len);
	return 0;
}

static unsigned modern_queue_max(struct virtio_device *vdev, unsigned index)
{
	if (index >= io_read16(common(vdev, VIRTIO_PCI_COMMON_NUMQ))) {
		return 0;
	}
	io_write16(common(vdev, VIRTIO_PCI_COMMON_Q_SELECT), (uint16_t)index);
	if (io_read16(common(vdev, VIRTIO_PCI_COMMON_Q_ENABLE)) != 0) {
		return 0; /* already in use: not ours to set up */
	}
	return io_read16(common(vdev, VIRTIO_PCI_COMMON_Q_SIZE));
}

/** The queue's notify address (§4.1.4.4): cap.offset + queue_notify_off *
 *  notify_off_multiplier, with 2 bytes to write inside the capability. 0 when it is not. */
static uintptr_t notify_addr(struct virtio_pci *vp, unsigned index)
{
	uint64_t off =
		(uint64_t)io_read16(common(&vp->vdev, VIRTIO_PCI_COMMON_Q_NOFF)) * vp->notify_mult;

	if (off + 2 > vp->notify.len || (off & 1) != 0) {
		printf("%s: queue %u notify offset 0x%llx outside the notify capability (0x%x "
		       "bytes)\n",
		       vp->vdev.transport_name, index, (unsigned long long)off,
		       (unsigned)vp->notify.len);
		return 0;
	}
	return vp->notify.addr + (uintptr_t)off;
}

static void write64(struct virtio_device *vdev, unsigned reg, dma_addr_t a)
{
	io_write32(common(vdev, reg), (uint32_t)dma_addr(a));
	io_write32(common(vdev, reg + 4), (uint32_t)(dma_addr(a) >> 32));
}

static int modern_queue_enable(struct virtio_device *vdev, unsigned index, unsigned size,
			       dma_addr_t desc, dma_addr_t avail, dma_addr_t used)
{
	struct virtio_pci *vp = to_vp(vdev);
	uintptr_t notify;

	if (index >= VIRTIO_PCI_MAX_QUEUES) {
		return -ENOSPC;
	}
	io_write16(common(vdev, VIRTIO_PCI_COMMON_Q_SELECT), (uint16_t)index);
	notify = notify_addr(vp, index);
	if (notify == 0) {
		return -ERANGE;
	}
	io_write16(common(vdev, VIRTIO_PCI_COMMON_Q_SIZE), (uint16_t)size);
	write64(vdev, VIRTIO_PCI_COMMON_Q_DESCLO, desc);
	write64(vdev, VIRTIO_PCI_COMMON_Q_AVAILLO, avail);
	write64(vdev, VIRTIO_PCI_COMMON_Q_USEDLO, used);
	if (vp->msix_count != 0) {
		uint16_t vec = virtio_pci_msix_queue_vector(vp, index);

		/* §4.1.5.1.2: reading back NO_VECTOR means the device could not map it. */
		io_write16(common(vdev, VIRTIO_PCI_COMMON_Q_MSIX), vec);
		if (io_read16(common(vdev, VIRTIO_PCI_COMMON_Q_MSIX)) != vec) {
			printf("%s: queue %u: device refused MSI-X vector %u\n",
			       vdev->transport_name, index, vec);
			return -EIO;
		}
	}
	io_write16(common(vdev, VIRTIO_PCI_COMMON_Q_ENABLE), 1);
	vp->queue_notify[index] = notify;
	return 0;
}

/* §4.1.4.3.2: the driver must not write 0 to queue_enable; without VIRTIO_F_RING_RESET a
 * queue stops only with the device reset the core does when it lets go of the device. Until
 * then the queue is no longer notified. */
static void modern_queue_disable(struct virtio_device *vdev, unsigned index)
{
	if (index < VIRTIO_PCI_MAX_QUEUES) {
		to_vp(vdev)->queue_notify[index] = 0;
	}
}

static void modern_notify(struct virtio_device *vdev, unsigned index)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (index >= VIRTIO_PCI_MAX_QUEUES || vp->queue_notify[index] == 0) {
		return;
	}
	/* The ring writes must reach memory before the device is told to look. */
	io_mb();
	io_write16(vp->queue_notify[index], (uint16_t)index);
}

static uint32_t modern_irq_ack(struct virtio_device *vdev)
{
	/* §4.1.4.5: reading the ISR status acknowledges it. */
	return io_read8(to_vp(vdev)->isr.addr) & (VIRTIO_PCI_ISR_QUEUE | VIRTIO_PCI_ISR_CONFIG);
}

const struct virtio_transport_ops virtio_pci_modern_ops = {
	.get_status = modern_get_status,
	.set_status = modern_set_status,
	.reset = modern_reset,
	.get_features = modern_get_features,
	.set_features = modern_set_features,
	.config_read = modern_config_read,
	.config_write = modern_config_write,
	.queue_max = modern_queue_max,
	.queue_enable = modern_queue_enable,
	.queue_disable = modern_queue_disable,
	.notify = modern_notify,
	.irq_ack = modern_irq_ack,
	.msix_setup = virtio_pci_msix_setup,
	.msix_named = virtio_pci_msix_named,
};
