/* The IPv4 endpoint (drivers/net/) over the scripted link of net_fake.c: ARP, ICMP echo and
 * ping, the UDP echo service, and frames that must be dropped; then over a second link of
 * this file's own (net1): a DHCP exchange with a scripted server and per-link neighbours.
 * Checksums are verified with net_fake.c's own implementation, not the stack's. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net_fake.h"
#include "vireo/net.h"

#define MS 1000000ull
#define SERVE_NS (20 * MS)

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)rand();
	}
}

static int fresh(void **state)
{
	nf_teardown(state);
	return nf_setup(state);
}

/* ---------------------------------------------------------------- ARP */

static void test_arp_request_for_our_address_is_answered_to_the_asker(void **state)
{
	const struct nf_frame *r;

	(void)state;
	nf_arp(nf_next_inject(), 1, nf_bcast, nf_peer_mac, PEER_IP, (const uint8_t *)"\0\0\0\0\0\0",
	       OUR_IP);
	assert_int_equal(nf_link.nif.ops->poll(&nf_link.nif, 0), 1);
	assert_int_equal(nf_link.sent_count, 1);
	r = &nf_link.sent[0];
	assert_int_equal(r->len, 60); /* 42 bytes padded to the Ethernet minimum */
	assert_memory_equal(r->b, nf_peer_mac, 6);
	assert_int_equal(nf_g16(r->b + 12), 0x0806);
	assert_int_equal(nf_g16(r->b + 20), 2);
	assert_memory_equal(r->b + 22, nf_our_mac, 6);
	assert_int_equal(nf_g32(r->b + 28), OUR_IP);
	assert_memory_equal(r->b + 32, nf_peer_mac, 6);
	assert_int_equal(nf_g32(r->b + 38), PEER_IP);
}

static void test_arp_request_for_another_address_is_ignored(void **state)
{
	(void)state;
	nf_arp(nf_next_inject(), 1, nf_bcast, nf_peer_mac, PEER_IP, (const uint8_t *)"\0\0\0\0\0\0",
	       OUR_IP + 1);
	nf_link.nif.ops->poll(&nf_link.nif, 0);
	assert_int_equal(nf_link.sent_count, 0);
	assert_int_equal(nf_link.nif.counters.rx_drop, 1);
}

/* Found by tests/fuzz/fuzz_net.c: an ARP request or echo request from a group MAC or a broadcast
 * IP source was answered, to a multicast address (a reflector a hostile host could use). */
