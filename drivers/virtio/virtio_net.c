/* virtio-net (virtio 1.2 §5.1). Every receive buffer holds a whole frame (header + 1514
 * bytes), so a device never needs more than one buffer per packet; each buffer is a chain of
 * two descriptors (header, frame), the layout a legacy device without ANY_LAYOUT requires.
 * What the device returns is untrusted: lengths and num_buffers are checked, bad frames are
 * counted as drops and their buffers reposted. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/irq.h"
#include "arch/timer.h"
#include "vireo/devtable.h"
#include "vireo/mem.h"
#include "vireo/netif.h"
#include "vireo/virtio.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define VNET_MAX_DEVICES 4
#define VNET_QUEUE_SIZE 256u
#define VNET_RX_BUFS 64u
#define VNET_TX_BUFS 32u
#define VNET_SLOT 2048u /* header + largest frame, rounded up */
#define VNET_RXQ 0
#define VNET_TXQ 1

struct vnet {
	struct virtio_device *vdev;
	struct virtq *rxq;
	struct virtq *txq;
	struct netif nif;
	unsigned hdr_len;
	bool mrg_rxbuf;
	volatile bool link_up; /* updated by the config-change interrupt */
	unsigned rx_count;
	unsigned tx_count;
	uint8_t *rx_mem; /* rx_count slots */
	uint8_t *tx_mem; /* tx_count slots */
	bool tx_busy[VNET_TX_BUFS];
	unsigned rx_skip; /* buffers still to drop of a packet that claimed several */
};

static void *slots[VNET_MAX_DEVICES];
static struct devtable devices = DEVTABLE_INIT(slots);

unsigned vnet_count(void)
{
	return devices.count;
}

struct vnet *vnet_get(unsigned n)
{
	return devtable_get(&devices, n);
}

struct netif *vnet_netif(struct vnet *n)
{
	return &n->nif;
}

static uint8_t *slot(uint8_t *mem, unsigned i)
{
	return mem + (size_t)i * VNET_SLOT;
}

static void vnet_free(struct vnet *n)
{
	page_free(n->rx_mem, (size_t)VNET_RX_BUFS * VNET_SLOT);
	page_free(n->tx_mem, (size_t)VNET_TX_BUFS * VNET_SLOT);
	free(n);
}

static void vnet_destroy_queues(struct vnet *n)
{
	if (n->rxq != NULL) {
		virtq_destroy(n->rxq);
	}
	if (n->txq != NULL) {
		virtq_destroy(n->txq);
	}
}

void vnet_remove(struct vnet *n)
{
	n->vdev->ops->reset(n->vdev);
	vnet_destroy_queues(n);
	netif_unregister(&n->nif);
	devtable_remove(&devices, n);
	n->vdev->driver_priv = NULL;
	n->vdev->config_changed = NULL;
	vnet_free(n);
}

/* ---------------------------------------------------------------- config */

static void read_link(struct vnet *n)
{
	uint64_t status = VIRTIO_NET_S_LINK_UP;

	if (virtio_has(n->vdev, VIRTIO_NET_F_STATUS) &&
	    virtio_config_read(n->vdev, VIRTIO_NET_CFG_STATUS, 2, &status) < 0) {
		status = VIRTIO_NET_S_LINK_UP; /* unreadable: do not pretend to know */
	}
	n->link_up = (status & VIRTIO_NET_S_LINK_UP) != 0;
}

static void vnet_config_changed(struct virtio_device *vdev)
{
	read_link(vdev->driver_priv);
}

/* The MAC the device offers, else a locally administered unicast one of our own. */
static void read_mac(struct vnet *n)
{
	uint64_t b;

	if (virtio_has(n->vdev, VIRTIO_NET_F_MAC)) {
		for (unsigned i = 0; i < 6; i++) {
			if (virtio_config_read(n->vdev, VIRTIO_NET_CFG_MAC + i, 1, &b) < 0) {
				break;
			}
			n->nif.mac[i] = (uint8_t)b;
		}
		/* A multicast or zero address is no address for us. */
		if ((n->nif.mac[0] & 1) == 0 && memcmp(n->nif.mac, "\0\0\0\0\0\0", 6) != 0) {
			return;
		}
		printf("%s: device MAC unusable; generating one\n", n->vdev->name);
	}
	b = arch_time_ns();
	n->nif.mac[0] = 0x02;
	n->nif.mac[1] = 0x76; /* 'v' */
	n->nif.mac[2] = (uint8_t)devices.count;
	n->nif.mac[3] = (uint8_t)(b >> 16);
	n->nif.mac[4] = (uint8_t)(b >> 8);
	n->nif.mac[5] = (uint8_t)b;
}

