/* virtio-blk over virtio-mmio (legacy and modern) through the virtqueue and the DMA layer,
 * against the device model in tests/devmodel/ (written from the spec, not from the driver). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/io.h"
#include "devmodel.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_reg.h"

#define SECTOR 512u
#define TEST_TIMEOUT_NS (100ull * 1000 * 1000)

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
	int probe_ret;
};

static void fill_random(uint8_t *p, size_t n, unsigned seed)
{
	srand(seed);
	for (size_t i = 0; i < n; i++) {
		p[i] = (uint8_t)rand();
	}
}

/* Build a model and bind the driver to it; r->blk is NULL when the probe failed. */
static void rig_up(struct rig *r, const struct devmodel_config *cfg,
		   const struct devmodel_blk_config *blk)
{
	size_t size = 0;
	uint8_t *d;

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_blk_create(cfg, blk);
	assert_non_null(r->dm);
	d = devmodel_blk_disk(r->dm, &size);
	fill_random(d, size, 1234);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	r->probe_ret = vblk_probe(r->vdev);
	if (r->probe_ret == 0) {
		r->blk = vblk_get(vblk_count() - 1);
	}
}

static void rig_down(struct rig *r)
{
	if (r->blk != NULL) {
		vblk_remove(r->blk);
	}
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
}

static void rig_modern(struct rig *r)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 256, .flush = true, .seg_max = 126 };

	rig_up(r, &cfg, &blk);
	assert_int_equal(r->probe_ret, 0);
}

static uint8_t *disk(struct rig *r)
{
	return devmodel_blk_disk(r->dm, NULL);
}

static void read_matches_disk(struct rig *r, uint64_t lba, uint32_t count)
{
	uint8_t *buf = malloc((size_t)count * SECTOR);

	assert_int_equal(vblk_read(r->blk, lba, count, buf), 0);
	assert_memory_equal(buf, disk(r) + lba * SECTOR, (size_t)count * SECTOR);
	free(buf);
}

static void test_legacy_device_reads_what_the_disk_holds(void **state)
{
	struct devmodel_config cfg = { .version = 1 };
	struct devmodel_blk_config blk = { .capacity = 64 };
	struct rig r;

	rig_up(&r, &cfg, &blk);
	assert_int_equal(r.probe_ret, 0);
	assert_true(r.vdev->legacy);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_DIRECT);
	read_matches_disk(&r, 0, 1);
	read_matches_disk(&r, 5, 17);
	assert_int_equal(devmodel_violations(r.dm), 0);
	rig_down(&r);
}

static void test_modern_device_negotiates_version_1_and_reads(void **state)
{
	struct rig r;

	rig_modern(&r);
	assert_false(r.vdev->legacy);
	assert_true(virtio_has(r.vdev, VIRTIO_F_VERSION_1));
	assert_true(devmodel_features(r.dm) & (1ull << VIRTIO_F_VERSION_1));
	assert_true(devmodel_status(r.dm) & VIRTIO_CONFIG_S_DRIVER_OK);
	read_matches_disk(&r, 100, 40);
	assert_int_equal(devmodel_violations(r.dm), 0);
	rig_down(&r);
}

static void test_written_sectors_land_on_the_disk_and_nowhere_else(void **state)
{
	struct rig r;
	uint8_t buf[3 * SECTOR];
	uint8_t before[SECTOR];

	rig_modern(&r);
	memcpy(before, disk(&r) + 13 * SECTOR, SECTOR);
	fill_random(buf, sizeof(buf), 99);
	assert_int_equal(vblk_write(r.blk, 10, 3, buf), 0);
	assert_memory_equal(disk(&r) + 10 * SECTOR, buf, sizeof(buf));
	assert_memory_equal(disk(&r) + 13 * SECTOR, before, SECTOR);
	assert_int_equal(devmodel_blk_last(r.dm)->type, VIRTIO_BLK_T_OUT);
	assert_int_equal(devmodel_violations(r.dm), 0);
	rig_down(&r);
}

