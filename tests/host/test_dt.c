/* DT helpers against the trees in tests/host/dts/, compiled by the Makefile with dtc into
 * $VIREO_DTB_DIR (default build/host/dtb). Every expected value below was worked out by hand
 * from the DTS text; the arithmetic is in the comments. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libfdt.h>

#include "host_dtb.h"
#include "vireo/dt.h"

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4

/* ---------------------------------------------------------------- the whole blob */

#define BLOB_SIZE 512

/** A small valid tree, built with libfdt's sequential-write calls:
 *  / { a = <1>; n { b = <2>; }; }. */
static void *small_tree(void)
{
	void *fdt = calloc(1, BLOB_SIZE);

	assert_non_null(fdt);
	assert_int_equal(fdt_create(fdt, BLOB_SIZE), 0);
	assert_int_equal(fdt_finish_reservemap(fdt), 0);
	assert_int_equal(fdt_begin_node(fdt, ""), 0);
	assert_int_equal(fdt_property_u32(fdt, "a", 1), 0);
	assert_int_equal(fdt_begin_node(fdt, "n"), 0);
	assert_int_equal(fdt_property_u32(fdt, "b", 2), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_end_node(fdt), 0);
	assert_int_equal(fdt_finish(fdt), 0);
	return fdt;
}

/** Overwrite the length of the first FDT_PROP in the structure block. */
static void set_first_prop_len(void *fdt, uint32_t len)
{
	char *st = (char *)fdt + fdt_off_dt_struct(fdt);

	for (uint32_t off = 0; off + 8 <= fdt_size_dt_struct(fdt); off += 4) {
		if (fdt32_ld((const fdt32_t *)(st + off)) == FDT_PROP) {
			fdt32_st(st + off + 4, len);
			return;
		}
	}
	fail_msg("no property in the tree");
}

static void hung(int sig)
{
	(void)sig;
	static const char msg[] = "dt_check did not return within 10 s (a tree walk loops)\n";
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static void test_dt_check_accepts_a_valid_tree_and_every_test_dtb(void **state)
{
	static const char *const names[] = { "dt_virt", "dt_fvp", "dt_dma", "dt_malformed" };
	void *fdt = small_tree();

	(void)state;
	assert_int_equal(dt_check(fdt, BLOB_SIZE), 0);
	assert_int_equal(dt_check(fdt, fdt_totalsize(fdt)), 0);
	free(fdt);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fdt = host_dtb_load(names[i]);
		assert_non_null(fdt);
		assert_int_equal(dt_check(fdt, fdt_totalsize(fdt)), 0);
		free(fdt);
	}
}

/* fuzz_dt's finding: with libfdt 1.6.1 a property length of 0xfffffff4 takes the next tag back
 * to the property itself; fdt_check_full() and every lookup then loop forever. */
static void test_dt_check_refuses_a_property_whose_length_loops_back(void **state)
{
	void *fdt = small_tree();

	(void)state;
	set_first_prop_len(fdt, 0xfffffff4u);
	assert_int_equal(fdt_check_header(fdt), 0); /* what boot used to check: passes */
	signal(SIGALRM, hung);
	alarm(10);
	assert_int_equal(dt_check(fdt, BLOB_SIZE), -FDT_ERR_BADSTRUCTURE);
	alarm(0);
	free(fdt);
}

static void test_dt_check_refuses_truncated_and_overlong_blobs(void **state)
{
	void *fdt = small_tree();

	(void)state;
	assert_int_equal(dt_check(fdt, 0), -FDT_ERR_TRUNCATED);
	assert_int_equal(dt_check(fdt, sizeof(struct fdt_header) - 1), -FDT_ERR_TRUNCATED);
	assert_int_equal(dt_check(fdt, fdt_totalsize(fdt) - 1), -FDT_ERR_TRUNCATED);
	set_first_prop_len(fdt, 0x7ffffff0u); /* runs past the structure block */
	assert_true(dt_check(fdt, BLOB_SIZE) < 0);
	memcpy(fdt, "\xd0\x0d\xfe\xee", 4);
	assert_int_equal(dt_check(fdt, BLOB_SIZE), -FDT_ERR_BADMAGIC);
	free(fdt);
}

/* ---------------------------------------------------------------- fixtures */

/** Group state: the DTB build/host/dtb/<name>.dtb, checked by libfdt. */
static int load_dtb(void **state, const char *name)
{
	*state = host_dtb_load(name);
	return *state != NULL ? 0 : -1;
}

static int load_virt(void **state)
{
	return load_dtb(state, "dt_virt");
}

static int load_fvp(void **state)
{
	return load_dtb(state, "dt_fvp");
}

