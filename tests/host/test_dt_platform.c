/* Platform facts from the DT (boot/dt_platform.c, boot/dt_memmap.c) against
 * tests/host/dts/probe_fvp.dts and probe_edges.dts, and copies of them edited with libfdt.
 * Expected values are read off the DTS text by hand. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libfdt.h>

#include "../../boot/boot_priv.h"
#include "host_dtb.h"
#include "vireo/dt_platform.h"
#include "vireo/virtio.h"

#define EDIT_ROOM 4096

/** A writable copy of tests/host/dts/<name>.dts with room for edits. */
static void *editable(const char *name)
{
	void *dtb = host_dtb_load(name);
	void *copy;

	assert_non_null(dtb);
	copy = malloc(fdt_totalsize(dtb) + EDIT_ROOM);
	assert_non_null(copy);
	assert_int_equal(fdt_open_into(dtb, copy, (int)fdt_totalsize(dtb) + EDIT_ROOM), 0);
	free(dtb);
	return copy;
}

static void set_string(void *fdt, const char *path, const char *prop, const char *value)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_string(fdt, node, prop, value), 0);
}

static void set_u32(void *fdt, const char *path, const char *prop, uint32_t value)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	assert_int_equal(fdt_setprop_u32(fdt, node, prop, value), 0);
}

static void delete_prop(void *fdt, const char *path, const char *prop)
{
	int node = fdt_path_offset(fdt, path);

	assert_true(node >= 0);
	assert_int_equal(fdt_delprop(fdt, node, prop), 0);
}

/* ---------------------------------------------------------------- console */

static void test_console_through_an_alias_keeps_its_options(void **state)
{
	void *fdt = editable("probe_fvp");
	struct dt_console con;

	(void)state;
	/* serial0 = uart0 = iofpga 0x090000 -> chip select 3 (0x1c000000) + 0x90000 */
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1c090000);
	assert_int_equal(con.size, 0x1000);
	assert_string_equal(con.options, "115200n8");
	assert_string_equal(con.how, "/chosen/stdout-path");
	set_string(fdt, "/chosen", "stdout-path", "serial1");
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1c0a0000);
	assert_string_equal(con.options, "");
	free(fdt);
}

static void test_console_full_path_with_options(void **state)
{
	void *fdt = editable("probe_fvp");
	struct dt_console con;

	(void)state;
	set_string(fdt, "/chosen", "stdout-path",
		   "/bus@8000000/motherboard-bus@8000000/iofpga-bus@3,00000000/serial@a0000:38400");
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1c0a0000);
	assert_string_equal(con.options, "38400");
	free(fdt);
}

static void test_console_without_stdout_path_is_the_first_enabled_pl011(void **state)
{
	void *fdt = editable("probe_fvp");
	struct dt_console con;

	(void)state;
	delete_prop(fdt, "/chosen", "stdout-path");
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1c090000);
	assert_non_null(strstr(con.how, "first arm,pl011"));
	/* The first one disabled: the second. */
	set_string(fdt, "/bus@8000000/motherboard-bus@8000000/iofpga-bus@3,00000000/serial@90000",
		   "status", "disabled");
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1c0a0000);
	free(fdt);
}

static void test_console_stdout_path_to_a_disabled_uart_falls_back(void **state)
{
	void *fdt = editable("probe_edges");
	struct dt_console con;

	(void)state;
	assert_int_equal(dt_console_find(fdt, &con), 0);
	assert_int_equal(con.base, 0x1001000);
	assert_non_null(strstr(con.how, "names no usable PL011"));
	set_string(fdt, "/uart@1001000", "status", "fail");
	assert_int_equal(dt_console_find(fdt, &con), -ENOENT);
	assert_int_equal(con.node, -1);
	free(fdt);
}

static void test_earlycon_takes_pl011_and_a_hex_address_only(void **state)
{
	uint64_t base = 0;

	(void)state;
	assert_int_equal(dt_earlycon_parse("pl011,0x9000000", &base), 0);
	assert_int_equal(base, 0x9000000);
	assert_int_equal(dt_earlycon_parse("pl011,0x1c090000,115200n8", &base), 0);
	assert_int_equal(base, 0x1c090000);
	assert_int_equal(dt_earlycon_parse("uart8250,0x1000", &base), -EINVAL);
	assert_int_equal(dt_earlycon_parse("pl011,9000000", &base), -EINVAL);
	assert_int_equal(dt_earlycon_parse("pl011,0x", &base), -EINVAL);
	assert_int_equal(dt_earlycon_parse("pl011,0xzz", &base), -EINVAL);
	assert_int_equal(dt_earlycon_parse("pl011,0x0", &base), -EINVAL);
	assert_int_equal(dt_earlycon_parse("pl011", &base), -EINVAL);
}

