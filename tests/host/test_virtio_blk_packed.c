/* Issue 13: virtio-blk over the packed ring (VIRTIO_F_RING_PACKED), synchronous and
 * asynchronous, against the device model's packed ring (tests/devmodel/ring_packed*.c,
 * written from virtio 1.2 §2.8 by another author than the driver's). Small rings (8 and 16
 * descriptors) and hundreds of requests make both sides' wrap counters flip many times;
 * every byte read or written is checked against the model's disk; each hostile knob must
 * end in an error (and, where the ring can no longer be trusted, a broken device), never in
 * wrong data reported as success, never in a hang. */
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
#define CAPACITY 2048u
#define MAX_IO 64u
#define IO_SECTORS 8u

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
	struct vblk_info info;
};

/* A blk model offering the packed ring with QueueNumMax = ring (plus what cfg says). */
static void rig_up(struct rig *r, struct devmodel_config *cfg, uint16_t ring)
{
	struct devmodel_blk_config blk = { .capacity = CAPACITY, .flush = true, .seg_max = 126 };
	size_t size = 0;
	uint8_t *d;

	memset(r, 0, sizeof(*r));
	cfg->version = 2;
	cfg->ring_packed = true;
	cfg->queue_num_max = ring;
	r->dm = devmodel_blk_create(cfg, &blk);
	assert_non_null(r->dm);
	d = devmodel_blk_disk(r->dm, &size);
	srand(ring);
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
	assert_string_equal(devmodel_last_violation(r->dm), "");
	vblk_remove(r->blk);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	virtio_options.no_indirect = false;
	virtio_options.no_event_idx = false;
	virtio_options.no_packed = false;
}

static uint8_t *disk(struct rig *r, uint64_t lba)
{
	return devmodel_blk_disk(r->dm, NULL) + lba * SECTOR;
}

static bool on_packed(struct rig *r)
{
	return r->info.packed && (devmodel_features(r->dm) & (1ull << VIRTIO_F_RING_PACKED));
}

/* Request i of a run: a read or a write of 1..max sectors somewhere on the disk. */
static struct vblk_io request(unsigned i, unsigned max, uint8_t *buf)
{
	uint32_t count = 1 + (i * 7u) % max;

	return (struct vblk_io){ .op = i % 3 == 1 ? VBLK_OP_WRITE : VBLK_OP_READ,
				 .lba = (i * 131u) % (CAPACITY - count),
				 .count = count,
				 .buf = buf };
}

static void fill(uint8_t *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++) {
		buf[i] = (uint8_t)(i * 31 + seed);
	}
}

/* A completed request moved the disk's bytes (a read) or its own onto the disk (a write). */
static void check_done(struct rig *r, const struct vblk_io *io)
{
	assert_true(io->done);
	assert_int_equal(io->status, 0);
	assert_memory_equal(io->buf, disk(r, io->lba), (size_t)io->count * SECTOR);
}

static void sync_run(struct rig *r, unsigned n, unsigned max)
{
	uint8_t *buf = malloc((size_t)max * SECTOR);

	for (unsigned i = 0; i < n; i++) {
		struct vblk_io io = request(i, max, buf);

		if (io.op == VBLK_OP_WRITE) {
			fill(buf, (size_t)io.count * SECTOR, i);
			assert_int_equal(vblk_write(r->blk, io.lba, io.count, buf), 0);
		} else {
			memset(buf, 0xa5, (size_t)io.count * SECTOR);
			assert_int_equal(vblk_read(r->blk, io.lba, io.count, buf), 0);
		}
		io.done = true;
		check_done(r, &io);
	}
	free(buf);
}

/* ------------------------------------------------------------------ negotiation */

