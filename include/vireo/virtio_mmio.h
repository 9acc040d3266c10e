/* virtio-mmio transport (virtio 1.2 §4.2), version 1 (legacy) and 2. */
#ifndef VIREO_VIRTIO_MMIO_H
#define VIREO_VIRTIO_MMIO_H

#include <stdint.h>

struct virtio_device;

/** Look at the register window at base (CPU physical = virtual address) of size bytes.
 *  Returns 0 and a new device (transport fields filled, bus fields zero, plat.irq -1),
 *  -ENODEV for an empty slot (DeviceID 0: skip quietly), -EINVAL for a bad magic, version or
 *  window (the caller reports it with the address), -ENOMEM. */
int virtio_mmio_create(uintptr_t base, uint64_t size, struct virtio_device **out);

/** Free a device made by virtio_mmio_create() (reset first, and off the device list). */
void virtio_mmio_destroy(struct virtio_device *vdev);

/** Probe every enabled `virtio,mmio` node of the DT and hand each device to the virtio core;
 *  logs one line for the bus and one per device. timeout_ns (0: the core's default) bounds
 *  every request. Returns the number of devices found. */
unsigned virtio_mmio_probe_all(const void *fdt, uint64_t timeout_ns);

#endif
