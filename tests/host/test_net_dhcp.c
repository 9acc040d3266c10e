/* The DHCP client and the address parser of drivers/net/, against the scripted DHCP server
 * of net_fake.c. */
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
#define OFFERED_IP NF_DHCP_OFFER
#define SERVER_IP NF_DHCP_SERVER

static int fresh(void **state)
{
	nf_teardown(state);
	return nf_setup(state);
}

/* The message type of the DHCP message in sent frame i. */
static unsigned sent_type(unsigned i)
{
	const struct nf_frame *f = &nf_link.sent[i];
	const uint8_t *t = nf_dhcp_option(f->b + 42, f->len - 42, 53);

	assert_non_null(t);
	return *t;
}

static void test_dhcp_gets_address_mask_and_router(void **state)
{
	const struct nf_frame *d;

	(void)state;
	nf_link.dhcp_server = 1;
	assert_int_equal(net_dhcp(&nf_link.nif, 200 * MS), 0);
	assert_int_equal(nf_link.nif.ip, OFFERED_IP);
	assert_int_equal(nf_link.nif.netmask, NF_DHCP_MASK);
	assert_int_equal(nf_link.nif.gateway, SERVER_IP);
	assert_int_equal(nf_link.sent_count, 2);
	assert_int_equal(sent_type(0), 1);
	assert_int_equal(sent_type(1), 3);
	/* The REQUEST names the offered address and the server that offered it. */
	assert_int_equal(nf_link.dhcp_requested, OFFERED_IP);
	assert_int_equal(nf_link.dhcp_server_id, SERVER_IP);
	/* Sent from 0.0.0.0 to the broadcast address, ports 68 -> 67, checksums right. */
	d = &nf_link.sent[0];
	nf_check_ip(d, 0, 0xffffffffu, 17);
	assert_memory_equal(d->b, nf_bcast, 6);
	assert_int_equal(nf_g16(d->b + 34), 68);
	assert_int_equal(nf_g16(d->b + 36), 67);
	assert_int_equal(nf_udp_csum(0, 0xffffffffu, d->b + 34, nf_g16(d->b + 38)), 0);
	assert_memory_equal(d->b + 42 + 28, nf_our_mac, 6);
}

static void test_dhcp_nak_keeps_the_old_address(void **state)
{
	(void)state;
	nf_link.dhcp_server = 2;
	assert_int_equal(net_dhcp(&nf_link.nif, 200 * MS), -ECONNREFUSED);
	assert_int_equal(nf_link.nif.ip, OUR_IP);
}

static void test_dhcp_without_server_times_out(void **state)
{
	(void)state;
	assert_int_equal(net_dhcp(&nf_link.nif, 30 * MS), -ETIMEDOUT);
	assert_int_equal(nf_link.nif.ip, OUR_IP);
	assert_true(nf_link.sent_count >= 1);
}

static void test_dhcp_offer_with_overlong_option_is_dropped(void **state)
{
	(void)state;
	nf_link.dhcp_server = 3;
	assert_int_equal(net_dhcp(&nf_link.nif, 30 * MS), -ETIMEDOUT);
	assert_int_equal(nf_link.nif.ip, OUR_IP);
	assert_int_equal(nf_link.nif.counters.rx_drop, 1);
	assert_int_equal(nf_link.sent_count, 1); /* no REQUEST for a malformed offer */
}

static void test_ip_addresses_parse_strictly(void **state)
{
	static const char *const bad[] = { "",		"10.0.2",    "10.0.2.2.", "10.0.2.256",
					   "10.0.2.-1", "10..2.2",   "a.b.c.d",	  " 10.0.2.2",
					   "10.0.2.2 ", "010.0.2.2", "1.2.3.4.5", "1000.0.0.0" };
	uint32_t ip = 0;
	char buf[16];

	(void)state;
	assert_int_equal(net_parse_ip("10.0.2.2", &ip), 0);
	assert_int_equal(ip, 0x0a000202u);
	assert_int_equal(net_parse_ip("255.255.255.255", &ip), 0);
	assert_int_equal(ip, 0xffffffffu);
	assert_int_equal(net_parse_ip("0.0.0.0", &ip), 0);
	assert_int_equal(ip, 0);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(net_parse_ip(bad[i], &ip), -EINVAL);
	}
	net_format_ip(0xc0a80001u, buf);
	assert_string_equal(buf, "192.168.0.1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dhcp_gets_address_mask_and_router, fresh),
		cmocka_unit_test_setup(test_dhcp_nak_keeps_the_old_address, fresh),
		cmocka_unit_test_setup(test_dhcp_without_server_times_out, fresh),
		cmocka_unit_test_setup(test_dhcp_offer_with_overlong_option_is_dropped, fresh),
		cmocka_unit_test(test_ip_addresses_parse_strictly),
	};

	return cmocka_run_group_tests_name("net_dhcp", tests, nf_setup, nf_teardown);
}
