/* Issue 13: multiqueue virtio-blk (VIRTIO_BLK_F_MQ, virtio 1.2 §5.2.2, §5.2.4): one request
 * queue per stream, against the blk device model offering num_queues request queues; and the
 * synchronous calls, which keep several requests of one transfer in flight. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devmodel.h"
#include "vireo/options.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"
#include "vireo/virtqueue.h"

#define SECTOR 512u
#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)
#define CAPACITY 2048u
#define QD 32u

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
	struct vblk_info info;
};

static void rig_up(struct rig *r, const struct devmodel_config *cfg, uint16_t num_queues)
{
	/* size_max 4 KiB: a 1 MiB transfer is several requests of 64 segments */
	struct devmodel_blk_config blk = {
		.capacity = CAPACITY, .seg_max = 64, .size_max = 4096, .num_queues = num_queues
	};
	size_t size = 0;
	uint8_t *d;

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_blk_create(cfg, &blk);
	assert_non_null(r->dm);
	d = devmodel_blk_disk(r->dm, &size);
	srand(12);
	for (size_t i = 0; i < size; i++) {
		d[i] = (uint8_t)rand();
	}
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	assert_int_equal(vblk_probe(r->vdev), 0);
	r->blk = vblk_get(vblk_count() - 1);
	vblk_get_info(r->blk, &r->info);
}

static void rig_down(struct rig *r)
{
	assert_int_equal(devmodel_violations(r->dm), 0);
	vblk_remove(r->blk);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	virtio_options.no_blk_mq = false;
}

static const uint8_t *disk(struct rig *r, uint64_t lba)
{
	return devmodel_blk_disk(r->dm, NULL) + lba * SECTOR;
}

/* count reads of 4 sectors, request i on stream i, at lba 7*i (overlapping is fine). */
static void submit_reads(struct rig *r, struct vblk_io *io, uint8_t *bufs, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		io[i] = (struct vblk_io){ .op = VBLK_OP_READ,
					  .lba = 7u * i,
					  .count = 4,
					  .buf = bufs + (size_t)i * 4 * SECTOR,
					  .stream = i };
		assert_int_equal(vblk_submit(r->blk, &io[i]), 0);
	}
}

static void test_streams_spread_over_the_request_queues(void **state)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct vblk_io io[QD];
	uint8_t *bufs = malloc(QD * 4 * SECTOR);
	struct vblk_io *done;
	unsigned seen = 0;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 4);
	assert_true(devmodel_features(r.dm) & (1ull << VIRTIO_BLK_F_MQ));
	assert_int_equal(r.info.queues, 4);
	submit_reads(&r, io, bufs, QD);
	assert_int_equal(devmodel_process(r.dm), QD);
	/* stream i went to queue i % 4: each queue served a quarter */
	for (unsigned q = 0; q < 4; q++) {
		assert_int_equal(devmodel_blk_queue_requests(r.dm, q), QD / 4);
	}
	while (vblk_poll(r.blk, &done) == 1) {
		assert_true(done >= io && done < io + QD);
		assert_int_equal(done->status, 0);
		assert_memory_equal(done->buf, disk(&r, done->lba), 4 * SECTOR);
		seen++;
	}
	assert_int_equal(seen, QD);
	assert_int_equal(vblk_in_flight(r.blk), 0);
	for (unsigned q = 0; q < 4; q++) {
		assert_int_equal(vblk_queue_stats(r.blk, q)->completed, QD / 4);
	}
	assert_null(vblk_queue_stats(r.blk, 4));
	free(bufs);
	rig_down(&r);
}

static void test_more_queues_than_the_driver_uses_are_left_alone(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	uint8_t buf[8 * SECTOR];
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 8);
	assert_int_equal(r.info.queues, 4);
	assert_true(devmodel_queue_live(r.dm, 3));
	assert_false(devmodel_queue_live(r.dm, 4));
	assert_int_equal(vblk_read(r.blk, 100, 8, buf), 0);
	assert_memory_equal(buf, disk(&r, 100), sizeof(buf));
	rig_down(&r);
}

static void test_a_wait_takes_a_completion_from_any_queue(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	uint8_t buf[4 * SECTOR];
	uint8_t wbuf[4 * SECTOR];
	struct vblk_io io = { .op = VBLK_OP_READ, .lba = 33, .count = 4, .buf = buf, .stream = 3 };
	struct vblk_io *done;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 4);
	assert_int_equal(vblk_submit(r.blk, &io), 0);
	assert_int_equal(vblk_wait(r.blk, &done), 0);
	assert_ptr_equal(done, &io);
	assert_int_equal(io.status, 0);
	assert_memory_equal(buf, disk(&r, 33), sizeof(buf));
	assert_int_equal(devmodel_blk_queue_requests(r.dm, 3), 1);
	/* the synchronous calls use stream 0 */
	memset(wbuf, 0xa5, sizeof(wbuf));
	assert_int_equal(vblk_write(r.blk, 40, 4, wbuf), 0);
	assert_memory_equal(disk(&r, 40), wbuf, sizeof(wbuf));
	assert_int_equal(devmodel_blk_queue_requests(r.dm, 0), 1);
	rig_down(&r);
}

