/* virtio over PCI (virtio 1.2 §4.1): the modern interface (vendor capabilities pointing into
 * memory BARs), the legacy interface (the I/O BAR0 register block of §4.1.4.8) and
 * transitional devices, which offer both and are driven through the modern one. */
#ifndef VIREO_VIRTIO_PCI_H
#define VIREO_VIRTIO_PCI_H

#include <stdint.h>

struct pci_func;
struct virtio_device;

#define VIRTIO_PCI_VENDOR_ID 0x1af4

/** The virtio device type of PCI function f (§4.1.2.1): device id 0x1040 + type for a
 *  modern-only device; for a transitional one (device id 0x1000-0x103f) the subsystem device
 *  id. 0 when f is not a virtio function (or names the reserved type 0). */
uint32_t virtio_pci_device_type(const struct pci_func *f);

/** Make the virtio device of an enumerated virtio function whose BARs are assigned: modern
 *  when its common, notify and ISR capabilities are present (device-specific config
 *  optional), else legacy through BAR0 for transitional and legacy ids. Turns on the decoding
 *  it needs (memory and/or I/O); bus mastering follows DRIVER_OK (include/vireo/pci.h).
 *  Returns 0 and *out (transport fields filled, plat.irq -1), -ENODEV when f is not a virtio
 *  function, -EINVAL for a malformed capability or a capability outside its BAR (reported with
 *  f's address), -ENOMEM. */
int virtio_pci_create(struct pci_func *f, struct virtio_device **out);

/** Free a device made by virtio_pci_create() (reset first, and off the device list). */
void virtio_pci_destroy(struct virtio_device *vdev);

#endif