/* ---------------------------------------------------------------- PSCI */

static void test_psci_method_smc_hvc_and_refusals(void **state)
{
	void *fdt = editable("probe_fvp");
	void *edges = editable("probe_edges");
	enum dt_psci_method m;

	(void)state;
	assert_int_equal(dt_psci_find(fdt, &m), 0);
	assert_int_equal(m, DT_PSCI_SMC);
	set_string(fdt, "/psci", "method", "hvc");
	assert_int_equal(dt_psci_find(fdt, &m), 0);
	assert_int_equal(m, DT_PSCI_HVC);
	set_string(fdt, "/psci", "method", "svc");
	assert_int_equal(dt_psci_find(fdt, &m), -EINVAL);
	delete_prop(fdt, "/psci", "method");
	assert_int_equal(dt_psci_find(fdt, &m), -EINVAL);
	assert_int_equal(fdt_del_node(fdt, fdt_path_offset(fdt, "/psci")), 0);
	assert_int_equal(dt_psci_find(fdt, &m), -ENOENT);
	/* compatible = "arm,psci" only: PSCI 0.1 */
	assert_int_equal(dt_psci_find(edges, &m), -ENOTSUP);
	free(edges);
	free(fdt);
}

/* ---------------------------------------------------------------- GIC and timer */

static void test_gic_v3_with_two_redistributor_regions_and_a_stride(void **state)
{
	void *fdt = editable("probe_fvp");
	struct dt_gic g;
	const char *gic = "/interrupt-controller@2f000000";

	(void)state;
	assert_int_equal(dt_gic_find(fdt, &g), 0);
	assert_int_equal(g.version, 3);
	assert_int_equal(g.dist.base, 0x2f000000);
	assert_int_equal(g.redist_count, 2);
	assert_int_equal(g.redist[0].base, 0x2f100000);
	assert_int_equal(g.redist[1].base, 0x2f200000);
	assert_int_equal(g.redist[1].size, 0x100000);
	assert_int_equal(g.redist_stride, 0x40000);
	/* A stride that is no multiple of 64 KiB, zero, or too many / missing regions. */
	set_u32(fdt, gic, "redistributor-stride", 0x1000);
	assert_int_equal(dt_gic_find(fdt, &g), -EINVAL);
	set_u32(fdt, gic, "redistributor-stride", 0);
	assert_int_equal(dt_gic_find(fdt, &g), -EINVAL);
	delete_prop(fdt, gic, "redistributor-stride");
	assert_int_equal(dt_gic_find(fdt, &g), 0);
	assert_int_equal(g.redist_stride, 0);
	set_u32(fdt, gic, "#redistributor-regions", DT_GIC_MAX_REDIST + 1);
	assert_int_equal(dt_gic_find(fdt, &g), -EINVAL);
	set_u32(fdt, gic, "#redistributor-regions", 4); /* reg has GICD + 3 more entries */
	assert_int_equal(dt_gic_find(fdt, &g), -EINVAL);
	set_u32(fdt, gic, "#redistributor-regions", 0);
	assert_int_equal(dt_gic_find(fdt, &g), -EINVAL);
	delete_prop(fdt, gic, "#redistributor-regions");
	assert_int_equal(dt_gic_find(fdt, &g), 0);
	assert_int_equal(g.redist_count, 1);
	free(fdt);
}

static void test_gic_v2_distributor_and_cpu_interface(void **state)
{
	void *fdt = editable("probe_edges");
	struct dt_gic g;

	(void)state;
	assert_int_equal(dt_gic_find(fdt, &g), 0);
	assert_int_equal(g.version, 2);
	assert_int_equal(g.dist.base, 0x8000000);
	assert_int_equal(g.cpu.base, 0x8010000);
	free(fdt);
}

static void test_timer_interrupts_are_ppis(void **state)
{
	void *fdt = editable("probe_fvp");

	(void)state;
	/* <1 13>, <1 14>, <1 11>, <1 10>: PPI n = 16 + n */
	assert_int_equal(dt_timer_intid(fdt, 0), 29);
	assert_int_equal(dt_timer_intid(fdt, 1), 30);
	assert_int_equal(dt_timer_intid(fdt, 2), 27);
	assert_int_equal(dt_timer_intid(fdt, 3), 26);
	assert_int_equal(dt_timer_intid(fdt, 4), -1);
	free(fdt);
}

/* ---------------------------------------------------------------- device facts */

