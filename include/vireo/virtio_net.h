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

/** Binds a virtio-net device (named net<N>) and registers its netif. */
int vnet_probe(struct virtio_device *vdev);
unsigned vnet_count(void);
struct vnet *vnet_get(unsigned n);
struct netif *vnet_netif(struct vnet *n);
/** Resets the device, unregisters the netif and frees the driver's state (tests). */
void vnet_remove(struct vnet *n);

#endif
