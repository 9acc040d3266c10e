/* virtio-blk behind an SMMUv3: the device model reaches memory only through the SMMU model's
 * translation of its StreamID, so every address it uses must have been mapped by the iommu
 * backend (or the stream set to bypass, or only the bounce pool mapped). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "devmodel.h"
#include "smmu_test_util.h"
#include "vireo/dma_iommu.h"
#include "vireo/dma_pools.h"
#include "vireo/mem.h"
#include "vireo/bounce.h"
#include "vireo/virtio.h"
#include "vireo/virtio_blk.h"
#include "vireo/virtio_mmio.h"

#define SECTOR 512u
#define SID 0x10
#define P SMMU_PAGE_SIZE

struct rig {
	struct smmu_fixture *f;
	struct devmodel *dm;
	struct virtio_device *vdev;
	struct vblk *blk;
	uint64_t lowest; /* lowest device address seen */
};

/** The device's accesses as an SMMU would see them: each page translated for SID; refused
 *  when any page faults or the pages are not contiguous in physical memory. */
static void *smmu_translate(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct rig *r = ctx;
	uint64_t pa0 = 0;

	r->lowest = addr < r->lowest ? addr : r->lowest;
	for (uint64_t a = addr; a < addr + len; a = (a | (P - 1)) + 1) {
		struct smmu_model_result res;

		smmu_model_translate(&r->f->model, SID, a, write, &res);
		if (res.event != 0 || res.aborted) {
			return NULL;
		}
		if (a == addr) {
			pa0 = res.pa;
		} else if (res.pa != pa0 + (a - addr)) {
			return NULL;
		}
	}
	return (void *)(uintptr_t)pa0;
}

static void rig_up(struct rig *r, bool access_platform, unsigned version)
{
	struct devmodel_config cfg = { .version = version, .access_platform = access_platform };
	struct devmodel_blk_config blk = { .capacity = 512, .seg_max = 64, .flush = true };
	uint8_t *d;
	size_t size = 0;

	memset(r, 0, sizeof(*r));
	r->lowest = UINT64_MAX;
	r->f = smmu_fixture_new();
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &r->f->smmu), 0);
	r->dm = devmodel_blk_create(&cfg, &blk);
	d = devmodel_blk_disk(r->dm, &size);
	for (size_t i = 0; i < size; i++) {
		d[i] = (uint8_t)(i * 7 + (i >> 9));
	}
	devmodel_set_translator(r->dm, smmu_translate, r);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->plat.behind_iommu = true;
	r->vdev->plat.iommu = r->f->smmu;
	r->vdev->plat.stream_id = SID;
	snprintf(r->vdev->plat.iommu_name, sizeof(r->vdev->plat.iommu_name), "%s",
		 smmu_name(r->f->smmu));
	r->vdev->timeout_ns = 100ull * 1000 * 1000;
	assert_int_equal(vblk_probe(r->vdev), 0);
	r->blk = vblk_get(vblk_count() - 1);
}

static void rig_down(struct rig *r)
{
	vblk_remove(r->blk);
	if (r->vdev->dma.backend == DMA_BACKEND_IOMMU) {
		dma_iommu_detach(&r->vdev->dma);
	}
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
	smmu_fixture_free(r->f);
	virtio_options.force_bounce = false;
}

static void round_trip(struct rig *r)
{
	/* From the page allocator: below the SMMU model's 44-bit OAS, as RAM would be (host
	 * heaps under ASan are not). */
	uint8_t *buf = page_alloc(40 * SECTOR, P);
	uint8_t *disk = devmodel_blk_disk(r->dm, NULL);

	assert_int_equal(vblk_read(r->blk, 3, 40, buf), 0);
	assert_memory_equal(buf, disk + 3 * SECTOR, 40 * SECTOR);
	for (unsigned i = 0; i < 40 * SECTOR; i++) {
		buf[i] = (uint8_t)~buf[i];
	}
	assert_int_equal(vblk_write(r->blk, 100, 40, buf), 0);
	assert_memory_equal(disk + 100 * SECTOR, buf, 40 * SECTOR);
	assert_int_equal(vblk_flush(r->blk), 0);
	page_free(buf, 40 * SECTOR);
}

static void test_a_device_behind_the_smmu_sees_only_iovas_above_ram(void **state)
{
	struct rig r;

	rig_up(&r, true, 2);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_IOMMU);
	assert_string_equal(r.vdev->dma.reason, "behind smmuv3@9050000");
	round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	assert_int_equal(devmodel_violations(r.dm), 0);
	assert_true(r.lowest >= DMA_IOMMU_IOVA_BASE);
	assert_int_equal(r.vdev->dma.stats.maps, r.vdev->dma.stats.unmaps);
	assert_int_equal(smmu_drain_events(r.f->smmu), 0);
	rig_down(&r);
}

static void test_a_broken_mapping_fails_the_request_with_an_smmu_event(void **state)
{
	struct rig r;
	uint8_t *buf = page_alloc(P, P);
	struct capture c;
	char *out;

	rig_up(&r, true, 2);
	assert_int_equal(dma_iommu_break_next_map(&r.vdev->dma), 0);
	capture_start(&c);
	assert_int_not_equal(vblk_read(r.blk, 0, 1, buf), 0);
	out = capture_end(&c);
	assert_non_null(strstr(out, "event type=F_TRANSLATION"));
	assert_true(devmodel_dma_faults(r.dm) > 0);
	assert_true(smmu_stream_fault_count(r.f->smmu, SID) > 0);
	free(out);
	page_free(buf, P);
	rig_down(&r);
}

static void test_a_legacy_device_behind_the_smmu_bypasses_it(void **state)
{
	struct rig r;

	rig_up(&r, false, 1);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_DIRECT);
	assert_string_equal(r.vdev->dma.reason, "legacy device: bypasses IOMMU");
	round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	assert_true(r.lowest < DMA_IOMMU_IOVA_BASE);
	rig_down(&r);
}

static void test_bounce_behind_the_smmu_maps_only_the_pool(void **state)
{
	struct rig r;
	struct bounce_pool *pool;
	struct smmu_model_result res;

	virtio_options.force_bounce = true;
	rig_up(&r, true, 2);
	assert_int_equal(r.vdev->dma.backend, DMA_BACKEND_BOUNCE);
	pool = dma_pool_for(0, 0);
	round_trip(&r);
	assert_int_equal(devmodel_dma_faults(r.dm), 0);
	assert_int_equal(smmu_drain_events(r.f->smmu), 0);
	smmu_model_translate(&r.f->model, SID, pool->dev_base + pool->size, false, &res);
	assert_int_equal(res.event, SMMU_MODEL_EVT_F_TRANSLATION); /* just past the pool */
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_device_behind_the_smmu_sees_only_iovas_above_ram),
		cmocka_unit_test(test_a_broken_mapping_fails_the_request_with_an_smmu_event),
		cmocka_unit_test(test_a_legacy_device_behind_the_smmu_bypasses_it),
		cmocka_unit_test(test_bounce_behind_the_smmu_maps_only_the_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
