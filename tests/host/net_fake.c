/* A scripted link for the IPv4 endpoint's host tests: frames the stack sends are recorded
 * and may be answered by simulated hosts (a gateway that answers ARP and echo requests, a DHCP
 * server); frames queued with the builders reach the stack on its next poll. Checksums here
 * are computed the slow way, independently of drivers/net/. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "net_fake.h"

const uint8_t nf_our_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
const uint8_t nf_gw_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
const uint8_t nf_peer_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };
const uint8_t nf_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct nf_link nf_link;

/* ---------------------------------------------------------------- byte helpers, checksum */

void nf_p16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void nf_p32(uint8_t *p, uint32_t v)
{
	nf_p16(p, v >> 16);
	nf_p16(p + 2, v & 0xffffu);
}

unsigned nf_g16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

uint32_t nf_g32(const uint8_t *p)
{
	return (uint32_t)nf_g16(p) << 16 | nf_g16(p + 2);
}

/* RFC 1071, written out the slow way. */
uint16_t nf_csum(uint64_t sum, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		sum += (i % 2 == 0) ? (uint64_t)p[i] << 8 : p[i];
	}
	while (sum > 0xffff) {
		sum = (sum & 0xffff) + (sum >> 16);
	}
	return (uint16_t)~sum;
}

uint16_t nf_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len)
{
	uint64_t pseudo = (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + 17 + len;

	return nf_csum(pseudo, udp, len);
}

/* ---------------------------------------------------------------- frame builders */

struct nf_frame *nf_link_inject(struct nf_link *l)
{
	assert_true(l->queued < MAX_FRAMES);
	memset(&l->queue[l->queued], 0, sizeof(l->queue[0]));
	return &l->queue[l->queued++];
}

struct nf_frame *nf_next_inject(void)
{
	return nf_link_inject(&nf_link);
}

size_t nf_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	nf_p16(f + 12, type);
	return 14;
}

void nf_arp(struct nf_frame *fr, unsigned op, const uint8_t *dst, const uint8_t *sha, uint32_t spa,
	    const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = fr->b + nf_eth(fr->b, dst, sha, 0x0806);

	nf_p16(a, 1);
	nf_p16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	nf_p16(a + 6, op);
	memcpy(a + 8, sha, 6);
	nf_p32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	nf_p32(a + 24, tpa);
	fr->len = 14 + 28;
}

/* An IPv4 packet with payload already at f->b + 34; fills the headers. */
void nf_ip(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, uint32_t dst, unsigned proto,
	   size_t payload)
{
	uint8_t *h = fr->b + nf_eth(fr->b, nf_our_mac, src_mac, 0x0800);

	h[0] = 0x45;
	nf_p16(h + 2, (unsigned)(20 + payload));
	nf_p16(h + 4, 0x1234);
	h[8] = 64;
	h[9] = (uint8_t)proto;
	nf_p32(h + 12, src);
	nf_p32(h + 16, dst);
	nf_p16(h + 10, 0);
	nf_p16(h + 10, nf_csum(0, h, 20));
	fr->len = 34 + payload;
}

void nf_udp(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, uint32_t dst, unsigned sport,
	    unsigned dport, const uint8_t *data, size_t len)
{
	uint8_t *u = fr->b + 34;

	nf_p16(u, sport);
	nf_p16(u + 2, dport);
	nf_p16(u + 4, (unsigned)(8 + len));
	nf_p16(u + 6, 0);
	memcpy(u + 8, data, len);
	nf_p16(u + 6, nf_udp_csum(src, dst, u, 8 + len));
	nf_ip(fr, src_mac, src, dst, 17, 8 + len);
}

