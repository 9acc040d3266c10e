/* Issue 13: virtio-blk's asynchronous requests, indirect descriptor tables and event-idx,
 * through the virtqueue and the DMA layer, against the device model in tests/devmodel/ (which
 * learnt VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX from the spec, by another author). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devmodel.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define SECTOR 512u
#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)
#define CAPACITY 4096u
#define QD 32u

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
};

static void rig_up_with(struct rig *r, const struct devmodel_config *cfg,
			const struct devmodel_blk_config *blk)
{
	size_t size = 0;
	uint8_t *d;

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_blk_create(cfg, blk);
	assert_non_null(r->dm);
	d = devmodel_blk_disk(r->dm, &size);
	srand(13);
	for (size_t i = 0; i < size; i++) {
		d[i] = (uint8_t)rand();
	}
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	assert_int_equal(vblk_probe(r->vdev), 0);
	r->blk = vblk_get(vblk_count() - 1);
}

static void rig_up(struct rig *r, const struct devmodel_config *cfg)
{
	struct devmodel_blk_config blk = { .capacity = CAPACITY, .flush = true, .seg_max = 126 };

	rig_up_with(r, cfg, &blk);
}

static void rig_down(struct rig *r)
{
	assert_int_equal(devmodel_violations(r->dm), 0);
	vblk_remove(r->blk);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	virtio_options.no_indirect = false;
	virtio_options.no_event_idx = false;
}

static const uint8_t *disk(struct rig *r, uint64_t lba)
{
	return devmodel_blk_disk(r->dm, NULL) + lba * SECTOR;
}

static void test_need_event_is_wrap_safe(void **state)
{
	(void)state;
	/* the event index lies in [old, new): an event is due */
	assert_true(virtq_need_event(5, 6, 5));
	assert_true(virtq_need_event(5, 9, 2));
	/* already past it, or not reached yet */
	assert_false(virtq_need_event(5, 7, 6));
	assert_false(virtq_need_event(9, 9, 2));
	assert_false(virtq_need_event(5, 5, 5));
	/* across the 16-bit wrap of the indices */
	assert_true(virtq_need_event(0xffff, 0x0001, 0xfffe));
	assert_true(virtq_need_event(0x0000, 0x0001, 0xffff));
	assert_false(virtq_need_event(0xfffd, 0x0001, 0xfffe));
	assert_false(virtq_need_event(0x0002, 0x0001, 0xfffe));
	/* a stale event index from a whole wrap ago asks for nothing */
	assert_false(virtq_need_event(0x8000, 0x0010, 0x000f));
}

static void test_indirect_chains_reach_the_device_through_tables(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct vblk_info info;
	struct rig r;
	uint8_t *buf = malloc(64 * SECTOR);

	(void)state;
	rig_up(&r, &cfg);
	vblk_get_info(r.blk, &info);
	assert_true(info.indirect);
	assert_true(devmodel_features(r.dm) & (1ull << VIRTIO_F_INDIRECT_DESC));
	assert_int_equal(vblk_read(r.blk, 100, 64, buf), 0);
	assert_memory_equal(buf, disk(&r, 100), 64 * SECTOR);
	memset(buf, 0x5a, 64 * SECTOR);
	assert_int_equal(vblk_write(r.blk, 1000, 64, buf), 0);
	assert_memory_equal(disk(&r, 1000), buf, 64 * SECTOR);
	assert_int_equal(devmodel_stats(r.dm)->indirect_chains, 2);
	free(buf);
	rig_down(&r);
}

static void test_indirect_off_keeps_chains_direct(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true, .event_idx = true };
	struct vblk_info info;
	struct rig r;
	uint8_t buf[16 * SECTOR];

	(void)state;
	virtio_options.no_indirect = true;
	virtio_options.no_event_idx = true;
	rig_up(&r, &cfg);
	vblk_get_info(r.blk, &info);
	assert_false(info.indirect);
	assert_false(info.event_idx);
	assert_false(devmodel_features(r.dm) &
		     ((1ull << VIRTIO_F_INDIRECT_DESC) | (1ull << VIRTIO_F_EVENT_IDX)));
	assert_int_equal(vblk_read(r.blk, 7, 16, buf), 0);
	assert_memory_equal(buf, disk(&r, 7), sizeof(buf));
	assert_int_equal(devmodel_stats(r.dm)->indirect_chains, 0);
	rig_down(&r);
}