static void test_arp_request_from_a_multicast_mac_is_not_answered(void **state)
{
	static const uint8_t group_mac[6] = { 0x73, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

	(void)state;
	nf_arp(nf_next_inject(), 1, nf_bcast, group_mac, PEER_IP, (const uint8_t *)"\0\0\0\0\0\0",
	       OUR_IP);
	nf_link.nif.ops->poll(&nf_link.nif, 0);
	/* the same with a unicast Ethernet source and the group address as ARP's sender */
	nf_arp(nf_next_inject(), 1, nf_bcast, nf_peer_mac, PEER_IP, (const uint8_t *)"\0\0\0\0\0\0",
	       OUR_IP);
	memcpy(nf_link.queue[nf_link.queued - 1].b + 22, group_mac, 6);
	nf_link.nif.ops->poll(&nf_link.nif, 0);
	assert_int_equal(nf_link.sent_count, 0);
	assert_int_equal(nf_link.nif.counters.rx_drop, 2);
}

static void test_echo_request_from_a_broadcast_or_multicast_ip_is_not_answered(void **state)
{
	static const uint32_t sources[] = { 0xffffffffu, 0xe0000001u, 0xf0000001u,
					    (OUR_IP & 0xffffff00u) | 0xffu };

	(void)state;
	nf_link.nif.netmask = 0xffffff00u;
	for (unsigned i = 0; i < 4; i++) {
		nf_icmp_echo(nf_next_inject(), nf_peer_mac, sources[i], 8, 1, 1,
			     (const uint8_t *)"ping", 4);
		nf_link.nif.ops->poll(&nf_link.nif, 0);
	}
	assert_int_equal(nf_link.sent_count, 0);
	assert_int_equal(nf_link.nif.counters.rx_drop, 4);
}

/* ---------------------------------------------------------------- ping */

static void test_ping_resolves_the_gateway_and_gets_the_reply(void **state)
{
	const struct nf_frame *req;
	uint64_t rtt = ~0ull;

	(void)state;
	nf_link.gateway = true;
	assert_int_equal(net_ping(&nf_link.nif, GW_IP, 7, 100 * MS, &rtt), 0);
	assert_true(rtt < 100 * MS);
	assert_int_equal(nf_link.sent_count, 2);
	/* First a broadcast ARP request for the gateway... */
	assert_memory_equal(nf_link.sent[0].b, nf_bcast, 6);
	assert_int_equal(nf_g16(nf_link.sent[0].b + 20), 1);
	assert_int_equal(nf_g32(nf_link.sent[0].b + 38), GW_IP);
	/* ...then the echo request to its MAC, checksums right. */
	req = &nf_link.sent[1];
	nf_check_ip(req, OUR_IP, GW_IP, 1);
	assert_memory_equal(req->b, nf_gw_mac, 6);
	assert_int_equal(req->b[34], 8);
	assert_int_equal(nf_g16(req->b + 40), 7);
	assert_int_equal(nf_csum(0, req->b + 34, nf_g16(req->b + 16) - 20u), 0);
}

static void test_ping_beyond_the_subnet_goes_through_the_gateway(void **state)
{
	uint64_t rtt;

	(void)state;
	nf_link.gateway = true;
	assert_int_equal(net_ping(&nf_link.nif, 0x08080808, 1, 100 * MS, &rtt), 0);
	assert_int_equal(nf_g32(nf_link.sent[0].b + 38), GW_IP); /* ARP asks for the gateway */
	nf_check_ip(&nf_link.sent[1], OUR_IP, 0x08080808, 1);
	assert_memory_equal(nf_link.sent[1].b, nf_gw_mac, 6);
}

static void test_ping_without_an_arp_answer_is_unreachable(void **state)
{
	uint64_t rtt;

	(void)state;
	assert_int_equal(net_ping(&nf_link.nif, PEER_IP, 1, 100 * MS, &rtt), -EHOSTUNREACH);
	assert_int_equal(nf_link.sent_count, 3); /* three ARP requests, then it gives up */
}

static void test_ping_ignores_a_reply_with_the_wrong_sequence(void **state)
{
	uint8_t data[56];
	uint64_t rtt;

	(void)state;
	memset(data, 0, sizeof(data));
	/* The gateway is known but silent; a stray reply with seq 9 arrives instead. */
	nf_arp(nf_next_inject(), 2, nf_our_mac, nf_gw_mac, GW_IP, nf_our_mac, OUR_IP);
	nf_icmp_echo(nf_next_inject(), nf_gw_mac, GW_IP, 0, 0x7672, 9, data, sizeof(data));
	assert_int_equal(net_ping(&nf_link.nif, GW_IP, 1, 30 * MS, &rtt), -ETIMEDOUT);
}

static void test_ping_ignores_a_reply_from_another_address(void **state)
{
	uint8_t data[56];
	uint64_t rtt;

	(void)state;
	memset(data, 0, sizeof(data));
	nf_arp(nf_next_inject(), 2, nf_our_mac, nf_gw_mac, GW_IP, nf_our_mac, OUR_IP);
	nf_icmp_echo(nf_next_inject(), nf_peer_mac, PEER_IP, 0, 0x7672, 1, data, sizeof(data));
	assert_int_equal(net_ping(&nf_link.nif, GW_IP, 1, 30 * MS, &rtt), -ETIMEDOUT);
}

/* ---------------------------------------------------------------- ICMP echo answered */

static void check_echo_reply(size_t n, unsigned seed)
{
	uint8_t data[1472];
	const struct nf_frame *r;

	fill(data, n, seed);
	nf_icmp_echo(nf_next_inject(), nf_peer_mac, PEER_IP, 8, 0x1111, (unsigned)n, data, n);
	nf_link.nif.ops->poll(&nf_link.nif, 0);
	assert_int_equal(nf_link.sent_count, 1);
	r = &nf_link.sent[0];
	nf_check_ip(r, OUR_IP, PEER_IP, 1);
	assert_memory_equal(r->b, nf_peer_mac, 6);
	assert_int_equal(nf_g16(r->b + 16), 20 + 8 + n);
	assert_int_equal(r->b[34], 0);
	assert_int_equal(nf_g16(r->b + 38), 0x1111);
	assert_int_equal(nf_g16(r->b + 40), n);
	assert_memory_equal(r->b + 42, data, n);
	assert_int_equal(nf_csum(0, r->b + 34, 8 + n), 0);
	nf_link.sent_count = 0;
}

static void test_echo_requests_are_answered_with_the_same_data(void **state)
{
	static const size_t sizes[] = { 0, 1, 55, 56, 1000, 1471, 1472 };

	(void)state;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		check_echo_reply(sizes[i], i);
	}
}