void nf_icmp_echo(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, unsigned type,
		  unsigned id, unsigned seq, const uint8_t *data, size_t len)
{
	uint8_t *m = fr->b + 34;

	m[0] = (uint8_t)type;
	m[1] = 0;
	nf_p16(m + 2, 0);
	nf_p16(m + 4, id);
	nf_p16(m + 6, seq);
	memcpy(m + 8, data, len);
	nf_p16(m + 2, nf_csum(0, m, 8 + len));
	nf_ip(fr, src_mac, src, OUR_IP, 1, 8 + len);
}

/* ---------------------------------------------------------------- the scripted hosts */

static void gateway_answers(struct nf_link *l, const uint8_t *f, size_t len)
{
	if (len >= 42 && nf_g16(f + 12) == 0x0806 && nf_g16(f + 20) == 1 &&
	    nf_g32(f + 38) == GW_IP) {
		nf_arp(nf_link_inject(l), 2, l->nif.mac, nf_gw_mac, GW_IP, f + 22, nf_g32(f + 28));
	} else if (len >= 42 && nf_g16(f + 12) == 0x0800 && f[23] == 1 && f[34] == 8 &&
		   memcmp(f, nf_gw_mac, 6) == 0) {
		size_t icmp_len = nf_g16(f + 16) - 20u;
		struct nf_frame *fr = nf_link_inject(l);

		nf_icmp_echo(fr, nf_gw_mac, nf_g32(f + 30), 0, nf_g16(f + 38), nf_g16(f + 40),
			     f + 42, icmp_len - 8);
		memcpy(fr->b, l->nif.mac, 6);
	}
}

static void dhcp_reply(struct nf_link *l, const uint8_t *req, unsigned type)
{
	struct nf_frame *fr = nf_link_inject(l);
	uint8_t m[300];
	size_t n = 240;

	memset(m, 0, sizeof(m));
	m[0] = 2;
	m[1] = 1;
	m[2] = 6;
	memcpy(m + 4, req + 4, 4); /* xid */
	nf_p32(m + 16, NF_DHCP_OFFER);
	memcpy(m + 28, req + 28, 16);
	m[7] ^= l->dhcp_twist == NF_DHCP_OTHER_XID;
	m[33] ^= l->dhcp_twist == NF_DHCP_OTHER_CLIENT;
	nf_p32(m + 236, 0x63825363);
	m[n++] = 53, m[n++] = 1, m[n++] = (uint8_t)type;
	m[n++] = 54, m[n++] = 4, nf_p32(m + n, NF_DHCP_SERVER), n += 4;
	m[n++] = 1, m[n++] = 4, nf_p32(m + n, NF_DHCP_MASK), n += 4;
	m[n++] = 3, m[n++] = 4, nf_p32(m + n, NF_DHCP_ROUTER), n += 4;
	m[n++] = 255;
	memset(fr->b, 0xff, 6); /* a broadcast answer, as to a client without an address */
	nf_udp(fr, nf_gw_mac, NF_DHCP_SERVER, 0xffffffffu, 67, 68, m, sizeof(m));
	memset(fr->b, 0xff, 6);
}

/* Finds option code in a DHCP message's options; its value or NULL. */
const uint8_t *nf_dhcp_option(const uint8_t *m, size_t len, unsigned code)
{
	for (size_t i = 240; i + 1 < len && m[i] != 255;) {
		if (m[i] == 0) {
			i++;
			continue;
		}
		if (m[i] == code) {
			return m + i + 2;
		}
		i += 2u + m[i + 1];
	}
	return NULL;
}

/* An offer whose server-id option claims 200 bytes where 4 are left. */
static void dhcp_bad_offer(struct nf_link *l, const uint8_t *req)
{
	uint8_t m[250];

	memset(m, 0, sizeof(m));
	m[0] = 2;
	memcpy(m + 4, req + 4, 4);
	nf_p32(m + 16, NF_DHCP_OFFER);
	memcpy(m + 28, req + 28, 16);
	nf_p32(m + 236, 0x63825363);
	m[240] = 53;
	m[241] = 1;
	m[242] = 2;
	m[243] = 54;
	m[244] = 200;
	nf_udp(nf_link_inject(l), nf_gw_mac, NF_DHCP_SERVER, 0xffffffffu, 67, 68, m, sizeof(m));
}

