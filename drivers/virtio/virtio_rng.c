/* virtio-rng (virtio 1.2 §5.4): one queue; each request is a device-writable buffer the device
 * fills with as many random bytes as it likes, from none to the whole buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/timer.h"
#include "vireo/devtable.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_rng.h"
#include "vireo/virtqueue.h"

#define VRNG_MAX_DEVICES 4
#define VRNG_QUEUE_SIZE 8u

struct vrng {
	struct virtio_device *vdev;
	struct virtq *vq;
	uint8_t *buf; /* one page: the request buffer, apart from everything else */
};

static void *slots[VRNG_MAX_DEVICES];
static struct devtable devices = DEVTABLE_INIT(slots);

unsigned vrng_count(void)
{
	return devices.count;
}

struct vrng *vrng_get(unsigned n)
{
	return devtable_get(&devices, n);
}

static void vrng_free(struct vrng *r)
{
	page_free(r->buf, VRNG_MAX_READ);
	free(r);
}

void vrng_remove(struct vrng *r)
{
	r->vdev->ops->reset(r->vdev);
	virtq_destroy(r->vq);
	devtable_remove(&devices, r);
	r->vdev->driver_priv = NULL;
	vrng_free(r);
}

int vrng_probe(struct virtio_device *vdev)
{
	struct vrng *r;
	int ret;

	if (!devtable_has_room(&devices)) {
		return -ENOSPC;
	}
	ret = virtio_negotiate(vdev, 0);
	if (ret < 0) {
		return ret;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		return -ENOMEM;
	}
	r->vdev = vdev;
	r->buf = page_alloc(VRNG_MAX_READ, PAGE_SIZE);
	ret = r->buf == NULL ? -ENOMEM : virtq_create(vdev, 0, VRNG_QUEUE_SIZE, &r->vq);
	if (ret < 0) {
		vrng_free(r);
		virtio_fail(vdev, "cannot set up the request queue");
		return ret;
	}
	snprintf(vdev->name, sizeof(vdev->name), "rng%u", devices.count);
	vdev->driver_priv = r;
	(void)devtable_add(&devices, r); /* room was checked before binding */
	return virtio_driver_ok(vdev);
}

/* One request for up to len bytes; the used length (checked by the virtqueue against the
 * buffer) says how many the device wrote. */
static int vrng_request(struct vrng *r, size_t len, uint32_t *got)
{
	struct virtq_buf b = { r->buf, (uint32_t)len, true };
	void *token = NULL;
	int ret = virtq_add(r->vq, &b, 1, r);

	if (ret < 0) {
		return ret;
	}
	virtq_kick(r->vq);
	ret = virtq_wait(r->vq, &token, got);
	if (ret == 0 && token != r) {
		ret = -EPROTO;
	}
	return ret < 0 ? virtio_wait_failed(r->vdev, ret) : 0;
}

int vrng_read(struct vrng *r, void *buf, size_t len)
{
	uint64_t deadline = arch_time_ns() + r->vdev->timeout_ns;
	size_t done = 0;

	if (len == 0 || len > VRNG_MAX_READ) {
		return -EINVAL;
	}
	if (r->vdev->broken) {
		return -EIO;
	}
	while (done < len) {
		uint32_t got = 0;
		int ret = vrng_request(r, len - done, &got);

		if (ret < 0) {
			return ret;
		}
		memcpy((uint8_t *)buf + done, r->buf, got);
		done += got;
		/* A device may return nothing for a while; only a silent one past the timeout is
		 * given up on. Nothing is in flight here, so the device is not failed. */
		if (done < len && arch_time_ns() > deadline) {
			return -ETIMEDOUT;
		}
	}
	return 0;
}
