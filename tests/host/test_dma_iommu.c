/* The iommu DMA backend over the SMMUv3 driver and model: a device sees only IOVAs from the
 * window above RAM, each translating (through the model's walker) to the buffer's bytes with
 * the permissions its direction allows; unmap takes them away again. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "smmu_test_util.h"
#include "vireo/dma_iommu.h"
#include "vireo/mem.h"

#define SID 0x18
#define P SMMU_PAGE_SIZE

struct fixture {
	struct smmu_fixture *f;
	struct dma_dev dev;
	uint8_t *mem; /* 8 pages */
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	x->f = smmu_fixture_new();
	assert_int_equal(smmu_init(SMMU_TEST_BASE, SMMU_MODEL_SIZE, true, -1, &x->f->smmu), 0);
	x->dev.coherent = true;
	assert_int_equal(dma_iommu_attach(&x->dev, x->f->smmu, SID), 0);
	x->mem = page_alloc(8 * P, P);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	page_free(x->mem, 8 * P);
	dma_iommu_detach(&x->dev);
	assert_null(x->dev.backend_priv);
	smmu_fixture_free(x->f);
	free(x);
	return 0;
}

/** The device reads (write = false) or writes len bytes at addr through the SMMU model;
 *  returns the first event (0 when every byte went through). */
static unsigned device_access(struct fixture *x, uint64_t addr, uint8_t *data, size_t len,
			      bool write)
{
	for (size_t i = 0; i < len; i++) {
		struct smmu_model_result r;
		uint8_t *p;

		smmu_model_translate(&x->f->model, SID, addr + i, write, &r);
		if (r.event != 0 || r.aborted) {
			return r.event;
		}
		p = (uint8_t *)(uintptr_t)r.pa;
		if (write) {
			*p = data[i];
		} else {
			data[i] = *p;
		}
	}
	return 0;
}

static void test_attach_gives_the_stream_a_translating_domain(void **state)
{
	struct fixture *x = *state;
	uint64_t ste[8];

	assert_int_equal(x->dev.backend, DMA_BACKEND_IOMMU);
	assert_ptr_equal(x->dev.ops, &dma_iommu_ops);
	assert_int_equal(smmu_model_read_ste(&x->f->model, SID, ste), 0);
	assert_int_equal((ste[0] >> 1) & 7, 5);
}

static void test_a_multi_page_unaligned_buffer_is_seen_byte_for_byte(void **state)
{
	struct fixture *x = *state;
	uint8_t *buf = x->mem + 0xff0;
	size_t len = 3 * P + 100;
	uint8_t *seen = malloc(len);
	dma_addr_t a;

	for (size_t i = 0; i < len; i++) {
		buf[i] = (uint8_t)(i * 13 + 1);
	}
	assert_int_equal(dma_map(&x->dev, buf, len, DMA_TO_DEVICE, &a), 0);
	assert_true(dma_addr(a) >= DMA_IOMMU_IOVA_BASE &&
		    dma_addr(a) + len <= DMA_IOMMU_IOVA_BASE + DMA_IOMMU_IOVA_SIZE);
	assert_int_equal(dma_addr(a) & (P - 1), 0xff0); /* offset in the page kept */
	assert_int_equal(device_access(x, dma_addr(a), seen, len, false), 0);
	assert_memory_equal(seen, buf, len);
	/* the pages covering the buffer, and not one more */
	assert_int_equal(device_access(x, ALIGN_UP(dma_addr(a) + len, P), seen, 1, false),
			 SMMU_MODEL_EVT_F_TRANSLATION);
	dma_unmap(&x->dev, a, len, DMA_TO_DEVICE);
	assert_int_equal(x->dev.stats.maps, 1);
	assert_int_equal(x->dev.stats.unmaps, 1);
	free(seen);
}

static void test_a_to_device_buffer_cannot_be_written_by_the_device(void **state)
{
	struct fixture *x = *state;
	uint8_t byte = 0x5a;
	dma_addr_t a;

	assert_int_equal(dma_map(&x->dev, x->mem, 64, DMA_TO_DEVICE, &a), 0);
	assert_int_equal(device_access(x, dma_addr(a), &byte, 1, true),
			 SMMU_MODEL_EVT_F_PERMISSION);
	assert_int_equal(x->mem[0], 0);
	dma_unmap(&x->dev, a, 64, DMA_TO_DEVICE);
}

