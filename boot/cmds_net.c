/* `net` commands over the first network interface: info, ping, the UDP echo service, DHCP. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "arch/timer.h"
#include "shell.h"
#include "vireo/net.h"
#include "vireo/netif.h"

#define NS_PER_MS 1000000ull
#define NS_PER_S 1000000000ull
#define PING_MAX 100u
#define PING_TIMEOUT_NS (1 * NS_PER_S)
#define PING_INTERVAL_NS (1 * NS_PER_S)
#define SERVE_MAX_S 3600u
#define DHCP_TIMEOUT_NS (10 * NS_PER_S)

static struct netif *the_netif(void)
{
	struct netif *nif = netif_first();

	if (nif == NULL) {
		shell_error("net: no network device");
	}
	return nif;
}

static int cmd_net_info(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (the_netif() == NULL) {
		return -ENODEV;
	}
	for (struct netif *n = netif_first(); n != NULL; n = n->next) {
		char ip[16], gw[16], mask[16];
		const uint8_t *m = n->mac;

		net_format_ip(n->ip, ip);
		net_format_ip(n->gateway, gw);
		net_format_ip(n->netmask, mask);
		printf("%s mac=%02x:%02x:%02x:%02x:%02x:%02x link=%s ip=%s mask=%s gw=%s "
		       "rx=%" PRIu64 " tx=%" PRIu64 " drop=%" PRIu64 "\n",
		       n->name, m[0], m[1], m[2], m[3], m[4], m[5],
		       n->ops->link_up(n) ? "up" : "down", ip, mask, gw, n->counters.rx_frames,
		       n->counters.tx_frames, n->counters.rx_drop + n->counters.tx_drop);
	}
	return 0;
}

/* Lets time pass with the interface served (answering ARP and echo requests meanwhile). */
static int idle(struct netif *nif, uint64_t until)
{
	int ret = 0;

	while (ret >= 0 && arch_time_ns() < until) {
		ret = nif->ops->poll(nif, until);
	}
	return ret < 0 ? ret : 0;
}

static int cmd_net_ping(int argc, char **argv)
{
	struct netif *nif = the_netif();
	uint64_t count = 3, received = 0;
	uint32_t ip;
	int ret = 0;

	if (nif == NULL) {
		return -ENODEV;
	}
	if (net_parse_ip(argv[0], &ip) < 0) {
		return shell_error("net ping: \"%s\" is not an IPv4 address", argv[0]);
	}
	if (argc > 1 && shell_parse_u64(argv[1], "count", PING_MAX, &count) < 0) {
		return -EINVAL;
	}
	if (count == 0) {
		return shell_error("net ping: count must be at least 1");
	}
	for (uint64_t seq = 1; seq <= count; seq++) {
		uint64_t next = arch_time_ns() + PING_INTERVAL_NS, rtt = 0;

		ret = net_ping(nif, ip, (uint16_t)seq, PING_TIMEOUT_NS, &rtt);
		if (ret == 0) {
			received++;
			printf("reply from %s: seq=%" PRIu64 " time=%" PRIu64 ".%03" PRIu64 " ms\n",
			       argv[0], seq, (uint64_t)(rtt / NS_PER_MS),
			       (uint64_t)(rtt % NS_PER_MS / 1000));
		} else if (ret == -ETIMEDOUT || ret == -EHOSTUNREACH) {
			printf("no reply from %s: seq=%" PRIu64 " (%s)\n", argv[0], seq,
			       ret == -ETIMEDOUT ? "timeout" : "no ARP answer");
		} else if (ret == -ENETDOWN) {
			return shell_error("net ping: %s has no address (net dhcp?)", nif->name);
		} else {
			return shell_error("net ping: link error %d", ret);
		}
		if (seq < count && idle(nif, next) < 0) {
			return shell_error("net ping: link error");
		}
	}
	printf("ping: sent=%" PRIu64 " received=%" PRIu64 "\n", count, received);
	return received != 0 ? 0 : shell_error("ping: no reply from %s", argv[0]);
}

static int cmd_net_serve(int argc, char **argv)
{
	struct netif *nif = the_netif();
	struct net_echo_stats st = { 0, 0 };
	uint64_t seconds;
	char ip[16];
	int ret;

	(void)argc;
	if (nif == NULL) {
		return -ENODEV;
	}
	if (shell_parse_u64(argv[0], "seconds", SERVE_MAX_S, &seconds) < 0) {
		return -EINVAL;
	}
	net_format_ip(nif->ip, ip);
	printf("net serve: %s %s udp port %u listening for %" PRIu64 " s\n", nif->name, ip,
	       NET_UDP_ECHO_PORT, seconds);
	ret = net_udp_echo_serve(nif, seconds * NS_PER_S, &st);
	printf("net serve: done received=%" PRIu64 " echoed=%" PRIu64 "\n", st.received, st.echoed);
	return ret < 0 ? shell_error("net serve: link error %d", ret) : 0;
}

static const char *dhcp_failure(int err)
{
	switch (err) {
	case -ETIMEDOUT:
		return "no answer from a server";
	case -ECONNREFUSED:
		return "the server refused (NAK)";
	case -EPROTO:
		return "the server acknowledged no usable address";
	default:
		return "link error";
	}
}

static int cmd_net_dhcp(int argc, char **argv)
{
	struct netif *nif = the_netif();
	char ip[16], gw[16], mask[16];
	int ret;

	(void)argc;
	(void)argv;
	if (nif == NULL) {
		return -ENODEV;
	}
	ret = net_dhcp(nif, DHCP_TIMEOUT_NS);
	if (ret < 0) {
		return shell_error("dhcp: %s: %s", nif->name, dhcp_failure(ret));
	}
	net_format_ip(nif->ip, ip);
	net_format_ip(nif->gateway, gw);
	net_format_ip(nif->netmask, mask);
	printf("dhcp: %s ip=%s gw=%s mask=%s\n", nif->name, ip, gw, mask);
	return 0;
}

static const struct shell_cmd net_cmds[] = {
	{ "net info", "", "MAC, link, addresses and counters of each interface", 0, 0,
	  cmd_net_info },
	{ "net ping", "<ip> [count]", "ICMP echo requests (default 3), one a second, with times", 1,
	  2, cmd_net_ping },
	{ "net serve", "<seconds>", "answer UDP datagrams to port 7 with their payload", 1, 1,
	  cmd_net_serve },
	{ "net dhcp", "", "get an address from a DHCP server", 0, 0, cmd_net_dhcp },
};

const struct shell_cmd_group cmds_net = SHELL_GROUP(net_cmds);
