/* The virtio-net driver over virtio-mmio (legacy and modern) against the net device model of
 * tests/devmodel/ (written from the spec), with the IPv4 endpoint on top. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devmodel.h"
#include "devmodel_net.h"
#include "vireo/netif.h"
#include "vireo/virtio.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtio_net.h"

#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)
#define OUR_IP 0x0a00020fu

static const uint8_t model_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const uint8_t peer_mac[6] = { 0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc };

/* Set for the group's second run: the models offer VIRTIO_F_RING_PACKED (modern only). */
static bool packed_rings;

/* In the packed run, every modern device that bound runs packed rings; legacy ones cannot. */
static void check_ring_format(struct devmodel *dm, const struct virtio_device *vdev)
{
	bool packed = devmodel_features(dm) & (1ull << VIRTIO_F_RING_PACKED);

	assert_int_equal(packed, packed_rings && !vdev->legacy);
}

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vnet *n;
	struct netif *nif;
	int probe_ret;
};

/* Build a model as cfg and net say and bind the driver; r->n is NULL when the probe failed. */
static void rig_up_net(struct rig *r, const struct devmodel_config *cfg,
		       const struct devmodel_net_config *net)
{
	struct devmodel_config c = *cfg;

	memset(r, 0, sizeof(*r));
	c.ring_packed = packed_rings;
	r->dm = devmodel_net_create(&c, net);
	assert_non_null(r->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	r->probe_ret = vnet_probe(r->vdev);
	if (r->probe_ret == 0) {
		check_ring_format(r->dm, r->vdev);
	}
	if (r->probe_ret == 0) {
		r->n = vnet_get(vnet_count() - 1);
		r->nif = vnet_netif(r->n);
	}
	if (cfg->defer) {
		devmodel_process(r->dm);
	}
}

static void rig_up(struct rig *r, unsigned version, bool mrg, bool mac, bool defer)
{
	struct devmodel_config cfg = { .version = version, .defer = defer };
	struct devmodel_net_config net = { .offer_mac = mac,
					   .offer_status = true,
					   .offer_mrg_rxbuf = mrg };

	memcpy(net.mac, model_mac, 6);
	rig_up_net(r, &cfg, &net);
}

static void rig_down(struct rig *r)
{
	if (r->n != NULL) {
		vnet_remove(r->n);
	}
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)rand();
	}
}

/* An ARP request "who has 10.0.2.15" from the peer, built here byte by byte. */
static size_t arp_request(uint8_t *f)
{
	static const uint8_t tail[] = { 0, 1, 8, 0, 6, 4, 0, 1 };

	memset(f, 0xff, 6);
	memcpy(f + 6, peer_mac, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, tail, sizeof(tail));
	memcpy(f + 22, peer_mac, 6);
	memcpy(f + 28, "\x0a\x00\x02\x63", 4);
	memset(f + 32, 0, 6);
	memcpy(f + 38, "\x0a\x00\x02\x0f", 4);
	return 42;
}

static void check_no_violations(struct rig *r)
{
	if (devmodel_violations(r->dm) != 0) {
		fail_msg("driver broke the spec: %s", devmodel_last_violation(r->dm));
	}
}

static void test_modern_device_gives_mac_link_and_12_byte_header(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 2, false, true, false);
	assert_int_equal(r.probe_ret, 0);
	assert_memory_equal(r.nif->mac, model_mac, 6);
	assert_true(r.nif->ops->link_up(r.nif));
	assert_int_equal(devmodel_net_hdr_len(r.dm), 12);
	assert_string_equal(r.vdev->name, r.nif->name);
	assert_true(devmodel_net_rx_posted(r.dm) > 0);
	check_no_violations(&r);
	rig_down(&r);
}

static void test_without_mac_feature_a_local_unicast_mac_is_made(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 2, false, false, false);
	assert_int_equal(r.probe_ret, 0);
	assert_true((r.nif->mac[0] & 2) != 0); /* locally administered */
	assert_true((r.nif->mac[0] & 1) == 0); /* unicast */
	assert_memory_not_equal(r.nif->mac, model_mac, 6);
	rig_down(&r);
}

/* A multicast or all-zero address in config space cannot be ours: a local one is made. */
static void test_an_unusable_device_mac_is_replaced_by_a_local_unicast_one(void **state)
{
	static const uint8_t bad[2][6] = { { 0 }, { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 } };
	struct devmodel_config cfg = { .version = 2 };

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		struct devmodel_net_config net = { .offer_mac = true, .offer_status = true };
		struct rig r;

		memcpy(net.mac, bad[i], 6);
		rig_up_net(&r, &cfg, &net);
		assert_int_equal(r.probe_ret, 0);
		assert_true((r.nif->mac[0] & 2) != 0);
		assert_true((r.nif->mac[0] & 1) == 0);
		rig_down(&r);
	}
}

