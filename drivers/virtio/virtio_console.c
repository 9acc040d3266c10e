/* virtio-console driver (stub: the driver is being written). */
#include <errno.h>

#include "vireo/virtio.h"
#include "vireo/virtio_console.h"

int vcons_probe(struct virtio_device *vdev)
{
	return -ENODEV;
}