static void test_packed_is_negotiated_when_offered_and_vq_split_refuses_it(void **state)
{
	struct devmodel_config cfg = { 0 };
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 16);
	assert_true(on_packed(&r));
	sync_run(&r, 20, 8);
	rig_down(&r);

	virtio_options.no_packed = true; /* vq=split */
	rig_up(&r, &cfg, 16);
	assert_false(r.info.packed);
	assert_false(devmodel_features(r.dm) & (1ull << VIRTIO_F_RING_PACKED));
	assert_true(devmodel_offered_features(r.dm) & (1ull << VIRTIO_F_RING_PACKED));
	sync_run(&r, 20, 8);
	rig_down(&r);
}

/* ------------------------------------------------------------------ the wrap counters */

/* Every request takes at least 3 descriptors (header, data, status), so 600 of them go
 * round an 8-entry ring at least 225 times and a 16-entry one 112 times. */
static void test_sync_requests_flip_the_wrap_counters_of_small_rings_many_times(void **state)
{
	static const uint16_t rings[] = { 8, 16 };

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		struct devmodel_config cfg = { 0 };
		struct rig r;

		rig_up(&r, &cfg, rings[k]);
		assert_true(on_packed(&r));
		assert_true(r.info.seg_max + 2 <= rings[k]);
		sync_run(&r, 600, r.info.seg_max < 16 ? r.info.seg_max : 16);
		assert_int_equal(devmodel_stats(r.dm)->completions, 600);
		rig_down(&r);
	}
}

/* Batches of as many requests as the ring takes, completed by the device all at once and
 * reaped in two halves with new requests submitted in between, so the driver fills ring slots
 * while used descriptors it has not read yet sit ahead of it. */
static void async_run(struct rig *r, unsigned total)
{
	struct vblk_io io[MAX_IO];
	uint8_t *bufs = malloc((size_t)MAX_IO * IO_SECTORS * SECTOR);
	bool busy[MAX_IO] = { false };
	unsigned submitted = 0, completed = 0;
	int ret;

	while (completed < total) {
		struct vblk_io *done;

		for (unsigned s = 0; s < MAX_IO && submitted < total; s++) {
			uint8_t *buf = bufs + (size_t)s * IO_SECTORS * SECTOR;

			if (busy[s]) {
				continue;
			}
			io[s] = request(submitted, IO_SECTORS, buf);
			/* each slot its own 16 sectors: requests in flight never overlap */
			io[s].lba = (uint64_t)s * 2 * IO_SECTORS + submitted % IO_SECTORS;
			fill(buf, (size_t)io[s].count * SECTOR, submitted);
			ret = vblk_submit(r->blk, &io[s]);
			if (ret == -EBUSY) {
				break;
			}
			assert_int_equal(ret, 0);
			busy[s] = true;
			submitted++;
		}
		assert_true(vblk_in_flight(r->blk) > 0);
		devmodel_process(r->dm);
		for (unsigned n = vblk_in_flight(r->blk) / 2 + 1; n > 0; n--) {
			assert_int_equal(vblk_poll(r->blk, &done), 1);
			check_done(r, done);
			busy[done - io] = false;
			completed++;
		}
	}
	while (vblk_in_flight(r->blk) > 0) {
		struct vblk_io *done;

		devmodel_process(r->dm);
		assert_int_equal(vblk_poll(r->blk, &done), 1);
		check_done(r, done);
	}
	free(bufs);
}

static void test_async_requests_over_small_rings_complete_each_with_its_data(void **state)
{
	static const uint16_t rings[] = { 8, 16 };

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		struct devmodel_config cfg = { .defer = true };
		struct rig r;

		rig_up(&r, &cfg, rings[k]);
		assert_true(on_packed(&r));
		async_run(&r, 500);
		assert_true(devmodel_stats(r.dm)->completions >= 500);
		rig_down(&r);
	}
}

/* §2.8: buffers complete out of order; each used descriptor names its buffer by id, and the
 * driver matches it and skips that buffer's descriptors. */
