/* virtio-net (virtio 1.2 §5.1): one receive and one transmit queue, no offloads, no control
 * queue. The device becomes a struct netif (include/vireo/netif.h) for the IPv4 stack. */
#ifndef VIREO_VIRTIO_NET_H
#define VIREO_VIRTIO_NET_H

#include <stdint.h>

struct virtio_device;
struct netif;
struct vnet;

/* Feature bits (§5.1.3) and config space (§5.1.4) */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_CFG_MAC 0
#define VIRTIO_NET_CFG_STATUS 6
#define VIRTIO_NET_S_LINK_UP 1u

/* §5.1.6: struct virtio_net_hdr; num_buffers exists with VERSION_1 or MRG_RXBUF. */
#define VIRTIO_NET_HDR_LEGACY 10u
#define VIRTIO_NET_HDR_LEN 12u
#define VIRTIO_NET_HDR_NUM_BUFFERS 10u

/** Binds a virtio-net device: negotiates MAC, STATUS and MRG_RXBUF (when offered), sets up
 *  the receive (0) and transmit (1) queues, names the device net<N> and registers its netif.
 *  0, or a negative error with the device failed and nothing held. */
int vnet_probe(struct virtio_device *vdev);
/** Number of bound devices; net<N> is vnet_get(N). */
unsigned vnet_count(void);
/** The n-th bound device, or NULL. */
struct vnet *vnet_get(unsigned n);
/** The interface the device registered with the stack. */
struct netif *vnet_netif(struct vnet *n);
/** Resets the device, destroys its queues, unregisters the netif and frees the driver's
 *  state (tests tear down with it). Later devices move down one index. */
void vnet_remove(struct vnet *n);

#endif