static int load_dma(void **state)
{
	return load_dtb(state, "dt_dma");
}

static int load_malformed(void **state)
{
	return load_dtb(state, "dt_malformed");
}

static int unload(void **state)
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

static void assert_reg(const void *fdt, const char *path, int index, uint64_t pa, uint64_t size)
{
	uint64_t got_pa = 0;
	uint64_t got_size = 0;

	assert_int_equal(dt_reg(fdt, node_at(fdt, path), index, &got_pa, &got_size), 0);
	assert_int_equal(got_pa, pa);
	assert_int_equal(got_size, size);
}

static int reg_error(const void *fdt, const char *path, int index)
{
	uint64_t pa;
	uint64_t size;

	return dt_reg(fdt, node_at(fdt, path), index, &pa, &size);
}

static int translate(const void *fdt, const char *bus, uint32_t hi, uint32_t mid, uint32_t lo,
		     uint64_t *pa)
{
	const uint32_t cells[] = { hi, mid, lo };

	return dt_translate(fdt, node_at(fdt, bus), cells, 3, pa);
}

static void assert_irq(const struct dt_irq *irq, int controller, uint32_t type, uint32_t num,
		       uint32_t flags)
{
	assert_int_equal(irq->controller, controller);
	assert_int_equal(irq->cell_count, 3);
	assert_int_equal(irq->cells[0], type);
	assert_int_equal(irq->cells[1], num);
	assert_int_equal(irq->cells[2], flags);
}

static int irq_error(const void *fdt, const char *path, int index)
{
	struct dt_irq irq;

	return dt_irq(fdt, node_at(fdt, path), index, &irq);
}

/** INTx of bus/device/function/pin through the interrupt-map of the PCI host at path. */
static int pci_intx(const void *fdt, const char *host, uint32_t bdf, uint32_t pin,
		    struct dt_irq *irq)
{
	const uint32_t unit[] = { bdf << 8, 0, 0 };

	return dt_irq_map(fdt, node_at(fdt, host), unit, 3, &pin, 1, irq);
}

#define BDF(bus, dev, fn) (((bus) << 8) | ((dev) << 3) | (fn))

/* ---------------------------------------------------------------- QEMU virt */

static void test_cell_counts_default_to_two_and_one_when_absent(void **state)
{
	const void *fdt = *state;

	assert_int_equal(dt_addr_cells(fdt, node_at(fdt, "/psci")), 2);
	assert_int_equal(dt_size_cells(fdt, node_at(fdt, "/psci")), 1);
	assert_int_equal(dt_addr_cells(fdt, node_at(fdt, "/pcie@10000000")), 3);
	assert_int_equal(dt_size_cells(fdt, node_at(fdt, "/pcie@10000000")), 2);
}

static void test_reg_of_a_virtio_mmio_node_is_its_cpu_address(void **state)
{
	assert_reg(*state, "/virtio_mmio@a000200", 0, 0xa000200, 0x200);
}

static void test_reg_index_selects_the_entry_and_past_the_end_is_erange(void **state)
{
	assert_reg(*state, "/intc@8000000", 1, 0x8010000, 0x10000);
	assert_int_equal(reg_error(*state, "/intc@8000000", 2), -ERANGE);
	assert_int_equal(reg_error(*state, "/intc@8000000", -1), -ERANGE);
}

static void test_empty_ranges_translate_one_to_one(void **state)
{
	assert_reg(*state, "/intc@8000000/v2m@8020000", 0, 0x8020000, 0x1000);
}

static void test_pcie_ecam_reg_above_4gib_is_translated(void **state)
{
	/* <0x40 0x10000000> = 0x40_1000_0000 */
	assert_reg(*state, "/pcie@10000000", 0, 0x4010000000ull, 0x10000000);
}

static void test_pci_mem32_address_is_translated_through_the_host_ranges(void **state)
{
	uint64_t pa = 0;

	assert_int_equal(translate(*state, "/pcie@10000000", 0x02000000, 0, 0x10001000, &pa), 0);
	assert_int_equal(pa, 0x10001000);
}

static void test_pci_io_address_is_translated_into_the_io_window(void **state)
{
	uint64_t pa = 0;

	/* I/O window: bus 0 at CPU 0x3eff0000 */
	assert_int_equal(translate(*state, "/pcie@10000000", 0x01000000, 0, 0x1000, &pa), 0);
	assert_int_equal(pa, 0x3eff1000);
}

static void test_prefetchable_mem64_address_uses_the_64bit_window(void **state)
{
	uint64_t pa = 0;

	/* phys.hi 0x43000000: prefetchable 64-bit memory; window 0x80_0000_0000 one to one */
	assert_int_equal(translate(*state, "/pcie@10000000", 0x43000000, 0x80, 0x2000, &pa), 0);
	assert_int_equal(pa, 0x8000002000ull);
}

