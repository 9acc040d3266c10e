/* Internals of the IPv4 endpoint: byte order, checksums, the receive path of each protocol
 * and the sending helpers. Every parser gets the bytes that are really there (len) and checks
 * lengths before it reads. */
#ifndef DRIVERS_NET_PRIV_H
#define DRIVERS_NET_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/netif.h"

#define ETH_HLEN 14u
#define ETH_ZLEN 60u /* shortest frame (no FCS): shorter ones are padded */
#define ETH_P_IP 0x0800u
#define ETH_P_ARP 0x0806u
#define IP_HLEN 20u
#define IP_PROTO_ICMP 1u
#define IP_PROTO_UDP 17u
#define UDP_HLEN 8u
#define IP_BROADCAST 0xffffffffu
#define NET_IP_MAX_PAYLOAD (NETIF_MTU - IP_HLEN)

extern const uint8_t net_broadcast_mac[6];

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* checksum.c: the Internet checksum (RFC 1071) */
/** Adds len bytes to a running ones'-complement sum (big-endian 16-bit words). */
uint32_t net_sum(uint32_t sum, const uint8_t *p, size_t len);
/** Folds a running sum into the final checksum field value. */
uint16_t net_fold(uint32_t sum);
/** The UDP/TCP pseudo-header's contribution. */
uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len);

/* netif.c */
/** Sends an Ethernet frame: header in front of payload (len bytes), padded to ETH_ZLEN. */
int net_eth_send(struct netif *nif, const uint8_t *dst_mac, uint16_t type, const uint8_t *payload,
		 size_t len);
/** Counts one received frame as dropped. */
void net_drop(struct netif *nif);

/* arp.c */
void net_arp_input(struct netif *nif, const uint8_t *p, size_t len);
/** The MAC of ip on the link, from the cache or by asking (polls the interface: only from
 *  command context, never from the receive path). 0, -EHOSTUNREACH, or the link's error. */
int net_arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6]);
/** Remembers that ip is at mac on nif (ignores addresses no neighbour can have). */
void net_arp_learn(const struct netif *nif, uint32_t ip, const uint8_t mac[6]);
/** Forgets every neighbour learnt on nif (its address changed, or it is going away). */
void net_arp_flush(const struct netif *nif);

/* ipv4.c */
/** src_mac: the frame's sender, for answers (the receive path never resolves). */
void net_ip_input(struct netif *nif, const uint8_t *src_mac, const uint8_t *p, size_t len);
/** Sends an IPv4 packet from our address (or 0.0.0.0 when unconfigured) to dst. dst_mac
 *  NULL: resolved with ARP (command context only). */
int net_ip_send(struct netif *nif, const uint8_t *dst_mac, uint32_t dst, uint8_t proto,
		const uint8_t *payload, size_t len);

/* icmp.c */
void net_icmp_input(struct netif *nif, const uint8_t *src_mac, uint32_t src, const uint8_t *p,
		    size_t len);

/* udp.c */
void net_udp_input(struct netif *nif, const uint8_t *src_mac, uint32_t src, uint32_t dst,
		   const uint8_t *p, size_t len);
int net_udp_send(struct netif *nif, const uint8_t *dst_mac, uint32_t dst, uint16_t sport,
		 uint16_t dport, const uint8_t *payload, size_t len);

/* dhcp.c */
/** A datagram to the DHCP client port. */
void net_dhcp_input(struct netif *nif, const uint8_t *p, size_t len);
/** True while a DHCP exchange accepts datagrams not addressed to our IP. */
bool net_dhcp_active(void);

#endif
