/* ICMP echo (RFC 792): requests are answered with the same identifier, sequence and data;
 * net_ping() sends requests and matches the replies. */
#include <errno.h>
#include <string.h>

#include "arch/timer.h"
#include "net_priv.h"
#include "vireo/net.h"

#define ICMP_HLEN 8u
#define ICMP_ECHO_REPLY 0u
#define ICMP_ECHO_REQUEST 8u
#define PING_ID 0x7672u /* "vr" */
#define PING_DATA 56u	/* the classic ping payload size */

static struct {
	bool waiting;
	uint32_t ip;
	uint16_t seq;
	bool answered;
	uint64_t at_ns;
} ping;

static void icmp_finish(uint8_t *m, size_t len)
{
	put16(m + 2, 0);
	put16(m + 2, net_fold(net_sum(0, m, len)));
}

void net_icmp_input(struct netif *nif, const uint8_t *src_mac, uint32_t src, const uint8_t *p,
		    size_t len)
{
	static uint8_t reply[NET_IP_MAX_PAYLOAD];

	if (len < ICMP_HLEN || net_fold(net_sum(0, p, len)) != 0) {
		net_drop(nif);
		return;
	}
	if (p[0] == ICMP_ECHO_REQUEST && p[1] == 0) {
		memcpy(reply, p, len);
		reply[0] = ICMP_ECHO_REPLY;
		icmp_finish(reply, len);
		(void)net_ip_send(nif, src_mac, src, IP_PROTO_ICMP, reply, len);
		return;
	}
	if (p[0] == ICMP_ECHO_REPLY && ping.waiting && src == ping.ip && get16(p + 4) == PING_ID &&
	    get16(p + 6) == ping.seq) {
		ping.answered = true;
		ping.at_ns = arch_time_ns();
		return;
	}
	net_drop(nif); /* an error report or a reply nobody waits for */
}

int net_ping(struct netif *nif, uint32_t ip, uint16_t seq, uint64_t timeout_ns, uint64_t *rtt_ns)
{
	uint8_t m[ICMP_HLEN + PING_DATA];
	uint64_t sent, deadline;
	int ret = 0;

	m[0] = ICMP_ECHO_REQUEST;
	m[1] = 0;
	put16(m + 4, PING_ID);
	put16(m + 6, seq);
	for (unsigned i = 0; i < PING_DATA; i++) {
		m[ICMP_HLEN + i] = (uint8_t)i;
	}
	icmp_finish(m, sizeof(m));
	ping.waiting = true;
	ping.ip = ip;
	ping.seq = seq;
	ping.answered = false;
	sent = arch_time_ns();
	deadline = sent + timeout_ns;
	ret = net_ip_send(nif, NULL, ip, IP_PROTO_ICMP, m, sizeof(m));
	/* Resolving the neighbour took some of the time: measure from the send. */
	sent = ret == 0 ? arch_time_ns() : sent;
	while (ret >= 0 && !ping.answered && arch_time_ns() < deadline) {
		ret = nif->ops->poll(nif, deadline);
	}
	ping.waiting = false;
	if (ret < 0) {
		return ret;
	}
	if (!ping.answered) {
		return -ETIMEDOUT;
	}
	*rtt_ns = ping.at_ns - sent;
	return 0;
}
