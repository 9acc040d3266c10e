/* The virtio-net device model of tests/devmodel/ checked on its own: a bare virtqueue pair
 * over the virtio core, without the net driver, checks the model's reading of virtio 1.2 §5.1:
 * what it records, what it writes into receive buffers and which driver mistakes it reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devmodel.h"
#include "devmodel_net.h"
#include "vireo/virtio.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_net.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)

static const uint8_t model_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)rand();
	}
}

struct raw {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct virtq *rxq;
	struct virtq *txq;
	uint8_t buf[8][1600];
};

static struct raw *raw_up(unsigned version, bool mrg, bool any_layout)
{
	struct devmodel_config cfg = { .version = version, .any_layout = any_layout };
	struct devmodel_net_config net = { .offer_mac = true,
					   .offer_status = true,
					   .offer_mrg_rxbuf = mrg };
	uint64_t want = (1ull << VIRTIO_NET_F_MAC) | (1ull << VIRTIO_NET_F_STATUS) |
			(mrg ? 1ull << VIRTIO_NET_F_MRG_RXBUF : 0) |
			(any_layout ? 1ull << VIRTIO_F_ANY_LAYOUT : 0);
	struct raw *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	memcpy(net.mac, model_mac, 6);
	r->dm = devmodel_net_create(&cfg, &net);
	assert_non_null(r->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	assert_int_equal(virtio_negotiate(r->vdev, want), 0);
	assert_int_equal(virtq_create(r->vdev, 0, 16, &r->rxq), 0);
	assert_int_equal(virtq_create(r->vdev, 1, 16, &r->txq), 0);
	assert_int_equal(virtio_driver_ok(r->vdev), 0);
	return r;
}

static void raw_down(struct raw *r)
{
	r->vdev->ops->reset(r->vdev);
	virtq_destroy(r->rxq);
	virtq_destroy(r->txq);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	free(r);
}

/* Sends a chain and takes it back; returns the used length the model reported. */
static uint32_t raw_send(struct raw *r, const struct virtq_buf *b, unsigned count)
{
	void *token = NULL;
	uint32_t len = UINT32_MAX;

	assert_int_equal(virtq_add(r->txq, b, count, r), 0);
	virtq_kick(r->txq);
	assert_int_equal(virtq_get(r->txq, &token, &len), 0);
	assert_ptr_equal(token, r);
	return len;
}

/* Sends header and frame as two descriptors (the layout every device accepts). */
static void raw_send_frame(struct raw *r, const uint8_t *hdr, const uint8_t *frame, size_t len)
{
	struct virtq_buf b[2] = {
		{ (void *)hdr, devmodel_net_hdr_len(r->dm), false },
		{ (void *)frame, (uint32_t)len, false },
	};

	assert_int_equal(raw_send(r, b, 2), 0);
}

/* Posts buf[slot] as one receive buffer of len bytes. */
static void raw_post(struct raw *r, unsigned slot, uint32_t len)
{
	struct virtq_buf b = { r->buf[slot], len, true };

	assert_int_equal(virtq_add(r->rxq, &b, 1, r->buf[slot]), 0);
	virtq_kick(r->rxq);
}

/* Takes back the next completed receive buffer: its slot and used length. */
static unsigned raw_received(struct raw *r, uint32_t *len)
{
	void *token = NULL;

	assert_int_equal(virtq_get(r->rxq, &token, len), 0);
	for (unsigned i = 0; i < 8; i++) {
		if (token == r->buf[i]) {
			return i;
		}
	}
	fail_msg("unknown receive token");
	return 0;
}

