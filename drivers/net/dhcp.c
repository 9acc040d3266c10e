/* A DHCP client (RFC 2131/2132): DISCOVER, OFFER, REQUEST, ACK, each step retried until the
 * time is up. Offers and acks are checked (op, transaction id, our hardware address, magic
 * cookie, option lengths) before anything is taken from them. */
#include <errno.h>
#include <string.h>

#include "arch/timer.h"
#include "net_priv.h"
#include "vireo/net.h"
#include "vireo/types.h"

#define DHCP_SERVER_PORT 67u
#define DHCP_CLIENT_PORT 68u
#define BOOTP_REQUEST 1u
#define BOOTP_REPLY 2u
#define BOOTP_FIXED 236u /* op .. file */
#define DHCP_MAGIC 0x63825363u
#define DHCP_OPTIONS (BOOTP_FIXED + 4)
#define BOOTP_MIN_LEN 300u /* RFC 1542 §2.1: relays and servers may drop shorter requests */
#define DHCP_FLAG_BROADCAST 0x8000u
#define OPT_PAD 0u
#define OPT_SUBNET 1u
#define OPT_ROUTER 3u
#define OPT_REQUESTED_IP 50u
#define OPT_MSG_TYPE 53u
#define OPT_SERVER_ID 54u
#define OPT_END 255u
#define MSG_DISCOVER 1u
#define MSG_OFFER 2u
#define MSG_REQUEST 3u
#define MSG_ACK 5u
#define MSG_NAK 6u
#define DHCP_RETRY_NS (1000ull * 1000 * 1000)

struct dhcp_reply {
	uint8_t type;
	uint32_t yiaddr;
	uint32_t server;
	uint32_t netmask;
	uint32_t router;
};

static struct {
	bool active;
	uint32_t xid;
	uint8_t want; /* message type awaited */
	bool got;
	struct dhcp_reply reply;
	uint8_t mac[6];
} dhcp;

bool net_dhcp_active(void)
{
	return dhcp.active;
}

/* Walks the options; every option's length is checked against the end. */
static bool parse_options(const uint8_t *o, size_t len, struct dhcp_reply *r)
{
	size_t i = 0;

	while (i < len && o[i] != OPT_END) {
		uint8_t code = o[i], olen;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + (olen = o[i + 1]) > len) {
			return false;
		}
		if (code == OPT_MSG_TYPE && olen == 1) {
			r->type = o[i + 2];
		} else if (code == OPT_SERVER_ID && olen == 4) {
			r->server = get32(o + i + 2);
		} else if (code == OPT_SUBNET && olen == 4) {
			r->netmask = get32(o + i + 2);
		} else if (code == OPT_ROUTER && olen >= 4) {
			r->router = get32(o + i + 2);
		}
		i += 2u + olen;
	}
	return r->type != 0;
}

void net_dhcp_input(struct netif *nif, const uint8_t *p, size_t len)
{
	struct dhcp_reply r;

	memset(&r, 0, sizeof(r));
	if (len < DHCP_OPTIONS || p[0] != BOOTP_REPLY || get32(p + 4) != dhcp.xid ||
	    memcmp(p + 28, dhcp.mac, 6) != 0 || get32(p + BOOTP_FIXED) != DHCP_MAGIC ||
	    !parse_options(p + DHCP_OPTIONS, len - DHCP_OPTIONS, &r)) {
		net_drop(nif);
		return;
	}
	r.yiaddr = get32(p + 16);
	if (dhcp.got || (r.type != dhcp.want && r.type != MSG_NAK)) {
		return; /* a duplicate or a late answer to an earlier step */
	}
	dhcp.reply = r;
	dhcp.got = true;
}

static size_t put_option(uint8_t *o, uint8_t code, const uint8_t *v, uint8_t len)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, v, len);
	return 2u + len;
}

static int dhcp_send(struct netif *nif, uint8_t type, uint32_t requested, uint32_t server)
{
	uint8_t m[BOOTP_MIN_LEN];
	uint8_t v[4];
	size_t n = DHCP_OPTIONS;

	memset(m, 0, sizeof(m));
	m[0] = BOOTP_REQUEST;
	m[1] = 1; /* Ethernet */
	m[2] = 6;
	put32(m + 4, dhcp.xid);
	put16(m + 10, DHCP_FLAG_BROADCAST); /* we cannot take unicast before we have an address */
	memcpy(m + 28, nif->mac, 6);
	put32(m + BOOTP_FIXED, DHCP_MAGIC);
	n += put_option(m + n, OPT_MSG_TYPE, &type, 1);
	if (requested != 0) {
		put32(v, requested);
		n += put_option(m + n, OPT_REQUESTED_IP, v, 4);
	}
	if (server != 0) {
		put32(v, server);
		n += put_option(m + n, OPT_SERVER_ID, v, 4);
	}
	m[n] = OPT_END;
	/* The zeros after END are pad options. */
	return net_udp_send(nif, net_broadcast_mac, IP_BROADCAST, DHCP_CLIENT_PORT,
			    DHCP_SERVER_PORT, m, sizeof(m));
}

/* Sends one step's message (again every second) until its answer or the deadline. */
static int dhcp_step(struct netif *nif, uint8_t type, uint8_t want, uint32_t requested,
		     uint32_t server, uint64_t deadline)
{
	int ret = 0;

	dhcp.want = want;
	dhcp.got = false;
	while (ret >= 0 && !dhcp.got && arch_time_ns() < deadline) {
		uint64_t resend = arch_time_ns() + DHCP_RETRY_NS;

		ret = dhcp_send(nif, type, requested, server);
		while (ret >= 0 && !dhcp.got && arch_time_ns() < MIN(resend, deadline)) {
			ret = nif->ops->poll(nif, MIN(resend, deadline));
		}
	}
	if (ret < 0) {
		return ret;
	}
	if (!dhcp.got) {
		return -ETIMEDOUT;
	}
	return dhcp.reply.type == MSG_NAK ? -ECONNREFUSED : 0;
}

int net_dhcp(struct netif *nif, uint64_t timeout_ns)
{
	uint64_t deadline = arch_time_ns() + timeout_ns;
	uint32_t saved_ip = nif->ip;
	int ret;

	memset(&dhcp, 0, sizeof(dhcp));
	dhcp.active = true;
	dhcp.xid = (uint32_t)arch_time_ns() ^ (uint32_t)nif->mac[5] << 24;
	memcpy(dhcp.mac, nif->mac, 6);
	/* Until the server gives us one we have no address (RFC 2131 §4.1: source 0.0.0.0). */
	nif->ip = 0;
	ret = dhcp_step(nif, MSG_DISCOVER, MSG_OFFER, 0, 0, deadline);
	if (ret == 0) {
		ret = dhcp_step(nif, MSG_REQUEST, MSG_ACK, dhcp.reply.yiaddr, dhcp.reply.server,
				deadline);
	}
	dhcp.active = false;
	if (ret != 0 || dhcp.reply.yiaddr == 0 || dhcp.reply.yiaddr == IP_BROADCAST) {
		nif->ip = saved_ip;
		return ret != 0 ? ret : -EPROTO;
	}
	nif->ip = dhcp.reply.yiaddr;
	nif->netmask = dhcp.reply.netmask != 0 ? dhcp.reply.netmask : nif->netmask;
	nif->gateway = dhcp.reply.router;
	net_arp_flush(nif);
	return 0;
}