/* Submit QD reads with the device deferring, then let it complete them all at once. */
static void submit_reads(struct rig *r, struct vblk_io *io, uint8_t *bufs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		io[i] = (struct vblk_io){ .op = VBLK_OP_READ,
					  .lba = (uint64_t)(i * 37u) % (CAPACITY - 8),
					  .count = 8,
					  .buf = bufs + (size_t)i * 8 * SECTOR };
		assert_int_equal(vblk_submit(r->blk, &io[i]), 0);
		assert_false(io[i].done);
	}
	assert_int_equal(vblk_in_flight(r->blk), n);
}

static void test_many_requests_in_flight_complete_each_with_its_record(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true, .defer = true };
	struct vblk_io io[QD];
	uint8_t *bufs = malloc(QD * 8 * SECTOR);
	struct vblk_io *done;
	unsigned seen = 0;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	submit_reads(&r, io, bufs, QD);
	/* nothing is complete before the device has worked */
	assert_int_equal(vblk_poll(r.blk, &done), 0);
	assert_int_equal(devmodel_in_flight(r.dm, 0), 0);
	assert_int_equal(devmodel_process(r.dm), QD);
	while (vblk_poll(r.blk, &done) == 1) {
		assert_true(done >= io && done < io + QD);
		assert_true(done->done);
		assert_int_equal(done->status, 0);
		assert_memory_equal(done->buf, disk(&r, done->lba), 8 * SECTOR);
		seen++;
	}
	assert_int_equal(seen, QD);
	assert_int_equal(vblk_in_flight(r.blk), 0);
	assert_int_equal(devmodel_stats(r.dm)->indirect_chains, QD);
	free(bufs);
	rig_down(&r);
}

static void test_a_full_queue_says_busy_until_a_completion_is_taken(void **state)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct vblk_info info;
	struct vblk_io *io;
	struct vblk_io *done;
	struct vblk_io extra;
	uint8_t *bufs;
	unsigned n = 0;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	vblk_get_info(r.blk, &info);
	io = calloc(info.queue_depth + 1, sizeof(*io));
	bufs = malloc((size_t)(info.queue_depth + 1) * SECTOR);
	/* without indirect tables a 1-sector read takes 3 descriptors of the ring */
	for (;; n++) {
		io[n] = (struct vblk_io){
			.op = VBLK_OP_READ, .lba = n, .count = 1, .buf = bufs + (size_t)n * SECTOR
		};
		if (vblk_submit(r.blk, &io[n]) != 0) {
			break;
		}
	}
	assert_int_equal(vblk_submit(r.blk, &io[n]), -EBUSY);
	assert_true(n >= 32 && n <= info.queue_depth);
	assert_int_equal(devmodel_process(r.dm), n);
	assert_int_equal(vblk_poll(r.blk, &done), 1);
	extra = (struct vblk_io){ .op = VBLK_OP_READ, .lba = 9, .count = 1, .buf = done->buf };
	assert_int_equal(vblk_submit(r.blk, &extra), 0);
	assert_int_equal(devmodel_process(r.dm), 1);
	while (vblk_poll(r.blk, &done) == 1) {
		assert_int_equal(done->status, 0);
	}
	assert_true(extra.done);
	assert_memory_equal(extra.buf, disk(&r, 9), SECTOR);
	free(io);
	free(bufs);
	rig_down(&r);
}