static uint16_t le16_at(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void test_model_config_space_holds_mac_and_link_status(void **state)
{
	struct raw *r = raw_up(2, false, false);
	uint64_t v = 0;

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(virtio_config_read(r->vdev, VIRTIO_NET_CFG_MAC + i, 1, &v), 0);
		assert_int_equal(v, model_mac[i]);
	}
	assert_int_equal(virtio_config_read(r->vdev, VIRTIO_NET_CFG_STATUS, 2, &v), 0);
	assert_int_equal(v, VIRTIO_NET_S_LINK_UP);
	devmodel_net_set_link(r->dm, false);
	assert_true(devmodel_interrupt_status(r->dm) & 2); /* configuration change (§4.2.2) */
	assert_int_equal(virtio_config_read(r->vdev, VIRTIO_NET_CFG_STATUS, 2, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(devmodel_violations(r->dm), 0);
	raw_down(r);
}

static void test_model_records_transmitted_frames_without_the_header(void **state)
{
	static const unsigned versions[] = { 2, 1 };
	uint8_t hdr[12] = { 0 };
	uint8_t frame[1514];

	(void)state;
	for (unsigned v = 0; v < 2; v++) {
		struct raw *r = raw_up(versions[v], false, false);
		const uint8_t *got;
		size_t len = 0;

		assert_int_equal(devmodel_net_hdr_len(r->dm), versions[v] == 2 ? 12 : 10);
		fill(frame, sizeof(frame), v);
		raw_send_frame(r, hdr, frame, sizeof(frame));
		raw_send_frame(r, hdr, frame, 14);
		assert_int_equal(devmodel_net_tx_count(r->dm), 2);
		got = devmodel_net_tx_frame(r->dm, 0, &len);
		assert_int_equal(len, sizeof(frame));
		assert_memory_equal(got, frame, len);
		assert_non_null(devmodel_net_tx_frame(r->dm, 1, &len));
		assert_int_equal(len, 14);
		assert_null(devmodel_net_tx_frame(r->dm, 2, &len));
		devmodel_net_tx_clear(r->dm);
		assert_int_equal(devmodel_net_tx_count(r->dm), 0);
		assert_int_equal(devmodel_violations(r->dm), 0);
		raw_down(r);
	}
}

static void test_model_reports_a_transmit_chain_with_a_writable_part(void **state)
{
	struct raw *r = raw_up(2, false, false);
	uint8_t hdr[12] = { 0 };
	uint8_t frame[60] = { 0 };
	uint8_t back[16];
	struct virtq_buf b[3] = {
		{ hdr, sizeof(hdr), false },
		{ frame, sizeof(frame), false },
		{ back, sizeof(back), true },
	};

	(void)state;
	assert_int_equal(raw_send(r, b, 3), 0);
	assert_true(devmodel_has_violation(r->dm, "device-writable"));
	raw_down(r);
}

static void test_model_reports_a_transmit_chain_shorter_than_the_header(void **state)
{
	struct raw *r = raw_up(2, false, false);
	uint8_t hdr[12] = { 0 };
	struct virtq_buf b = { hdr, 11, false };

	(void)state;
	assert_int_equal(raw_send(r, &b, 1), 0);
	assert_true(devmodel_has_violation(r->dm, "less than the 12-byte header"));
	assert_int_equal(devmodel_net_tx_count(r->dm), 0);
	raw_down(r);
}

static void test_model_reports_header_fields_set_without_offloads(void **state)
{
	struct raw *r = raw_up(2, false, false);
	uint8_t frame[60] = { 0 };
	uint8_t hdr[12] = { 0 };

	(void)state;
	hdr[0] = 1; /* VIRTIO_NET_HDR_F_NEEDS_CSUM without VIRTIO_NET_F_CSUM */
	raw_send_frame(r, hdr, frame, sizeof(frame));
	assert_true(devmodel_has_violation(r->dm, "flags 0x1"));
	devmodel_clear_violations(r->dm);
	hdr[0] = 0;
	hdr[1] = 1; /* VIRTIO_NET_HDR_GSO_TCPV4 without HOST_TSO4 */
	raw_send_frame(r, hdr, frame, sizeof(frame));
	assert_true(devmodel_has_violation(r->dm, "gso_type 0x1"));
	devmodel_clear_violations(r->dm);
	hdr[1] = 0;
	hdr[VIRTIO_NET_HDR_NUM_BUFFERS] = 1; /* §5.1.6.2.1: 0 on transmit */
	raw_send_frame(r, hdr, frame, sizeof(frame));
	assert_true(devmodel_has_violation(r->dm, "num_buffers"));
	raw_down(r);
}

static void test_model_legacy_header_needs_its_own_descriptor_without_any_layout(void **state)
{
	uint8_t chain[10 + 60] = { 0 };
	struct virtq_buf b = { chain, sizeof(chain), false };
	struct raw *r = raw_up(1, false, false);

	(void)state;
	assert_int_equal(raw_send(r, &b, 1), 0);
	assert_true(devmodel_has_violation(r->dm, "§5.1.6.6"));
	raw_down(r);
	r = raw_up(1, false, true);
	assert_true(devmodel_features(r->dm) & (1ull << VIRTIO_F_ANY_LAYOUT));
	assert_int_equal(raw_send(r, &b, 1), 0);
	assert_int_equal(devmodel_net_tx_count(r->dm), 1);
	assert_int_equal(devmodel_violations(r->dm), 0);
	raw_down(r);
}

static void test_model_drops_and_counts_a_frame_with_no_buffer_posted(void **state)
{
	struct raw *r = raw_up(2, false, false);
	uint8_t f[60] = { 0 };

	(void)state;
	assert_int_equal(devmodel_net_rx_posted(r->dm), 0);
	assert_int_equal(devmodel_net_inject(r->dm, f, sizeof(f)), -1);
	assert_int_equal(devmodel_net_rx_dropped(r->dm), 1);
	raw_down(r);
}

static void rx_one_buffer(unsigned version, bool any_layout)
{
	struct raw *r = raw_up(version, false, any_layout);
	unsigned hdr = version == 2 ? 12 : 10;
	uint8_t f[1514];
	uint32_t len = 0;
	unsigned slot;

	fill(f, sizeof(f), 7);
	memset(r->buf[0], 0xee, sizeof(r->buf[0]));
	raw_post(r, 0, hdr + 1514);
	assert_int_equal(devmodel_net_rx_posted(r->dm), 1);
	assert_int_equal(devmodel_net_inject(r->dm, f, 100), 0);
	slot = raw_received(r, &len);
	assert_int_equal(slot, 0);
	assert_int_equal(len, hdr + 100);
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(r->buf[0][i], 0); /* no flags, no GSO, nothing to checksum */
	}
	if (version == 2) {
		assert_int_equal(le16_at(r->buf[0] + VIRTIO_NET_HDR_NUM_BUFFERS), 1);
	}
	assert_memory_equal(r->buf[0] + hdr, f, 100);
	assert_int_equal(devmodel_net_rx_posted(r->dm), 0);
	assert_int_equal(devmodel_violations(r->dm), 0);
	raw_down(r);
}

/* One descriptor for header and frame: legacy allows it only with ANY_LAYOUT (§5.1.6.6). */
static void test_model_fills_one_buffer_with_header_and_frame(void **state)
{
	(void)state;
	rx_one_buffer(2, false);
	rx_one_buffer(1, true);
}

static void test_model_spreads_a_frame_over_merged_buffers(void **state)
{
	struct raw *r = raw_up(2, true, false);
	uint8_t f[1400];
	uint8_t got[1400];
	uint32_t len[3];
	size_t at = 0;

	(void)state;
	fill(f, sizeof(f), 11);
	for (unsigned i = 0; i < 4; i++) {
		raw_post(r, i, 512);
	}
	assert_int_equal(devmodel_net_inject(r->dm, f, sizeof(f)), 0);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(raw_received(r, &len[i]), i);
	}
	assert_int_equal(len[0], 512);
	assert_int_equal(len[1], 512);
	assert_int_equal(len[2], 12 + 1400 - 1024);
	assert_int_equal(le16_at(r->buf[0] + VIRTIO_NET_HDR_NUM_BUFFERS), 3);
	memcpy(got, r->buf[0] + 12, 500);
	at = 500;
	memcpy(got + at, r->buf[1], 512);
	at += 512;
	memcpy(got + at, r->buf[2], len[2]);
	assert_memory_equal(got, f, sizeof(f));
	assert_int_equal(devmodel_net_rx_posted(r->dm), 1);
	assert_int_equal(devmodel_violations(r->dm), 0);
	raw_down(r);
}

