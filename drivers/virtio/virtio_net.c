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
#define VNET_RX_MAX (VNET_QUEUE_SIZE / 2) /* a full ring of two-descriptor buffers */
#define VNET_TX_MAX 32u
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
	bool rx_posted[VNET_RX_MAX];
	bool tx_busy[VNET_TX_MAX];
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

/* The slot index of a token the queue handed back; false when it is none of ours. */
static bool slot_of(const uint8_t *mem, unsigned count, const void *token, unsigned *i)
{
	uintptr_t off = (uintptr_t)token - (uintptr_t)mem;

	*i = (unsigned)(off / VNET_SLOT);
	return token != NULL && off % VNET_SLOT == 0 && *i < count;
}

/* ---------------------------------------------------------------- lifetime */

/* Frees the queues (unmapping what is still in flight) and the memory; the device must be
 * reset (or never have seen DRIVER_OK) so that it no longer touches either. */
static void vnet_release(struct vnet *n)
{
	if (n->rxq != NULL) {
		virtq_destroy(n->rxq);
	}
	if (n->txq != NULL) {
		virtq_destroy(n->txq);
	}
	page_free(n->rx_mem, (size_t)n->rx_count * VNET_SLOT);
	page_free(n->tx_mem, (size_t)n->tx_count * VNET_SLOT);
	free(n);
}

static void vnet_unlink(struct vnet *n)
{
	devtable_remove(&devices, n);
	n->vdev->driver_priv = NULL;
	n->vdev->config_changed = NULL;
}

void vnet_remove(struct vnet *n)
{
	if (n->vdev->ops->reset(n->vdev) < 0) {
		printf("%s: reset did not complete; freeing its buffers anyway\n", n->vdev->name);
	}
	netif_unregister(&n->nif);
	vnet_unlink(n);
	vnet_release(n);
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

/* The device's MAC when it offers a usable one: a multicast or zero address is none. */
static bool read_device_mac(struct vnet *n)
{
	static const uint8_t zero[6];
	uint64_t b;

	for (unsigned i = 0; i < 6; i++) {
		if (virtio_config_read(n->vdev, VIRTIO_NET_CFG_MAC + i, 1, &b) < 0) {
			return false;
		}
		n->nif.mac[i] = (uint8_t)b;
	}
	return (n->nif.mac[0] & 1) == 0 && memcmp(n->nif.mac, zero, 6) != 0;
}

/* A locally administered unicast address (02:76:...); the serial keeps the addresses of one
 * image apart, the time those of images started at different moments. */
static void make_mac(struct vnet *n)
{
	static uint8_t serial;
	uint64_t t = arch_time_ns();

	n->nif.mac[0] = 0x02;
	n->nif.mac[1] = 0x76; /* 'v' */
	n->nif.mac[2] = serial++;
	n->nif.mac[3] = (uint8_t)(t >> 16);
	n->nif.mac[4] = (uint8_t)(t >> 8);
	n->nif.mac[5] = (uint8_t)t;
}

static void read_mac(struct vnet *n)
{
	if (!virtio_has(n->vdev, VIRTIO_NET_F_MAC)) {
		make_mac(n);
	} else if (!read_device_mac(n)) {
		printf("%s: device MAC unusable; generating one\n", n->vdev->name);
		make_mac(n);
	}
}

/* ---------------------------------------------------------------- receive */

static int rx_post(struct vnet *n, unsigned i)
{
	uint8_t *s = slot(n->rx_mem, i);
	struct virtq_buf b[2] = {
		{ s, n->hdr_len, true },
		{ s + n->hdr_len, NETIF_FRAME_MAX, true },
	};
	int ret = virtq_add(n->rxq, b, 2, s);

	if (ret == 0) {
		n->rx_posted[i] = true;
	}
	return ret;
}

/* Posts every buffer the device does not hold. Returns how many were posted, or the error
 * of the first that could not be when none was; what could not be posted (no descriptors,
 * no DMA space) is tried again by the next fill. */
static int rx_fill(struct vnet *n)
{
	int posted = 0;
	int ret = 0;

	for (unsigned i = 0; i < n->rx_count && ret == 0; i++) {
		if (!n->rx_posted[i]) {
			ret = rx_post(n, i);
			posted += ret == 0;
		}
	}
	return posted > 0 ? posted : ret;
}

static void rx_refill(struct vnet *n)
{
	if (rx_fill(n) > 0) {
		virtq_kick(n->rxq);
	}
}

static bool rx_drop(struct vnet *n)
{
	n->nif.counters.rx_drop++;
	return false;
}

/* Checks one used buffer (len bytes written, header included) and hands its frame on when
 * it is sound; true when it did. */
static bool rx_one(struct vnet *n, const uint8_t *s, uint32_t len)
{
	unsigned bufs = 1;

	if (n->rx_skip != 0) {
		/* The rest of a packet already dropped: no header of its own (§5.1.6.4). */
		n->rx_skip--;
		return rx_drop(n);
	}
	if (len < n->hdr_len) {
		return rx_drop(n);
	}
	if (n->mrg_rxbuf) {
		bufs = s[VIRTIO_NET_HDR_NUM_BUFFERS] | (unsigned)s[VIRTIO_NET_HDR_NUM_BUFFERS + 1]
							       << 8;
	}
	if (bufs != 1) {
		/* Every buffer takes a whole frame, so a compliant device never spreads one;
		 * the rest cannot lie in more buffers than the device holds of ours. */
		n->rx_skip = bufs == 0 ? 0 : MIN(bufs - 1, n->rx_count - 1);
		return rx_drop(n);
	}
	if (n->nif.rx_tap != NULL) {
		n->nif.rx_tap(&n->nif, s + n->hdr_len, len - n->hdr_len);
	} else {
		net_input(&n->nif, s + n->hdr_len, len - n->hdr_len);
	}
	return true;
}

/* Delivers every completed receive buffer, then gives them all back to the device. Reposting
 * only at the end bounds the loop by the buffers we own, however fast the device fills. */
static int rx_drain(struct vnet *n)
{
	unsigned delivered = 0;
	void *token;
	uint32_t len;
	int ret;

	while ((ret = virtq_get(n->rxq, &token, &len)) != -EAGAIN) {
		unsigned i;

		/* No token: a broken queue or an entry nothing can be matched with. */
		if (!slot_of(n->rx_mem, n->rx_count, token, &i)) {
			virtio_fail(n->vdev, "bad used entry on the receive queue");
			return -EIO;
		}
		n->rx_posted[i] = false;
		if (ret == 0) {
			delivered += rx_one(n, slot(n->rx_mem, i), len);
		} else {
			rx_drop(n); /* written past the buffer: a request the queue failed */
		}
	}
	rx_refill(n);
	return (int)delivered;
}

/* Sleeps until a receive buffer completes or the deadline passes, interrupts masked while
 * the ring is checked so a completion in between still ends the wait (include/arch/irq.h). */
static void rx_wait(struct vnet *n, uint64_t deadline_ns)
{
	unsigned long flags = arch_irq_save();

	while (!virtq_pending(n->rxq) && arch_time_ns() < deadline_ns) {
		arch_irq_wait(deadline_ns);
	}
	arch_irq_restore(flags);
}

/* ---------------------------------------------------------------- transmit */

static int tx_reclaim(struct vnet *n)
{
	void *token;
	uint32_t len;

	/* Transmit chains have nothing for the device to write: any completion, even one the
	 * queue failed for its length, frees its slot. */
	while (virtq_get(n->txq, &token, &len) != -EAGAIN) {
		unsigned i;

		if (!slot_of(n->tx_mem, n->tx_count, token, &i)) {
			virtio_fail(n->vdev, "bad used entry on the transmit queue");
			return -EIO;
		}
		n->tx_busy[i] = false;
	}
	return 0;
}

static int tx_queue(struct vnet *n, const void *frame, size_t len)
{
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
		return ret;
	}
	n->tx_busy[i] = true;
	virtq_kick(n->txq);
	return 0;
}

