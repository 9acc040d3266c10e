/* See fuzz.h: fz_unbind(). */
#include "fuzz.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_console.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtio_rng.h"

void fz_unbind(struct virtio_device *vdev)
{
	if (vdev->driver_priv == NULL) {
		return;
	}
	switch (vdev->device_id) {
	case VIRTIO_ID_BLOCK:
		vblk_remove(vdev->driver_priv);
		break;
	case VIRTIO_ID_NET:
		vnet_remove(vdev->driver_priv);
		break;
	case VIRTIO_ID_CONSOLE:
		vcons_remove(vdev->driver_priv);
		break;
	case VIRTIO_ID_RNG:
		vrng_remove(vdev->driver_priv);
		break;
	default:
		break;
	}
}