static void dhcp_answers(struct nf_link *l, const uint8_t *f, size_t len)
{
	const uint8_t *m = f + 42;
	const uint8_t *type;

	if (len < 42 + 240 || nf_g16(f + 12) != 0x0800 || f[23] != 17 || nf_g16(f + 36) != 67) {
		return;
	}
	type = nf_dhcp_option(m, len - 42, 53);
	if (type != NULL && *type == 1 && l->dhcp_server == 3) {
		dhcp_bad_offer(l, m);
	} else if (type != NULL && *type == 1) {
		dhcp_reply(l, m, 2);
	} else if (type != NULL && *type == 3) {
		const uint8_t *req = nf_dhcp_option(m, len - 42, 50);
		const uint8_t *sid = nf_dhcp_option(m, len - 42, 54);

		l->dhcp_requested = req != NULL ? nf_g32(req) : 0;
		l->dhcp_server_id = sid != NULL ? nf_g32(sid) : 0;
		dhcp_reply(l, m, l->dhcp_server == 1 ? 5 : 6);
	}
}

static int fake_tx(struct netif *nif, const void *frame, size_t len)
{
	struct nf_link *l = nif->priv;

	assert_true(len <= NETIF_FRAME_MAX);
	assert_true(l->sent_count < MAX_FRAMES);
	memcpy(l->sent[l->sent_count].b, frame, len);
	l->sent[l->sent_count++].len = len;
	if (l->gateway) {
		gateway_answers(l, frame, len);
	}
	if (l->dhcp_server != 0) {
		dhcp_answers(l, frame, len);
	}
	return 0;
}

static int fake_poll(struct netif *nif, uint64_t deadline)
{
	struct nf_link *l = nif->priv;
	int n = 0;

	(void)deadline;
	while (l->delivered < l->queued) {
		struct nf_frame *fr = &l->queue[l->delivered++];

		net_input(nif, fr->b, fr->len);
		n++;
	}
	return n;
}

static bool fake_link_up(struct netif *nif)
{
	(void)nif;
	return true;
}

static const struct netif_ops fake_ops = { fake_tx, fake_poll, fake_link_up };

void nf_link_init(struct nf_link *l, const uint8_t *mac, const char *name)
{
	memset(l, 0, sizeof(*l));
	l->nif.ops = &fake_ops;
	l->nif.priv = l;
	memcpy(l->nif.mac, mac, 6);
	snprintf(l->nif.name, sizeof(l->nif.name), "%s", name);
	netif_register(&l->nif);
}

int nf_setup(void **state)
{
	(void)state;
	nf_link_init(&nf_link, nf_our_mac, "net0");
	return 0;
}

int nf_teardown(void **state)
{
	(void)state;
	netif_unregister(&nf_link.nif);
	return 0;
}

/* ---------------------------------------------------------------- checks of sent frames */

void nf_check_ip(const struct nf_frame *f, uint32_t src, uint32_t dst, unsigned proto)
{
	(void)nf_check_ip_from(f, nf_our_mac, src, dst, proto);
}

const uint8_t *nf_check_ip_from(const struct nf_frame *f, const uint8_t *mac, uint32_t src,
				uint32_t dst, unsigned proto)
{
	const uint8_t *h = f->b + 14;

	assert_true(f->len >= 34);
	assert_int_equal(nf_g16(f->b + 12), 0x0800);
	assert_memory_equal(f->b + 6, mac, 6);
	assert_int_equal(h[0], 0x45);
	assert_int_equal(nf_csum(0, h, 20), 0);
	assert_int_equal(h[9], proto);
	assert_int_equal(nf_g32(h + 12), src);
	assert_int_equal(nf_g32(h + 16), dst);
	assert_true(14u + nf_g16(h + 2) <= f->len);
	return h + 20;
}