static void test_out_of_order_completions_are_matched_by_buffer_id(void **state)
{
	struct devmodel_config cfg = { .defer = true };
	struct vblk_io io[4], *done;
	uint8_t *bufs = malloc(4 * 2 * SECTOR);
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 16);
	for (unsigned i = 0; i < 4; i++) {
		io[i] = (struct vblk_io){ .op = VBLK_OP_READ,
					  .lba = 100 + 10 * i,
					  .count = 1 + i % 2,
					  .buf = bufs + i * 1024 };
		assert_int_equal(vblk_submit(r.blk, &io[i]), 0);
	}
	/* the device keeps the first two and finishes the others first */
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_SWALLOW, 2);
	assert_int_equal(devmodel_process(r.dm), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(vblk_poll(r.blk, &done), 1);
		assert_true(done == &io[2] || done == &io[3]);
		check_done(&r, done);
	}
	assert_int_equal(vblk_poll(r.blk, &done), 0);
	assert_int_equal(devmodel_release_swallowed(r.dm), 2);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(vblk_poll(r.blk, &done), 1);
		assert_true(done == &io[0] || done == &io[1]);
		check_done(&r, done);
	}
	/* and the ring goes on from there, round and round */
	async_run(&r, 100);
	free(bufs);
	rig_down(&r);
}

/* ------------------------------------------------------------------ indirect, event-idx */

static void test_indirect_tables_over_a_packed_ring_carry_large_requests(void **state)
{
	struct devmodel_config cfg = { .indirect_desc = true };
	uint8_t *buf = malloc(64 * SECTOR);
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 8);
	assert_true(on_packed(&r));
	assert_true(r.info.indirect);
	for (unsigned i = 0; i < 200; i++) {
		uint64_t lba = (i * 97u) % (CAPACITY - 64);

		if (i % 2) {
			fill(buf, 64 * SECTOR, i);
			assert_int_equal(vblk_write(r.blk, lba, 64, buf), 0);
		} else {
			assert_int_equal(vblk_read(r.blk, lba, 64, buf), 0);
		}
		assert_memory_equal(buf, disk(&r, lba), 64 * SECTOR);
	}
	/* every chain went through a table (the driver splits what one table cannot hold) */
	assert_true(devmodel_stats(r.dm)->indirect_chains >= 200);
	assert_int_equal(devmodel_stats(r.dm)->indirect_chains, devmodel_stats(r.dm)->chains);
	/* one slot each: a full ring of them in flight */
	rig_down(&r);
	cfg = (struct devmodel_config){ .indirect_desc = true, .defer = true };
	rig_up(&r, &cfg, 8);
	async_run(&r, 300);
	assert_true(devmodel_stats(r.dm)->indirect_chains >= 300);
	free(buf);
	rig_down(&r);
}

/* With EVENT_IDX the device asks to hear of every 8th descriptor (avail_event_ahead 7) and
 * the driver asks for an interrupt only when it has looked and found nothing: no notification
 * the device did not ask for, and one interrupt per batch, across hundreds of laps. */
static void test_event_idx_over_packed_suppresses_interrupts_and_notifications(void **state)
{
	struct devmodel_config cfg = {
		.event_idx = true, .defer = true, .indirect_desc = true, .avail_event_ahead = 7
	};
	struct vblk_io io[16], *done;
	uint8_t *bufs = malloc(16 * SECTOR);
	const struct virtq_stats *qs;
	unsigned batches = 300;
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 16);
	assert_true(on_packed(&r));
	assert_true(r.info.event_idx);
	for (unsigned b = 0; b < batches; b++) {
		for (unsigned i = 0; i < 16; i++) {
			io[i] = (struct vblk_io){ .op = VBLK_OP_READ,
						  .lba = (b * 16u + i) % CAPACITY,
						  .count = 1,
						  .buf = bufs + i * SECTOR };
			assert_int_equal(vblk_submit(r.blk, &io[i]), 0);
		}
		assert_int_equal(vblk_poll(r.blk, &done), 0);
		assert_int_equal(devmodel_process(r.dm), 16);
		for (unsigned i = 0; i < 16; i++) {
			assert_int_equal(vblk_poll(r.blk, &done), 1);
			check_done(&r, done);
		}
	}
	qs = vblk_queue_stats(r.blk, 0);
	assert_int_equal(devmodel_stats(r.dm)->interrupts, batches);
	assert_int_equal(devmodel_stats(r.dm)->notifies_unneeded, 0);
	assert_true(qs->kicks_suppressed > qs->notifies);
	free(bufs);
	rig_down(&r);
}