static void test_echo_request_with_a_bad_checksum_is_dropped(void **state)
{
	struct nf_frame *f = nf_next_inject();

	(void)state;
	nf_icmp_echo(f, nf_peer_mac, PEER_IP, 8, 1, 1, (const uint8_t *)"ping", 4);
	f->b[36] ^= 0x01;
	nf_link.nif.ops->poll(&nf_link.nif, 0);
	assert_int_equal(nf_link.sent_count, 0);
	assert_int_equal(nf_link.nif.counters.rx_drop, 1);
}

/* ---------------------------------------------------------------- UDP echo */

static unsigned serve(void)
{
	struct net_echo_stats st = { 0, 0 };

	assert_int_equal(net_udp_echo_serve(&nf_link.nif, SERVE_NS, &st), 0);
	assert_int_equal(st.echoed, st.received);
	return (unsigned)st.received;
}

static void test_udp_without_checksum_is_accepted(void **state)
{
	struct nf_frame *f = nf_next_inject();

	(void)state;
	nf_udp(f, nf_peer_mac, PEER_IP, OUR_IP, 5000, 7, (const uint8_t *)"abc", 3);
	nf_p16(f->b + 40, 0); /* "no checksum" (RFC 768) */
	assert_int_equal(serve(), 1);
}

static void test_udp_to_other_ports_or_outside_serve_is_not_answered(void **state)
{
	(void)state;
	nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 5000, 9, (const uint8_t *)"x", 1);
	assert_int_equal(serve(), 0);
	nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 5000, 7, (const uint8_t *)"x", 1);
	nf_link.nif.ops->poll(&nf_link.nif, 0); /* no serve running */
	assert_int_equal(nf_link.sent_count, 0);
	assert_int_equal(nf_link.nif.counters.rx_drop, 2);
}

/* Every payload size a 1500-byte MTU carries, in batches the scripted link can hold. */
static void test_udp_echo_returns_every_payload_from_0_to_1472_bytes(void **state)
{
	static uint8_t data[1472];
	const unsigned batch = 32;

	(void)state;
	for (unsigned first = 0; first <= 1472; first += batch) {
		unsigned last = first + batch - 1 > 1472 ? 1472 : first + batch - 1;

		nf_link.sent_count = nf_link.queued = nf_link.delivered = 0;
		for (unsigned n = first; n <= last; n++) {
			fill(data, n, n);
			nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 1024 + n, 7, data,
			       n);
		}
		assert_int_equal(serve(), last - first + 1);
		assert_int_equal(nf_link.sent_count, last - first + 1);
		for (unsigned n = first; n <= last; n++) {
			const struct nf_frame *r = &nf_link.sent[n - first];

			fill(data, n, n);
			nf_check_ip(r, OUR_IP, PEER_IP, 17);
			assert_memory_equal(r->b, nf_peer_mac, 6);
			assert_int_equal(nf_g16(r->b + 34), 7);
			assert_int_equal(nf_g16(r->b + 36), 1024 + n);
			assert_int_equal(nf_g16(r->b + 38), 8 + n);
			assert_int_not_equal(nf_g16(r->b + 40), 0);
			assert_int_equal(nf_udp_csum(OUR_IP, PEER_IP, r->b + 34, 8 + n), 0);
			assert_memory_equal(r->b + 42, data, n);
		}
	}
}

