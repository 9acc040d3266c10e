/* The DMA policy over its whole truth table (../shared/DESIGN.md §2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vireo/dma_policy.h"

static struct dma_policy_in base_in(void)
{
	struct dma_policy_in in = { 0 };

	in.version_1 = true;
	in.access_platform = true;
	in.coherent = true;
	in.iommu_name = "smmuv3@9050000";
	in.have_iommu_backend = true;
	in.have_bounce_backend = true;
	return in;
}

static struct dma_policy_out choose(const struct dma_policy_in *in)
{
	struct dma_policy_out out;

	dma_policy_choose(in, &out);
	return out;
}

/* Every combination of the boolean inputs, checked against the table row it falls in. */
static void test_every_input_combination_follows_the_table(void **state)
{
	for (unsigned bits = 0; bits < (1u << 11); bits++) {
		struct dma_policy_in in = base_in();
		struct dma_policy_out out;

		in.version_1 = bits & 1;
		in.access_platform = bits & 2;
		in.protected_guest = bits & 4;
		in.force_bounce = bits & 8;
		in.restricted_pool = bits & 16;
		in.behind_iommu = bits & 32;
		in.iommu_up = bits & 64;
		in.coherent = bits & 128;
		in.dma_ranges = bits & 256;
		in.have_iommu_backend = bits & 512;
		in.have_bounce_backend = bits & 1024;
		out = choose(&in);

		if (!in.version_1) {
			assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
			assert_true(out.coherent);
			assert_int_equal(out.stream_bypass, in.behind_iommu);
			assert_false(out.accept_access_platform);
			assert_non_null(strstr(out.reason, "legacy device"));
		} else if (!in.access_platform) {
			assert_false(out.accept_access_platform);
			if (in.protected_guest) {
				assert_int_equal(out.backend, DMA_BACKEND_NONE);
				assert_non_null(strstr(out.reason, "private memory"));
			} else {
				assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
				assert_int_equal(out.stream_bypass, in.behind_iommu);
				assert_string_equal(out.reason, "no ACCESS_PLATFORM");
			}
		} else if (in.protected_guest || in.force_bounce || in.restricted_pool) {
			assert_true(out.accept_access_platform);
			assert_int_equal(out.backend, in.have_bounce_backend ? DMA_BACKEND_BOUNCE
									     : DMA_BACKEND_NONE);
		} else if (in.behind_iommu) {
			assert_true(out.accept_access_platform);
			assert_int_equal(out.backend, in.have_iommu_backend && in.iommu_up
							      ? DMA_BACKEND_IOMMU
							      : DMA_BACKEND_NONE);
			assert_non_null(strstr(out.reason, "smmuv3@9050000"));
		} else {
			assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
			assert_int_equal(out.coherent, in.coherent);
			assert_false(out.stream_bypass);
		}
	}
}

static void test_legacy_device_behind_an_smmu_bypasses_it(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.version_1 = false;
	in.access_platform = false;
	in.behind_iommu = true;
	in.iommu_up = true;
	in.coherent = false;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
	assert_true(out.coherent);
	assert_true(out.stream_bypass);
	assert_string_equal(out.reason, "legacy device: bypasses IOMMU");
}

static void test_protected_guest_refuses_device_without_access_platform(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.access_platform = false;
	in.protected_guest = true;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_NONE);
	assert_non_null(strstr(out.reason, "device would see private memory"));
}

static void
test_restricted_pool_without_bounce_backend_refuses_rather_than_going_direct(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.restricted_pool = true;
	in.have_bounce_backend = false;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_NONE);
	assert_string_equal(out.reason, "restricted-dma-pool: bounce backend not built yet");
}

static void test_dma_bounce_option_bounces_access_platform_devices(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.force_bounce = true;
	in.behind_iommu = true;
	in.iommu_up = true;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_BOUNCE);
	assert_string_equal(out.reason, "dma=bounce");
}

static void test_dma_bounce_option_leaves_devices_without_access_platform_direct(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.force_bounce = true;
	in.access_platform = false;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
}

static void test_access_platform_behind_running_smmu_is_translated(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.behind_iommu = true;
	in.iommu_up = true;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_IOMMU);
	assert_string_equal(out.reason, "behind smmuv3@9050000");
	assert_false(out.stream_bypass);
}

static void test_access_platform_without_iommu_is_direct_with_cache_maintenance(void **state)
{
	struct dma_policy_in in = base_in();
	struct dma_policy_out out;

	in.coherent = false;
	in.dma_ranges = true;
	out = choose(&in);
	assert_int_equal(out.backend, DMA_BACKEND_DIRECT);
	assert_false(out.coherent);
	assert_non_null(strstr(out.reason, "dma-ranges"));
	assert_non_null(strstr(out.reason, "cache maintenance"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_input_combination_follows_the_table),
		cmocka_unit_test(test_legacy_device_behind_an_smmu_bypasses_it),
		cmocka_unit_test(test_protected_guest_refuses_device_without_access_platform),
		cmocka_unit_test(
			test_restricted_pool_without_bounce_backend_refuses_rather_than_going_direct),
		cmocka_unit_test(test_dma_bounce_option_bounces_access_platform_devices),
		cmocka_unit_test(
			test_dma_bounce_option_leaves_devices_without_access_platform_direct),
		cmocka_unit_test(test_access_platform_behind_running_smmu_is_translated),
		cmocka_unit_test(
			test_access_platform_without_iommu_is_direct_with_cache_maintenance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
