/* UDP (RFC 768): the length field is checked against the IP payload and a nonzero checksum is
 * verified before a datagram reaches the echo service (port 7) or the DHCP client (port 68). */
#include <errno.h>
#include <string.h>

#include "arch/timer.h"
#include "net_priv.h"
#include "vireo/net.h"

#define DHCP_CLIENT_PORT 68u

static struct {
	bool active;
	struct net_echo_stats st;
} echo;

static uint16_t udp_checksum(uint32_t src, uint32_t dst, const uint8_t *p, size_t len)
{
	uint32_t sum = net_pseudo_sum(src, dst, IP_PROTO_UDP, (uint16_t)len);

	return net_fold(net_sum(sum, p, len));
}

int net_udp_send(struct netif *nif, const uint8_t *dst_mac, uint32_t dst, uint16_t sport,
		 uint16_t dport, const uint8_t *payload, size_t len)
{
	static uint8_t d[NET_IP_MAX_PAYLOAD];
	uint16_t sum;

	if (len > NET_IP_MAX_PAYLOAD - UDP_HLEN) {
		return -EMSGSIZE;
	}
	put16(d, sport);
	put16(d + 2, dport);
	put16(d + 4, (uint16_t)(UDP_HLEN + len));
	put16(d + 6, 0);
	memcpy(d + UDP_HLEN, payload, len);
	sum = udp_checksum(nif->ip, dst, d, UDP_HLEN + len);
	put16(d + 6, sum == 0 ? 0xffff : sum); /* 0 means "no checksum" */
	return net_ip_send(nif, dst_mac, dst, IP_PROTO_UDP, d, UDP_HLEN + len);
}

void net_udp_input(struct netif *nif, const uint8_t *src_mac, uint32_t src, uint32_t dst,
		   const uint8_t *p, size_t len)
{
	uint16_t ulen;

	if (len < UDP_HLEN) {
		net_drop(nif);
		return;
	}
	ulen = get16(p + 4);
	if (ulen < UDP_HLEN || ulen > len ||
	    (get16(p + 6) != 0 && udp_checksum(src, dst, p, ulen) != 0)) {
		net_drop(nif);
		return;
	}
	if (get16(p + 2) == NET_UDP_ECHO_PORT && echo.active && nif->ip != 0 && dst == nif->ip) {
		echo.st.received++;
		/* Straight back to the sender's port, through the hop it came from. */
		if (net_udp_send(nif, src_mac, src, NET_UDP_ECHO_PORT, get16(p), p + UDP_HLEN,
				 ulen - UDP_HLEN) == 0) {
			echo.st.echoed++;
		}
		return;
	}
	if (get16(p + 2) == DHCP_CLIENT_PORT && net_dhcp_active()) {
		net_dhcp_input(nif, p + UDP_HLEN, ulen - UDP_HLEN);
		return;
	}
	net_drop(nif);
}

int net_udp_echo_serve(struct netif *nif, uint64_t duration_ns, struct net_echo_stats *st)
{
	uint64_t deadline = arch_time_ns() + duration_ns;
	int ret = 0;

	memset(&echo, 0, sizeof(echo));
	echo.active = true;
	while (ret >= 0 && arch_time_ns() < deadline) {
		ret = nif->ops->poll(nif, deadline);
	}
	echo.active = false;
	*st = echo.st;
	return ret < 0 ? ret : 0;
}
