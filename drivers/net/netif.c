/* Interfaces, Ethernet II framing and IPv4 address text. */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net_priv.h"
#include "vireo/net.h"

#define DEFAULT_IP 0x0a00020fu	    /* 10.0.2.15: QEMU user networking's guest */
#define DEFAULT_NETMASK 0xffffff00u /* /24 */
#define DEFAULT_GATEWAY 0x0a000202u /* 10.0.2.2 */

const uint8_t net_broadcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

static struct netif *netifs;

void netif_register(struct netif *nif)
{
	struct netif **p = &netifs;

	nif->ip = DEFAULT_IP;
	nif->netmask = DEFAULT_NETMASK;
	nif->gateway = DEFAULT_GATEWAY;
	memset(&nif->counters, 0, sizeof(nif->counters));
	nif->next = NULL;
	while (*p != NULL) {
		p = &(*p)->next;
	}
	*p = nif;
}

void netif_unregister(struct netif *nif)
{
	for (struct netif **p = &netifs; *p != NULL; p = &(*p)->next) {
		if (*p == nif) {
			*p = nif->next;
			break;
		}
	}
	/* Its neighbours were learnt on that link. */
	net_arp_flush(nif);
}

struct netif *netif_first(void)
{
	return netifs;
}

struct netif *netif_find(const char *name)
{
	for (struct netif *n = netifs; n != NULL; n = n->next) {
		if (strcmp(n->name, name) == 0) {
			return n;
		}
	}
	return NULL;
}

void net_drop(struct netif *nif)
{
	nif->counters.rx_drop++;
}

void net_input(struct netif *nif, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	nif->counters.rx_frames++;
	if (len < ETH_HLEN || len > NETIF_FRAME_MAX) {
		net_drop(nif);
		return;
	}
	if (memcmp(f, nif->mac, 6) != 0 && memcmp(f, net_broadcast_mac, 6) != 0) {
		net_drop(nif); /* not for us (multicast included) */
		return;
	}
	if (f[6] & 1) {
		net_drop(nif); /* a group source address (IEEE 802.3 §3.2.3): no sender to answer */
		return;
	}
	switch (get16(f + 12)) {
	case ETH_P_ARP:
		net_arp_input(nif, f + ETH_HLEN, len - ETH_HLEN);
		break;
	case ETH_P_IP:
		net_ip_input(nif, f + 6, f + ETH_HLEN, len - ETH_HLEN);
		break;
	default:
		net_drop(nif);
		break;
	}
}

int net_eth_send(struct netif *nif, const uint8_t *dst_mac, uint16_t type, const uint8_t *payload,
		 size_t len)
{
	static uint8_t frame[NETIF_FRAME_MAX];
	size_t total = ETH_HLEN + len;

	if (len > NETIF_MTU) {
		return -EMSGSIZE;
	}
	memcpy(frame, dst_mac, 6);
	memcpy(frame + 6, nif->mac, 6);
	put16(frame + 12, type);
	memcpy(frame + ETH_HLEN, payload, len);
	if (total < ETH_ZLEN) {
		memset(frame + total, 0, ETH_ZLEN - total);
		total = ETH_ZLEN;
	}
	return nif->ops->tx(nif, frame, total);
}

int net_parse_ip(const char *s, uint32_t *ip)
{
	uint32_t v = 0;

	for (int part = 0; part < 4; part++) {
		unsigned n = 0;
		int digits = 0;

		while (*s >= '0' && *s <= '9') {
			if (digits > 0 && n == 0) {
				return -EINVAL; /* a leading zero: "010" is not 10 */
			}
			n = n * 10 + (unsigned)(*s++ - '0');
			if (++digits > 3 || n > 255) {
				return -EINVAL;
			}
		}
		if (digits == 0 || *s != (part < 3 ? '.' : '\0')) {
			return -EINVAL;
		}
		s += part < 3;
		v = v << 8 | n;
	}
	*ip = v;
	return 0;
}

void net_format_ip(uint32_t ip, char *buf)
{
	snprintf(buf, 16, "%" PRIu32 ".%" PRIu32 ".%" PRIu32 ".%" PRIu32, ip >> 24,
		 (ip >> 16) & 0xffu, (ip >> 8) & 0xffu, ip & 0xffu);
}