/* RFC 768: a computed checksum of zero is sent as all ones (zero means "none"). */
static void test_udp_reply_whose_checksum_computes_to_zero_is_sent_as_ffff(void **state)
{
	uint8_t u[10] = { 0, 7, 0x13, 0x88, 0, 10, 0, 0, 0, 0 }; /* the reply, 7 -> 5000 */
	uint16_t c = nf_udp_csum(OUR_IP, PEER_IP, u, sizeof(u));
	const struct nf_frame *r;

	(void)state;
	nf_p16(u + 8, c); /* the payload word that brings the sum to 0xffff */
	nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 5000, 7, u + 8, 2);
	assert_int_equal(serve(), 1);
	r = &nf_link.sent[0];
	assert_int_equal(nf_g16(r->b + 40), 0xffff);
	assert_int_equal(nf_udp_csum(OUR_IP, PEER_IP, r->b + 34, 10), 0);
}

/* ---------------------------------------------------------------- malformed frames */

enum breakage {
	SHORT_FRAME,
	OVERSIZED_FRAME,
	OTHER_MAC,
	UNKNOWN_TYPE,
	BAD_IP_CHECKSUM,
	BAD_IHL,
	BAD_VERSION,
	TOTAL_BEYOND_FRAME,
	TOTAL_BELOW_HEADER,
	FRAGMENT,
	LAST_FRAGMENT,
	UDP_LENGTH_BEYOND_PAYLOAD,
	UDP_LENGTH_SHORT,
	BAD_UDP_CHECKSUM,
	OTHER_IP,
	BROADCAST_ECHO,
	TRUNCATED_ARP,
	ARP_NOT_FOR_IPV4,
	BREAKAGES
};

/* Breaks one field of the IP header and makes the header checksum right again, so that the
 * field's own check is the one that must catch it. */
static void break_ip_field(uint8_t *h, unsigned offset, unsigned value)
{
	if (offset == 0) {
		h[0] = (uint8_t)value;
	} else {
		nf_p16(h + offset, value);
	}
	nf_p16(h + 10, 0);
	nf_p16(h + 10, nf_csum(0, h, 20));
}

static void break_frame(struct nf_frame *f, enum breakage b)
{
	uint8_t *h = f->b + 14;

	switch (b) {
	case SHORT_FRAME:
		f->len = 13;
		break;
	case OVERSIZED_FRAME:
		f->len = NETIF_FRAME_MAX + 1;
		break;
	case OTHER_MAC:
		f->b[5] ^= 1;
		break;
	case UNKNOWN_TYPE:
		nf_p16(f->b + 12, 0x86dd);
		break;
	case BAD_IP_CHECKSUM:
		h[10] ^= 0x40;
		break;
	case BAD_IHL:
		break_ip_field(h, 0, 0x44);
		break;
	case BAD_VERSION:
		break_ip_field(h, 0, 0x65);
		break;
	case TOTAL_BEYOND_FRAME:
		f->len -= 1;
		break;
	case TOTAL_BELOW_HEADER:
		break_ip_field(h, 2, 19);
		break;
	case FRAGMENT:
		break_ip_field(h, 6, 0x2000); /* more fragments */
		break;
	case LAST_FRAGMENT:
		break_ip_field(h, 6, 185); /* offset 1480, no more fragments */
		break;
	case UDP_LENGTH_BEYOND_PAYLOAD:
		/* No checksum to catch it: the length check alone must. */
		nf_p16(f->b + 38, nf_g16(f->b + 38) + 1);
		nf_p16(f->b + 40, 0);
		break;
	case UDP_LENGTH_SHORT:
		nf_p16(f->b + 38, 7);
		nf_p16(f->b + 40, 0);
		break;
	case BAD_UDP_CHECKSUM:
		f->b[42] ^= 0xff;
		break;
	case OTHER_IP:
		nf_p16(f->b + 40, 0);
		break_ip_field(h, 18, (OUR_IP + 1) & 0xffffu);
		break;
	case BROADCAST_ECHO:
		/* Echoing broadcasts would make every listener answer one sender. */
		nf_p16(f->b + 40, 0);
		nf_p32(h + 16, 0xffffffffu);
		break_ip_field(h, 18, 0xffff);
		break;
	case TRUNCATED_ARP:
		nf_p16(f->b + 12, 0x0806);
		f->len = 14 + 20;
		break;
	case ARP_NOT_FOR_IPV4:
		nf_arp(f, 1, nf_bcast, nf_peer_mac, PEER_IP, nf_bcast, OUR_IP);
		nf_p16(f->b + 16, 0x86dd);
		break;
	default:
		fail();
	}
}