static void test_model_drops_a_frame_larger_than_the_posted_space(void **state)
{
	struct raw *r = raw_up(2, true, false);
	uint8_t f[1000] = { 0 };

	(void)state;
	raw_post(r, 0, 512);
	assert_int_equal(devmodel_net_inject(r->dm, f, sizeof(f)), -1);
	assert_int_equal(devmodel_net_rx_dropped(r->dm), 1);
	assert_int_equal(devmodel_net_rx_posted(r->dm), 1); /* the buffer stays posted */
	assert_int_equal(devmodel_net_inject(r->dm, f, 400), 0);
	raw_down(r);
}

static void test_model_reports_a_receive_buffer_too_small_for_a_frame(void **state)
{
	struct raw *r = raw_up(2, false, false);

	(void)state;
	raw_post(r, 0, 12 + 1513);
	assert_true(devmodel_has_violation(r->dm, "§5.1.6.3.1"));
	raw_down(r);
}

static void test_model_hands_back_a_merged_buffer_smaller_than_the_header(void **state)
{
	struct raw *r = raw_up(2, true, false);
	uint8_t f[60] = { 0 };
	uint32_t len = UINT32_MAX;

	(void)state;
	raw_post(r, 0, 8);
	assert_true(devmodel_has_violation(r->dm, "smaller than the 12-byte header"));
	assert_int_equal(raw_received(r, &len), 0); /* returned unused */
	assert_int_equal(len, 0);
	assert_int_equal(devmodel_net_inject(r->dm, f, sizeof(f)), -1);
	raw_down(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_config_space_holds_mac_and_link_status),
		cmocka_unit_test(test_model_records_transmitted_frames_without_the_header),
		cmocka_unit_test(test_model_reports_a_transmit_chain_with_a_writable_part),
		cmocka_unit_test(test_model_reports_a_transmit_chain_shorter_than_the_header),
		cmocka_unit_test(test_model_reports_header_fields_set_without_offloads),
		cmocka_unit_test(
			test_model_legacy_header_needs_its_own_descriptor_without_any_layout),
		cmocka_unit_test(test_model_drops_and_counts_a_frame_with_no_buffer_posted),
		cmocka_unit_test(test_model_fills_one_buffer_with_header_and_frame),
		cmocka_unit_test(test_model_spreads_a_frame_over_merged_buffers),
		cmocka_unit_test(test_model_drops_a_frame_larger_than_the_posted_space),
		cmocka_unit_test(test_model_reports_a_receive_buffer_too_small_for_a_frame),
		cmocka_unit_test(test_model_hands_back_a_merged_buffer_smaller_than_the_header),
	};

	return cmocka_run_group_tests_name("devmodel_net", tests, NULL, NULL);
}
