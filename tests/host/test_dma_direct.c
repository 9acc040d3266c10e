/* The direct DMA backend: dma-ranges translation, refusal outside the window, accounting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "vireo/dma.h"

static void test_without_dma_ranges_the_device_address_is_the_physical_address(void **state)
{
	struct dma_dev dev = { .backend = DMA_BACKEND_DIRECT, .coherent = true };
	uint8_t buf[64];
	dma_addr_t a;

	assert_int_equal(dma_map(&dev, buf, sizeof(buf), DMA_TO_DEVICE, &a), 0);
	assert_true(dma_addr(a) == (uint64_t)(uintptr_t)buf);
	dma_unmap(&dev, a, sizeof(buf), DMA_TO_DEVICE);
	assert_int_equal(dev.stats.maps, 1);
	assert_int_equal(dev.stats.unmaps, 1);
}

static void test_dma_ranges_shift_the_device_address(void **state)
{
	uint8_t *buf = malloc(256);
	uint64_t pa = (uint64_t)(uintptr_t)buf;
	struct dma_dev dev = {
		.backend = DMA_BACKEND_DIRECT,
		.coherent = true,
		.range_cpu_base = pa - 128,
		.range_dev_base = 0x1000,
		.range_size = 1024,
	};
	dma_addr_t a;

	assert_int_equal(dma_map(&dev, buf + 16, 32, DMA_FROM_DEVICE, &a), 0);
	assert_true(dma_addr(a) == 0x1000 + 128 + 16);
	dma_unmap(&dev, a, 32, DMA_FROM_DEVICE);
	free(buf);
}

static void test_buffer_outside_dma_ranges_is_refused(void **state)
{
	uint8_t *buf = malloc(256);
	uint64_t pa = (uint64_t)(uintptr_t)buf;
	struct dma_dev dev = {
		.backend = DMA_BACKEND_DIRECT,
		.coherent = true,
		.range_cpu_base = pa,
		.range_dev_base = 0,
		.range_size = 100,
	};
	dma_addr_t a = dma_addr_init(0xdead);

	/* straddles the end of the window */
	assert_int_equal(dma_map(&dev, buf + 90, 20, DMA_TO_DEVICE, &a), -EFAULT);
	assert_true(dma_addr(a) == 0xdead);
	assert_int_equal(dev.stats.maps, 0);
	assert_int_equal(dev.stats.errors, 1);
	free(buf);
}

static void test_coherent_allocation_is_zeroed_and_translated(void **state)
{
	struct dma_dev dev = { .backend = DMA_BACKEND_DIRECT, .coherent = true };
	void *cpu = NULL;
	dma_addr_t a;

	assert_int_equal(dma_alloc_coherent(&dev, 8192, &cpu, &a), 0);
	assert_non_null(cpu);
	assert_true(dma_addr(a) == (uint64_t)(uintptr_t)cpu);
	for (unsigned i = 0; i < 8192; i++) {
		assert_int_equal(((uint8_t *)cpu)[i], 0);
	}
	dma_free_coherent(&dev, 8192, cpu, a);
}

static void test_backend_names_are_the_ones_devices_shows(void **state)
{
	assert_string_equal(dma_backend_name(DMA_BACKEND_DIRECT), "direct");
	assert_string_equal(dma_backend_name(DMA_BACKEND_IOMMU), "iommu");
	assert_string_equal(dma_backend_name(DMA_BACKEND_BOUNCE), "bounce");
	assert_string_equal(dma_backend_name(DMA_BACKEND_NONE), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_without_dma_ranges_the_device_address_is_the_physical_address),
		cmocka_unit_test(test_dma_ranges_shift_the_device_address),
		cmocka_unit_test(test_buffer_outside_dma_ranges_is_refused),
		cmocka_unit_test(test_coherent_allocation_is_zeroed_and_translated),
		cmocka_unit_test(test_backend_names_are_the_ones_devices_shows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