static void test_an_unaligned_buffer_spans_many_segments(void **state)
{
	struct rig r;
	const size_t span = 256 * 1024; /* the driver's segments stay inside aligned 256 KiB */
	uint8_t *mem = aligned_alloc(span, 2 * span);

	rig_modern(&r);
	/* 64 sectors from 100 bytes before a 256 KiB boundary: a 100-byte segment, then the rest */
	assert_int_equal(vblk_read(r.blk, 0, 64, mem + span - 100), 0);
	assert_memory_equal(mem + span - 100, disk(&r), 64 * SECTOR);
	assert_int_equal(devmodel_blk_last(r.dm)->segments, 2);
	/* inside one aligned 256 KiB, at an odd offset: one segment */
	assert_int_equal(vblk_read(r.blk, 0, 64, mem + 100), 0);
	assert_memory_equal(mem + 100, disk(&r), 64 * SECTOR);
	assert_int_equal(devmodel_blk_last(r.dm)->segments, 1);
	assert_int_equal(devmodel_violations(r.dm), 0);
	free(mem);
	rig_down(&r);
}

static void test_seg_max_and_size_max_split_a_large_request(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 256, .seg_max = 2, .size_max = 1024 };
	struct rig r;
	uint8_t *buf = malloc(100 * SECTOR);

	rig_up(&r, &cfg, &blk);
	assert_int_equal(r.probe_ret, 0);
	fill_random(buf, 100 * SECTOR, 5);
	assert_int_equal(vblk_write(r.blk, 20, 100, buf), 0);
	assert_memory_equal(disk(&r) + 20 * SECTOR, buf, 100 * SECTOR);
	/* 2 segments of at most 1 KiB: at least 25 requests */
	assert_true(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_OUT) >= 25);
	assert_int_equal(devmodel_violations(r.dm), 0);
	free(buf);
	rig_down(&r);
}

static void test_flush_and_get_id_reach_the_device(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8, .flush = true, .id = "disk-serial-42" };
	struct rig r;
	char id[21];

	rig_up(&r, &cfg, &blk);
	assert_int_equal(vblk_flush(r.blk), 0);
	assert_int_equal(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_FLUSH), 1);
	assert_int_equal(vblk_get_id(r.blk, id), 0);
	assert_string_equal(id, "disk-serial-42");
	assert_int_equal(devmodel_violations(r.dm), 0);
	rig_down(&r);
}

static void test_flush_without_the_feature_is_not_supported(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct rig r;

	rig_up(&r, &cfg, &blk);
	assert_int_equal(vblk_flush(r.blk), -ENOTSUP);
	assert_int_equal(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_FLUSH), 0);
	rig_down(&r);
}

static void test_a_request_past_the_end_never_reaches_the_device(void **state)
{
	struct rig r;
	uint8_t buf[2 * SECTOR];

	rig_modern(&r);
	assert_int_equal(vblk_read(r.blk, 255, 2, buf), -EINVAL);
	assert_int_equal(vblk_read(r.blk, 256, 1, buf), -EINVAL);
	assert_int_equal(vblk_read(r.blk, UINT64_MAX, 1, buf), -EINVAL);
	assert_int_equal(vblk_read(r.blk, 0, 0, buf), -EINVAL);
	assert_int_equal(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_IN), 0);
	read_matches_disk(&r, 255, 1);
	rig_down(&r);
}

static void test_a_read_only_device_refuses_writes(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8, .read_only = true };
	struct rig r;
	uint8_t buf[SECTOR] = { 0 };

	rig_up(&r, &cfg, &blk);
	assert_int_equal(vblk_write(r.blk, 0, 1, buf), -EROFS);
	assert_int_equal(devmodel_blk_requests(r.dm, VIRTIO_BLK_T_OUT), 0);
	rig_down(&r);
}

static void test_used_id_out_of_range_fails_the_request_and_stops_the_device(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	assert_true(r.vdev->broken);
	assert_true(devmodel_status(r.dm) & VIRTIO_CONFIG_S_FAILED);
	/* later requests fail at once instead of touching a device in an unknown state */
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	rig_down(&r);
}

static void test_used_id_that_is_not_a_head_is_rejected(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	assert_true(r.vdev->broken);
	rig_down(&r);
}

static void test_used_len_larger_than_buffer_is_rejected(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	/* only that request failed: the chain was identified, the queue goes on */
	assert_false(r.vdev->broken);
	read_matches_disk(&r, 3, 2);
	rig_down(&r);
}

/* The issue-16 device: status OK, used.len 1, no data moved. The caller must not get the
 * untouched buffer as the disk's contents. */