static void test_malformed_frames_are_counted_and_never_answered(void **state)
{
	uint8_t data[64];

	(void)state;
	fill(data, sizeof(data), 7);
	for (unsigned b = 0; b < BREAKAGES; b++) {
		struct nf_frame *f = nf_next_inject();

		nf_udp(f, nf_peer_mac, PEER_IP, OUR_IP, 6000 + b, 7, data, sizeof(data));
		break_frame(f, (enum breakage)b);
	}
	/* One good datagram last: the stack is still serving after all that. */
	nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 6999, 7, data, sizeof(data));
	assert_int_equal(serve(), 1);
	assert_int_equal(nf_link.sent_count, 1);
	assert_int_equal(nf_g16(nf_link.sent[0].b + 36), 6999);
	assert_int_equal(nf_link.nif.counters.rx_drop, BREAKAGES);
	assert_int_equal(nf_link.nif.counters.rx_frames, BREAKAGES + 1);
}

static void test_ethernet_padding_after_the_ip_packet_is_ignored(void **state)
{
	struct nf_frame *f = nf_next_inject();

	(void)state;
	nf_udp(f, nf_peer_mac, PEER_IP, OUR_IP, 5000, 7, (const uint8_t *)"hi", 2);
	memset(f->b + f->len, 0xee, 60 - f->len);
	f->len = 60;
	assert_int_equal(serve(), 1);
	assert_int_equal(nf_g16(nf_link.sent[0].b + 38), 10); /* 8 + 2, not the padding */
}

/* ---------------------------------------------------------------- a second link, net1 */

static const uint8_t tl_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x57 };
static struct nf_link tl;

static int tl_setup(void **state)
{
	fresh(state);
	nf_link_init(&tl, tl_mac, "net1");
	return 0;
}

static int tl_teardown(void **state)
{
	(void)state;
	netif_unregister(&tl.nif);
	return 0;
}

static void test_dhcp_exchange_configures_only_its_interface(void **state)
{
	const uint8_t *u, *opt;

	(void)state;
	tl.dhcp_server = 1;
	assert_int_equal(net_dhcp(&tl.nif, 200 * MS), 0);
	assert_int_equal(tl.nif.ip, NF_DHCP_OFFER);
	assert_int_equal(tl.nif.netmask, NF_DHCP_MASK);
	assert_int_equal(tl.nif.gateway, NF_DHCP_ROUTER);
	assert_int_equal(nf_link.nif.ip, OUR_IP);
	assert_int_equal(tl.sent_count, 2);
	for (unsigned i = 0; i < 2; i++) {
		u = nf_check_ip_from(&tl.sent[i], tl_mac, 0, 0xffffffffu, 17);
		assert_memory_equal(tl.sent[i].b, nf_bcast, 6);
		assert_int_equal(nf_g16(u), 68);
		assert_int_equal(nf_g16(u + 2), 67);
		assert_true(nf_g16(u + 4) >= 8 + 300); /* the BOOTP minimum (RFC 1542) */
		assert_int_equal(nf_udp_csum(0, 0xffffffffu, u, nf_g16(u + 4)), 0);
		assert_int_equal(nf_g16(u + 8 + 10) & 0x8000, 0x8000); /* answer by broadcast */
		assert_memory_equal(u + 8 + 28, tl_mac, 6);
		assert_int_equal(*nf_dhcp_option(u + 8, nf_g16(u + 4) - 8u, 53), i == 0 ? 1 : 3);
	}
	opt = nf_dhcp_option(u + 8, nf_g16(u + 4) - 8u, 50);
	assert_non_null(opt);
	assert_int_equal(nf_g32(opt), NF_DHCP_OFFER);
	opt = nf_dhcp_option(u + 8, nf_g16(u + 4) - 8u, 54);
	assert_non_null(opt);
	assert_int_equal(nf_g32(opt), NF_DHCP_SERVER);
}