/* Each option sets its own knob only: vq=packed after blk_mq=off once turned multiqueue back on. */
static void test_blk_mq_off_stays_off_after_a_vq_option(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct rig r;

	(void)state;
	assert_int_equal(vireo_option_apply("blk_mq", "off"), 0);
	assert_int_equal(vireo_option_apply("vq", "packed"), 0);
	assert_int_equal(vireo_option_apply("vq", "split"), 0);
	assert_true(virtio_options.no_blk_mq);
	rig_up(&r, &cfg, 4);
	assert_false(devmodel_features(r.dm) & (1ull << VIRTIO_BLK_F_MQ));
	assert_int_equal(r.info.queues, 1);
	rig_down(&r);
	vireo_options_reset();
}

static void test_blk_mq_off_uses_one_queue(void **state)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct vblk_io io[8];
	uint8_t *bufs = malloc(8 * 4 * SECTOR);
	struct vblk_io *done;
	struct rig r;

	(void)state;
	virtio_options.no_blk_mq = true;
	rig_up(&r, &cfg, 4);
	assert_false(devmodel_features(r.dm) & (1ull << VIRTIO_BLK_F_MQ));
	assert_int_equal(r.info.queues, 1);
	assert_false(devmodel_queue_live(r.dm, 1));
	submit_reads(&r, io, bufs, 8);
	assert_int_equal(devmodel_process(r.dm), 8);
	assert_int_equal(devmodel_blk_queue_requests(r.dm, 0), 8);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(vblk_poll(r.blk, &done), 1);
		assert_memory_equal(done->buf, disk(&r, done->lba), 4 * SECTOR);
	}
	free(bufs);
	rig_down(&r);
}

/* A used id that names no chain in flight on its queue fails the device with an error: every
 * request is done, those that succeeded returned the disk's data, none is lost. */
static void test_a_bad_used_id_on_one_queue_fails_the_device_not_silently(void **state)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct vblk_io io[8];
	uint8_t *bufs = malloc(8 * 4 * SECTOR);
	struct vblk_io *done;
	unsigned failed = 0;
	struct rig r;
	int ret;

	(void)state;
	rig_up(&r, &cfg, 2);
	submit_reads(&r, io, bufs, 8);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(devmodel_process(r.dm), 8);
	while ((ret = vblk_wait(r.blk, &done)) != -ENOENT) {
		if (ret < 0) {
			failed++;
			continue;
		}
		if (done->status == 0) {
			assert_memory_equal(done->buf, disk(&r, done->lba), 4 * SECTOR);
		}
	}
	assert_true(failed >= 1);
	assert_true(r.vdev->broken);
	for (unsigned i = 0; i < 8; i++) {
		assert_true(io[i].done);
		if (io[i].status != 0) {
			assert_int_equal(io[i].status, -EIO);
		}
	}
	/* broken devices are reset: their violations log is the device's, not the driver's */
	devmodel_clear_violations(r.dm);
	free(bufs);
	rig_down(&r);
}

/* A large synchronous read is several requests; one that fails fails the call, and the call
 * returns only when none of its requests is left with the device. */
static void test_a_failing_piece_fails_the_transfer_and_leaves_nothing_in_flight(void **state)
{
	/* indirect tables: every request of the transfer fits the ring at once */
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	const unsigned sectors = 2048; /* 1 MiB: 4 requests of 64 4-KiB segments at least */
	uint8_t *buf = malloc(sectors * SECTOR);
	uint64_t before;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 1);
	before = devmodel_blk_requests(r.dm, VIRTIO_BLK_T_IN);
	assert_int_equal(vblk_read(r.blk, 0, sectors, buf), 0);
	assert_memory_equal(buf, disk(&r, 0), sectors * SECTOR);
	assert_true(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_IN) - before >= 4);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_STATUS_IOERR, 1);
	assert_int_equal(vblk_read(r.blk, 0, sectors, buf), -EIO);
	assert_int_equal(vblk_in_flight(r.blk), 0);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	memset(buf, 0x3c, sectors * SECTOR);
	assert_int_equal(vblk_write(r.blk, 0, sectors, buf), -EIO);
	assert_int_equal(vblk_in_flight(r.blk), 0);
	/* the device goes on: the next transfer is whole */
	assert_int_equal(vblk_write(r.blk, 0, sectors, buf), 0);
	assert_memory_equal(disk(&r, 0), buf, sectors * SECTOR);
	free(buf);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_streams_spread_over_the_request_queues),
		cmocka_unit_test(test_more_queues_than_the_driver_uses_are_left_alone),
		cmocka_unit_test(test_a_wait_takes_a_completion_from_any_queue),
		cmocka_unit_test(test_blk_mq_off_uses_one_queue),
		cmocka_unit_test(test_blk_mq_off_stays_off_after_a_vq_option),
		cmocka_unit_test(test_a_bad_used_id_on_one_queue_fails_the_device_not_silently),
		cmocka_unit_test(
			test_a_failing_piece_fails_the_transfer_and_leaves_nothing_in_flight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
