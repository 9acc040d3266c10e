/* ARP for IPv4 over Ethernet (RFC 826): answers requests for our address, learns from what
 * is addressed to us, and resolves next hops for the commands. */
#include <errno.h>
#include <string.h>

#include "arch/timer.h"
#include "net_priv.h"

#define ARP_LEN 28u
#define ARP_HTYPE_ETHER 1u
#define ARP_OP_REQUEST 1u
#define ARP_OP_REPLY 2u
#define ARP_CACHE 8u
#define ARP_TRIES 3u
#define ARP_WAIT_NS (500ull * 1000 * 1000)

/* Neighbours are per link: the same address may live on two networks. */
struct arp_entry {
	const struct netif *nif;
	uint32_t ip;
	uint8_t mac[6];
	bool valid;
};

static struct arp_entry cache[ARP_CACHE];
static unsigned next_victim;

void net_arp_flush(const struct netif *nif)
{
	for (unsigned i = 0; i < ARP_CACHE; i++) {
		if (cache[i].nif == nif) {
			memset(&cache[i], 0, sizeof(cache[i]));
		}
	}
}

static struct arp_entry *lookup(const struct netif *nif, uint32_t ip)
{
	for (unsigned i = 0; i < ARP_CACHE; i++) {
		if (cache[i].valid && cache[i].nif == nif && cache[i].ip == ip) {
			return &cache[i];
		}
	}
	return NULL;
}

void net_arp_learn(const struct netif *nif, uint32_t ip, const uint8_t mac[6])
{
	struct arp_entry *e = lookup(nif, ip);

	if (ip == 0 || ip == IP_BROADCAST || (mac[0] & 1) != 0) {
		return; /* no such neighbour */
	}
	if (e == NULL) {
		e = &cache[next_victim];
		next_victim = (next_victim + 1) % ARP_CACHE;
	}
	e->nif = nif;
	e->ip = ip;
	memcpy(e->mac, mac, 6);
	e->valid = true;
}

static int arp_send(struct netif *nif, uint16_t op, const uint8_t *tha, uint32_t tpa,
		    const uint8_t *dst_mac)
{
	uint8_t p[ARP_LEN];

	put16(p, ARP_HTYPE_ETHER);
	put16(p + 2, ETH_P_IP);
	p[4] = 6;
	p[5] = 4;
	put16(p + 6, op);
	memcpy(p + 8, nif->mac, 6);
	put32(p + 14, nif->ip);
	memcpy(p + 18, tha, 6);
	put32(p + 24, tpa);
	return net_eth_send(nif, dst_mac, ETH_P_ARP, p, sizeof(p));
}

void net_arp_input(struct netif *nif, const uint8_t *p, size_t len)
{
	uint32_t spa, tpa;
	uint16_t op;

	if (len < ARP_LEN || get16(p) != ARP_HTYPE_ETHER || get16(p + 2) != ETH_P_IP || p[4] != 6 ||
	    p[5] != 4) {
		net_drop(nif);
		return;
	}
	op = get16(p + 6);
	spa = get32(p + 14);
	tpa = get32(p + 24);
	/* A group sender hardware address (its I/G bit) or a broadcast/multicast sender protocol
	 * address names no neighbour: learning it would send unicast traffic to a group. */
	if ((op != ARP_OP_REQUEST && op != ARP_OP_REPLY) || nif->ip == 0 || tpa != nif->ip ||
	    (p[8] & 1) || spa == 0xffffffffu || (spa >> 28) >= 0xe) {
		net_drop(nif);
		return;
	}
	net_arp_learn(nif, spa, p + 8);
	if (op == ARP_OP_REQUEST) {
		/* Answer to the asker's hardware address, not to the broadcast it came on. */
		(void)arp_send(nif, ARP_OP_REPLY, p + 8, spa, p + 8);
	}
}

int net_arp_resolve(struct netif *nif, uint32_t ip, uint8_t mac[6])
{
	static const uint8_t unknown[6];
	const struct arp_entry *e = lookup(nif, ip);

	for (unsigned t = 0; e == NULL && t < ARP_TRIES; t++) {
		uint64_t deadline = arch_time_ns() + ARP_WAIT_NS;
		int ret = arp_send(nif, ARP_OP_REQUEST, unknown, ip, net_broadcast_mac);

		while (ret >= 0 && lookup(nif, ip) == NULL && arch_time_ns() < deadline) {
			ret = nif->ops->poll(nif, deadline);
		}
		e = lookup(nif, ip);
		if (e == NULL && ret < 0) {
			return ret;
		}
	}
	if (e == NULL) {
		return -EHOSTUNREACH;
	}
	memcpy(mac, e->mac, 6);
	return 0;
}