static void test_pci_io_address_does_not_match_a_memory_window(void **state)
{
	uint64_t pa;

	/* 0x10000000 is inside the mem32 window's numbers, but I/O space only has 64 KiB */
	assert_int_equal(translate(*state, "/pcie@10000000", 0x01000000, 0, 0x10000000, &pa),
			 -EFAULT);
}

static void test_pci_config_space_address_is_not_translatable(void **state)
{
	assert_int_equal(reg_error(*state, "/pcie@10000000/virtio-blk@1,0", 0), -EFAULT);
}

static void test_translate_rejects_a_cell_count_unlike_the_bus(void **state)
{
	const void *fdt = *state;
	const uint32_t cells[] = { 0, 0x10001000 };
	uint64_t pa;

	assert_int_equal(dt_translate(fdt, node_at(fdt, "/pcie@10000000"), cells, 2, &pa), -EINVAL);
}

static void test_interrupt_parent_is_inherited_from_the_root(void **state)
{
	const void *fdt = *state;

	assert_int_equal(dt_irq_parent(fdt, node_at(fdt, "/virtio_mmio@a000000")),
			 node_at(fdt, "/intc@8000000"));
}

static void test_virtio_mmio_interrupt_resolves_to_its_gic_spi(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	assert_int_equal(dt_irq(fdt, node_at(fdt, "/virtio_mmio@a000200"), 0, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/intc@8000000"), GIC_SPI, 17, IRQ_EDGE_RISING);
}

static void test_interrupt_index_selects_the_timer_ppi_and_past_the_end_is_erange(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	assert_int_equal(dt_irq(fdt, node_at(fdt, "/timer"), 2, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/intc@8000000"), GIC_PPI, 11, 0xf04);
	assert_int_equal(irq_error(fdt, "/timer", 4), -ERANGE);
}

static void test_node_without_interrupts_is_enoent(void **state)
{
	assert_int_equal(irq_error(*state, "/psci", 0), -ENOENT);
}

static void test_pci_intx_follows_the_swizzle_of_the_interrupt_map(void **state)
{
	const void *fdt = *state;
	int gic = node_at(fdt, "/intc@8000000");
	struct dt_irq irq;

	/* Rows of the map: slot 0 pins A-D -> SPI 3 4 5 6; slot 1 -> 4 5 6 3; slot 2 -> 5 6 3 4 */
	assert_int_equal(pci_intx(fdt, "/pcie@10000000", BDF(0, 0, 0), 1, &irq), 0);
	assert_irq(&irq, gic, GIC_SPI, 3, IRQ_LEVEL_HIGH);
	assert_int_equal(pci_intx(fdt, "/pcie@10000000", BDF(0, 1, 0), 4, &irq), 0);
	assert_irq(&irq, gic, GIC_SPI, 3, IRQ_LEVEL_HIGH);
	assert_int_equal(pci_intx(fdt, "/pcie@10000000", BDF(0, 2, 0), 2, &irq), 0);
	assert_irq(&irq, gic, GIC_SPI, 6, IRQ_LEVEL_HIGH);
}

static void test_pci_intx_mask_ignores_bus_function_and_high_slot_bits(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	/* bus 1, device 6 (slot bits 0x1800 give 2), function 3, pin B: row slot 2 -> SPI 6 */
	assert_int_equal(pci_intx(fdt, "/pcie@10000000", BDF(1, 6, 3), 2, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/intc@8000000"), GIC_SPI, 6, IRQ_LEVEL_HIGH);
}

static void test_pci_intx_without_a_matching_pin_is_efault(void **state)
{
	struct dt_irq irq;

	assert_int_equal(pci_intx(*state, "/pcie@10000000", BDF(0, 1, 0), 0, &irq), -EFAULT);
	assert_int_equal(pci_intx(*state, "/pcie@10000000", BDF(0, 1, 0), 5, &irq), -EFAULT);
}

static void test_irq_map_checks_its_arguments(void **state)
{
	const void *fdt = *state;
	int host = node_at(fdt, "/pcie@10000000");
	const uint32_t unit[5] = { 0 };
	const uint32_t spec[2] = { 1, 0 };
	struct dt_irq irq;

	assert_int_equal(dt_irq_map(fdt, host, unit, 3, spec, 2, &irq), -EINVAL);
	assert_int_equal(dt_irq_map(fdt, host, unit, 5, spec, 1, &irq), -EINVAL);
	assert_int_equal(dt_irq_map(fdt, host, NULL, 3, spec, 1, &irq), -EINVAL);
	assert_int_equal(dt_irq_map(fdt, host, unit, 3, NULL, 1, &irq), -EINVAL);
	/* the host's map has 3 address cells: an interrupt without a unit address cannot match */
	assert_int_equal(dt_irq_map(fdt, host, NULL, 0, spec, 1, &irq), -EINVAL);
}

static void test_virtio_mmio_and_pci_are_dma_coherent_but_pl011_is_not(void **state)
{
	const void *fdt = *state;

	assert_true(dt_dma_coherent(fdt, node_at(fdt, "/virtio_mmio@a000000")));
	assert_true(dt_dma_coherent(fdt, node_at(fdt, "/pcie@10000000/virtio-blk@1,0")));
	assert_false(dt_dma_coherent(fdt, node_at(fdt, "/pl011@9000000")));
}

static void test_virt_devices_have_no_dma_range_and_no_iommus(void **state)
{
	const void *fdt = *state;
	int node = node_at(fdt, "/virtio_mmio@a000000");
	uint64_t cpu, dev, size;
	uint32_t sid;
	int iommu;

	assert_int_equal(dt_dma_range(fdt, node, &cpu, &dev, &size), -ENOENT);
	assert_int_equal(dt_iommu(fdt, node, &iommu, &sid), -ENOENT);
	assert_int_equal(dt_restricted_pool(fdt, node, &cpu, &size), -ENOENT);
}

static void test_pci_requester_id_maps_one_to_one_onto_the_smmu_streams(void **state)
{
	const void *fdt = *state;
	int host = node_at(fdt, "/pcie@10000000");
	uint32_t sid = 0;
	int iommu = -1;

	assert_int_equal(dt_iommu_map(fdt, host, BDF(1, 1, 0), &iommu, &sid), 0);
	assert_int_equal(iommu, node_at(fdt, "/smmuv3@9050000"));
	assert_int_equal(sid, 0x108);
	assert_int_equal(dt_iommu_map(fdt, host, 0x10000, &iommu, &sid), -ENOENT);
}

/* ---------------------------------------------------------------- FVP Base RevC */

#define IOFPGA "/bus@8000000/motherboard-bus@8000000/iofpga-bus@3,00000000"

static void test_reg_is_translated_through_two_levels_of_ranges(void **state)
{
	/* iofpga 0x130000 -> (cs 3, 0x130000) -> identity -> 0x1c000000 + 0x130000 */
	assert_reg(*state, IOFPGA "/virtio-block@130000", 0, 0x1c130000, 0x200);
	assert_reg(*state, IOFPGA "/serial@90000", 0, 0x1c090000, 0x1000);
}

static void test_chip_select_entries_map_onto_their_windows(void **state)
{
	const void *fdt = *state;

	/* cs 0 -> 0x08000000, cs 4 -> 0x0c000000, cs 2 + 0x02000000 -> 0x1a000000 */
	assert_reg(fdt, "/bus@8000000/motherboard-bus@8000000/flash@0,00000000", 0, 0x08000000,
		   0x04000000);
	assert_reg(fdt, "/bus@8000000/motherboard-bus@8000000/flash@0,00000000", 1, 0x0c000000,
		   0x04000000);
	assert_reg(fdt, "/bus@8000000/motherboard-bus@8000000/ethernet@2,02000000", 0, 0x1a000000,
		   0x10000);
}

static void test_interrupt_parent_of_an_iofpga_device_is_the_motherboard_bus(void **state)
{
	const void *fdt = *state;

	/* iofpga-bus has no #interrupt-cells; motherboard-bus is the first ancestor with one */
	assert_int_equal(dt_irq_parent(fdt, node_at(fdt, IOFPGA "/virtio-block@130000")),
			 node_at(fdt, "/bus@8000000/motherboard-bus@8000000"));
}

static void test_virtio_block_interrupt_goes_through_the_interrupt_map_to_gic_spi_42(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	/* <42> -> motherboard-bus (no map) -> bus@8000000 map, mask <0 0 63>: entry 42 ->
	 * <&gic 0 0 GIC_SPI 42 IRQ_TYPE_LEVEL_HIGH> (two parent unit-address cells skipped) */
	assert_int_equal(dt_irq(fdt, node_at(fdt, IOFPGA "/virtio-block@130000"), 0, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/interrupt-controller@2f000000"), GIC_SPI, 42,
		   IRQ_LEVEL_HIGH);
}

static void test_motherboard_ethernet_interrupt_resolves_to_gic_spi_15(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	assert_int_equal(
		dt_irq(fdt,
		       node_at(fdt, "/bus@8000000/motherboard-bus@8000000/ethernet@2,02000000"), 0,
		       &irq),
		0);
	assert_irq(&irq, node_at(fdt, "/interrupt-controller@2f000000"), GIC_SPI, 15,
		   IRQ_LEVEL_HIGH);
}

static void test_fvp_pci_intx_depends_only_on_the_pin(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	assert_int_equal(pci_intx(fdt, "/pci@40000000", BDF(0, 3, 0), 2, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/interrupt-controller@2f000000"), GIC_SPI, 169,
		   IRQ_LEVEL_HIGH);
}

static void test_fvp_pci_functions_are_behind_the_smmu(void **state)
{
	const void *fdt = *state;
	uint32_t sid = 0;
	int iommu = -1;

	assert_int_equal(dt_iommu_map(fdt, node_at(fdt, "/pci@40000000"), 0x100, &iommu, &sid), 0);
	assert_int_equal(iommu, node_at(fdt, "/iommu@2b400000"));
	assert_int_equal(sid, 0x100);
}

/* ---------------------------------------------------------------- DMA facts */

static void assert_dma_range(const void *fdt, const char *path, uint64_t cpu, uint64_t dev,
			     uint64_t size)
{
	uint64_t got_cpu = 0;
	uint64_t got_dev = 0;
	uint64_t got_size = 0;

	assert_int_equal(dt_dma_range(fdt, node_at(fdt, path), &got_cpu, &got_dev, &got_size), 0);
	assert_int_equal(got_cpu, cpu);
	assert_int_equal(got_dev, dev);
	assert_int_equal(got_size, size);
}

static int dma_range_error(const void *fdt, const char *path)
{
	uint64_t cpu, dev, size;

	return dt_dma_range(fdt, node_at(fdt, path), &cpu, &dev, &size);
}

static void test_dma_range_of_a_device_on_an_offset_bus(void **state)
{
	/* outer-bus: device 0 <-> CPU 0x40000000, 4 GiB */
	assert_dma_range(*state, "/outer-bus@0/direct-dev@9000000", 0x40000000, 0, 0x100000000ull);
}

static void test_dma_range_translates_the_parent_side_through_the_bus_above(void **state)
{
	/* inner-bus: device 0x80000000 <-> outer 0 (1 GiB); outer 0 <-> CPU 0x40000000 */
	assert_dma_range(*state, "/outer-bus@0/inner-bus@a000000/nested-dev@1000", 0x40000000,
			 0x80000000, 0x40000000);
}

static void test_empty_dma_ranges_and_none_at_all_are_enoent(void **state)
{
	assert_int_equal(dma_range_error(*state, "/identity-bus@c000000/plain-dev@0"), -ENOENT);
	assert_int_equal(dma_range_error(*state, "/pooled-dev@d000000"), -ENOENT);
}

static void test_bus_dma_range_of_a_pci_host_applies_to_its_functions(void **state)
{
	const void *fdt = *state;
	int host = node_at(fdt, "/pcie@30000000");
	uint64_t cpu = 0, dev = 1, size = 0;

	assert_int_equal(dt_bus_dma_range(fdt, host, &cpu, &dev, &size), 0);
	assert_int_equal(cpu, 0x80000000);
	assert_int_equal(dev, 0);
	assert_int_equal(size, 0x80000000);
	assert_int_equal(dma_range_error(fdt, "/pcie@30000000"), -ENOENT);
}

static void test_nearest_dma_coherency_property_wins(void **state)
{
	const void *fdt = *state;

	assert_true(dt_dma_coherent(fdt, node_at(fdt, "/outer-bus@0/direct-dev@9000000")));
	assert_false(dt_dma_coherent(
		fdt, node_at(fdt, "/outer-bus@0/inner-bus@a000000/nested-dev@1000")));
	assert_true(dt_dma_coherent(
		fdt, node_at(fdt, "/outer-bus@0/inner-bus@a000000/coherent-dev@2000")));
	assert_false(dt_dma_coherent(fdt, node_at(fdt, "/identity-bus@c000000/plain-dev@0")));
}

static void test_restricted_pool_is_found_among_the_memory_regions(void **state)
{
	const void *fdt = *state;
	uint64_t base = 0;
	uint64_t size = 0;

	assert_int_equal(dt_restricted_pool(fdt, node_at(fdt, "/pooled-dev@d000000"), &base, &size),
			 0);
	assert_int_equal(base, 0x50000000);
	assert_int_equal(size, 0x400000);
}

static void test_shared_dma_pool_is_not_a_restricted_pool(void **state)
{
	const void *fdt = *state;
	uint64_t base;
	uint64_t size;

	assert_int_equal(
		dt_restricted_pool(fdt, node_at(fdt, "/shared-only-dev@d001000"), &base, &size),
		-ENOENT);
}

static void test_iommus_gives_the_smmu_and_the_stream_id(void **state)
{
	const void *fdt = *state;
	uint32_t sid = 0;
	int iommu = -1;

	assert_int_equal(dt_iommu(fdt, node_at(fdt, "/pooled-dev@d000000"), &iommu, &sid), 0);
	assert_int_equal(iommu, node_at(fdt, "/iommu@2b400000"));
	assert_int_equal(sid, 0x42);
}

static void test_iommu_with_two_specifier_cells_is_einval(void **state)
{
	const void *fdt = *state;
	uint32_t sid;
	int iommu;

	assert_int_equal(dt_iommu(fdt, node_at(fdt, "/two-cell-iommu-dev@d002000"), &iommu, &sid),
			 -EINVAL);
}

static void test_iommu_map_mask_folds_the_functions_of_a_device_onto_one_stream(void **state)
{
	const void *fdt = *state;
	int host = node_at(fdt, "/pcie@30000000");
	uint32_t sid = 0;
	int iommu = -1;

	/* 00:02.3 = 0x13, & 0xfff8 = 0x10: entry 0 -> 0x10000 + 0x10 */
	assert_int_equal(dt_iommu_map(fdt, host, BDF(0, 2, 3), &iommu, &sid), 0);
	assert_int_equal(iommu, node_at(fdt, "/iommu@2b400000"));
	assert_int_equal(sid, 0x10010);
}

static void test_iommu_map_entries_can_name_different_smmus(void **state)
{
	const void *fdt = *state;
	int host = node_at(fdt, "/pcie@30000000");
	uint32_t sid = 0;
	int iommu = -1;

	/* 01:1f.0 = 0x1f8: entry 1 (0x100 + 0x100) -> smmu_b 0x0 + 0xf8 */
	assert_int_equal(dt_iommu_map(fdt, host, BDF(1, 31, 0), &iommu, &sid), 0);
	assert_int_equal(iommu, node_at(fdt, "/iommu@2b500000"));
	assert_int_equal(sid, 0xf8);
}

static void test_rid_outside_every_iommu_map_entry_is_enoent(void **state)
{
	const void *fdt = *state;
	uint32_t sid;
	int iommu;

	assert_int_equal(
		dt_iommu_map(fdt, node_at(fdt, "/pcie@30000000"), BDF(2, 0, 0), &iommu, &sid),
		-ENOENT);
	assert_int_equal(dt_iommu_map(fdt, node_at(fdt, "/outer-bus@0"), 0, &iommu, &sid), -ENOENT);
}

/* ---------------------------------------------------------------- malformed trees */

static void test_reg_shorter_than_its_cells_is_einval(void **state)
{
	assert_int_equal(reg_error(*state, "/short-reg@2000", 0), -EINVAL);
	assert_int_equal(reg_error(*state, "/ragged-reg@3000", 0), -EINVAL);
}

static void test_reg_index_past_the_only_entry_is_erange(void **state)
{
	assert_reg(*state, "/one-reg@4000", 0, 0x4000, 0x100);
	assert_int_equal(reg_error(*state, "/one-reg@4000", 1), -ERANGE);
}

static void test_more_than_four_address_cells_is_einval(void **state)
{
	const void *fdt = *state;

	assert_int_equal(dt_addr_cells(fdt, node_at(fdt, "/wide-bus")), -EINVAL);
	assert_int_equal(reg_error(fdt, "/wide-bus/dev@0", 0), -EINVAL);
}

static void test_ranges_not_a_multiple_of_the_entry_size_is_einval(void **state)
{
	assert_int_equal(reg_error(*state, "/ragged-ranges-bus/dev@100", 0), -EINVAL);
}

static void test_bus_without_ranges_is_untranslatable(void **state)
{
	assert_int_equal(reg_error(*state, "/opaque-bus/dev@100", 0), -EFAULT);
}

static void test_address_outside_every_window_is_untranslatable(void **state)
{
	assert_int_equal(reg_error(*state, "/narrow-window-bus/dev@2000", 0), -EFAULT);
}

static void test_window_running_past_2_to_the_64_is_einval(void **state)
{
	/* 0xffffffff_fffff000 + 0x2000 wraps */
	assert_int_equal(reg_error(*state, "/wrapping-bus/dev@2000", 0), -EINVAL);
}

static void test_interrupts_not_a_multiple_of_the_parent_cells_is_einval(void **state)
{
	assert_int_equal(irq_error(*state, "/ragged-interrupts", 0), -EINVAL);
}

static void test_dangling_interrupt_parent_is_einval(void **state)
{
	const void *fdt = *state;

	assert_int_equal(dt_irq_parent(fdt, node_at(fdt, "/dangling-parent")), -EINVAL);
	assert_int_equal(irq_error(fdt, "/dangling-parent", 0), -EINVAL);
}

static void test_interrupt_parent_cycle_ends_in_eloop(void **state)
{
	const void *fdt = *state;

	assert_int_equal(dt_irq_parent(fdt, node_at(fdt, "/cycle-dev")), -ELOOP);
	assert_int_equal(irq_error(fdt, "/cycle-dev", 0), -ELOOP);
	assert_int_equal(irq_error(fdt, "/self-parent", 0), -ELOOP);
}

static void test_interrupt_map_cycle_ends_in_eloop(void **state)
{
	assert_int_equal(irq_error(*state, "/nexus-cycle-dev", 0), -ELOOP);
}

static void test_truncated_interrupts_extended_entry_is_einval(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	assert_int_equal(dt_irq(fdt, node_at(fdt, "/truncated-extended"), 0, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/intc@1000"), GIC_SPI, 3, IRQ_LEVEL_HIGH);
	assert_int_equal(irq_error(fdt, "/truncated-extended", 1), -EINVAL);
	assert_int_equal(irq_error(fdt, "/truncated-extended", 2), -EINVAL);
}

static void test_truncated_interrupt_map_entry_is_einval(void **state)
{
	const void *fdt = *state;
	struct dt_irq irq;

	/* The first entry is whole (the GIC has no #address-cells: no parent unit address) */
	assert_int_equal(dt_irq(fdt, node_at(fdt, "/nexus-bus/mapped@0"), 0, &irq), 0);
	assert_irq(&irq, node_at(fdt, "/intc@1000"), GIC_SPI, 5, IRQ_LEVEL_HIGH);
	assert_int_equal(irq_error(fdt, "/nexus-bus/truncated@1", 0), -EINVAL);
}

static void test_interrupt_map_mask_of_the_wrong_length_is_einval(void **state)
{
	assert_int_equal(irq_error(*state, "/bad-mask-bus/dev@0", 0), -EINVAL);
}

static void test_map_entry_to_a_node_without_interrupt_cells_is_einval(void **state)
{
	assert_int_equal(irq_error(*state, "/headless-map-bus/dev@0", 0), -EINVAL);
}

static void test_malformed_dma_properties_are_einval(void **state)
{
	const void *fdt = *state;
	uint64_t base, size;
	uint32_t sid;
	int iommu;

	assert_int_equal(dt_iommu(fdt, node_at(fdt, "/truncated-iommus"), &iommu, &sid), -EINVAL);
	assert_int_equal(dt_iommu_map(fdt, node_at(fdt, "/ragged-iommu-map"), 0, &iommu, &sid),
			 -EINVAL);
	assert_int_equal(
		dt_restricted_pool(fdt, node_at(fdt, "/dangling-memory-region"), &base, &size),
		-EINVAL);
	assert_int_equal(dma_range_error(fdt, "/ragged-dma-ranges-bus/dev@0"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest virt[] = {
		cmocka_unit_test(test_cell_counts_default_to_two_and_one_when_absent),
		cmocka_unit_test(test_reg_of_a_virtio_mmio_node_is_its_cpu_address),
		cmocka_unit_test(test_reg_index_selects_the_entry_and_past_the_end_is_erange),
		cmocka_unit_test(test_empty_ranges_translate_one_to_one),
		cmocka_unit_test(test_pcie_ecam_reg_above_4gib_is_translated),
		cmocka_unit_test(test_pci_mem32_address_is_translated_through_the_host_ranges),
		cmocka_unit_test(test_pci_io_address_is_translated_into_the_io_window),
		cmocka_unit_test(test_prefetchable_mem64_address_uses_the_64bit_window),
		cmocka_unit_test(test_pci_io_address_does_not_match_a_memory_window),
		cmocka_unit_test(test_pci_config_space_address_is_not_translatable),
		cmocka_unit_test(test_translate_rejects_a_cell_count_unlike_the_bus),
		cmocka_unit_test(test_interrupt_parent_is_inherited_from_the_root),
		cmocka_unit_test(test_virtio_mmio_interrupt_resolves_to_its_gic_spi),
		cmocka_unit_test(
			test_interrupt_index_selects_the_timer_ppi_and_past_the_end_is_erange),
		cmocka_unit_test(test_node_without_interrupts_is_enoent),
		cmocka_unit_test(test_pci_intx_follows_the_swizzle_of_the_interrupt_map),
		cmocka_unit_test(test_pci_intx_mask_ignores_bus_function_and_high_slot_bits),
		cmocka_unit_test(test_pci_intx_without_a_matching_pin_is_efault),
		cmocka_unit_test(test_irq_map_checks_its_arguments),
		cmocka_unit_test(test_virtio_mmio_and_pci_are_dma_coherent_but_pl011_is_not),
		cmocka_unit_test(test_virt_devices_have_no_dma_range_and_no_iommus),
		cmocka_unit_test(test_pci_requester_id_maps_one_to_one_onto_the_smmu_streams),
	};
	const struct CMUnitTest fvp[] = {
		cmocka_unit_test(test_reg_is_translated_through_two_levels_of_ranges),
		cmocka_unit_test(test_chip_select_entries_map_onto_their_windows),
		cmocka_unit_test(test_interrupt_parent_of_an_iofpga_device_is_the_motherboard_bus),
		cmocka_unit_test(
			test_virtio_block_interrupt_goes_through_the_interrupt_map_to_gic_spi_42),
		cmocka_unit_test(test_motherboard_ethernet_interrupt_resolves_to_gic_spi_15),
		cmocka_unit_test(test_fvp_pci_intx_depends_only_on_the_pin),
		cmocka_unit_test(test_fvp_pci_functions_are_behind_the_smmu),
	};
	const struct CMUnitTest dma[] = {
		cmocka_unit_test(test_dma_range_of_a_device_on_an_offset_bus),
		cmocka_unit_test(test_dma_range_translates_the_parent_side_through_the_bus_above),
		cmocka_unit_test(test_empty_dma_ranges_and_none_at_all_are_enoent),
		cmocka_unit_test(test_bus_dma_range_of_a_pci_host_applies_to_its_functions),
		cmocka_unit_test(test_nearest_dma_coherency_property_wins),
		cmocka_unit_test(test_restricted_pool_is_found_among_the_memory_regions),
		cmocka_unit_test(test_shared_dma_pool_is_not_a_restricted_pool),
		cmocka_unit_test(test_iommus_gives_the_smmu_and_the_stream_id),
		cmocka_unit_test(test_iommu_with_two_specifier_cells_is_einval),
		cmocka_unit_test(
			test_iommu_map_mask_folds_the_functions_of_a_device_onto_one_stream),
		cmocka_unit_test(test_iommu_map_entries_can_name_different_smmus),
		cmocka_unit_test(test_rid_outside_every_iommu_map_entry_is_enoent),
	};
	const struct CMUnitTest malformed[] = {
		cmocka_unit_test(test_reg_shorter_than_its_cells_is_einval),
		cmocka_unit_test(test_reg_index_past_the_only_entry_is_erange),
		cmocka_unit_test(test_more_than_four_address_cells_is_einval),
		cmocka_unit_test(test_ranges_not_a_multiple_of_the_entry_size_is_einval),
		cmocka_unit_test(test_bus_without_ranges_is_untranslatable),
		cmocka_unit_test(test_address_outside_every_window_is_untranslatable),
		cmocka_unit_test(test_window_running_past_2_to_the_64_is_einval),
		cmocka_unit_test(test_interrupts_not_a_multiple_of_the_parent_cells_is_einval),
		cmocka_unit_test(test_dangling_interrupt_parent_is_einval),
		cmocka_unit_test(test_interrupt_parent_cycle_ends_in_eloop),
		cmocka_unit_test(test_interrupt_map_cycle_ends_in_eloop),
		cmocka_unit_test(test_truncated_interrupts_extended_entry_is_einval),
		cmocka_unit_test(test_truncated_interrupt_map_entry_is_einval),
		cmocka_unit_test(test_interrupt_map_mask_of_the_wrong_length_is_einval),
		cmocka_unit_test(test_map_entry_to_a_node_without_interrupt_cells_is_einval),
		cmocka_unit_test(test_malformed_dma_properties_are_einval),
	};
	const struct CMUnitTest blob[] = {
		cmocka_unit_test(test_dt_check_accepts_a_valid_tree_and_every_test_dtb),
		cmocka_unit_test(test_dt_check_refuses_a_property_whose_length_loops_back),
		cmocka_unit_test(test_dt_check_refuses_truncated_and_overlong_blobs),
	};
	int failed = 0;

	failed += cmocka_run_group_tests_name("dt: the whole blob", blob, NULL, NULL);
	failed += cmocka_run_group_tests_name("dt: QEMU virt", virt, load_virt, unload);
	failed += cmocka_run_group_tests_name("dt: FVP Base RevC", fvp, load_fvp, unload);
	failed += cmocka_run_group_tests_name("dt: DMA facts", dma, load_dma, unload);
	failed += cmocka_run_group_tests_name("dt: malformed", malformed, load_malformed, unload);
	return failed;
}
