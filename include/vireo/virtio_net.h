/* virtio-net driver (stub: the driver is being written). */
#ifndef VIREO_VIRTIO_NET_H
#define VIREO_VIRTIO_NET_H

struct virtio_device;

int vnet_probe(struct virtio_device *vdev);

#endif