static void test_a_request_that_does_not_fit_one_chain_is_too_big_for_submit(void **state)
{
	/* a device that takes 4 segments of at most 4 KiB per request */
	struct devmodel_blk_config blk = { .capacity = CAPACITY, .seg_max = 4, .size_max = 4096 };
	struct devmodel_config cfg = { .version = 2 };
	struct vblk_info info;
	struct vblk_io io;
	uint8_t *buf;
	struct rig r;

	(void)state;
	rig_up_with(&r, &cfg, &blk);
	vblk_get_info(r.blk, &info);
	assert_int_equal(info.seg_max, 4);
	assert_int_equal(info.size_max, 4096);
	buf = aligned_alloc(4096, 5 * 4096);
	io = (struct vblk_io){ .op = VBLK_OP_READ, .count = 5 * 8, .buf = buf };
	assert_int_equal(vblk_submit(r.blk, &io), -E2BIG);
	assert_int_equal(vblk_in_flight(r.blk), 0);
	/* the synchronous call splits the same request */
	assert_int_equal(vblk_read(r.blk, 0, io.count, buf), 0);
	assert_memory_equal(buf, disk(&r, 0), (size_t)io.count * SECTOR);
	free(buf);
	rig_down(&r);
}

static void drain(struct rig *r, unsigned n)
{
	struct vblk_io *done;

	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(vblk_poll(r->blk, &done), 1);
		assert_int_equal(done->status, 0);
		assert_memory_equal(done->buf, disk(r, done->lba), 8 * SECTOR);
	}
	assert_int_equal(vblk_poll(r->blk, &done), 0);
}

static void test_event_idx_suppresses_interrupts_and_unneeded_notifies(void **state)
{
	struct devmodel_config cfg = { .version = 2,
				       .event_idx = true,
				       .defer = true,
				       .indirect_desc = true,
				       .avail_event_ahead = 7 };
	struct vblk_io io[QD];
	uint8_t *bufs = malloc(QD * 8 * SECTOR);
	const struct virtq_stats *qs;
	struct vblk_io *done;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	assert_true(devmodel_features(r.dm) & (1ull << VIRTIO_F_EVENT_IDX));
	/* the device has taken nothing yet, so its avail_event (0) asks for the first only */
	submit_reads(&r, io, bufs, QD);
	qs = vblk_queue_stats(r.blk, 0);
	assert_int_equal(qs->notifies, 1);
	assert_int_equal(qs->kicks_suppressed, QD - 1);
	/* a driver that looks and finds nothing asks (used_event) for the next completion */
	assert_int_equal(vblk_poll(r.blk, &done), 0);
	assert_int_equal(devmodel_process(r.dm), QD);
	assert_int_equal(devmodel_stats(r.dm)->interrupts, 1);
	drain(&r, QD);
	/* one that has not looked since it drained the ring asks for nothing: no interrupt */
	submit_reads(&r, io, bufs, QD);
	assert_int_equal(devmodel_process(r.dm), QD);
	assert_int_equal(devmodel_stats(r.dm)->interrupts, 1);
	assert_int_equal(devmodel_stats(r.dm)->interrupts_suppressed, 1);
	drain(&r, QD);
	assert_int_equal(devmodel_stats(r.dm)->notifies_unneeded, 0);
	free(bufs);
	rig_down(&r);
}

/* 70000 synchronous requests: the avail and used indices wrap past 65535 and every kick the
 * device needs is made (else a request would time out), none it does not. */
static void test_event_idx_keeps_working_across_the_index_wrap(void **state)
{
	struct devmodel_config cfg = { .version = 2, .event_idx = true, .indirect_desc = true };
	uint8_t buf[SECTOR];
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	for (unsigned i = 0; i < 70000; i++) {
		uint64_t lba = (i * 7919u) % CAPACITY;

		assert_int_equal(vblk_read(r.blk, lba, 1, buf), 0);
		if (i % 4096 == 0) {
			assert_memory_equal(buf, disk(&r, lba), SECTOR);
		}
	}
	assert_int_equal(devmodel_stats(r.dm)->completions, 70000);
	assert_int_equal(devmodel_stats(r.dm)->notifies_unneeded, 0);
	rig_down(&r);
}