/* ---------------------------------------------------------------- receive */

static int rx_post(struct vnet *n, unsigned i)
{
	uint8_t *s = slot(n->rx_mem, i);
	struct virtq_buf b[2] = {
		{ s, n->hdr_len, true },
		{ s + n->hdr_len, NETIF_FRAME_MAX, true },
	};

	return virtq_add(n->rxq, b, 2, s);
}

static bool rx_slot_of(struct vnet *n, void *token, unsigned *i)
{
	uintptr_t off = (uintptr_t)token - (uintptr_t)n->rx_mem;

	*i = (unsigned)(off / VNET_SLOT);
	return token != NULL && off % VNET_SLOT == 0 && *i < n->rx_count;
}

/* Checks one used buffer; hands its frame on when it is sound. */
static void rx_one(struct vnet *n, const uint8_t *s, uint32_t len)
{
	unsigned bufs = 1;

	if (n->mrg_rxbuf) {
		bufs = s[VIRTIO_NET_HDR_NUM_BUFFERS] | (unsigned)s[VIRTIO_NET_HDR_NUM_BUFFERS + 1]
							       << 8;
	}
	if (n->rx_skip != 0) {
		/* The rest of a packet we already dropped: no header of its own. */
		n->rx_skip--;
		n->nif.counters.rx_drop++;
		return;
	}
	if (bufs != 1 || len < n->hdr_len) {
		n->rx_skip = bufs > 1 ? bufs - 1 : 0;
		n->nif.counters.rx_drop++;
		return;
	}
	net_input(&n->nif, s + n->hdr_len, len - n->hdr_len);
}

/* Delivers every completed receive buffer and gives it back to the device. */
static int rx_drain(struct vnet *n)
{
	unsigned delivered = 0;
	bool reposted = false;
	void *token;
	uint32_t len;
	int ret;

	while ((ret = virtq_get(n->rxq, &token, &len)) != -EAGAIN) {
		unsigned i;

		if (!rx_slot_of(n, token, &i)) {
			virtio_fail(n->vdev, "bad used entry on the receive queue");
			return -EIO;
		}
		if (ret == 0) {
			rx_one(n, slot(n->rx_mem, i), len);
			delivered++;
		} else {
			n->nif.counters.rx_drop++;
		}
		reposted = rx_post(n, i) == 0 || reposted;
	}
	if (reposted) {
		virtq_kick(n->rxq);
	}
	return (int)delivered;
}

/* ---------------------------------------------------------------- transmit */

static int tx_reclaim(struct vnet *n)
{
	void *token;
	uint32_t len;

	/* Transmit chains have nothing for the device to write: any completion frees its slot. */
	while (virtq_get(n->txq, &token, &len) != -EAGAIN) {
		uintptr_t off = (uintptr_t)token - (uintptr_t)n->tx_mem;
		unsigned i = (unsigned)(off / VNET_SLOT);

		if (token == NULL || off % VNET_SLOT != 0 || i >= n->tx_count) {
			virtio_fail(n->vdev, "bad used entry on the transmit queue");
			return -EIO;
		}
		n->tx_busy[i] = false;
	}
	return 0;
}

static int vnet_tx(struct netif *nif, const void *frame, size_t len)
{
	struct vnet *n = nif->priv;
	struct virtq_buf b[2];
	unsigned i = 0;
	uint8_t *s;
	int ret;

	if (len == 0 || len > NETIF_FRAME_MAX) {
		return -EINVAL;
	}
	if (n->vdev->broken || tx_reclaim(n) < 0) {
		return -EIO;
	}
	while (i < n->tx_count && n->tx_busy[i]) {
		i++;
	}
	if (i == n->tx_count) {
		nif->counters.tx_drop++;
		return -ENOSPC;
	}
	s = slot(n->tx_mem, i);
	/* No offloads: flags, gso_type and the rest are 0 (§5.1.6.2). */
	memset(s, 0, n->hdr_len);
	memcpy(s + n->hdr_len, frame, len);
	b[0] = (struct virtq_buf){ s, n->hdr_len, false };
	b[1] = (struct virtq_buf){ s + n->hdr_len, (uint32_t)len, false };
	ret = virtq_add(n->txq, b, 2, s);
	if (ret < 0) {
		nif->counters.tx_drop++;
		return ret;
	}
	n->tx_busy[i] = true;
	virtq_kick(n->txq);
	nif->counters.tx_frames++;
	return 0;
}

