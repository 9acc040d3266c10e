/* MSI-X for the modern virtio-pci transport (virtio 1.2 §4.1.4.3, §4.1.5.1.2): vector 0 for
 * configuration changes, one vector per queue after it (queues share when the MSI controller
 * gives fewer). Queue vectors only wake the CPU: drivers find completions in their wait
 * loops, so their handler has nothing to acknowledge (MSI-X has no ISR to read). */
#include <errno.h>
#include <stdio.h>

#include "arch/io.h"
#include "arch/irq.h"
#include "vireo/pci.h"
#include "virtio_pci_priv.h"

#define MSIX_CONFIG_VECTOR 0u

static void msix_config_irq(void *arg)
{
	virtio_config_interrupt(arg);
}

static void msix_queue_irq(void *arg)
{
	(void)arg;
}

uint16_t virtio_pci_msix_queue_vector(const struct virtio_pci *vp, unsigned index)
{
	if (vp->msix_count < 2) {
		return VIRTIO_MSI_NO_VECTOR;
	}
	return (uint16_t)(1 + index % (vp->msix_count - 1));
}

int virtio_pci_msix_config_vector(struct virtio_pci *vp)
{
	uintptr_t reg = vp->common.addr + VIRTIO_PCI_COMMON_MSIX;

	if (vp->msix_count == 0) {
		return 0;
	}
	io_write16(reg, MSIX_CONFIG_VECTOR);
	return io_read16(reg) == MSIX_CONFIG_VECTOR ? 0 : -EIO;
}

static void label(struct virtio_pci *vp, const char *who)
{
	snprintf(vp->msix_names[0], sizeof(vp->msix_names[0]), "%s-config", who);
	for (unsigned i = 1; i < vp->msix_count; i++) {
		snprintf(vp->msix_names[i], sizeof(vp->msix_names[i]), "%s-q%u", who, i - 1);
	}
}

static void unregister(struct virtio_pci *vp, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		arch_irq_unregister(vp->msix_intid[i]);
	}
}

int virtio_pci_msix_setup(struct virtio_device *vdev)
{
	struct virtio_pci *vp = to_vp(vdev);
	struct arch_msi msi[VIRTIO_PCI_MSIX_MAX];
	unsigned queues = io_read16(vp->common.addr + VIRTIO_PCI_COMMON_NUMQ);
	unsigned want = 1 + (queues < VIRTIO_PCI_MSIX_MAX - 1 ? queues : VIRTIO_PCI_MSIX_MAX - 1);
	int n = pci_msix_enable(vp->f, want, msi);
	int ret = 0;

	if (n < 0) {
		return n;
	}
	if (n < 2) {
		/* One vector cannot tell configuration changes from completions. */
		pci_msix_disable(vp->f);
		return -ENOSPC;
	}
	vp->msix_count = (unsigned)n;
	label(vp, vdev->transport_name);
	for (unsigned i = 0; i < vp->msix_count && ret == 0; i++) {
		vp->msix_intid[i] = msi[i].intid;
		ret = arch_irq_register(msi[i].intid, IRQ_TRIGGER_EDGE, vp->msix_names[i],
					i == MSIX_CONFIG_VECTOR ? msix_config_irq : msix_queue_irq,
					vdev);
		if (ret != 0) {
			unregister(vp, i);
		}
	}
	if (ret == 0) {
		ret = virtio_pci_msix_config_vector(vp);
		if (ret != 0) {
			unregister(vp, vp->msix_count);
		}
	}
	if (ret != 0) {
		vp->msix_count = 0;
		pci_msix_disable(vp->f);
	}
	return ret;
}

void virtio_pci_msix_named(struct virtio_device *vdev)
{
	struct virtio_pci *vp = to_vp(vdev);

	if (vp->msix_count != 0 && vdev->name[0] != '\0') {
		label(vp, vdev->name);
	}
}
