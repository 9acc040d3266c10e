/* The IPv4 endpoint (drivers/net/) as the shell uses it: ping, the UDP echo service, DHCP, and
 * dotted-quad addresses. One operation runs at a time; each drives the interface's poll()
 * until it is done or its time is up. */
#ifndef VIREO_NET_H
#define VIREO_NET_H

#include <stdint.h>

struct netif;

#define NET_UDP_ECHO_PORT 7u

/** Sends one ICMP echo request to ip (resolving the next hop with ARP) and waits up to
 *  timeout_ns for the matching reply. 0 with *rtt_ns, -ETIMEDOUT without a reply,
 *  -EHOSTUNREACH when ARP gets no answer, -ENETDOWN without an address, or the link's error. */
int net_ping(struct netif *nif, uint32_t ip, uint16_t seq, uint64_t timeout_ns, uint64_t *rtt_ns);

struct net_echo_stats {
	uint64_t received; /* datagrams to the echo port */
	uint64_t echoed;   /* answered */
};

/** Answers every UDP datagram to port 7 with the same payload until duration_ns have passed.
 *  0, or the link's error. */
int net_udp_echo_serve(struct netif *nif, uint64_t duration_ns, struct net_echo_stats *st);

/** DHCP (RFC 2131) DISCOVER/OFFER/REQUEST/ACK; on ACK sets the address, netmask and
 *  gateway. 0, -ETIMEDOUT, -ECONNREFUSED on a NAK, or the link's error. */
int net_dhcp(struct netif *nif, uint64_t timeout_ns);

/** Strict dotted quad ("10.0.2.2"): four decimal numbers 0..255, no blanks, no leading
 *  zeros beyond "0". 0 or -EINVAL. */
int net_parse_ip(const char *s, uint32_t *ip);
/** ip as a dotted quad into buf (at least 16 bytes). */
void net_format_ip(uint32_t ip, char *buf);

#endif
