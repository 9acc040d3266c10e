/* virtio-net device model, virtio 1.2 §5.1, behind the model's ring consumer. Written from the
 * spec: the header layout of §5.1.6, the receive rules of §5.1.6.3 (num_buffers; buffers of a
 * whole frame when MRG_RXBUF is not negotiated) and the transmit rules of §5.1.6.2 (no flags
 * or GSO without the features that allow them). */
#include <stdlib.h>
#include <string.h>

#include "devmodel_net.h"
#include "dm_held.h"
#include "dm_spec.h"

#define NET_F_MAC 5
#define NET_F_MRG_RXBUF 15
#define NET_F_STATUS 16
#define NET_F_MQ 22
#define NET_CFG_MAC 0
#define NET_CFG_STATUS 6
#define NET_CFG_MAX_PAIRS 8
#define NET_CFG_SIZE 10
#define NET_S_LINK_UP 1u
#define NET_HDR_LEGACY 10u
#define NET_HDR_V1 12u
#define NET_HDR_NUM_BUFFERS 10u
#define NET_FRAME_MAX 1514u
#define NET_TX_KEEP 1024u
#define NET_RXQ 0
#define NET_TXQ 1

struct net_frame {
	uint8_t b[NET_FRAME_MAX];
	size_t len;
};

struct net {
	struct devmodel_net_config cfg;
	bool link_up;
	struct dm_held_fifo rx;
	struct net_frame *tx;
	unsigned tx_count;
	uint64_t rx_dropped;
};

static const struct devmodel_config_field net_fields[] = {
	{ NET_CFG_MAC + 0, 1, NET_F_MAC, 0 },	{ NET_CFG_MAC + 1, 1, NET_F_MAC, 0 },
	{ NET_CFG_MAC + 2, 1, NET_F_MAC, 0 },	{ NET_CFG_MAC + 3, 1, NET_F_MAC, 0 },
	{ NET_CFG_MAC + 4, 1, NET_F_MAC, 0 },	{ NET_CFG_MAC + 5, 1, NET_F_MAC, 0 },
	{ NET_CFG_STATUS, 2, NET_F_STATUS, 0 }, { NET_CFG_MAX_PAIRS, 2, NET_F_MQ, 0 },
};

static struct net *net_of(const struct devmodel *dm)
{
	const struct devmodel_device_ops *ops = devmodel_ops(dm);

	return ops != NULL && ops->device_id == VIRTIO_ID_NET ? devmodel_dev(dm) : NULL;
}

static uint64_t net_features(const struct devmodel *dm)
{
	const struct net *n = devmodel_dev(dm);

	return (n->cfg.offer_mac ? 1ull << NET_F_MAC : 0) |
	       (n->cfg.offer_status ? 1ull << NET_F_STATUS : 0) |
	       (n->cfg.offer_mrg_rxbuf ? 1ull << NET_F_MRG_RXBUF : 0);
}

static void net_config_get(struct devmodel *dm, uint8_t *cfg, size_t size)
{
	const struct net *n = devmodel_dev(dm);

	if (size < NET_CFG_SIZE) {
		return;
	}
	memcpy(cfg + NET_CFG_MAC, n->cfg.mac, 6);
	dm_put_le16(cfg + NET_CFG_STATUS, n->link_up ? NET_S_LINK_UP : 0);
	dm_put_le16(cfg + NET_CFG_MAX_PAIRS, 1);
}

static bool negotiated(const struct devmodel *dm, unsigned bit)
{
	return (devmodel_features(dm) >> bit) & 1;
}

unsigned devmodel_net_hdr_len(const struct devmodel *dm)
{
	return negotiated(dm, VIRTIO_F_VERSION_1) || negotiated(dm, NET_F_MRG_RXBUF)
		       ? NET_HDR_V1
		       : NET_HDR_LEGACY;
}

/* §5.1.6.6: a legacy driver that did not negotiate ANY_LAYOUT puts the header alone in the
 * first descriptor of a transmit or receive chain. */
static void check_legacy_framing(struct devmodel *dm, struct devmodel_chain *c, const char *q)
{
	unsigned hdr = devmodel_net_hdr_len(dm);

	if (devmodel_version(dm) != 1 || negotiated(dm, VIRTIO_F_ANY_LAYOUT) || c->count == 0) {
		return;
	}
	if (c->seg[0].len != hdr) {
		devmodel_violation(dm,
				   "%s: legacy chain without VIRTIO_F_ANY_LAYOUT whose first "
				   "descriptor is %u bytes, not the %u-byte header (§5.1.6.6)",
				   q, c->seg[0].len, hdr);
	}
}

