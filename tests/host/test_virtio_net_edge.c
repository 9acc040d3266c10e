/* virtio-net driver edge cases against the net device model: generated MACs, a full receive
 * ring, poll() honouring its deadline, a packet spread over buffers, a failed probe that
 * holds nothing, transmit length checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "arch/timer.h"
#include "devmodel.h"
#include "devmodel_net.h"
#include "vireo/netif.h"
#include "vireo/virtio.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtio_net.h"

static const uint8_t model_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vnet *n;
	struct netif *nif;
	int probe_ret;
};

/* Set for the group's second run: the models offer VIRTIO_F_RING_PACKED (modern only). */
static bool packed_rings;

/* In the packed run, every modern device that bound runs packed rings; legacy ones cannot. */
static void check_ring_format(struct devmodel *dm, const struct virtio_device *vdev)
{
	bool packed = devmodel_features(dm) & (1ull << VIRTIO_F_RING_PACKED);

	assert_int_equal(packed, packed_rings && !vdev->legacy);
}

static void rig_up(struct rig *r, unsigned version, bool mrg, bool mac)
{
	struct devmodel_config cfg = { .version = version, .ring_packed = packed_rings };
	struct devmodel_net_config net = { .offer_mac = mac,
					   .offer_status = true,
					   .offer_mrg_rxbuf = mrg };
	memcpy(net.mac, model_mac, 6);
	memset(r, 0, sizeof(*r));
	r->dm = devmodel_net_create(&cfg, &net);
	assert_non_null(r->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = 100000000ull;
	r->probe_ret = vnet_probe(r->vdev);
	if (r->probe_ret == 0) {
		check_ring_format(r->dm, r->vdev);
	}
	if (r->probe_ret == 0) {
		r->n = vnet_get(vnet_count() - 1);
		r->nif = vnet_netif(r->n);
	}
}
static void rig_down(struct rig *r)
{
	if (r->n)
		vnet_remove(r->n);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
}

static void test_two_generated_macs_differ(void **s)
{
	struct rig a, b;
	(void)s;
	rig_up(&a, 2, false, false);
	rig_up(&b, 2, false, false);
	assert_int_equal(a.probe_ret, 0);
	assert_int_equal(b.probe_ret, 0);
	assert_string_equal(a.vdev->name, "net0");
	assert_string_equal(b.vdev->name, "net1");
	assert_memory_not_equal(a.nif->mac, b.nif->mac, 6);
	assert_int_equal(a.nif->mac[0], 2);
	rig_down(&b);
	rig_down(&a);
	assert_int_equal(vnet_count(), 0);
}

static void test_ring_is_full(void **s)
{
	struct rig r;
	(void)s;
	rig_up(&r, 2, true, true);
	assert_int_equal(devmodel_net_rx_posted(r.dm), 128);
	rig_down(&r);
}

static void test_poll_waits_until_deadline_in_irq_mode_only(void **s)
{
	struct rig r;
	uint64_t t0, dl;
	(void)s;
	rig_up(&r, 2, true, true);
	r.vdev->irq_mode = VIRTIO_IRQ_SPI;
	t0 = arch_time_ns();
	dl = t0 + 20000000ull;
	assert_int_equal(r.nif->ops->poll(r.nif, dl), 0);
	assert_true(arch_time_ns() >= dl);
	assert_true(arch_time_ns() < dl + 1000000000ull); /* no sleeping far past it */
	r.vdev->irq_mode = VIRTIO_IRQ_POLL;
	/* Polled: one check and back, long before the (10 s) deadline. */
	t0 = arch_time_ns();
	assert_int_equal(r.nif->ops->poll(r.nif, t0 + 10000000000ull), 0);
	assert_true(arch_time_ns() < t0 + 5000000000ull);
	rig_down(&r);
}

static void test_spread_packet_then_good_frame(void **s)
{
	struct rig r;
	uint8_t f[3000];
	(void)s;
	rig_up(&r, 2, true, true);
	memset(f, 0xab, sizeof(f));
	memset(f, 0xff, 6);
	f[12] = 0x88;
	assert_int_equal(devmodel_net_inject(r.dm, f, sizeof(f)), 0);
	assert_int_equal(devmodel_net_inject(r.dm, f, 60), 0);
	assert_int_equal(r.nif->ops->poll(r.nif, 0), 1);
	assert_int_equal(r.nif->counters.rx_drop, 2 + 1); /* 2 buffers + the stack drops 0x88 */
	assert_int_equal(r.nif->counters.rx_frames, 1);
	assert_int_equal(devmodel_net_rx_posted(r.dm), 128);
	rig_down(&r);
}

static void test_probe_failure_holds_nothing(void **s)
{
	struct rig r;
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_net_config net = { .offer_mac = true };
	(void)s;
	memset(&r, 0, sizeof(r));
	r.dm = devmodel_net_create(&cfg, &net);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_QUEUE_NUM_MAX_ZERO, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(r.dm), 0x200, &r.vdev), 0);
	r.vdev->plat.coherent = true;
	r.vdev->timeout_ns = 100000000ull;
	assert_true(vnet_probe(r.vdev) < 0);
	assert_int_equal(vnet_count(), 0);
	assert_null(netif_first());
	rig_down(&r);
}

static void test_tx_full_counts_drop_and_bad_len(void **s)
{
	struct rig r;
	uint8_t f[60] = { 0 };
	(void)s;
	rig_up(&r, 2, false, true);
	assert_int_equal(r.nif->ops->tx(r.nif, f, 0), -EINVAL);
	assert_int_equal(r.nif->ops->tx(r.nif, f, 1515), -EINVAL);
	assert_int_equal(r.nif->counters.tx_drop, 2);
	assert_int_equal(r.nif->ops->tx(r.nif, f, 60), 0);
	assert_int_equal(r.nif->counters.tx_frames, 1);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest t[] = {
		cmocka_unit_test(test_two_generated_macs_differ),
		cmocka_unit_test(test_ring_is_full),
		cmocka_unit_test(test_poll_waits_until_deadline_in_irq_mode_only),
		cmocka_unit_test(test_spread_packet_then_good_frame),
		cmocka_unit_test(test_probe_failure_holds_nothing),
		cmocka_unit_test(test_tx_full_counts_drop_and_bad_len),
	};
	int failed = cmocka_run_group_tests_name("virtio_net_edge", t, NULL, NULL);

	packed_rings = true;
	return failed + cmocka_run_group_tests_name("virtio_net_edge_packed", t, NULL, NULL);
}
