/* virtio-blk through the bounce backend, against a device model that refuses every address
 * outside the pool: the device never sees guest memory the backend did not hand out. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/cpu.h"
#include "devmodel.h"
#include "vireo/bounce.h"
#include "vireo/dma_pools.h"
#include "vireo/mem.h"
#include "vireo/platform.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"

#define SECTOR 512u
#define POOL_BYTES (1024u * 1024)
#define UNPROTECTED_BIT (1ull << 46) /* a CCA-style "shared" address bit, for the hook test */

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
};

static void rig_up(struct rig *r, bool access_platform, unsigned version)
{
	struct devmodel_config cfg = { .version = version, .access_platform = access_platform };
	struct devmodel_blk_config blk = { .capacity = 512, .seg_max = 64, .flush = true };
	uint8_t *d;
	size_t size = 0;

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_blk_create(&cfg, &blk);
	d = devmodel_blk_disk(r->dm, &size);
	for (size_t i = 0; i < size; i++) {
		d[i] = (uint8_t)(i * 13 + (i >> 9));
	}
	devmodel_dma_allow_list(r->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = 100ull * 1000 * 1000;
}

static int rig_probe(struct rig *r)
{
	int ret = vblk_probe(r->vdev);

	if (ret == 0) {
		r->blk = vblk_get(vblk_count() - 1);
	}
	return ret;
}

static void rig_down(struct rig *r)
{
	if (r->blk != NULL) {
		vblk_remove(r->blk);
	}
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	virtio_options.force_bounce = false;
}

static void allow_pool(struct rig *r, const struct bounce_pool *pool)
{
	assert_int_equal(
		devmodel_dma_allow(r->dm, pool->dev_base, pool->size, pool->cpu, DEVMODEL_DMA_RW),
		0);
}

static void read_write_round_trip(struct rig *r)
{
	uint8_t *buf = malloc(40 * SECTOR);
	uint8_t *disk = devmodel_blk_disk(r->dm, NULL);

	assert_int_equal(vblk_read(r->blk, 3, 40, buf), 0);
	assert_memory_equal(buf, disk + 3 * SECTOR, 40 * SECTOR);
	for (unsigned i = 0; i < 40 * SECTOR; i++) {
		buf[i] = (uint8_t)~buf[i];
	}
	assert_int_equal(vblk_write(r->blk, 100, 40, buf), 0);
	assert_memory_equal(disk + 100 * SECTOR, buf, 40 * SECTOR);
	assert_int_equal(vblk_flush(r->blk), 0);
	free(buf);
}

static void test_dma_bounce_keeps_every_device_access_inside_the_pool(void **state)
{
	struct rig r;
	struct bounce_pool *pool;

	virtio_options.force_bounce = true;
	rig_up(&r, true, 2);
	pool = dma_pool_for(0, 0);
	assert_non_null(pool);
	allow_pool(&r, pool);
	assert_int_equal(rig_probe(&r), 0);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_BOUNCE);
	assert_string_equal(r.vdev->dma.reason, "dma=bounce");
	read_write_round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	assert_int_equal(devmodel_violations(r.dm), 0);
	assert_true(r.vdev->dma.stats.bounce_bytes >= 80 * SECTOR);
	assert_int_equal(r.vdev->dma.stats.maps, r.vdev->dma.stats.unmaps);
	rig_down(&r);
	assert_int_equal(pool->used_slots, 0);
}

/* Issue 13: the pool copies what the device can read in, and back out only the bytes the used
 * length says it wrote: a read moves header + data + status once, not the data twice. */