/* Synchronous requests with EVENT_IDX: every notification the device needs is made (else a
 * request would time out), none it does not. */
static void test_event_idx_over_packed_keeps_every_needed_notification(void **state)
{
	struct devmodel_config cfg = { .event_idx = true };
	struct rig r;

	(void)state;
	rig_up(&r, &cfg, 8);
	sync_run(&r, 2000, 4);
	assert_int_equal(devmodel_stats(r.dm)->notifies_unneeded, 0);
	rig_down(&r);
}

static void test_event_idx_off_leaves_the_flags_only_suppression(void **state)
{
	struct devmodel_config cfg = { .event_idx = true, .defer = true };
	struct rig r;

	(void)state;
	virtio_options.no_event_idx = true;
	rig_up(&r, &cfg, 16);
	assert_true(on_packed(&r));
	assert_false(r.info.event_idx);
	assert_false(devmodel_features(r.dm) & (1ull << VIRTIO_F_EVENT_IDX));
	async_run(&r, 200);
	rig_down(&r);
}

/* ------------------------------------------------------------------ hostile devices */

struct hostile {
	enum devmodel_knob knob;
	int ret;     /* what the read returns */
	bool broken; /* the ring cannot be trusted any more: the device is failed */
	bool bad_id; /* the virtqueue itself must refuse the used id (DESIGN.md §2) */
};

/* A read with the knob armed once, after enough requests that the ring has wrapped. */
static void hostile_read(const struct hostile *h)
{
	struct devmodel_config cfg = { 0 };
	uint8_t buf[4 * SECTOR];
	struct rig r;

	rig_up(&r, &cfg, 8);
	sync_run(&r, 11, 4);
	devmodel_set_knob(r.dm, h->knob, 1);
	memset(buf, 0xa5, sizeof(buf));
	assert_int_equal(vblk_read(r.blk, 40, 4, buf), h->ret);
	assert_int_equal(r.vdev->broken, h->broken);
	assert_int_equal(vblk_queue_stats(r.blk, 0)->bad_id, h->bad_id);
	if (h->broken) {
		assert_int_equal(vblk_read(r.blk, 40, 4, buf), -EIO);
	} else {
		/* one bad completion fails one request: the next is right */
		memset(buf, 0xa5, sizeof(buf));
		assert_int_equal(vblk_read(r.blk, 44, 4, buf), 0);
		assert_memory_equal(buf, disk(&r, 44), sizeof(buf));
	}
	rig_down(&r);
}

static void test_a_used_id_out_of_range_fails_the_device(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, -EIO, true, true });
}

static void test_a_used_id_that_is_a_ring_slot_not_a_buffer_fails_the_device(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_ID_NOT_HEAD, -EIO, true, true });
}

static void test_a_used_id_not_in_flight_fails_the_device(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT, -EIO, true, true });
}

/* AVAIL = USED = the previous lap's counter: the descriptor is not used yet as far as the
 * driver can tell, so the request times out. */
static void test_a_used_descriptor_with_the_wrong_wrap_counter_times_out(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_WRONG_WRAP, -ETIMEDOUT, true, false });
}

/* USED matches but AVAIL does not: neither used nor available (§2.8.1). */
static void test_a_used_descriptor_whose_avail_bit_disagrees_is_not_taken(void **state)
{
	(void)state;
	hostile_read(
		&(struct hostile){ DEVMODEL_KNOB_USED_AVAIL_MISMATCH, -ETIMEDOUT, true, false });
}