static void test_a_read_whose_used_len_covers_only_the_status_is_an_io_error(void **state)
{
	struct rig r;
	uint8_t buf[2 * SECTOR];

	rig_modern(&r);
	memset(buf, 0xa5, sizeof(buf));
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_BLK_STATUS_ONLY, 1);
	assert_int_equal(vblk_read(r.blk, 4, 2, buf), -EIO);
	assert_int_equal(devmodel_blk_last(r.dm)->used_len, 1);
	assert_int_equal(r.vdev->dma.stats.errors, 1);
	/* that request failed, not the device: the next read is served and right */
	assert_false(r.vdev->broken);
	read_matches_disk(&r, 4, 2);
	assert_int_equal(r.vdev->dma.stats.errors, 1);
	rig_down(&r);
}

static void test_a_used_len_short_of_the_data_fails_a_read_but_not_a_write(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	/* the device did the read, but says it wrote 1 byte: nothing past it may be believed */
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	assert_int_equal(r.vdev->dma.stats.errors, 1);
	/* a write's only device-writable byte is its status: used.len 1 covers it */
	fill_random(buf, sizeof(buf), 77);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, 1);
	assert_int_equal(vblk_write(r.blk, 9, 1, buf), 0);
	assert_memory_equal(disk(&r) + 9 * SECTOR, buf, SECTOR);
	assert_int_equal(r.vdev->dma.stats.errors, 1);
	assert_int_equal(devmodel_violations(r.dm), 0);
	rig_down(&r);
}

static void test_a_get_id_whose_used_len_covers_only_the_status_fails(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8, .id = "disk-serial-42" };
	struct rig r;
	char id[21];

	rig_up(&r, &cfg, &blk);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_BLK_STATUS_ONLY, 1);
	assert_int_equal(vblk_get_id(r.blk, id), -EIO);
	assert_int_equal(vblk_get_id(r.blk, id), 0);
	assert_string_equal(id, "disk-serial-42");
	rig_down(&r);
}

static void test_a_device_that_never_completes_times_out(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_SWALLOW, DEVMODEL_ALWAYS);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -ETIMEDOUT);
	assert_true(r.vdev->broken);
	/* the device was reset, so a late completion cannot reach memory we gave back */
	assert_true(devmodel_stats(r.dm)->resets >= 2);
	rig_down(&r);
}

static void test_device_status_errors_reach_the_caller(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	rig_modern(&r);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_STATUS_IOERR, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_STATUS_CORRUPT, 1);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), -EIO);
	read_matches_disk(&r, 0, 1);
	rig_down(&r);
}

static void test_features_ok_that_does_not_stick_fails_the_probe(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct devmodel *dm = devmodel_blk_create(&cfg, &blk);
	struct virtio_device *vdev;
	unsigned before = vblk_count();

	devmodel_set_knob(dm, DEVMODEL_KNOB_FEATURES_OK_NEVER_STICKS, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(dm), 0x200, &vdev), 0);
	assert_int_equal(vblk_probe(vdev), -ENOTSUP);
	assert_int_equal(vblk_count(), before);
	assert_true(devmodel_status(dm) & VIRTIO_CONFIG_S_FAILED);
	virtio_mmio_destroy(vdev);
	devmodel_destroy(dm);
}

static void test_a_reset_that_never_completes_fails_the_probe(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct devmodel *dm = devmodel_blk_create(&cfg, &blk);
	struct virtio_device *vdev;

	/* a device some earlier owner left acknowledged, whose reset then never completes */
	io_write32(devmodel_base(dm) + VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	devmodel_set_knob(dm, DEVMODEL_KNOB_RESET_NEVER_COMPLETES, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(dm), 0x200, &vdev), 0);
	assert_int_equal(vblk_probe(vdev), -ETIMEDOUT);
	devmodel_clear_knobs(dm);
	virtio_mmio_destroy(vdev);
	devmodel_destroy(dm);
}

static void test_a_slow_reset_is_waited_for(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct devmodel *dm = devmodel_blk_create(&cfg, &blk);
	struct virtio_device *vdev;

	devmodel_set_knob(dm, DEVMODEL_KNOB_RESET_NEVER_COMPLETES, 5);
	assert_int_equal(virtio_mmio_create(devmodel_base(dm), 0x200, &vdev), 0);
	assert_int_equal(vblk_probe(vdev), 0);
	vblk_remove(vblk_get(vblk_count() - 1));
	virtio_mmio_destroy(vdev);
	devmodel_destroy(dm);
}