/* ---------------------------------------------------------------- poll */

static int vnet_poll(struct netif *nif, uint64_t deadline_ns)
{
	struct vnet *n = nif->priv;
	unsigned long flags;
	int got;

	if (n->vdev->broken) {
		return -EIO;
	}
	got = rx_drain(n);
	if (got != 0 || tx_reclaim(n) < 0) {
		return got != 0 ? got : -EIO;
	}
	if (n->vdev->irq_mode == VIRTIO_IRQ_POLL) {
		arch_cpu_relax();
	} else {
		flags = arch_irq_save();
		if (!virtq_pending(n->rxq) && arch_time_ns() < deadline_ns) {
			arch_irq_wait(deadline_ns);
		}
		arch_irq_restore(flags);
	}
	return rx_drain(n);
}

/* Read afresh: a polled device raises no configuration interrupt to tell us. */
static bool vnet_link_up(struct netif *nif)
{
	struct vnet *n = nif->priv;

	read_link(n);
	return n->link_up;
}

static const struct netif_ops vnet_ops = {
	.tx = vnet_tx,
	.poll = vnet_poll,
	.link_up = vnet_link_up,
};

/* ---------------------------------------------------------------- probe */

static int vnet_setup(struct vnet *n)
{
	int ret = virtq_create(n->vdev, VNET_RXQ, VNET_QUEUE_SIZE, &n->rxq);

	if (ret == 0) {
		ret = virtq_create(n->vdev, VNET_TXQ, VNET_QUEUE_SIZE, &n->txq);
	}
	if (ret < 0) {
		return ret;
	}
	/* Two descriptors per buffer. */
	n->rx_count = MIN(VNET_RX_BUFS, virtq_size(n->rxq) / 2);
	n->tx_count = MIN(VNET_TX_BUFS, virtq_size(n->txq) / 2);
	if (n->rx_count == 0 || n->tx_count == 0) {
		return -ENOSPC;
	}
	for (unsigned i = 0; i < n->rx_count && ret == 0; i++) {
		ret = rx_post(n, i);
	}
	return ret;
}

static int vnet_alloc(struct virtio_device *vdev, struct vnet **out)
{
	struct vnet *n = calloc(1, sizeof(*n));

	if (n == NULL) {
		return -ENOMEM;
	}
	n->vdev = vdev;
	n->rx_mem = page_alloc((size_t)VNET_RX_BUFS * VNET_SLOT, PAGE_SIZE);
	n->tx_mem = page_alloc((size_t)VNET_TX_BUFS * VNET_SLOT, PAGE_SIZE);
	if (n->rx_mem == NULL || n->tx_mem == NULL) {
		vnet_free(n);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

int vnet_probe(struct virtio_device *vdev)
{
	const uint64_t want = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
			      (1ull << VIRTIO_NET_F_MRG_RXBUF);
	struct vnet *n;
	int ret;

	if (!devtable_has_room(&devices)) {
		return -ENOSPC;
	}
	ret = virtio_negotiate(vdev, want);
	if (ret < 0) {
		return ret;
	}
	ret = vnet_alloc(vdev, &n);
	if (ret < 0) {
		return ret;
	}
	n->mrg_rxbuf = virtio_has(vdev, VIRTIO_NET_F_MRG_RXBUF);
	n->hdr_len = virtio_has(vdev, VIRTIO_F_VERSION_1) || n->mrg_rxbuf ? VIRTIO_NET_HDR_LEN
									  : VIRTIO_NET_HDR_LEGACY;
	ret = vnet_setup(n);
	if (ret < 0) {
		vnet_destroy_queues(n);
		vnet_free(n);
		virtio_fail(vdev, "cannot set up the queues");
		return ret;
	}
	snprintf(vdev->name, sizeof(vdev->name), "net%u", devices.count);
	read_mac(n);
	read_link(n);
	n->nif.ops = &vnet_ops;
	n->nif.priv = n;
	snprintf(n->nif.name, sizeof(n->nif.name), "%s", vdev->name);
	vdev->driver_priv = n;
	vdev->config_changed = vnet_config_changed;
	(void)devtable_add(&devices, n); /* room was checked before binding */
	ret = virtio_driver_ok(vdev);
	if (ret == 0) {
		virtq_kick(n->rxq); /* notifications only after DRIVER_OK (§3.1.1) */
		netif_register(&n->nif);
	}
	return ret;
}
