/* The IOVA allocator: first fit, merging, fragmentation, exhaustion, double free. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vireo/iova.h"

#define P IOVA_PAGE_SIZE
#define BASE (1ull << 40)

static struct iova_space sp;

static int setup(void **state)
{
	assert_int_equal(iova_space_init(&sp, BASE, 16 * P, 8), 0);
	return 0;
}

static int teardown(void **state)
{
	iova_space_destroy(&sp);
	return 0;
}

static uint64_t alloc_ok(uint64_t size)
{
	uint64_t a = 0;

	assert_int_equal(iova_alloc(&sp, size, &a), 0);
	return a;
}

static void test_bad_ranges_are_refused_at_init(void **state)
{
	struct iova_space s;

	assert_int_equal(iova_space_init(&s, BASE + 1, 16 * P, 8), -EINVAL);
	assert_int_equal(iova_space_init(&s, BASE, 0, 8), -EINVAL);
	assert_int_equal(iova_space_init(&s, BASE, 3 * P + 5, 8), -EINVAL);
	assert_int_equal(iova_space_init(&s, UINT64_MAX - P + 1, 2 * P, 8), -EINVAL);
	assert_int_equal(iova_space_init(&s, BASE, P, 1), -EINVAL);
}

static void test_allocations_are_first_fit_from_the_base_and_page_rounded(void **state)
{
	assert_int_equal(alloc_ok(1), BASE);
	assert_int_equal(alloc_ok(P + 1), BASE + P);
	assert_int_equal(alloc_ok(P), BASE + 3 * P);
	assert_int_equal(sp.used, 4 * P);
	assert_int_equal(iova_alloc(&sp, 0, &(uint64_t){ 0 }), -EINVAL);
}

static void test_freed_space_is_reused_lowest_first(void **state)
{
	uint64_t a = alloc_ok(2 * P);
	uint64_t b = alloc_ok(2 * P);

	alloc_ok(P);
	assert_int_equal(iova_free(&sp, a, 2 * P), 0);
	assert_int_equal(alloc_ok(P), a);
	assert_int_equal(alloc_ok(P), a + P);
	assert_int_equal(iova_free(&sp, b, 2 * P), 0);
	assert_int_equal(alloc_ok(2 * P), b);
}

static void test_fragmented_space_places_a_large_request_after_the_holes(void **state)
{
	uint64_t a[6];

	for (int i = 0; i < 6; i++) {
		a[i] = alloc_ok(P);
	}
	for (int i = 0; i < 6; i += 2) {
		assert_int_equal(iova_free(&sp, a[i], P), 0);
	}
	assert_int_equal(sp.free_count, 4); /* three holes and the tail */
	assert_int_equal(alloc_ok(2 * P), BASE + 6 * P);
	assert_int_equal(alloc_ok(P), a[0]);
}

static void test_freeing_everything_merges_back_to_one_range(void **state)
{
	uint64_t a = alloc_ok(P);
	uint64_t b = alloc_ok(3 * P);
	uint64_t c = alloc_ok(P);

	assert_int_equal(iova_free(&sp, a, P), 0);
	assert_int_equal(iova_free(&sp, c, P), 0);
	assert_int_equal(iova_free(&sp, b, 3 * P), 0); /* merges with both neighbours */
	assert_int_equal(sp.free_count, 1);
	assert_int_equal(sp.free[0].base, BASE);
	assert_int_equal(sp.free[0].size, 16 * P);
	assert_int_equal(sp.used, 0);
	assert_int_equal(sp.high_water, 5 * P);
}

static void test_exhaustion_returns_enospc_and_changes_nothing(void **state)
{
	uint64_t a = 0;

	alloc_ok(10 * P);
	assert_int_equal(iova_alloc(&sp, 7 * P, &a), -ENOSPC);
	assert_int_equal(a, 0);
	assert_int_equal(sp.used, 10 * P);
	assert_int_equal(sp.failures, 1);
	assert_int_equal(alloc_ok(6 * P), BASE + 10 * P);
	assert_int_equal(iova_alloc(&sp, 1, &a), -ENOSPC);
}

static void test_a_double_free_is_detected(void **state)
{
	uint64_t a = alloc_ok(2 * P);

	alloc_ok(P);
	assert_int_equal(iova_free(&sp, a, 2 * P), 0);
	assert_int_equal(iova_free(&sp, a, 2 * P), -EINVAL);
	assert_int_equal(iova_free(&sp, a + P, P), -EINVAL);
	assert_int_equal(sp.live, 1);
	assert_int_equal(sp.used, P);
}

static void test_frees_outside_the_space_or_misaligned_are_refused(void **state)
{
	uint64_t a = alloc_ok(P);

	assert_int_equal(iova_free(&sp, a + 1, P), -EINVAL);
	assert_int_equal(iova_free(&sp, BASE - P, P), -EINVAL);
	assert_int_equal(iova_free(&sp, BASE + 16 * P, P), -EINVAL);
	assert_int_equal(iova_free(&sp, a, 0), -EINVAL);
	assert_int_equal(iova_free(&sp, a, 32 * P), -EINVAL);
	assert_int_equal(iova_free(&sp, a, P), 0);
}

static void test_outstanding_allocations_are_bounded_by_the_capacity(void **state)
{
	uint64_t a[7];
	uint64_t x;

	for (int i = 0; i < 7; i++) {
		a[i] = alloc_ok(P);
	}
	assert_int_equal(iova_alloc(&sp, P, &x), -ENOSPC); /* capacity 8: 7 outstanding */
	for (int i = 0; i < 7; i += 2) {
		assert_int_equal(iova_free(&sp, a[i], P), 0);
	}
	assert_true(sp.free_count <= sp.capacity);
	assert_int_equal(alloc_ok(P), a[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_ranges_are_refused_at_init),
		cmocka_unit_test_setup_teardown(
			test_allocations_are_first_fit_from_the_base_and_page_rounded, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_freed_space_is_reused_lowest_first, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_fragmented_space_places_a_large_request_after_the_holes, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_freeing_everything_merges_back_to_one_range,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_returns_enospc_and_changes_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_double_free_is_detected, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_frees_outside_the_space_or_misaligned_are_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_outstanding_allocations_are_bounded_by_the_capacity, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
