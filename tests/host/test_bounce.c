/* The bounce backend: copies in every direction, allocation, fragmentation and exhaustion. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vireo/bounce.h"

#define POOL_BYTES (64u * 1024)
#define POOL_DEV_BASE                                                                              \
	0x80000000ull /* unlike any host pointer, so a leak of CPU addresses shows                 \
		       */

struct fixture {
	uint8_t *mem;
	struct bounce_pool pool;
	struct dma_dev dev;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->mem = aligned_alloc(4096, POOL_BYTES);
	memset(f->mem, 0xee, POOL_BYTES);
	assert_int_equal(bounce_pool_init(&f->pool, f->mem, POOL_DEV_BASE, POOL_BYTES, "pool"), 0);
	f->dev.coherent = true;
	dma_bounce_attach(&f->dev, &f->pool);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bounce_pool_destroy(&f->pool);
	free(f->mem);
	free(f);
	return 0;
}

static uint8_t *in_pool(struct fixture *f, dma_addr_t a)
{
	assert_true(dma_addr(a) >= POOL_DEV_BASE && dma_addr(a) < POOL_DEV_BASE + POOL_BYTES);
	return f->mem + (dma_addr(a) - POOL_DEV_BASE);
}

static void test_to_device_map_copies_the_buffer_into_the_pool(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[3000];
	dma_addr_t a;

	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i * 7);
	}
	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_TO_DEVICE, &a), 0);
	assert_memory_equal(in_pool(f, a), buf, sizeof(buf));
	memset(in_pool(f, a), 0x55, sizeof(buf)); /* a device must not write a to-device buffer */
	dma_unmap(&f->dev, a, sizeof(buf), DMA_TO_DEVICE);
	assert_int_equal(buf[1], 7); /* no copy back for to-device */
	assert_int_equal(f->pool.used_slots, 0);
}

static void test_from_device_unmap_copies_the_device_data_out(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[100];
	dma_addr_t a;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_FROM_DEVICE, &a), 0);
	/* copied in too: what the driver preset is there until the device writes */
	assert_int_equal(f->dev.stats.bounce_bytes, 100);
	memset(in_pool(f, a), 0xab, sizeof(buf));
	dma_unmap(&f->dev, a, sizeof(buf), DMA_FROM_DEVICE);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[99], 0xab);
	assert_int_equal(f->dev.stats.bounce_bytes, 200);
}

static void test_from_device_unmap_copies_only_the_bytes_written(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[100];
	dma_addr_t a;

	memset(buf, 0x11, sizeof(buf));
	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_FROM_DEVICE, &a), 0);
	memset(in_pool(f, a), 0xee, sizeof(buf)); /* stale pool bytes past what is written */
	memset(in_pool(f, a), 0xab, 50);
	dma_unmap_written(&f->dev, a, sizeof(buf), DMA_FROM_DEVICE, 50);
	assert_int_equal(buf[0], 0xab);
	assert_int_equal(buf[49], 0xab);
	/* what the device did not write is the caller's own data, not stale pool bytes */
	assert_int_equal(buf[50], 0x11);
	assert_int_equal(buf[99], 0x11);
	assert_int_equal(f->dev.stats.bounce_bytes, 100 + 50);
	/* a written count past the buffer is clamped to it */
	assert_int_equal(dma_map(&f->dev, buf + 60, 10, DMA_FROM_DEVICE, &a), 0);
	memset(in_pool(f, a), 0xcd, 20);
	dma_unmap_written(&f->dev, a, 10, DMA_FROM_DEVICE, 1000);
	assert_int_equal(buf[69], 0xcd);
	assert_int_equal(buf[70], 0x11);
	assert_int_equal(f->pool.used_slots, 0);
}

static void test_bidirectional_copies_both_ways(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[16] = { 1, 2, 3 };
	dma_addr_t a;

	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_BIDIRECTIONAL, &a), 0);
	assert_int_equal(in_pool(f, a)[2], 3);
	in_pool(f, a)[2] = 9;
	dma_unmap(&f->dev, a, sizeof(buf), DMA_BIDIRECTIONAL);
	assert_int_equal(buf[2], 9);
}