static void test_link_state_follows_the_device(void **state)
{
	struct rig r;

	(void)state;
	rig_up(&r, 2, false, true, false);
	devmodel_net_set_link(r.dm, false);
	assert_false(r.nif->ops->link_up(r.nif));
	devmodel_net_set_link(r.dm, true);
	assert_true(r.nif->ops->link_up(r.nif));
	rig_down(&r);
}

static void tx_sizes(unsigned version, bool mrg)
{
	static const size_t sizes[] = { 14, 60, 61, 512, 1000, 1513, 1514 };
	uint8_t frame[1514];
	struct rig r;

	rig_up(&r, version, mrg, true, false);
	assert_int_equal(r.probe_ret, 0);
	assert_int_equal(devmodel_net_hdr_len(r.dm), version == 2 || mrg ? 12 : 10);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		const uint8_t *got;
		size_t len = 0;

		fill(frame, sizes[i], i);
		assert_int_equal(r.nif->ops->tx(r.nif, frame, sizes[i]), 0);
		assert_int_equal(devmodel_net_tx_count(r.dm), i + 1);
		got = devmodel_net_tx_frame(r.dm, i, &len);
		assert_int_equal(len, sizes[i]);
		assert_memory_equal(got, frame, len);
	}
	assert_int_equal(r.nif->ops->tx(r.nif, frame, 1515), -EINVAL);
	assert_int_equal(r.nif->counters.tx_frames, sizeof(sizes) / sizeof(sizes[0]));
	check_no_violations(&r);
	rig_down(&r);
}

static void test_tx_arrives_intact_modern(void **state)
{
	(void)state;
	tx_sizes(2, false);
}

static void test_tx_arrives_intact_legacy_10_byte_header(void **state)
{
	(void)state;
	tx_sizes(1, false);
}

static void test_tx_arrives_intact_legacy_mrg_rxbuf(void **state)
{
	(void)state;
	tx_sizes(1, true);
}

/* The stack answers an injected ARP request: the frame went up intact, the reply came down. */
static void arp_round_trip(unsigned version, bool mrg)
{
	uint8_t f[64];
	const uint8_t *reply;
	size_t len = 0;
	struct rig r;

	rig_up(&r, version, mrg, true, false);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), 1);
	assert_int_equal(r.nif->counters.rx_frames, 1);
	assert_int_equal(devmodel_net_tx_count(r.dm), 1);
	reply = devmodel_net_tx_frame(r.dm, 0, &len);
	assert_int_equal(len, 60);
	assert_memory_equal(reply, peer_mac, 6);
	assert_memory_equal(reply + 6, model_mac, 6);
	assert_int_equal(reply[21], 2); /* ARP reply */
	assert_memory_equal(reply + 28, "\x0a\x00\x02\x0f", 4);
	check_no_violations(&r);
	rig_down(&r);
}

static void test_rx_reaches_the_stack_modern(void **state)
{
	(void)state;
	arp_round_trip(2, false);
}

static void test_rx_reaches_the_stack_legacy(void **state)
{
	(void)state;
	arp_round_trip(1, false);
	arp_round_trip(1, true);
}

/* 1000 frames of every size with a poll after each: the driver gives every buffer back, so
 * the model never runs out of posted buffers. */
static void ring_kept_full(unsigned version, bool mrg)
{
	uint8_t f[1514];
	struct rig r;
	unsigned posted;

	rig_up(&r, version, mrg, true, false);
	assert_int_equal(r.probe_ret, 0);
	posted = devmodel_net_rx_posted(r.dm);
	assert_true(posted >= 16);
	for (unsigned i = 0; i < 1000; i++) {
		size_t len = 14 + i % 1501;

		fill(f, len, i);
		memset(f, 0xff, 6);
		f[12] = 0x88; /* an EtherType nobody handles: counted, dropped by the stack */
		assert_int_equal(devmodel_net_inject(r.dm, f, len), 0);
		assert_int_equal(r.nif->ops->poll(r.nif, 0), 1);
		assert_int_equal(devmodel_net_rx_posted(r.dm), posted);
	}
	assert_int_equal(devmodel_net_rx_dropped(r.dm), 0);
	assert_int_equal(r.nif->counters.rx_frames, 1000);
	check_no_violations(&r);
	rig_down(&r);
}