static void test_a_from_device_buffer_receives_what_the_device_writes(void **state)
{
	struct fixture *x = *state;
	uint8_t data[300];
	dma_addr_t a;

	for (unsigned i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)(0xa0 ^ i);
	}
	assert_int_equal(dma_map(&x->dev, x->mem + P - 100, sizeof(data), DMA_FROM_DEVICE, &a), 0);
	assert_int_equal(device_access(x, dma_addr(a), data, sizeof(data), true), 0);
	dma_unmap(&x->dev, a, sizeof(data), DMA_FROM_DEVICE);
	assert_memory_equal(x->mem + P - 100, data, sizeof(data));
}

static void test_unmap_invalidates_and_the_address_stops_working(void **state)
{
	struct fixture *x = *state;
	uint8_t byte;
	dma_addr_t a;
	dma_addr_t b;

	assert_int_equal(dma_map(&x->dev, x->mem, 2 * P, DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(device_access(x, dma_addr(a) + P, &byte, 1, false), 0); /* TLB filled */
	smmu_model_clear_log(&x->f->model);
	dma_unmap(&x->dev, a, 2 * P, DMA_BIDIRECTIONAL);
	assert_int_equal(smmu_model_cmd_count(&x->f->model, SMMU_MODEL_CMD_TLBI_NH_VA), 2);
	assert_int_equal(smmu_model_cmd_count(&x->f->model, SMMU_MODEL_CMD_SYNC), 1);
	assert_int_equal(device_access(x, dma_addr(a) + P, &byte, 1, false),
			 SMMU_MODEL_EVT_F_TRANSLATION);
	assert_int_equal(dma_map(&x->dev, x->mem, 10, DMA_TO_DEVICE, &b), 0);
	assert_int_equal(dma_addr(b), dma_addr(a)); /* the IOVA came back */
	dma_unmap(&x->dev, b, 10, DMA_TO_DEVICE);
}

static void test_coherent_memory_is_zeroed_mapped_and_unmapped_on_free(void **state)
{
	struct fixture *x = *state;
	uint8_t byte = 7;
	void *cpu;
	dma_addr_t a;

	assert_int_equal(dma_alloc_coherent(&x->dev, 5000, &cpu, &a), 0);
	assert_true(dma_addr(a) >= DMA_IOMMU_IOVA_BASE);
	assert_int_equal(((uint8_t *)cpu)[4999], 0);
	assert_int_equal(device_access(x, dma_addr(a) + 4999, &byte, 1, true), 0);
	assert_int_equal(((uint8_t *)cpu)[4999], 7);
	dma_free_coherent(&x->dev, 5000, cpu, a);
	assert_int_equal(device_access(x, dma_addr(a), &byte, 1, false),
			 SMMU_MODEL_EVT_F_TRANSLATION);
}

static void test_a_broken_mapping_faults_and_is_reported_once(void **state)
{
	struct fixture *x = *state;
	uint8_t byte;
	struct capture c;
	char *out;
	dma_addr_t a;

	assert_int_equal(dma_iommu_break_next_map(&x->dev), 0);
	capture_start(&c);
	assert_int_equal(dma_map(&x->dev, x->mem, 16, DMA_FROM_DEVICE, &a), 0);
	assert_int_equal(device_access(x, dma_addr(a), &byte, 1, true),
			 SMMU_MODEL_EVT_F_TRANSLATION);
	assert_int_equal(dma_iommu_faults(&x->dev), 1);
	assert_int_equal(dma_iommu_faults(&x->dev), 0);
	dma_unmap(&x->dev, a, 16, DMA_FROM_DEVICE);
	out = capture_end(&c);
	assert_int_equal(count_of(out, "event type=F_TRANSLATION id=0x10 stream=0x18"), 1);
	assert_int_equal(x->dev.stats.errors, 0);
	free(out);
}

static void test_an_unconfirmed_unmap_is_counted_and_its_iova_not_reused(void **state)
{
	struct fixture *x = *state;
	struct capture c;
	char *out;
	dma_addr_t a;
	dma_addr_t b;

	assert_int_equal(dma_map(&x->dev, x->mem, 16, DMA_TO_DEVICE, &a), 0);
	smmu_set_timeout(x->f->smmu, SMMU_TEST_TIMEOUT_NS);
	x->f->model.sync_stuck = true;
	capture_start(&c);
	dma_unmap(&x->dev, a, 16, DMA_TO_DEVICE);
	out = capture_end(&c);
	assert_non_null(strstr(out, "never reused"));
	assert_int_equal(x->dev.stats.errors, 1);
	x->f->model.sync_stuck = false;
	assert_int_equal(dma_map(&x->dev, x->mem, 16, DMA_TO_DEVICE, &b), 0);
	assert_int_not_equal(dma_addr(b), dma_addr(a));
	dma_unmap(&x->dev, b, 16, DMA_TO_DEVICE);
	free(out);
}

static void test_a_window_maps_only_the_pool(void **state)
{
	struct fixture *x = *state;
	uint64_t pool = (uint64_t)(uintptr_t)x->mem;

	assert_int_equal(
		dma_iommu_map_window(x->f->smmu, SID + 1, pool, pa_init(pool), 2 * P, true), 0);
	smmu_model_translate(&x->f->model, SID + 1, pool + P + 3, true,
			     &(struct smmu_model_result){ 0 });
	assert_int_equal(x->f->model.events_recorded, 0);
	smmu_model_translate(&x->f->model, SID + 1, pool + 2 * P, true,
			     &(struct smmu_model_result){ 0 });
	assert_int_equal(x->f->model.events_recorded, 1);
	assert_int_equal(
		dma_iommu_map_window(x->f->smmu, SID + 1, pool + 3, pa_init(pool + 4), 8, true),
		-EINVAL);
}

static void test_bypass_lets_the_stream_use_physical_addresses(void **state)
{
	struct fixture *x = *state;
	struct smmu_model_result r;

	assert_int_equal(dma_iommu_bypass(x->f->smmu, SID + 2), 0);
	smmu_model_translate(&x->f->model, SID + 2, 0x40001000, true, &r);
	assert_true(r.bypassed);
	assert_int_equal(r.pa, 0x40001000);
}

static void test_other_backends_report_no_faults_and_refuse_the_hook(void **state)
{
	struct dma_dev direct = { .backend = DMA_BACKEND_DIRECT };

	assert_int_equal(dma_iommu_faults(&direct), 0);
	assert_int_equal(dma_iommu_break_next_map(&direct), -EINVAL);
}

static void test_iova_exhaustion_fails_the_map_cleanly(void **state)
{
	struct fixture *x = *state;
	dma_addr_t a[DMA_IOMMU_IOVA_RANGES];
	unsigned n = 0;
	int ret = 0;

	while (ret == 0 && n < DMA_IOMMU_IOVA_RANGES) {
		ret = dma_map(&x->dev, x->mem, 8, DMA_TO_DEVICE, &a[n]);
		n += ret == 0;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_int_equal(n, DMA_IOMMU_IOVA_RANGES - 1);
	assert_int_equal(x->dev.stats.errors, 1);
	while (n > 0) {
		n--;
		dma_unmap(&x->dev, a[n], 8, DMA_TO_DEVICE);
	}
	assert_int_equal(x->dev.stats.errors, 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_attach_gives_the_stream_a_translating_domain),
		T(test_a_multi_page_unaligned_buffer_is_seen_byte_for_byte),
		T(test_a_to_device_buffer_cannot_be_written_by_the_device),
		T(test_a_from_device_buffer_receives_what_the_device_writes),
		T(test_unmap_invalidates_and_the_address_stops_working),
		T(test_coherent_memory_is_zeroed_mapped_and_unmapped_on_free),
		T(test_a_broken_mapping_faults_and_is_reported_once),
		T(test_an_unconfirmed_unmap_is_counted_and_its_iova_not_reused),
		T(test_a_window_maps_only_the_pool),
		T(test_bypass_lets_the_stream_use_physical_addresses),
		T(test_other_backends_report_no_faults_and_refuse_the_hook),
		T(test_iova_exhaustion_fails_the_map_cleanly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