static void test_used_lengths_too_large_or_too_short_fail_one_request(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_LEN_TOO_LARGE, -EIO, false, false });
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_USED_LEN_ONE, -EIO, false, false });
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_BLK_STATUS_ONLY, -EIO, false, false });
}

static void test_bad_status_bytes_fail_one_request(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_STATUS_IOERR, -EIO, false, false });
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_STATUS_CORRUPT, -EIO, false, false });
}

static void test_a_swallowed_request_times_out_and_fails_the_device(void **state)
{
	(void)state;
	hostile_read(&(struct hostile){ DEVMODEL_KNOB_SWALLOW, -ETIMEDOUT, true, false });
}

/* A bad id among many requests in flight: all of them complete with the error. Six in a ring
 * of eight, so that ids the driver has not made available exist. */
static void test_a_bad_id_with_a_full_ring_in_flight_completes_every_request(void **state)
{
	static const enum devmodel_knob knobs[] = { DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT,
						    DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE };

	(void)state;
	for (unsigned k = 0; k < 2; k++) {
		struct devmodel_config cfg = { .defer = true, .indirect_desc = true };
		uint8_t *bufs = malloc(6 * SECTOR);
		struct vblk_io io[6], *done;
		struct rig r;

		rig_up(&r, &cfg, 8);
		async_run(&r, 37); /* off slot 0, wrap counters flipped */
		for (unsigned i = 0; i < 6; i++) {
			io[i] = (struct vblk_io){
				.op = VBLK_OP_READ, .lba = i, .count = 1, .buf = bufs + i * SECTOR
			};
			assert_int_equal(vblk_submit(r.blk, &io[i]), 0);
		}
		devmodel_set_knob(r.dm, knobs[k], 1);
		devmodel_process(r.dm);
		assert_int_equal(vblk_poll(r.blk, &done), -EIO);
		assert_true(r.vdev->broken);
		for (unsigned i = 0; i < 6; i++) {
			assert_true(io[i].done);
			assert_int_equal(io[i].status, -EIO);
		}
		assert_int_equal(vblk_in_flight(r.blk), 0);
		free(bufs);
		rig_down(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packed_is_negotiated_when_offered_and_vq_split_refuses_it),
		cmocka_unit_test(
			test_sync_requests_flip_the_wrap_counters_of_small_rings_many_times),
		cmocka_unit_test(test_async_requests_over_small_rings_complete_each_with_its_data),
		cmocka_unit_test(test_out_of_order_completions_are_matched_by_buffer_id),
		cmocka_unit_test(test_indirect_tables_over_a_packed_ring_carry_large_requests),
		cmocka_unit_test(
			test_event_idx_over_packed_suppresses_interrupts_and_notifications),
		cmocka_unit_test(test_event_idx_over_packed_keeps_every_needed_notification),
		cmocka_unit_test(test_event_idx_off_leaves_the_flags_only_suppression),
		cmocka_unit_test(test_a_used_id_out_of_range_fails_the_device),
		cmocka_unit_test(test_a_used_id_that_is_a_ring_slot_not_a_buffer_fails_the_device),
		cmocka_unit_test(test_a_used_id_not_in_flight_fails_the_device),
		cmocka_unit_test(test_a_used_descriptor_with_the_wrong_wrap_counter_times_out),
		cmocka_unit_test(test_a_used_descriptor_whose_avail_bit_disagrees_is_not_taken),
		cmocka_unit_test(test_used_lengths_too_large_or_too_short_fail_one_request),
		cmocka_unit_test(test_bad_status_bytes_fail_one_request),
		cmocka_unit_test(test_a_swallowed_request_times_out_and_fails_the_device),
		cmocka_unit_test(test_a_bad_id_with_a_full_ring_in_flight_completes_every_request),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
