/* A network interface as the IPv4 stack (drivers/net/) sees it: a MAC, a way to send one
 * Ethernet frame and a way to wait for received ones. A link driver (virtio-net) fills the
 * "link" fields and calls netif_register(); the stack owns the "stack" fields.
 *
 * Received frames are handed to net_input() by the link driver from its poll() function, never
 * in interrupt context, so the stack runs single-threaded. */
#ifndef VIREO_NETIF_H
#define VIREO_NETIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NETIF_MTU 1500u
#define NETIF_FRAME_MAX 1514u /* Ethernet header + MTU, no FCS */

struct netif;

struct netif_ops {
	/** Queues one Ethernet frame (header included, len <= NETIF_FRAME_MAX) for transmission;
	 *  the frame is copied before it returns. 0, -ENOSPC when the TX ring is full after
	 *  reclaiming, -EIO when the device is broken. */
	int (*tx)(struct netif *nif, const void *frame, size_t len);
	/** Delivers every received frame to net_input() and refills the receive ring, then,
	 *  if nothing was received, waits (interrupt-driven where possible) until a frame
	 *  arrives or arch_time_ns() reaches deadline_ns. Returns the number of frames
	 *  delivered, or a negative error when the device is broken. */
	int (*poll)(struct netif *nif, uint64_t deadline_ns);
	/** Link state: true when up (or when the device cannot tell). */
	bool (*link_up)(struct netif *nif);
};

struct netif_counters {
	uint64_t rx_frames;
	uint64_t tx_frames;
	uint64_t rx_drop; /* malformed, oversized, or not for us */
	uint64_t tx_drop; /* could not be queued */
};

struct netif {
	/* link */
	const struct netif_ops *ops;
	void *priv;
	char name[16]; /* "net0" */
	uint8_t mac[6];
	/* stack */
	uint32_t ip; /* host byte order; 0 = not configured */
	uint32_t netmask;
	uint32_t gateway;
	struct netif_counters counters;
	struct netif *next;
	/* tap: when set, received frames go here instead of net_input() (libvireo's
	 * vireo_net_recv()) */
	void (*rx_tap)(struct netif *nif, const void *frame, size_t len);
	void *rx_tap_ctx;
};

/** Adds a link to the list and gives it the default static configuration (QEMU user
 *  networking: 10.0.2.15/24, gateway 10.0.2.2). */
void netif_register(struct netif *nif);
/** Takes a link off the list (its driver is letting go of it). */
void netif_unregister(struct netif *nif);
/** The first registered interface, or NULL. */
struct netif *netif_first(void);
/** The interface named name ("net0"), or NULL. */
struct netif *netif_find(const char *name);

/** A received Ethernet frame (as the device delivered it, header included, no virtio
 *  header). Untrusted: malformed frames are counted in rx_drop and dropped. */
void net_input(struct netif *nif, const void *frame, size_t len);

#endif