/* Batches of 32 with the device asking to be notified only every 8th buffer, past the wrap:
 * no notification it did not ask for; the driver looks before each batch completes, so each
 * batch raises exactly one interrupt (used_event right across the wrap); every request right. */
static void test_avail_event_suppression_holds_across_the_index_wrap(void **state)
{
	struct devmodel_config cfg = { .version = 2,
				       .event_idx = true,
				       .defer = true,
				       .indirect_desc = true,
				       .avail_event_ahead = 7 };
	struct vblk_io io[QD];
	uint8_t *bufs = malloc(QD * 8 * SECTOR);
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	struct vblk_io *done;
	unsigned batches = 70000 / QD;

	for (unsigned batch = 0; batch < batches; batch++) {
		submit_reads(&r, io, bufs, QD);
		assert_int_equal(vblk_poll(r.blk, &done), 0);
		assert_int_equal(devmodel_process(r.dm), QD);
		drain(&r, QD);
	}
	assert_int_equal(devmodel_stats(r.dm)->interrupts, batches);
	assert_int_equal(devmodel_stats(r.dm)->interrupts_suppressed, 0);
	assert_true(vblk_queue_stats(r.blk, 0)->kicks_suppressed >
		    vblk_queue_stats(r.blk, 0)->notifies);
	assert_int_equal(devmodel_stats(r.dm)->notifies_unneeded, 0);
	free(bufs);
	rig_down(&r);
}

static void test_an_indirect_chain_with_a_bad_used_id_breaks_the_queue(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	uint8_t buf[4 * SECTOR];
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, 1);
	assert_int_equal(vblk_read(r.blk, 0, 4, buf), -EIO);
	assert_true(r.vdev->broken);
	assert_int_equal(vblk_read(r.blk, 0, 4, buf), -EIO);
	rig_down(&r);
}

static void test_an_indirect_chain_with_a_too_long_used_len_fails_alone(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	uint8_t buf[4 * SECTOR];
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(vblk_read(r.blk, 0, 4, buf), -EIO);
	assert_false(r.vdev->broken);
	assert_int_equal(vblk_read(r.blk, 8, 4, buf), 0);
	assert_memory_equal(buf, disk(&r, 8), sizeof(buf));
	rig_down(&r);
}

static void test_a_device_failure_completes_every_request_in_flight(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true, .defer = true };
	struct vblk_io io[4];
	uint8_t *bufs = malloc(4 * 8 * SECTOR);
	struct vblk_io *done;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg);
	submit_reads(&r, io, bufs, 4);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(devmodel_process(r.dm), 4);
	assert_int_equal(vblk_poll(r.blk, &done), -EIO);
	assert_true(r.vdev->broken);
	for (unsigned i = 0; i < 4; i++) {
		assert_true(io[i].done);
		assert_int_equal(io[i].status, -EIO);
	}
	assert_int_equal(vblk_in_flight(r.blk), 0);
	assert_int_equal(vblk_submit(r.blk, &io[0]), -EIO);
	free(bufs);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_need_event_is_wrap_safe),
		cmocka_unit_test(test_indirect_chains_reach_the_device_through_tables),
		cmocka_unit_test(test_indirect_off_keeps_chains_direct),
		cmocka_unit_test(test_many_requests_in_flight_complete_each_with_its_record),
		cmocka_unit_test(test_a_full_queue_says_busy_until_a_completion_is_taken),
		cmocka_unit_test(test_a_request_that_does_not_fit_one_chain_is_too_big_for_submit),
		cmocka_unit_test(test_event_idx_suppresses_interrupts_and_unneeded_notifies),
		cmocka_unit_test(test_event_idx_keeps_working_across_the_index_wrap),
		cmocka_unit_test(test_avail_event_suppression_holds_across_the_index_wrap),
		cmocka_unit_test(test_an_indirect_chain_with_a_bad_used_id_breaks_the_queue),
		cmocka_unit_test(test_an_indirect_chain_with_a_too_long_used_len_fails_alone),
		cmocka_unit_test(test_a_device_failure_completes_every_request_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
