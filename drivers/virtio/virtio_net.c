/* virtio-net driver (stub: the driver is being written). */
#include <errno.h>

#include "vireo/virtio.h"
#include "vireo/virtio_net.h"

int vnet_probe(struct virtio_device *vdev)
{
	return -ENODEV;
}
