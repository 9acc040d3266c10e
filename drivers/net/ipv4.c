/* IPv4 (RFC 791) without options on send and without fragments: a packet is checked (version,
 * header length, total length against the frame, header checksum) before anything reads it. */
#include <errno.h>
#include <string.h>

#include "net_priv.h"

#define IP_VERSION 4u
#define IP_TTL 64u
#define IP_FLAG_MF 0x2000u
#define IP_FRAG_OFFSET 0x1fffu
#define IP_FLAG_DF 0x4000u

static uint16_t ip_id;

/* Addressed to us: our address, the limited broadcast, or anything while DHCP is asking. */
static bool for_us(const struct netif *nif, uint32_t dst)
{
	return (nif->ip != 0 && dst == nif->ip) || dst == IP_BROADCAST || net_dhcp_active();
}

/* RFC 1122 §3.2.1.3: a source that names no single host (limited or subnet broadcast, class D
 * multicast, class E) is invalid; the datagram is discarded, so nothing answers it. */
static bool source_valid(const struct netif *nif, uint32_t src)
{
	if (src == IP_BROADCAST || (src >> 28) >= 0xe) {
		return false;
	}
	return nif->ip == 0 || nif->netmask == 0 || nif->netmask == IP_BROADCAST ||
	       (src & ~nif->netmask) != (~nif->netmask) || ((src ^ nif->ip) & nif->netmask) != 0;
}

void net_ip_input(struct netif *nif, const uint8_t *src_mac, const uint8_t *p, size_t len)
{
	unsigned hlen;
	uint16_t total;
	uint32_t src, dst;

	if (len < IP_HLEN || (p[0] >> 4) != IP_VERSION) {
		net_drop(nif);
		return;
	}
	hlen = (p[0] & 0xfu) * 4u;
	total = get16(p + 2);
	/* Ethernet may pad a short packet: the IP total length says where it ends. */
	if (hlen < IP_HLEN || total < hlen || total > len || net_fold(net_sum(0, p, hlen)) != 0 ||
	    (get16(p + 6) & (IP_FLAG_MF | IP_FRAG_OFFSET)) != 0) {
		net_drop(nif);
		return;
	}
	src = get32(p + 12);
	dst = get32(p + 16);
	if (!for_us(nif, dst) || !source_valid(nif, src)) {
		net_drop(nif);
		return;
	}
	switch (p[9]) {
	case IP_PROTO_ICMP:
		net_icmp_input(nif, src_mac, src, p + hlen, total - hlen);
		break;
	case IP_PROTO_UDP:
		net_udp_input(nif, src_mac, src, dst, p + hlen, total - hlen);
		break;
	default:
		net_drop(nif);
		break;
	}
}

/* The neighbour a packet to dst goes to: dst itself on our subnet, else the gateway. */
static uint32_t next_hop(const struct netif *nif, uint32_t dst)
{
	if (nif->gateway == 0 || ((dst ^ nif->ip) & nif->netmask) == 0) {
		return dst;
	}
	return nif->gateway;
}

int net_ip_send(struct netif *nif, const uint8_t *dst_mac, uint32_t dst, uint8_t proto,
		const uint8_t *payload, size_t len)
{
	static uint8_t pkt[NETIF_MTU];
	uint8_t mac[6];
	int ret;

	if (len > NET_IP_MAX_PAYLOAD) {
		return -EMSGSIZE;
	}
	if (dst_mac == NULL) {
		if (dst == IP_BROADCAST) {
			dst_mac = net_broadcast_mac;
		} else {
			if (nif->ip == 0) {
				return -ENETDOWN;
			}
			ret = net_arp_resolve(nif, next_hop(nif, dst), mac);
			if (ret < 0) {
				return ret;
			}
			dst_mac = mac;
		}
	}
	memset(pkt, 0, IP_HLEN);
	pkt[0] = IP_VERSION << 4 | IP_HLEN / 4;
	put16(pkt + 2, (uint16_t)(IP_HLEN + len));
	put16(pkt + 4, ip_id++);
	put16(pkt + 6, IP_FLAG_DF);
	pkt[8] = IP_TTL;
	pkt[9] = proto;
	put32(pkt + 12, nif->ip);
	put32(pkt + 16, dst);
	put16(pkt + 10, net_fold(net_sum(0, pkt, IP_HLEN)));
	memcpy(pkt + IP_HLEN, payload, len);
	return net_eth_send(nif, dst_mac, ETH_P_IP, pkt, IP_HLEN + len);
}
