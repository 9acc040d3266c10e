/* virtio-rng driver (stub: the driver is being written). */
#ifndef VIREO_VIRTIO_RNG_H
#define VIREO_VIRTIO_RNG_H

struct virtio_device;

int vrng_probe(struct virtio_device *vdev);

#endif