/* §5.1.6.2.1: no NEEDS_CSUM without VIRTIO_NET_F_CSUM, no GSO without the GSO features, and
 * num_buffers (when the header has it) zero. */
static void check_tx_header(struct devmodel *dm, const uint8_t *h, unsigned hdr)
{
	if (h[0] != 0 || h[1] != 0) {
		devmodel_violation(dm,
				   "transmitq: header flags %#x gso_type %#x without offloads "
				   "(§5.1.6.2.1)",
				   h[0], h[1]);
	}
	if (hdr == NET_HDR_V1 && dm_le16(h + NET_HDR_NUM_BUFFERS) != 0) {
		devmodel_violation(dm,
				   "transmitq: num_buffers %u; the driver must set 0 (§5.1.6.2.1)",
				   dm_le16(h + NET_HDR_NUM_BUFFERS));
	}
}

static void net_transmit(struct devmodel *dm, struct net *n, struct devmodel_chain *c)
{
	unsigned hdr = devmodel_net_hdr_len(dm);
	uint8_t h[NET_HDR_V1];
	struct net_frame *f;

	if (c->writable != 0) {
		devmodel_violation(dm,
				   "transmitq: a chain with device-writable buffers (§5.1.6.2)");
	}
	if (c->readable < hdr || devmodel_chain_read(dm, c, 0, h, hdr) != 0) {
		devmodel_violation(dm,
				   "transmitq: %llu bytes, less than the %u-byte header (§5.1.6)",
				   (unsigned long long)c->readable, hdr);
		return;
	}
	check_legacy_framing(dm, c, "transmitq");
	check_tx_header(dm, h, hdr);
	if (c->readable - hdr > NET_FRAME_MAX) {
		devmodel_violation(dm, "transmitq: %llu-byte packet without GSO (§5.1.6.2.1)",
				   (unsigned long long)(c->readable - hdr));
		return;
	}
	if (n->tx_count == NET_TX_KEEP) {
		return;
	}
	f = &n->tx[n->tx_count];
	f->len = (size_t)(c->readable - hdr);
	if (devmodel_chain_read(dm, c, hdr, f->b, f->len) == 0) {
		n->tx_count++;
	}
}

/* §5.1.6.3.1: with MRG_RXBUF every buffer MUST hold at least the header; without it the
 * driver SHOULD post buffers of 1526 bytes (header + a whole 1514-byte frame), and one that
 * cannot take such a frame loses it, which this project counts as a violation. Returns false
 * when the model must not write into the buffer at all. */
static bool check_rx_buffer(struct devmodel *dm, struct devmodel_chain *c)
{
	unsigned hdr = devmodel_net_hdr_len(dm);

	if (c->readable != 0) {
		devmodel_violation(dm, "receiveq: a chain with device-readable buffers (§5.1.6.3)");
	}
	check_legacy_framing(dm, c, "receiveq");
	if (negotiated(dm, NET_F_MRG_RXBUF)) {
		if (c->writable < hdr) {
			devmodel_violation(dm,
					   "receiveq: a %llu-byte buffer is smaller than the "
					   "%u-byte header with MRG_RXBUF (§5.1.6.3.1)",
					   (unsigned long long)c->writable, hdr);
			return false;
		}
		return true;
	}
	if (c->writable < hdr + NET_FRAME_MAX) {
		devmodel_violation(dm,
				   "receiveq: a %llu-byte buffer cannot hold a whole packet "
				   "without MRG_RXBUF (§5.1.6.3.1)",
				   (unsigned long long)c->writable);
	}
	return true;
}

static int64_t net_process(struct devmodel *dm, struct devmodel_chain *c)
{
	struct net *n = devmodel_dev(dm);

	if (c->queue == NET_TXQ) {
		net_transmit(dm, n, c);
		return 0;
	}
	/* A buffer too small for the header is handed back unused rather than held, so that
	 * inject never writes a header past its end. */
	if (!check_rx_buffer(dm, c)) {
		return 0;
	}
	if (dm_held_push(&n->rx, c) != 0) {
		devmodel_violation(dm, "receiveq: more buffers than the model can hold");
		return 0;
	}
	return DEVMODEL_HOLD;
}

/* Writes the oldest held buffer (the header first when `h` is not NULL, then as much of the
 * frame as fits) and completes it; returns the frame bytes it took. */