static void test_bounce_copies_only_what_the_device_reads_or_wrote(void **state)
{
	struct rig r;
	struct bounce_pool *pool;
	uint8_t *buf = malloc(40 * SECTOR);
	uint8_t *disk;
	uint64_t before;

	virtio_options.force_bounce = true;
	rig_up(&r, true, 2);
	pool = dma_pool_for(0, 0);
	allow_pool(&r, pool);
	assert_int_equal(rig_probe(&r), 0);
	disk = devmodel_blk_disk(r.dm, NULL);
	before = r.vdev->dma.stats.bounce_bytes;
	assert_int_equal(vblk_read(r.blk, 3, 40, buf), 0);
	assert_memory_equal(buf, disk + 3 * SECTOR, 40 * SECTOR);
	/* header, data and status in (the preset status byte matters); data and status out */
	assert_int_equal(r.vdev->dma.stats.bounce_bytes - before, 16 + 2 * (40 * SECTOR + 1));
	before = r.vdev->dma.stats.bounce_bytes;
	assert_int_equal(vblk_write(r.blk, 100, 40, buf), 0);
	/* header, data and status in; the status byte out */
	assert_int_equal(r.vdev->dma.stats.bounce_bytes - before, 16 + 40 * SECTOR + 1 + 1);

	/* A device that says it wrote one byte: the request fails and only that byte came back;
	 * the rest of the caller's buffer is its own, not pool contents. */
	memset(buf, 0x77, 8 * SECTOR);
	before = r.vdev->dma.stats.bounce_bytes;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, 1);
	assert_int_equal(vblk_read(r.blk, 3, 8, buf), -EIO);
	assert_int_equal(r.vdev->dma.stats.bounce_bytes - before, 16 + 8 * SECTOR + 1 + 1);
	assert_int_equal(buf[0], disk[3 * SECTOR]);
	for (unsigned i = 1; i < 8 * SECTOR; i++) {
		assert_int_equal(buf[i], 0x77);
	}
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	free(buf);
	rig_down(&r);
	assert_int_equal(pool->used_slots, 0);
}

static void test_a_direct_device_is_caught_by_the_same_allow_list(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	/* The negative control: without ACCESS_PLATFORM the device stays direct, and the model
	 * refuses its addresses, so the allow list really does guard the tests above. */
	virtio_options.force_bounce = true;
	rig_up(&r, false, 2);
	allow_pool(&r, dma_pool_for(0, 0));
	assert_int_equal(rig_probe(&r), 0);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_DIRECT);
	assert_int_not_equal(vblk_read(r.blk, 0, 1, buf), 0);
	assert_true(devmodel_dma_faults(r.dm) > 0);
	rig_down(&r);
}

static void test_restricted_dma_pool_from_the_dt_serves_the_device(void **state)
{
	struct rig r;
	void *mem = page_alloc(POOL_BYTES, PAGE_SIZE);
	uint64_t pa = pa_addr(arch_va_to_pa(mem));

	rig_up(&r, true, 2);
	r.vdev->plat.restricted_pool = true;
	r.vdev->plat.pool_base = pa;
	r.vdev->plat.pool_size = POOL_BYTES;
	assert_int_equal(devmodel_dma_allow(r.dm, pa, POOL_BYTES, NULL, DEVMODEL_DMA_RW), 0);
	assert_int_equal(rig_probe(&r), 0);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_BOUNCE);
	assert_string_equal(r.vdev->dma.reason, "restricted-dma-pool");
	read_write_round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	rig_down(&r);
}