static void test_sync_for_cpu_and_device_copy_like_swiotlb(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[8] = { 0 };
	dma_addr_t a;

	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_BIDIRECTIONAL, &a), 0);
	in_pool(f, a)[0] = 4;
	dma_sync_for_cpu(&f->dev, a, sizeof(buf), DMA_BIDIRECTIONAL);
	assert_int_equal(buf[0], 4);
	buf[1] = 5;
	dma_sync_for_device(&f->dev, a, sizeof(buf), DMA_BIDIRECTIONAL);
	assert_int_equal(in_pool(f, a)[1], 5);
	dma_unmap(&f->dev, a, sizeof(buf), DMA_BIDIRECTIONAL);
}

static void test_exhausted_pool_fails_cleanly_and_recovers(void **state)
{
	struct fixture *f = *state;
	static uint8_t big[POOL_BYTES];
	dma_addr_t a;
	dma_addr_t b = dma_addr_init(0x1234);

	assert_int_equal(dma_map(&f->dev, big, POOL_BYTES, DMA_TO_DEVICE, &a), 0);
	assert_int_equal(dma_map(&f->dev, big, 1, DMA_TO_DEVICE, &b), -ENOSPC);
	assert_true(dma_addr(b) == 0x1234);
	assert_int_equal(f->dev.stats.errors, 1);
	dma_unmap(&f->dev, a, POOL_BYTES, DMA_TO_DEVICE);
	assert_int_equal(dma_map(&f->dev, big, 1, DMA_TO_DEVICE, &b), 0);
	assert_int_equal(f->pool.high_water, POOL_BYTES / BOUNCE_SLOT_SIZE);
}

static void test_a_buffer_larger_than_one_slot_gets_contiguous_slots_despite_holes(void **state)
{
	struct fixture *f = *state;
	static uint8_t buf[3 * BOUNCE_SLOT_SIZE];
	dma_addr_t small[8];
	dma_addr_t a;

	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(dma_map(&f->dev, buf, 1, DMA_TO_DEVICE, &small[i]), 0);
	}
	/* free every other slot: holes of one slot each */
	for (unsigned i = 0; i < 8; i += 2) {
		dma_unmap(&f->dev, small[i], 1, DMA_TO_DEVICE);
	}
	assert_int_equal(dma_map(&f->dev, buf, sizeof(buf), DMA_TO_DEVICE, &a), 0);
	assert_true(dma_addr(a) >= POOL_DEV_BASE + 8 * BOUNCE_SLOT_SIZE);
	for (unsigned i = 1; i < 8; i += 2) {
		assert_true(dma_addr(a) != dma_addr(small[i]));
	}
}

static void test_coherent_allocations_come_from_the_pool_page_aligned(void **state)
{
	struct fixture *f = *state;
	uint8_t one;
	dma_addr_t a;
	dma_addr_t r;
	void *cpu;

	assert_int_equal(dma_map(&f->dev, &one, 1, DMA_TO_DEVICE, &a), 0);
	assert_int_equal(dma_alloc_coherent(&f->dev, 5000, &cpu, &r), 0);
	assert_true((dma_addr(r) - POOL_DEV_BASE) % 4096 == 0);
	assert_ptr_equal(cpu, in_pool(f, r));
	assert_int_equal(((uint8_t *)cpu)[4999], 0);
	dma_free_coherent(&f->dev, 5000, cpu, r);
	dma_unmap(&f->dev, a, 1, DMA_TO_DEVICE);
	assert_int_equal(f->pool.used_slots, 0);
}

static void test_unmap_of_a_foreign_address_is_refused(void **state)
{
	struct fixture *f = *state;

	dma_unmap(&f->dev, dma_addr_init(POOL_DEV_BASE + 3 * BOUNCE_SLOT_SIZE), 10,
		  DMA_FROM_DEVICE);
	dma_unmap(&f->dev, dma_addr_init(0x10), 10, DMA_FROM_DEVICE);
	assert_int_equal(f->dev.stats.errors, 2);
	assert_int_equal(f->dev.stats.unmaps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_to_device_map_copies_the_buffer_into_the_pool,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_from_device_unmap_copies_only_the_bytes_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_device_unmap_copies_the_device_data_out,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_bidirectional_copies_both_ways, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_sync_for_cpu_and_device_copy_like_swiotlb,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhausted_pool_fails_cleanly_and_recovers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_buffer_larger_than_one_slot_gets_contiguous_slots_despite_holes,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_coherent_allocations_come_from_the_pool_page_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_of_a_foreign_address_is_refused, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