static void test_device_facts_iommu_pool_and_interrupt(void **state)
{
	void *fdt = editable("probe_edges");
	struct virtio_platform p;
	int iommu;
	int irq_err;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(dt_device_platform(fdt, fdt_path_offset(fdt, "/virtio@a000000"), &p,
					    &iommu, &irq_err),
			 0);
	assert_int_equal(iommu, fdt_path_offset(fdt, "/iommu@5000000"));
	assert_int_equal(p.stream_id, 0x42);
	assert_string_equal(p.iommu_name, "smmuv3@5000000");
	assert_true(p.coherent);
	assert_int_equal(p.irq, 48); /* SPI 16 */
	assert_true(p.irq_edge);
	assert_int_equal(irq_err, 0);
	assert_null(p.iommu); /* the caller looks up the running instance */
	memset(&p, 0, sizeof(p));
	assert_int_equal(dt_device_platform(fdt, fdt_path_offset(fdt, "/virtio@a000200"), &p,
					    &iommu, &irq_err),
			 0);
	assert_int_equal(iommu, -1);
	assert_true(p.restricted_pool);
	assert_int_equal(p.pool_base, 0x4f000000);
	assert_false(p.coherent);
	assert_int_equal(p.irq, 49);
	assert_false(p.irq_edge);
	memset(&p, 0, sizeof(p));
	assert_true(dt_device_platform(fdt, fdt_path_offset(fdt, "/virtio@a000800"), &p, &iommu,
				       &irq_err) < 0);
	free(fdt);
}

/* ---------------------------------------------------------------- memory */

static void test_memory_two_banks_less_reservations_and_taken_ranges(void **state)
{
	void *fdt = editable("probe_fvp");
	static struct mem_map map;
	struct mem_range taken = { 0x80080000, 0x200000 }; /* an image */

	(void)state;
	memset(&map, 0, sizeof(map));
	assert_int_equal(memmap_read_dt(fdt, &map, &taken, 1), 0);
	assert_int_equal(map.ram_count, 2);
	assert_int_equal(map.ram_bytes, 0x7f000000ull + 0x80000000ull);
	assert_int_equal(map.resv_count, 2);
	assert_int_equal(map.resv[0].base, 0x80000000);
	assert_false(map.resv[0].no_map);
	assert_int_equal(map.resv[1].base, 0xfe000000);
	assert_true(map.resv[1].no_map);
	/* bank 0 [0x80000000, 0xff000000): less 64 KiB, the image, and the carve-out at its top */
	assert_int_equal(map.free_count, 3);
	assert_int_equal(map.free[0].base, 0x80010000);
	assert_int_equal(map.free[0].size, 0x70000);
	assert_int_equal(map.free[1].base, 0x80280000);
	assert_int_equal(map.free[1].size, 0xfe000000 - 0x80280000);
	assert_int_equal(map.free[2].base, 0x880000000);
	assert_int_equal(map.free[2].size, 0x80000000);
	free(fdt);
}

static void test_memory_node_with_bad_reg_is_refused_with_why(void **state)
{
	void *fdt = editable("probe_fvp");
	static struct mem_map map;
	int node = fdt_path_offset(fdt, "/memory@880000000");
	static const uint8_t ragged[] = { 0, 0, 0, 8, 0x80 };

	(void)state;
	assert_int_equal(fdt_setprop(fdt, node, "reg", ragged, sizeof(ragged)), 0);
	memset(&map, 0, sizeof(map));
	assert_int_equal(memmap_read_dt(fdt, &map, NULL, 0), 0);
	assert_int_equal(map.ram_count, 1);
	assert_int_equal(map.refused_count, 1);
	assert_non_null(strstr(map.refused[0], "memory@880000000: unusable reg"));
	free(fdt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_console_through_an_alias_keeps_its_options),
		cmocka_unit_test(test_console_full_path_with_options),
		cmocka_unit_test(test_console_without_stdout_path_is_the_first_enabled_pl011),
		cmocka_unit_test(test_console_stdout_path_to_a_disabled_uart_falls_back),
		cmocka_unit_test(test_earlycon_takes_pl011_and_a_hex_address_only),
		cmocka_unit_test(test_psci_method_smc_hvc_and_refusals),
		cmocka_unit_test(test_gic_v3_with_two_redistributor_regions_and_a_stride),
		cmocka_unit_test(test_gic_v2_distributor_and_cpu_interface),
		cmocka_unit_test(test_timer_interrupts_are_ppis),
		cmocka_unit_test(test_device_facts_iommu_pool_and_interrupt),
		cmocka_unit_test(test_memory_two_banks_less_reservations_and_taken_ranges),
		cmocka_unit_test(test_memory_node_with_bad_reg_is_refused_with_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
