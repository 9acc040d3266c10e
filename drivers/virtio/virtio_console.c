/* virtio-console (virtio 1.2 §5.3) without multiport: port 0's input arrives in the
 * device-writable buffers kept posted on receiveq, output goes out one buffer at a time on
 * transmitq. The device's used lengths are checked by the virtqueue against each buffer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vireo/devtable.h"
#include "vireo/mem.h"
#include "vireo/virtio.h"
#include "vireo/virtio_console.h"
#include "vireo/virtqueue.h"

#define VCONS_MAX_DEVICES 4
#define VCONS_QUEUE_SIZE 16u
#define VCONS_RX_BUFS 4u
#define VCONS_RX_BYTES 256u
#define VCONS_TX_BYTES 2048u
#define VCONS_IN_BYTES 1024u /* received, not yet read; a power of two */
#define VCONS_RXQ 0
#define VCONS_TXQ 1

/* Receive buffers and the transmit buffer share one page of their own (DMA isolation). */
struct vcons_dma {
	uint8_t rx[VCONS_RX_BUFS][VCONS_RX_BYTES];
	uint8_t tx[VCONS_TX_BYTES];
};

struct vcons {
	struct virtio_device *vdev;
	struct virtq *rxq;
	struct virtq *txq;
	struct vcons_dma *dma;
	uint8_t in[VCONS_IN_BYTES];
	unsigned in_head; /* next byte to read */
	unsigned in_tail; /* next byte to fill */
	uint64_t in_dropped;
};

static void *slots[VCONS_MAX_DEVICES];
static struct devtable devices = DEVTABLE_INIT(slots);

_Static_assert(sizeof(struct vcons_dma) <= PAGE_SIZE, "one page of DMA buffers");

unsigned vcons_count(void)
{
	return devices.count;
}

struct vcons *vcons_get(unsigned n)
{
	return devtable_get(&devices, n);
}

static void vcons_free(struct vcons *c)
{
	page_free(c->dma, sizeof(*c->dma));
	free(c);
}

static void vcons_destroy_queues(struct vcons *c)
{
	if (c->rxq != NULL) {
		virtq_destroy(c->rxq);
	}
	if (c->txq != NULL) {
		virtq_destroy(c->txq);
	}
}

void vcons_remove(struct vcons *c)
{
	c->vdev->ops->reset(c->vdev);
	vcons_destroy_queues(c);
	devtable_remove(&devices, c);
	c->vdev->driver_priv = NULL;
	vcons_free(c);
}

static int rx_post(struct vcons *c, unsigned i)
{
	struct virtq_buf b = { c->dma->rx[i], VCONS_RX_BYTES, true };

	return virtq_add(c->rxq, &b, 1, &c->dma->rx[i]);
}

static int vcons_setup(struct vcons *c)
{
	int ret = virtq_create(c->vdev, VCONS_RXQ, VCONS_QUEUE_SIZE, &c->rxq);

	if (ret == 0) {
		ret = virtq_create(c->vdev, VCONS_TXQ, VCONS_QUEUE_SIZE, &c->txq);
	}
	for (unsigned i = 0; i < VCONS_RX_BUFS && ret == 0; i++) {
		ret = rx_post(c, i);
	}
	return ret;
}

int vcons_probe(struct virtio_device *vdev)
{
	struct vcons *c;
	int ret;

	if (!devtable_has_room(&devices)) {
		return -ENOSPC;
	}
	ret = virtio_negotiate(vdev, 0);
	if (ret < 0) {
		return ret;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		return -ENOMEM;
	}
	c->vdev = vdev;
	c->dma = page_alloc(sizeof(*c->dma), PAGE_SIZE);
	ret = c->dma == NULL ? -ENOMEM : vcons_setup(c);
	if (ret < 0) {
		vcons_destroy_queues(c);
		vcons_free(c);
		virtio_fail(vdev, "cannot set up the queues");
		return ret;
	}
	snprintf(vdev->name, sizeof(vdev->name), "console%u", devices.count);
	vdev->driver_priv = c;
	(void)devtable_add(&devices, c); /* room was checked before binding */
	ret = virtio_driver_ok(vdev);
	/* Notifications only after DRIVER_OK (§3.1.1), and none to a device that was failed. */
	if (ret == 0) {
		virtq_kick(c->rxq);
	}
	return ret;
}

/* One buffer of at most VCONS_TX_BYTES out, waiting until the device took it. */
static int vcons_tx_one(struct vcons *c, const uint8_t *buf, size_t n)
{
	struct virtq_buf b = { c->dma->tx, (uint32_t)n, false };
	void *token = NULL;
	uint32_t used = 0;
	int ret;

	memcpy(c->dma->tx, buf, n);
	ret = virtq_add(c->txq, &b, 1, c->dma->tx);
	if (ret < 0) {
		return ret;
	}
	virtq_kick(c->txq);
	ret = virtq_wait(c->txq, &token, &used);
	if (ret == 0 && token != c->dma->tx) {
		ret = -EPROTO;
	}
	return ret < 0 ? virtio_wait_failed(c->vdev, ret) : 0;
}

int vcons_write(struct vcons *c, const void *buf, size_t len)
{
	size_t done = 0;

	if (c->vdev->broken) {
		return -EIO;
	}
	while (done < len) {
		size_t n = len - done < VCONS_TX_BYTES ? len - done : VCONS_TX_BYTES;
		int ret = vcons_tx_one(c, (const uint8_t *)buf + done, n);

		if (ret < 0) {
			return ret;
		}
		done += n;
	}
	return 0;
}

/* Moves whatever the device delivered into the input ring and gives the buffers back. */
static void vcons_rx_drain(struct vcons *c)
{
	void *token;
	uint32_t len;
	int ret;
	bool reposted = false;

	while ((ret = virtq_get(c->rxq, &token, &len)) != -EAGAIN) {
		unsigned i;

		if (ret < 0 && token == NULL) {
			virtio_fail(c->vdev, "bad used entry on receiveq");
			return;
		}
		i = (unsigned)(((uint8_t *)token - c->dma->rx[0]) / VCONS_RX_BYTES);
		for (uint32_t k = 0; ret == 0 && k < len; k++) {
			if (c->in_tail - c->in_head == VCONS_IN_BYTES) {
				c->in_dropped++;
				continue;
			}
			c->in[c->in_tail++ % VCONS_IN_BYTES] = c->dma->rx[i][k];
		}
		reposted = rx_post(c, i) == 0 || reposted;
	}
	if (reposted) {
		virtq_kick(c->rxq);
	}
}

int vcons_getc(struct vcons *c)
{
	if (c->in_head == c->in_tail && !c->vdev->broken) {
		vcons_rx_drain(c);
	}
	if (c->in_head == c->in_tail) {
		return -1;
	}
	return c->in[c->in_head++ % VCONS_IN_BYTES];
}
