/* Surface 4: the IPv4/ARP/ICMP/UDP/DHCP receive path with raw frames from a hostile link.
 *
 * Input: byte 0 picks what the stack is doing (0: idle, frames straight to net_input; 1: DHCP;
 * 2: ping of the gateway; 3: the UDP echo service), then records of [flags u8][len u16][bytes]:
 * one frame each, delivered by the link's poll. Flag bit 0 patches the frame's DHCP xid and
 * chaddr from the last DHCP message the stack sent (else no answer could ever match a random
 * xid). When the records run out, poll reports the link broken, which ends every wait.
 *
 * Invariants: every frame the stack sends is 14..1514 bytes, comes from our MAC, and an IPv4
 * one has a correct header checksum and a total length inside the frame; the stack never
 * answers a broadcast or multicast source; DHCP success configures a unicast address. */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "vireo/net.h"
#include "vireo/netif.h"

void net_arp_flush(const struct netif *nif); /* drivers/net/net_priv.h */

#define ETH_HDR 14u
#define DHCP_XID_OFF (ETH_HDR + 20u + 8u + 4u)
#define DHCP_CHADDR_OFF (ETH_HDR + 20u + 8u + 28u)

static const uint8_t our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static struct {
	struct netif nif;
	struct fz in;
	uint8_t last_dhcp[DHCP_CHADDR_OFF + 6];
	bool have_dhcp;
	unsigned sent;
	uint64_t delivered;
} link;

static unsigned g16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint16_t ip_csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2) {
		sum += g16(p + i);
	}
	while (sum >> 16) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

static int fz_tx(struct netif *nif, const void *frame, size_t len)
{
	const uint8_t *f = frame;

	FZ_CHECK(len >= ETH_HDR && len <= NETIF_FRAME_MAX, "sent a %zu-byte frame", len);
	FZ_CHECK(memcmp(f + 6, our_mac, 6) == 0, "sent from another MAC");
	FZ_CHECK(!(f[0] & 1) || memcmp(f, "\xff\xff\xff\xff\xff\xff", 6) == 0,
		 "sent to a multicast address");
	if (g16(f + 12) == 0x0800) {
		unsigned ihl = (f[ETH_HDR] & 0xf) * 4u;

		FZ_CHECK(len >= ETH_HDR + 20 && ihl >= 20, "short IPv4 frame");
		FZ_CHECK(ip_csum(f + ETH_HDR, ihl) == 0, "bad IPv4 header checksum");
		FZ_CHECK(ETH_HDR + g16(f + ETH_HDR + 2) <= len, "IPv4 total length past the frame");
		if (len >= sizeof(link.last_dhcp) && f[ETH_HDR + 9] == 17 &&
		    g16(f + ETH_HDR + ihl + 2) == 67) {
			memcpy(link.last_dhcp, f, sizeof(link.last_dhcp));
			link.have_dhcp = true;
		}
	}
	link.sent++;
	return 0;
}

/* One frame per call from the input; -EIO once it is used up. */
static int fz_poll(struct netif *nif, uint64_t deadline_ns)
{
	uint8_t frame[2048];
	uint8_t flags;
	size_t len;

	if (fz_empty(&link.in)) {
		return -EIO;
	}
	flags = fz_u8(&link.in);
	len = fz_u16(&link.in) % sizeof(frame);
	len = len < link.in.n ? len : link.in.n;
	memcpy(frame, link.in.p, len);
	link.in.p += len;
	link.in.n -= len;
	if ((flags & 1) && link.have_dhcp && len >= sizeof(link.last_dhcp)) {
		memcpy(frame + DHCP_XID_OFF, link.last_dhcp + DHCP_XID_OFF, 4);
		memcpy(frame + DHCP_CHADDR_OFF, our_mac, 6);
	}
	/* An exact-size heap copy, so ASan sees a read past the frame. */
	uint8_t *copy = malloc(len ? len : 1);
	memcpy(copy, frame, len);
	link.delivered++;
	net_input(nif, copy, len);
	free(copy);
	return 1;
}

static bool fz_link_up(struct netif *nif)
{
	return true;
}

static const struct netif_ops fz_ops = { .tx = fz_tx, .poll = fz_poll, .link_up = fz_link_up };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct net_echo_stats st = { 0 };
	uint64_t rtt;
	uint8_t mode;
	int ret;

	memset(&link, 0, sizeof(link));
	link.in = (struct fz){ data, size };
	link.nif.ops = &fz_ops;
	memcpy(link.nif.mac, our_mac, 6);
	strcpy(link.nif.name, "net0");
	link.nif.ip = 0x0a00020f;
	link.nif.netmask = 0xffffff00;
	link.nif.gateway = 0x0a000202;
	netif_register(&link.nif);
	net_arp_flush(&link.nif);
	mode = fz_u8(&link.in) % 4;
	switch (mode) {
	case 0:
		while (fz_poll(&link.nif, 0) > 0) {
		}
		break;
	case 1:
		link.nif.ip = 0;
		ret = net_dhcp(&link.nif, 50ull * 1000 * 1000);
		if (ret == 0) {
			FZ_CHECK(link.nif.ip != 0 && link.nif.ip != 0xffffffffu,
				 "DHCP configured %08x", link.nif.ip);
		}
		break;
	case 2:
		ret = net_ping(&link.nif, 0x0a000202, 1, 50ull * 1000 * 1000, &rtt);
		FZ_CHECK(ret <= 0, "ping returned %d", ret);
		break;
	default:
		ret = net_udp_echo_serve(&link.nif, 50ull * 1000 * 1000, &st);
		FZ_CHECK(st.echoed <= st.received, "echoed %llu of %llu",
			 (unsigned long long)st.echoed, (unsigned long long)st.received);
		break;
	}
	FZ_CHECK(link.nif.counters.rx_frames == link.delivered,
		 "%llu frames counted, %llu delivered",
		 (unsigned long long)link.nif.counters.rx_frames,
		 (unsigned long long)link.delivered);
	FZ_CHECK(link.nif.counters.rx_drop <= link.delivered, "%llu drops of %llu frames",
		 (unsigned long long)link.nif.counters.rx_drop, (unsigned long long)link.delivered);
	netif_unregister(&link.nif);
	return 0;
}