/* ---------------------------------------------------------------- netif ops */

static int vnet_tx(struct netif *nif, const void *frame, size_t len)
{
	int ret = tx_queue(nif->priv, frame, len);

	if (ret < 0) {
		nif->counters.tx_drop++;
		return ret;
	}
	nif->counters.tx_frames++;
	return 0;
}

static int vnet_poll(struct netif *nif, uint64_t deadline_ns)
{
	struct vnet *n = nif->priv;
	int got;

	if (n->vdev->broken || tx_reclaim(n) < 0) {
		return -EIO;
	}
	got = rx_drain(n);
	if (got != 0) {
		return got;
	}
	if (n->vdev->irq_mode == VIRTIO_IRQ_POLL) {
		/* Nothing will wake us: the caller loops until its deadline. */
		arch_cpu_relax();
		return 0;
	}
	rx_wait(n, deadline_ns);
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

static int vnet_alloc_bufs(struct vnet *n)
{
	n->rx_mem = page_alloc((size_t)n->rx_count * VNET_SLOT, PAGE_SIZE);
	n->tx_mem = page_alloc((size_t)n->tx_count * VNET_SLOT, PAGE_SIZE);
	return n->rx_mem == NULL || n->tx_mem == NULL ? -ENOMEM : 0;
}

/* Queues, buffers and a receive ring filled (not yet announced: that waits for DRIVER_OK). */
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
	n->rx_count = MIN(VNET_RX_MAX, virtq_size(n->rxq) / 2);
	n->tx_count = MIN(VNET_TX_MAX, virtq_size(n->txq) / 2);
	if (n->rx_count == 0 || n->tx_count == 0) {
		return -ENOSPC;
	}
	ret = vnet_alloc_bufs(n);
	if (ret == 0) {
		ret = rx_fill(n);
	}
	return ret < 0 ? ret : 0;
}

static void vnet_init_netif(struct vnet *n)
{
	struct virtio_device *vdev = n->vdev;

	snprintf(vdev->name, sizeof(vdev->name), "net%u", devices.count);
	read_mac(n);
	read_link(n);
	n->nif.ops = &vnet_ops;
	n->nif.priv = n;
	snprintf(n->nif.name, sizeof(n->nif.name), "%s", vdev->name);
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
	n = calloc(1, sizeof(*n));
	if (n == NULL) {
		virtio_fail(vdev, "out of memory");
		return -ENOMEM;
	}
	n->vdev = vdev;
	n->mrg_rxbuf = virtio_has(vdev, VIRTIO_NET_F_MRG_RXBUF);
	n->hdr_len = virtio_has(vdev, VIRTIO_F_VERSION_1) || n->mrg_rxbuf ? VIRTIO_NET_HDR_LEN
									  : VIRTIO_NET_HDR_LEGACY;
	ret = vnet_setup(n);
	if (ret < 0) {
		virtio_fail(vdev, "cannot set up the queues");
		vnet_release(n);
		return ret;
	}
	vnet_init_netif(n);
	vdev->driver_priv = n;
	vdev->config_changed = vnet_config_changed;
	(void)devtable_add(&devices, n); /* room was checked before binding */
	ret = virtio_driver_ok(vdev);
	if (ret < 0) {
		vnet_unlink(n); /* the device was failed, so reset: it holds nothing */
		vnet_release(n);
		return ret;
	}
	virtq_kick(n->rxq); /* notifications only after DRIVER_OK (§3.1.1) */
	netif_register(&n->nif);
	return 0;
}