static void test_receive_ring_is_kept_full(void **state)
{
	(void)state;
	ring_kept_full(2, true);
	ring_kept_full(2, false);
	ring_kept_full(1, false);
}

/* Every length a frame can have, each checked where the model recorded it. */
static void every_size(unsigned version, bool mrg)
{
	uint8_t frame[NETIF_FRAME_MAX];
	struct rig r;

	rig_up(&r, version, mrg, true, false);
	assert_int_equal(r.probe_ret, 0);
	fill(frame, sizeof(frame), version);
	for (size_t len = 14; len <= NETIF_FRAME_MAX; len++) {
		const uint8_t *got;
		size_t got_len = 0;

		assert_int_equal(r.nif->ops->tx(r.nif, frame, len), 0);
		got = devmodel_net_tx_frame(r.dm, 0, &got_len);
		assert_non_null(got);
		assert_int_equal(got_len, len);
		assert_memory_equal(got, frame, len);
		devmodel_net_tx_clear(r.dm);
	}
	check_no_violations(&r);
	rig_down(&r);
}

static void test_every_frame_size_from_14_to_1514_arrives_intact(void **state)
{
	(void)state;
	every_size(2, false);
	every_size(1, false);
	every_size(1, true);
}

static void test_link_down_at_probe_then_up(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_net_config net = { .offer_mac = true,
					   .offer_status = true,
					   .link_down = true };
	struct rig r;

	(void)state;
	memcpy(net.mac, model_mac, 6);
	rig_up_net(&r, &cfg, &net);
	assert_int_equal(r.probe_ret, 0);
	assert_false(r.nif->ops->link_up(r.nif));
	devmodel_net_set_link(r.dm, true);
	assert_true(r.nif->ops->link_up(r.nif));
	check_no_violations(&r);
	rig_down(&r);
}

/* §5.1.4: without VIRTIO_NET_F_STATUS the driver assumes the link is up. */
static void test_without_status_feature_the_link_is_taken_as_up(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_net_config net = { .offer_mac = true, .link_down = true };
	struct rig r;

	(void)state;
	memcpy(net.mac, model_mac, 6);
	rig_up_net(&r, &cfg, &net);
	assert_int_equal(r.probe_ret, 0);
	assert_true(r.nif->ops->link_up(r.nif));
	check_no_violations(&r);
	rig_down(&r);
}

static void test_used_id_that_is_not_a_head_fails_the_device(void **state)
{
	uint8_t f[64];
	struct rig r;

	(void)state;
	rig_up(&r, 2, false, true, false);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, 1);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), -EIO);
	assert_true(r.vdev->broken);
	assert_int_equal(r.nif->counters.rx_frames, 0);
	rig_down(&r);
}

static void test_used_length_too_large_is_dropped_and_buffer_reposted(void **state)
{
	uint8_t f[64];
	struct rig r;
	unsigned posted;

	(void)state;
	rig_up(&r, 2, false, true, false);
	posted = devmodel_net_rx_posted(r.dm);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	r.nif->ops->poll(r.nif, 0);
	assert_int_equal(r.nif->counters.rx_drop, 1);
	assert_int_equal(devmodel_net_tx_count(r.dm), 0); /* nothing reached the stack */
	assert_int_equal(devmodel_net_rx_posted(r.dm), posted);
	/* The next frame is fine again. */
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	r.nif->ops->poll(r.nif, 0);
	assert_int_equal(devmodel_net_tx_count(r.dm), 1);
	rig_down(&r);
}

/* used.len 1: shorter than the virtio-net header, so no frame can be in it. */
static void test_used_length_shorter_than_the_header_is_dropped_and_buffer_reposted(void **state)
{
	uint8_t f[64];
	struct rig r;
	unsigned posted;

	(void)state;
	rig_up(&r, 2, false, true, false);
	posted = devmodel_net_rx_posted(r.dm);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, 1);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), 0);
	assert_int_equal(r.nif->counters.rx_drop, 1);
	assert_int_equal(r.nif->counters.rx_frames, 0); /* nothing reached the stack */
	assert_int_equal(devmodel_net_tx_count(r.dm), 0);
	assert_int_equal(devmodel_net_rx_posted(r.dm), posted);
	assert_false(r.vdev->broken);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), 1);
	assert_int_equal(devmodel_net_tx_count(r.dm), 1);
	rig_down(&r);
}

