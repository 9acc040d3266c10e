/* virtio over PCI (virtio 1.2 §4.1): which virtio device a PCI function is, which interface
 * drives it, and what the modern and legacy transports share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/io.h"
#include "vireo/virtio_pci.h"
#include "vireo/virtio_reg.h"
#include "virtio_pci_priv.h"

uint32_t virtio_pci_device_type(const struct pci_func *f)
{
	if (f->vendor != VIRTIO_PCI_VENDOR_ID) {
		return 0;
	}
	/* §4.1.2.1: modern ids encode the type; transitional ones carry it in the subsystem
	 * device id (§4.1.2.3). */
	if (f->device >= VIRTIO_PCI_DEVICE_MODERN_BASE && f->device <= VIRTIO_PCI_DEVICE_LAST) {
		return f->device - VIRTIO_PCI_DEVICE_MODERN_BASE;
	}
	if (f->device >= VIRTIO_PCI_DEVICE_TRANSITIONAL_FIRST &&
	    f->device <= VIRTIO_PCI_DEVICE_TRANSITIONAL_LAST) {
		return f->subsys_device;
	}
	return 0;
}

void virtio_pci_status_hook(struct virtio_pci *vp, uint8_t status)
{
	if (status & VIRTIO_CONFIG_S_DRIVER_OK) {
		pci_command_set(vp->f, PCI_COMMAND_MASTER);
	}
}

void virtio_pci_reset_done(struct virtio_pci *vp)
{
	pci_command_clear(vp->f, PCI_COMMAND_MASTER);
}

/** Modern when the capabilities are there; legacy BAR0 only for ids a legacy device may
 *  have (§4.1.2.3: transitional); a modern-only id without capabilities is broken. */
static int choose_interface(struct virtio_pci *vp)
{
	int ret = virtio_pci_modern_setup(vp);

	if (ret == 0) {
		vp->vdev.ops = &virtio_pci_modern_ops;
		return 0;
	}
	if (ret != -ENOENT) {
		return ret;
	}
	if (vp->f->device >= VIRTIO_PCI_DEVICE_MODERN_BASE) {
		printf("pci %s: modern virtio id 0x%04x without virtio capabilities\n", vp->f->name,
		       vp->f->device);
		return -EINVAL;
	}
	ret = virtio_pci_legacy_setup(vp);
	if (ret == 0) {
		vp->vdev.ops = &virtio_pci_legacy_ops;
		vp->vdev.legacy = true;
	}
	return ret;
}

int virtio_pci_create(struct pci_func *f, struct virtio_device **out)
{
	uint32_t type = virtio_pci_device_type(f);
	struct virtio_pci *vp;
	int ret;

	if (type == 0) {
		return -ENODEV;
	}
	vp = calloc(1, sizeof(*vp));
	if (vp == NULL) {
		return -ENOMEM;
	}
	vp->f = f;
	vp->vdev.transport_priv = vp;
	vp->vdev.device_id = type;
	vp->vdev.legacy_align = VIRTIO_PCI_VRING_ALIGN;
	vp->vdev.plat.irq = -1;
	snprintf(vp->vdev.transport_name, sizeof(vp->vdev.transport_name), "pci@%s", f->name);
	ret = choose_interface(vp);
	if (ret < 0) {
		free(vp);
		return ret;
	}
	*out = &vp->vdev;
	return 0;
}

void virtio_pci_destroy(struct virtio_device *vdev)
{
	struct virtio_pci *vp = to_vp(vdev);

	pci_command_clear(vp->f, PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY | PCI_COMMAND_IO);
	if (vp->f->vdev == vdev) {
		vp->f->vdev = NULL;
	}
	free(vp);
}