/* Issue 13: a request larger than the free pool is split, not failed with -ENOSPC. */
static void test_a_request_larger_than_the_pool_is_split_not_refused(void **state)
{
	const size_t pool_bytes = 64 * 1024;
	const uint32_t count = 300; /* 150 KiB: more than the whole pool */
	void *mem = page_alloc(pool_bytes, PAGE_SIZE);
	uint64_t pa = pa_addr(arch_va_to_pa(mem));
	uint8_t *buf = malloc((size_t)count * SECTOR);
	uint8_t *disk;
	struct rig r;

	rig_up(&r, true, 2);
	r.vdev->plat.restricted_pool = true;
	r.vdev->plat.pool_base = pa;
	r.vdev->plat.pool_size = pool_bytes;
	assert_int_equal(devmodel_dma_allow(r.dm, pa, pool_bytes, NULL, DEVMODEL_DMA_RW), 0);
	assert_int_equal(rig_probe(&r), 0);
	disk = devmodel_blk_disk(r.dm, NULL);
	assert_int_equal(vblk_read(r.blk, 10, count, buf), 0);
	assert_memory_equal(buf, disk + 10 * SECTOR, (size_t)count * SECTOR);
	assert_true(r.vdev->dma.stats.errors > 0); /* the pool did run out on the way */
	memset(buf, 0x3c, (size_t)count * SECTOR);
	assert_int_equal(vblk_write(r.blk, 200, count, buf), 0);
	assert_memory_equal(disk + 200 * SECTOR, buf, (size_t)count * SECTOR);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	assert_int_equal(r.vdev->dma.stats.maps, r.vdev->dma.stats.unmaps);
	free(buf);
	rig_down(&r);
}

static uint64_t set_unprotected_bit(uint64_t pa)
{
	return pa | UNPROTECTED_BIT;
}

static const struct platform_dma_hook realm_hook = {
	.name = "test-realm",
	.protected_guest = true,
	.dev_addr = set_unprotected_bit,
};

static void test_protected_guest_hook_transforms_pool_addresses(void **state)
{
	struct rig r;
	void *mem = page_alloc(POOL_BYTES, PAGE_SIZE);
	uint64_t pa = pa_addr(arch_va_to_pa(mem));

	platform_set_dma_hook(&realm_hook);
	rig_up(&r, true, 2);
	r.vdev->plat.restricted_pool = true;
	r.vdev->plat.pool_base = pa;
	r.vdev->plat.pool_size = POOL_BYTES;
	/* the device may only use the shared alias of the pool */
	assert_int_equal(
		devmodel_dma_allow(r.dm, pa | UNPROTECTED_BIT, POOL_BYTES, mem, DEVMODEL_DMA_RW),
		0);
	assert_int_equal(rig_probe(&r), 0);
	assert_string_equal(r.vdev->dma.reason, "protected guest");
	read_write_round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	rig_down(&r);
	platform_set_dma_hook(NULL);
}

static void test_protected_guest_refuses_a_device_without_access_platform(void **state)
{
	struct rig r;

	platform_set_dma_hook(&realm_hook);
	rig_up(&r, false, 2);
	assert_int_equal(rig_probe(&r), -EPERM);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_NONE);
	assert_non_null(strstr(r.vdev->dma.reason, "private memory"));
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	rig_down(&r);
	platform_set_dma_hook(NULL);
}

static void test_protected_guest_still_runs_a_legacy_device_direct(void **state)
{
	struct rig r;
	uint8_t buf[SECTOR];

	/* A legacy device cannot say ACCESS_PLATFORM; the table gives it direct DMA whatever the
	 * platform (this is what lets such devices work at all). */
	platform_set_dma_hook(&realm_hook);
	rig_up(&r, false, 1);
	devmodel_dma_identity(r.dm);
	assert_int_equal(rig_probe(&r), 0);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_DIRECT);
	assert_int_equal(vblk_read(r.blk, 0, 1, buf), 0);
	rig_down(&r);
	platform_set_dma_hook(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_request_larger_than_the_pool_is_split_not_refused),
		cmocka_unit_test(test_dma_bounce_keeps_every_device_access_inside_the_pool),
		cmocka_unit_test(test_bounce_copies_only_what_the_device_reads_or_wrote),
		cmocka_unit_test(test_a_direct_device_is_caught_by_the_same_allow_list),
		cmocka_unit_test(test_restricted_dma_pool_from_the_dt_serves_the_device),
		cmocka_unit_test(test_protected_guest_hook_transforms_pool_addresses),
		cmocka_unit_test(test_protected_guest_refuses_a_device_without_access_platform),
		cmocka_unit_test(test_protected_guest_still_runs_a_legacy_device_direct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
