/* dt_msi_map() against tests/host/dts/dt_msi.dts; expected values worked out from the DTS. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <libfdt.h>

#include "host_dtb.h"
#include "vireo/dt.h"

#define RID(bus, dev, fn) ((uint32_t)(bus) << 8 | (uint32_t)(dev) << 3 | (uint32_t)(fn))

static int setup(void **state)
{
	*state = host_dtb_load("dt_msi");
	return *state != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static int node_at(const void *fdt, const char *path)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	return node;
}

static void expect_map(const void *fdt, const char *host, uint32_t rid, const char *ctrl,
		       uint32_t devid)
{
	int node = -1;
	uint32_t got = 0;

	assert_int_equal(dt_msi_map(fdt, node_at(fdt, host), rid, &node, &got), 0);
	assert_int_equal(node, node_at(fdt, ctrl));
	assert_int_equal(got, devid);
}

static void expect_error(const void *fdt, const char *host, uint32_t rid, int err)
{
	int node = -1;
	uint32_t got = 0;

	assert_int_equal(dt_msi_map(fdt, node_at(fdt, host), rid, &node, &got), err);
}

static void test_msi_map_entries_choose_controller_and_offset(void **state)
{
	/* 0x008 is in the first entry: 0x10000 + 8; 0x1ff in the second: 0 + 0xff. */
	expect_map(*state, "/pcie@10000000", RID(0, 1, 0), "/msi-controller@8080000", 0x10008);
	expect_map(*state, "/pcie@10000000", RID(1, 31, 7), "/msi-controller@80a0000", 0xff);
	expect_map(*state, "/pcie@10000000", 0, "/msi-controller@8080000", 0x10000);
}

static void test_rid_outside_every_entry_is_enoent(void **state)
{
	expect_error(*state, "/pcie@10000000", RID(2, 0, 0), -ENOENT);
}

static void test_msi_map_mask_applies_before_lookup(void **state)
{
	/* 03:02.5 = 0x315, & 0xfff8 = 0x310. */
	expect_map(*state, "/pcie@20000000", RID(3, 2, 5), "/msi-controller@8080000", 0x310);
}

static void test_msi_parent_gives_rid_as_devid(void **state)
{
	expect_map(*state, "/pcie@30000000", RID(0, 2, 0), "/v2m@8020000", 0x10);
}

static void test_host_without_msi_properties_is_enoent(void **state)
{
	expect_error(*state, "/pcie@40000000", 0, -ENOENT);
}

static void test_malformed_maps_are_einval(void **state)
{
	expect_error(*state, "/pcie@50000000", 0, -EINVAL);
	expect_error(*state, "/pcie@60000000", 0, -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msi_map_entries_choose_controller_and_offset),
		cmocka_unit_test(test_rid_outside_every_entry_is_enoent),
		cmocka_unit_test(test_msi_map_mask_applies_before_lookup),
		cmocka_unit_test(test_msi_parent_gives_rid_as_devid),
		cmocka_unit_test(test_host_without_msi_properties_is_enoent),
		cmocka_unit_test(test_malformed_maps_are_einval),
	};

	return cmocka_run_group_tests_name("dt_msi", tests, setup, teardown);
}