/* A transmit completion claiming bytes written into a chain that has no writable part: the
 * frame's slot is reclaimed anyway and the queue goes on. */
static void test_transmit_used_length_too_large_leaves_the_queue_working(void **state)
{
	uint8_t f[60];
	struct rig r;

	(void)state;
	memset(f, 0x5a, sizeof(f));
	rig_up(&r, 2, false, true, false);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(r.nif->ops->tx(r.nif, f, sizeof(f)), 0);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(r.nif->ops->tx(r.nif, f, sizeof(f)), 0);
	}
	assert_false(r.vdev->broken);
	assert_int_equal(devmodel_net_tx_count(r.dm), 101);
	check_no_violations(&r);
	rig_down(&r);
}

static void test_bad_used_id_fails_the_device_without_crashing(void **state)
{
	uint8_t f[64];
	struct rig r;

	(void)state;
	rig_up(&r, 2, false, true, false);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(devmodel_net_inject(r.dm, f, arp_request(f)), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), -EIO);
	assert_true(r.vdev->broken);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), -EIO);
	assert_int_equal(r.nif->ops->tx(r.nif, f, 60), -EIO);
	rig_down(&r);
}

static void test_packet_spread_over_buffers_is_dropped_whole(void **state)
{
	uint8_t f[3000];
	struct rig r;

	(void)state;
	rig_up(&r, 2, true, true, false);
	fill(f, sizeof(f), 3);
	memcpy(f, model_mac, 6);
	/* More than one buffer holds: the device sets num_buffers = 2 (§5.1.6.4). */
	assert_int_equal(devmodel_net_inject(r.dm, f, sizeof(f)), 0);
	r.nif->ops->poll(r.nif, 0);
	assert_int_equal(r.nif->counters.rx_drop, 2);
	assert_int_equal(r.nif->counters.rx_frames, 0);
	rig_down(&r);
}

static void test_full_transmit_ring_says_enospc(void **state)
{
	uint8_t f[60];
	struct rig r;
	int ret = 0;
	unsigned sent = 0;

	(void)state;
	memset(f, 0, sizeof(f));
	rig_up(&r, 2, false, true, true); /* the device completes nothing until told */
	while (sent < 1000 && (ret = r.nif->ops->tx(r.nif, f, sizeof(f))) == 0) {
		sent++;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(sent >= 8 && sent < 1000);
	assert_int_equal(r.nif->counters.tx_drop, 1);
	devmodel_process(r.dm);
	assert_int_equal(r.nif->ops->tx(r.nif, f, sizeof(f)), 0); /* reclaimed */
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modern_device_gives_mac_link_and_12_byte_header),
		cmocka_unit_test(test_without_mac_feature_a_local_unicast_mac_is_made),
		cmocka_unit_test(test_an_unusable_device_mac_is_replaced_by_a_local_unicast_one),
		cmocka_unit_test(test_link_state_follows_the_device),
		cmocka_unit_test(test_tx_arrives_intact_modern),
		cmocka_unit_test(test_tx_arrives_intact_legacy_10_byte_header),
		cmocka_unit_test(test_tx_arrives_intact_legacy_mrg_rxbuf),
		cmocka_unit_test(test_rx_reaches_the_stack_modern),
		cmocka_unit_test(test_rx_reaches_the_stack_legacy),
		cmocka_unit_test(test_receive_ring_is_kept_full),
		cmocka_unit_test(test_every_frame_size_from_14_to_1514_arrives_intact),
		cmocka_unit_test(test_link_down_at_probe_then_up),
		cmocka_unit_test(test_without_status_feature_the_link_is_taken_as_up),
		cmocka_unit_test(test_used_id_that_is_not_a_head_fails_the_device),
		cmocka_unit_test(test_used_length_too_large_is_dropped_and_buffer_reposted),
		cmocka_unit_test(
			test_used_length_shorter_than_the_header_is_dropped_and_buffer_reposted),
		cmocka_unit_test(test_transmit_used_length_too_large_leaves_the_queue_working),
		cmocka_unit_test(test_bad_used_id_fails_the_device_without_crashing),
		cmocka_unit_test(test_packet_spread_over_buffers_is_dropped_whole),
		cmocka_unit_test(test_full_transmit_ring_says_enospc),
	};

	int failed = cmocka_run_group_tests_name("virtio_net", tests, NULL, NULL);

	packed_rings = true;
	return failed + cmocka_run_group_tests_name("virtio_net_packed", tests, NULL, NULL);
}
