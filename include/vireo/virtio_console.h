/* virtio-console driver (stub: the driver is being written). */
#ifndef VIREO_VIRTIO_CONSOLE_H
#define VIREO_VIRTIO_CONSOLE_H

struct virtio_device;

int vcons_probe(struct virtio_device *vdev);

#endif
