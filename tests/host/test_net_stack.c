/* The IPv4 endpoint (drivers/net/) over the scripted link of net_fake.c: ARP, ICMP echo and
 * ping, the UDP echo service, and frames that must be dropped. */
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

/* ---------------------------------------------------------------- UDP echo */

static unsigned serve(void)
{
	struct net_echo_stats st = { 0, 0 };

	assert_int_equal(net_udp_echo_serve(&nf_link.nif, SERVE_NS, &st), 0);
	assert_int_equal(st.echoed, st.received);
	return (unsigned)st.received;
}

static void test_udp_echo_returns_every_size_intact(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 64, 512, 1024, 1471, 1472 };
	const unsigned count = sizeof(sizes) / sizeof(sizes[0]);
	uint8_t data[count][1472];

	(void)state;
	for (unsigned i = 0; i < count; i++) {
		fill(data[i], sizes[i], 100 + i);
		nf_udp(nf_next_inject(), nf_peer_mac, PEER_IP, OUR_IP, 40000 + i, 7, data[i],
		       sizes[i]);
	}
	assert_int_equal(serve(), count);
	assert_int_equal(nf_link.sent_count, count);
	for (unsigned i = 0; i < count; i++) {
		const struct nf_frame *r = &nf_link.sent[i];
		const uint8_t *u = r->b + 34;

		nf_check_ip(r, OUR_IP, PEER_IP, 17);
		assert_memory_equal(r->b, nf_peer_mac, 6);
		assert_int_equal(nf_g16(u), 7);
		assert_int_equal(nf_g16(u + 2), 40000 + i);
		assert_int_equal(nf_g16(u + 4), 8 + sizes[i]);
		assert_int_not_equal(nf_g16(u + 6), 0);
		assert_int_equal(nf_udp_csum(OUR_IP, PEER_IP, u, 8 + sizes[i]), 0);
		assert_memory_equal(u + 8, data[i], sizes[i]);
	}
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
	FRAGMENT,
	UDP_LENGTH_BEYOND_PAYLOAD,
	UDP_LENGTH_SHORT,
	BAD_UDP_CHECKSUM,
	OTHER_IP,
	TRUNCATED_ARP,
	BREAKAGES
};

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
		h[0] = 0x44;
		break;
	case BAD_VERSION:
		h[0] = 0x65;
		break;
	case TOTAL_BEYOND_FRAME:
		f->len -= 1;
		break;
	case FRAGMENT:
		nf_p16(h + 6, 0x2000); /* more fragments */
		nf_p16(h + 10, 0);
		nf_p16(h + 10, nf_csum(0, h, 20));
		break;
	case UDP_LENGTH_BEYOND_PAYLOAD:
		nf_p16(f->b + 38, nf_g16(f->b + 38) + 1);
		break;
	case UDP_LENGTH_SHORT:
		nf_p16(f->b + 38, 7);
		break;
	case BAD_UDP_CHECKSUM:
		f->b[42] ^= 0xff;
		break;
	case OTHER_IP:
		nf_p32(h + 16, OUR_IP + 1);
		nf_p16(h + 10, 0);
		nf_p16(h + 10, nf_csum(0, h, 20));
		break;
	case TRUNCATED_ARP:
		nf_p16(f->b + 12, 0x0806);
		f->len = 14 + 20;
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
		cmocka_unit_test_setup(test_udp_echo_returns_every_size_intact, fresh),
		cmocka_unit_test_setup(test_udp_without_checksum_is_accepted, fresh),
		cmocka_unit_test_setup(test_udp_to_other_ports_or_outside_serve_is_not_answered,
				       fresh),
		cmocka_unit_test_setup(test_malformed_frames_are_counted_and_never_answered, fresh),
		cmocka_unit_test_setup(test_ethernet_padding_after_the_ip_packet_is_ignored, fresh),
	};

	return cmocka_run_group_tests_name("net_stack", tests, nf_setup, nf_teardown);
}
