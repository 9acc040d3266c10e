/* virtio-rng driver (stub: the driver is being written). */
#include <errno.h>

#include "vireo/virtio.h"
#include "vireo/virtio_rng.h"

int vrng_probe(struct virtio_device *vdev)
{
	return -ENODEV;
}
