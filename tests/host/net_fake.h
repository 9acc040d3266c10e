/* The scripted link of the IPv4 endpoint's host tests (net_fake.c). */
#ifndef TESTS_HOST_NET_FAKE_H
#define TESTS_HOST_NET_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/netif.h"

#define OUR_IP 0x0a00020fu  /* 10.0.2.15 */
#define GW_IP 0x0a000202u   /* 10.0.2.2 */
#define PEER_IP 0x0a000263u /* 10.0.2.99 */
#define MAX_FRAMES 64
/* What the scripted DHCP server hands out. */
#define NF_DHCP_OFFER 0x0a000232u  /* 10.0.2.50 */
#define NF_DHCP_SERVER 0x0a000201u /* 10.0.2.1 */
#define NF_DHCP_ROUTER 0x0a000201u
#define NF_DHCP_MASK 0xffff0000u
/* dhcp_twist: answers a test expects the client to ignore. */
#define NF_DHCP_OTHER_XID 1
#define NF_DHCP_OTHER_CLIENT 2

extern const uint8_t nf_our_mac[6];
extern const uint8_t nf_gw_mac[6];
extern const uint8_t nf_peer_mac[6];
extern const uint8_t nf_bcast[6];

struct nf_frame {
	uint8_t b[1600];
	size_t len;
};

/* What the stack sent, what it receives on its next poll, and who answers. */
struct nf_link {
	struct netif nif;
	struct nf_frame sent[MAX_FRAMES];
	unsigned sent_count;
	struct nf_frame queue[MAX_FRAMES];
	unsigned queued, delivered;
	bool gateway;	 /* answers ARP for GW_IP and echo requests sent to its MAC */
	int dhcp_server; /* 0 none, 1 offers and acks, 2 offers and naks, 3 malformed offer */
	int dhcp_twist;	 /* 0, or NF_DHCP_OTHER_XID / _CLIENT in its answers */
	uint32_t dhcp_requested, dhcp_server_id;
};
extern struct nf_link nf_link;

/** Resets l and registers it as interface name with mac. */
void nf_link_init(struct nf_link *l, const uint8_t *mac, const char *name);
/** cmocka group setup/teardown: nf_link, fresh, registered as net0 with nf_our_mac. */
int nf_setup(void **state);
int nf_teardown(void **state);

void nf_p16(uint8_t *p, unsigned v);
void nf_p32(uint8_t *p, uint32_t v);
unsigned nf_g16(const uint8_t *p);
uint32_t nf_g32(const uint8_t *p);
/** RFC 1071 checksum of p with sum already added (0 over a correct header/message). */
uint16_t nf_csum(uint64_t sum, const uint8_t *p, size_t len);
uint16_t nf_udp_csum(uint32_t src, uint32_t dst, const uint8_t *udp, size_t len);

/** A frame to be delivered on the next poll of link l (of nf_link). */
struct nf_frame *nf_link_inject(struct nf_link *l);
struct nf_frame *nf_next_inject(void);
size_t nf_eth(uint8_t *f, const uint8_t *dst, const uint8_t *src, unsigned type);
void nf_arp(struct nf_frame *fr, unsigned op, const uint8_t *dst, const uint8_t *sha, uint32_t spa,
	    const uint8_t *tha, uint32_t tpa);
/** IPv4 + Ethernet headers (to nf_our_mac) around a payload already at fr->b + 34. */
void nf_ip(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, uint32_t dst, unsigned proto,
	   size_t payload);
void nf_udp(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, uint32_t dst, unsigned sport,
	    unsigned dport, const uint8_t *data, size_t len);
void nf_icmp_echo(struct nf_frame *fr, const uint8_t *src_mac, uint32_t src, unsigned type,
		  unsigned id, unsigned seq, const uint8_t *data, size_t len);
/** The value of DHCP option code in message m (len bytes), or NULL. */
const uint8_t *nf_dhcp_option(const uint8_t *m, size_t len, unsigned code);
/** Asserts that f is an IPv4 packet from us with a valid header. */
void nf_check_ip(const struct nf_frame *f, uint32_t src, uint32_t dst, unsigned proto);
/** The same for a link with another MAC; returns the IP payload. */
const uint8_t *nf_check_ip_from(const struct nf_frame *f, const uint8_t *mac, uint32_t src,
				uint32_t dst, unsigned proto);

#endif