static void test_an_unstable_config_generation_is_retried(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 77 };
	struct rig r;
	struct vblk_info info;

	memset(&r, 0, sizeof(r));
	r.dm = devmodel_blk_create(&cfg, &blk);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE, 3);
	assert_int_equal(virtio_mmio_create(devmodel_base(r.dm), 0x200, &r.vdev), 0);
	assert_int_equal(vblk_probe(r.vdev), 0);
	r.blk = vblk_get(vblk_count() - 1);
	vblk_get_info(r.blk, &info);
	assert_int_equal(info.capacity, 77);
	rig_down(&r);
}

static void test_a_config_generation_that_never_settles_fails_the_probe(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 77 };
	struct rig r;

	memset(&r, 0, sizeof(r));
	r.dm = devmodel_blk_create(&cfg, &blk);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(r.dm), 0x200, &r.vdev), 0);
	assert_int_equal(vblk_probe(r.vdev), -EIO);
	assert_true(devmodel_status(r.dm) & VIRTIO_CONFIG_S_FAILED);
	devmodel_clear_knobs(r.dm);
	rig_down(&r);
}

static void test_a_queue_of_size_zero_fails_the_probe(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct rig r;

	memset(&r, 0, sizeof(r));
	r.dm = devmodel_blk_create(&cfg, &blk);
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_QUEUE_NUM_MAX_ZERO, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(r.dm), 0x200, &r.vdev), 0);
	assert_int_equal(vblk_probe(r.vdev), -ENODEV);
	rig_down(&r);
}

static void test_an_empty_slot_and_a_bad_magic_are_not_devices(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct devmodel *empty = devmodel_create_empty(&cfg);
	struct devmodel *bad = devmodel_blk_create(&cfg, &blk);
	struct virtio_device *vdev = NULL;

	devmodel_set_knob(bad, DEVMODEL_KNOB_BAD_MAGIC, DEVMODEL_ALWAYS);
	assert_int_equal(virtio_mmio_create(devmodel_base(empty), 0x200, &vdev), -ENODEV);
	assert_int_equal(virtio_mmio_create(devmodel_base(bad), 0x200, &vdev), -EINVAL);
	assert_null(vdev);
	assert_int_equal(devmodel_violations(empty), 0);
	devmodel_destroy(empty);
	devmodel_destroy(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy_device_reads_what_the_disk_holds),
		cmocka_unit_test(test_modern_device_negotiates_version_1_and_reads),
		cmocka_unit_test(test_written_sectors_land_on_the_disk_and_nowhere_else),
		cmocka_unit_test(test_an_unaligned_buffer_spans_many_segments),
		cmocka_unit_test(test_seg_max_and_size_max_split_a_large_request),
		cmocka_unit_test(test_flush_and_get_id_reach_the_device),
		cmocka_unit_test(test_flush_without_the_feature_is_not_supported),
		cmocka_unit_test(test_a_request_past_the_end_never_reaches_the_device),
		cmocka_unit_test(test_a_read_only_device_refuses_writes),
		cmocka_unit_test(test_used_id_out_of_range_fails_the_request_and_stops_the_device),
		cmocka_unit_test(test_used_id_that_is_not_a_head_is_rejected),
		cmocka_unit_test(test_used_len_larger_than_buffer_is_rejected),
		cmocka_unit_test(test_a_read_whose_used_len_covers_only_the_status_is_an_io_error),
		cmocka_unit_test(test_a_used_len_short_of_the_data_fails_a_read_but_not_a_write),
		cmocka_unit_test(test_a_get_id_whose_used_len_covers_only_the_status_fails),
		cmocka_unit_test(test_a_device_that_never_completes_times_out),
		cmocka_unit_test(test_device_status_errors_reach_the_caller),
		cmocka_unit_test(test_features_ok_that_does_not_stick_fails_the_probe),
		cmocka_unit_test(test_a_reset_that_never_completes_fails_the_probe),
		cmocka_unit_test(test_a_slow_reset_is_waited_for),
		cmocka_unit_test(test_an_unstable_config_generation_is_retried),
		cmocka_unit_test(test_a_config_generation_that_never_settles_fails_the_probe),
		cmocka_unit_test(test_a_queue_of_size_zero_fails_the_probe),
		cmocka_unit_test(test_an_empty_slot_and_a_bad_magic_are_not_devices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