static size_t rx_fill_one(struct devmodel *dm, struct net *n, const uint8_t *h,
			  const uint8_t *frame, size_t len)
{
	struct dm_held *b = dm_held_at(&n->rx, 0);
	unsigned hdr = h != NULL ? devmodel_net_hdr_len(dm) : 0;
	uint16_t head = b->c.head;
	uint64_t room = b->c.writable - hdr;
	size_t n_data = room < len ? (size_t)room : len;
	uint32_t used;

	if (h != NULL) {
		devmodel_chain_write(dm, &b->c, 0, h, hdr);
	}
	devmodel_chain_write(dm, &b->c, hdr, frame, n_data);
	/* A refused write delivered nothing the driver may read (devmodel.h, DMA). */
	used = b->c.fault ? 0 : (uint32_t)(hdr + n_data);
	dm_held_pop(&n->rx);
	devmodel_complete(dm, NET_RXQ, head, used);
	return n_data;
}

/* Fills held buffers from the oldest with hdr + frame; returns how many it used, or 0. Every
 * held buffer holds at least a header (check_rx_buffer()). */
static unsigned rx_fill(struct devmodel *dm, struct net *n, const uint8_t *frame, size_t len)
{
	unsigned hdr = devmodel_net_hdr_len(dm);
	bool mrg = negotiated(dm, NET_F_MRG_RXBUF);
	uint64_t room = 0;
	unsigned bufs = 0;
	size_t done = 0;
	uint8_t h[NET_HDR_V1];

	while (room < hdr + len && bufs < n->rx.count && (mrg || bufs == 0)) {
		room += dm_held_at(&n->rx, bufs++)->c.writable;
	}
	if (room < hdr + len) {
		return 0;
	}
	/* §5.1.6.4: all zero but num_buffers, the number of buffers used (1 without MRG). */
	memset(h, 0, sizeof(h));
	dm_put_le16(h + NET_HDR_NUM_BUFFERS, (uint16_t)bufs);
	for (unsigned i = 0; i < bufs; i++) {
		done += rx_fill_one(dm, n, i == 0 ? h : NULL, frame + done, len - done);
	}
	return bufs;
}

int devmodel_net_inject(struct devmodel *dm, const void *frame, size_t len)
{
	struct net *n = net_of(dm);

	if (n == NULL) {
		return -1;
	}
	if (rx_fill(dm, n, frame, len) == 0) {
		n->rx_dropped++;
		return -1;
	}
	return 0;
}

unsigned devmodel_net_rx_posted(const struct devmodel *dm)
{
	const struct net *n = net_of(dm);

	return n != NULL ? n->rx.count : 0;
}

uint64_t devmodel_net_rx_dropped(const struct devmodel *dm)
{
	const struct net *n = net_of(dm);

	return n != NULL ? n->rx_dropped : 0;
}

unsigned devmodel_net_tx_count(const struct devmodel *dm)
{
	const struct net *n = net_of(dm);

	return n != NULL ? n->tx_count : 0;
}

const uint8_t *devmodel_net_tx_frame(const struct devmodel *dm, unsigned i, size_t *len)
{
	const struct net *n = net_of(dm);

	if (n == NULL || i >= n->tx_count) {
		return NULL;
	}
	*len = n->tx[i].len;
	return n->tx[i].b;
}

void devmodel_net_tx_clear(struct devmodel *dm)
{
	struct net *n = net_of(dm);

	if (n != NULL) {
		n->tx_count = 0;
	}
}

void devmodel_net_set_link(struct devmodel *dm, bool up)
{
	struct net *n = net_of(dm);

	if (n != NULL) {
		n->link_up = up;
		devmodel_config_changed(dm);
	}
}

static void net_reset(struct devmodel *dm)
{
	struct net *n = devmodel_dev(dm);

	n->rx.first = 0;
	n->rx.count = 0;
}

static void net_destroy(struct devmodel *dm)
{
	struct net *n = devmodel_dev(dm);

	free(n->tx);
	free(n);
}

static const struct devmodel_device_ops net_ops = {
	.name = "net",
	.device_id = VIRTIO_ID_NET,
	.queue_count = 2,
	.fields = net_fields,
	.field_count = sizeof(net_fields) / sizeof(net_fields[0]),
	.features = net_features,
	.config_get = net_config_get,
	.process = net_process,
	.reset = net_reset,
	.destroy = net_destroy,
};

struct devmodel *devmodel_net_create(const struct devmodel_config *cfg,
				     const struct devmodel_net_config *net)
{
	struct net *n = calloc(1, sizeof(*n));
	struct devmodel *dm;

	if (n == NULL) {
		return NULL;
	}
	n->tx = calloc(NET_TX_KEEP, sizeof(*n->tx));
	if (net != NULL) {
		n->cfg = *net;
	}
	n->link_up = !n->cfg.link_down;
	dm = n->tx != NULL ? devmodel_create(cfg, &net_ops, n) : NULL;
	if (dm == NULL) {
		free(n->tx);
		free(n);
	}
	return dm;
}
