/* Binding devices to drivers. */
#include <errno.h>
#include <stdio.h>

#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_console.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_rng.h"
#include "vireo/virtio_reg.h"

static const struct virtio_driver drivers[] = {
	{ VIRTIO_ID_BLOCK, "blk", vblk_probe },
	{ VIRTIO_ID_NET, "net", vnet_probe },
	{ VIRTIO_ID_CONSOLE, "console", vcons_probe },
	{ VIRTIO_ID_RNG, "rng", vrng_probe },
};

static const struct virtio_driver *find_driver(uint32_t device_id)
{
	for (unsigned i = 0; i < ARRAY_SIZE(drivers); i++) {
		if (drivers[i].device_id == device_id) {
			return &drivers[i];
		}
	}
	return NULL;
}

int virtio_add_device(struct virtio_device *vdev)
{
	const struct virtio_driver *drv = find_driver(vdev->device_id);
	int ret;

	virtio_list_add(vdev);
	if (drv == NULL) {
		/* Leave it reset, so it does nothing; `devices` still lists it. */
		snprintf(vdev->dma.reason, sizeof(vdev->dma.reason), "no driver");
		return vdev->ops->reset(vdev);
	}
	vdev->type_name = drv->type_name;
	virtio_irq_attach(vdev);
	ret = drv->probe(vdev);
	virtio_irq_named(vdev);
	if (ret < 0 && !vdev->broken) {
		virtio_fail(vdev, "driver probe failed");
	}
	return ret;
}

void virtio_type_name(uint32_t device_id, char *buf, size_t len)
{
	static const char *const names[] = {
		[1] = "net", [2] = "blk", [3] = "console", [4] = "rng"
	};

	if (device_id < ARRAY_SIZE(names) && names[device_id] != NULL) {
		snprintf(buf, len, "%s", names[device_id]);
	} else {
		snprintf(buf, len, "id%u", (unsigned)device_id);
	}
}