static void check_offer_ignored(int twist)
{
	tl.dhcp_server = 1;
	tl.dhcp_twist = twist;
	assert_int_equal(net_dhcp(&tl.nif, 30 * MS), -ETIMEDOUT);
	assert_int_equal(tl.nif.ip, OUR_IP); /* the static default stays */
	assert_int_equal(tl.sent_count, 1);  /* no REQUEST */
	assert_int_equal(tl.nif.counters.rx_drop, 1);
}

static void test_dhcp_offer_for_another_transaction_is_dropped(void **state)
{
	(void)state;
	check_offer_ignored(NF_DHCP_OTHER_XID);
}

static void test_dhcp_offer_for_another_client_is_dropped(void **state)
{
	(void)state;
	check_offer_ignored(NF_DHCP_OTHER_CLIENT);
}

static void test_neighbours_learnt_on_one_link_are_not_used_on_another(void **state)
{
	uint64_t rtt;

	(void)state;
	nf_link.gateway = true;
	assert_int_equal(net_ping(&nf_link.nif, GW_IP, 1, 100 * MS, &rtt), 0);
	/* net1 has a 10.0.2.2 of its own to find: it asks, and nobody there answers. */
	assert_int_equal(net_ping(&tl.nif, GW_IP, 1, 30 * MS, &rtt), -EHOSTUNREACH);
	assert_int_equal(tl.sent_count, 3);
	assert_int_equal(nf_g16(tl.sent[0].b + 12), 0x0806);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_arp_request_for_our_address_is_answered_to_the_asker,
				       fresh),
		cmocka_unit_test_setup(test_arp_request_for_another_address_is_ignored, fresh),
		cmocka_unit_test_setup(test_ping_resolves_the_gateway_and_gets_the_reply, fresh),
		cmocka_unit_test_setup(test_ping_beyond_the_subnet_goes_through_the_gateway, fresh),
		cmocka_unit_test_setup(test_ping_without_an_arp_answer_is_unreachable, fresh),
		cmocka_unit_test_setup(test_ping_ignores_a_reply_with_the_wrong_sequence, fresh),
		cmocka_unit_test_setup(test_echo_requests_are_answered_with_the_same_data, fresh),
		cmocka_unit_test_setup(test_arp_request_from_a_multicast_mac_is_not_answered,
				       fresh),
		cmocka_unit_test_setup(
			test_echo_request_from_a_broadcast_or_multicast_ip_is_not_answered, fresh),
		cmocka_unit_test_setup(test_udp_without_checksum_is_accepted, fresh),
		cmocka_unit_test_setup(test_udp_to_other_ports_or_outside_serve_is_not_answered,
				       fresh),
		cmocka_unit_test_setup(test_malformed_frames_are_counted_and_never_answered, fresh),
		cmocka_unit_test_setup(test_ethernet_padding_after_the_ip_packet_is_ignored, fresh),
		cmocka_unit_test_setup(test_ping_ignores_a_reply_from_another_address, fresh),
		cmocka_unit_test_setup(test_echo_request_with_a_bad_checksum_is_dropped, fresh),
		cmocka_unit_test_setup(test_udp_echo_returns_every_payload_from_0_to_1472_bytes,
				       fresh),
		cmocka_unit_test_setup(
			test_udp_reply_whose_checksum_computes_to_zero_is_sent_as_ffff, fresh),
		cmocka_unit_test_setup_teardown(test_dhcp_exchange_configures_only_its_interface,
						tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_offer_for_another_transaction_is_dropped,
						tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(test_dhcp_offer_for_another_client_is_dropped,
						tl_setup, tl_teardown),
		cmocka_unit_test_setup_teardown(
			test_neighbours_learnt_on_one_link_are_not_used_on_another, tl_setup,
			tl_teardown),
	};

	return cmocka_run_group_tests_name("net_stack", tests, nf_setup, nf_teardown);
}
