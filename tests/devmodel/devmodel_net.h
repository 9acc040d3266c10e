/* A virtio-net device model (virtio 1.2 §5.1): one receiveq and one transmitq, no control
 * queue, no offloads. Frames the driver sends are recorded; frames a test injects go into the
 * receive buffers the driver posted (held until then). Violations: transmit chains with a
 * writable part, shorter than the header, or with flags, gso_type or num_buffers set
 * (§5.1.6.2.1); receive buffers that cannot take a whole frame without MRG_RXBUF, or are
 * smaller than the header with it (§5.1.6.3.1; such a buffer is handed back unused, used.len
 * 0); legacy chains whose first descriptor is not the header alone without ANY_LAYOUT
 * (§5.1.6.6). */
#ifndef DEVMODEL_NET_H
#define DEVMODEL_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "devmodel.h"

struct devmodel_net_config {
	uint8_t mac[6];
	bool offer_mac;	      /* VIRTIO_NET_F_MAC: mac is in config space */
	bool offer_status;    /* VIRTIO_NET_F_STATUS: link state in config space */
	bool offer_mrg_rxbuf; /* VIRTIO_NET_F_MRG_RXBUF */
	bool link_down;
};

struct devmodel *devmodel_net_create(const struct devmodel_config *cfg,
				     const struct devmodel_net_config *net);

/** Delivers a frame (no virtio header) into the oldest posted receive buffer(s): the header
 *  is all zero but num_buffers (where the header has it). 0, or -1 when no (or too little)
 *  buffer space is posted: the frame is then dropped and counted. */
int devmodel_net_inject(struct devmodel *dm, const void *frame, size_t len);
/** Receive buffers posted and not yet used. */
unsigned devmodel_net_rx_posted(const struct devmodel *dm);
uint64_t devmodel_net_rx_dropped(const struct devmodel *dm);

/** Frames the driver transmitted (without the virtio header), oldest first. */
unsigned devmodel_net_tx_count(const struct devmodel *dm);
const uint8_t *devmodel_net_tx_frame(const struct devmodel *dm, unsigned i, size_t *len);
void devmodel_net_tx_clear(struct devmodel *dm);

/** Header size the device uses with the features negotiated (§5.1.6): 12 with VERSION_1 or
 *  MRG_RXBUF, else 10. */
unsigned devmodel_net_hdr_len(const struct devmodel *dm);

/** Changes the link state and signals a configuration change. */
void devmodel_net_set_link(struct devmodel *dm, bool up);

#endif
