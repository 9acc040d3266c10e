/* PCI host enumeration, bus numbering, BAR and window assignment, INTx and StreamIDs, against
 * the PCI host model in tests/devmodel/pci_model.h and the DT it comes with. The model sits at
 * fake CPU addresses in the upper half (never process memory), with QEMU virt's layout moved
 * there, so every CPU address differs from its bus address. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pci_model.h"
#include "vireo/pci.h"

#define MEM32_PCI 0x10000000ull
#define MEM32_SIZE 0x2eff0000ull
#define MEM64_PCI 0x8000000000ull
#if UINTPTR_MAX > UINT32_MAX
/* QEMU virt with highmem at fake CPU addresses nothing else uses. */
#define FAKE 0xffff800000000000ull
#define ECAM_CPU (FAKE + 0x4010000000ull)
#define MEM64_CPU (FAKE + MEM64_PCI)
#define MEM64_SIZE MEM64_PCI
#else
/* A 32-bit host (-m32) reaches 4 GiB, as a 32-bit guest does: the same windows at the same
 * PCI addresses, at CPU addresses below 4 GiB (the 64-bit window 2 GiB at 2 GiB). */
#define FAKE 0ull
#define ECAM_CPU 0x40000000ull
#define MEM64_CPU 0x80000000ull
#define MEM64_SIZE 0x80000000ull
#endif
#define IO_SIZE 0x10000ull
#define TIMEOUT_NS (100ull * 1000 * 1000)
#define CLASS_BRIDGE 0x060400

struct rig {
	struct pcm_config cfg;
	struct pcm *m;
	void *fdt;
	int added;
};

/** QEMU virt with highmem, moved to fake addresses. */
static void rig_config(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	r->cfg.ecam = (uintptr_t)ECAM_CPU;
	r->cfg.bus_count = 256;
	r->cfg.window[PCM_IO] = (struct pcm_window){ FAKE + 0x3eff0000ull, 0, IO_SIZE };
	r->cfg.window[PCM_MEM] = (struct pcm_window){ FAKE + MEM32_PCI, MEM32_PCI, MEM32_SIZE };
	r->cfg.window[PCM_MEM64] = (struct pcm_window){ MEM64_CPU, MEM64_PCI, MEM64_SIZE };
}

static void rig_create(struct rig *r, unsigned fdt_flags)
{
	r->m = pcm_create(&r->cfg);
	assert_non_null(r->m);
	r->fdt = pcm_fdt_create(&r->cfg, fdt_flags);
	assert_non_null(r->fdt);
}

static void rig_probe(struct rig *r)
{
	r->added = pci_probe_all(r->fdt, TIMEOUT_NS);
}

static void rig_down(struct rig *r)
{
	assert_int_equal(pcm_violations(r->m), 0);
	assert_int_equal(pcm_unclaimed(r->m), 0);
	pci_forget_all();
	pcm_destroy(r->m);
	free(r->fdt);
}

static const struct pci_func *find(const char *name)
{
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		if (strcmp(f->name, name) == 0) {
			return f;
		}
	}
	return NULL;
}

static unsigned count_funcs(void)
{
	unsigned n = 0;

	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		n++;
	}
	return n;
}

/* The board of most tests:
 *   00:00.0 host bridge (no BARs)
 *   00:01.0 NIC: BAR0 mem 128 KiB, BAR1 I/O 64 B, INTA
 *   00:02.0 PCIe root port -> 01:00.0: BAR0 64-bit prefetchable 1 MiB, BAR2 mem 4 KiB, BAR3 I/O
 *   00:03.0 and 00:03.1 a multi-function device, BAR0 mem 4 KiB each
 *   00:04.0 BAR0 mem 1 GiB: larger than the 32-bit window
 *   00:05.0 PCI bridge -> 02:00.0 PCI bridge -> 03:00.0 (BAR0 mem 8 KiB), 03:02.0 (INTB)
 */
struct board {
	struct pcm_fn *nic, *rp, *disk, *mf0, *mf1, *huge, *br1, *br2, *leaf0, *leaf2;
};

static void board_build(struct rig *r, struct board *b)
{
	struct pcm *m = r->m;

	pcm_add_endpoint(m, NULL, 0, 0, 0x1b36, 0x0008, 0x060000);
	b->nic = pcm_add_endpoint(m, NULL, 1, 0, 0x8086, 0x100e, 0x020000);
	pcm_add_bar(b->nic, 0, 0x20000, 0, NULL, NULL);
	pcm_add_bar(b->nic, 1, 0x40, PCM_BAR_IO, NULL, NULL);
	pcm_set_pin(b->nic, 1);
	b->rp = pcm_add_bridge(m, NULL, 2, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
	b->disk = pcm_add_endpoint(m, b->rp, 0, 0, 0x1234, 0x0001, 0x010802);
	pcm_add_bar(b->disk, 0, 0x100000, PCM_BAR_MEM64 | PCM_BAR_PREFETCH, NULL, NULL);
	pcm_add_bar(b->disk, 2, 0x1000, 0, NULL, NULL);
	pcm_add_bar(b->disk, 3, 0x20, PCM_BAR_IO, NULL, NULL);
	pcm_set_pin(b->disk, 1);
	b->mf0 = pcm_add_endpoint(m, NULL, 3, 0, 0x1234, 0x0002, 0x078000);
	b->mf1 = pcm_add_endpoint(m, NULL, 3, 1, 0x1234, 0x0002, 0x078000);
	pcm_add_bar(b->mf0, 0, 0x1000, 0, NULL, NULL);
	pcm_add_bar(b->mf1, 0, 0x1000, 0, NULL, NULL);
	b->huge = pcm_add_endpoint(m, NULL, 4, 0, 0x1234, 0x0003, 0x030000);
	pcm_add_bar(b->huge, 0, 0x40000000, 0, NULL, NULL);
	b->br1 = pcm_add_bridge(m, NULL, 5, 0, 0x1b36, 0x0001, 0);
	b->br2 = pcm_add_bridge(m, b->br1, 0, 0, 0x1b36, 0x0001, 0);
	b->leaf0 = pcm_add_endpoint(m, b->br2, 0, 0, 0x1234, 0x0004, 0x088000);
	pcm_add_bar(b->leaf0, 0, 0x2000, 0, NULL, NULL);
	b->leaf2 = pcm_add_endpoint(m, b->br2, 2, 0, 0x1234, 0x0005, 0x088000);
	pcm_add_bar(b->leaf2, 0, 0x1000, 0, NULL, NULL);
	pcm_set_pin(b->leaf2, 2);
}

static void board_up(struct rig *r, struct board *b)
{
	rig_config(r);
	rig_create(r, 0);
	board_build(r, b);
	rig_probe(r);
}

/* ---------------------------------------------------------------- enumeration */

static void test_every_function_is_found_and_buses_are_numbered_depth_first(void **state)
{
	struct rig r;
	struct board b;
	const struct pci_func *rp;

	board_up(&r, &b);
	assert_int_equal(count_funcs(), 11);
	assert_int_equal(r.added, 0);
	assert_non_null(find("00:03.1"));
	assert_non_null(find("03:02.0"));
	rp = find("00:02.0");
	assert_int_equal(rp->header_type, PCI_HEADER_TYPE_BRIDGE);
	assert_int_equal(rp->class_code, CLASS_BRIDGE);
	assert_int_equal(pcm_primary(b.rp), 0);
	assert_int_equal(pcm_secondary(b.rp), 1);
	assert_int_equal(pcm_subordinate(b.rp), 1);
	assert_int_equal(pcm_secondary(b.br1), 2);
	assert_int_equal(pcm_subordinate(b.br1), 3);
	assert_int_equal(pcm_primary(b.br2), 2);
	assert_int_equal(pcm_secondary(b.br2), 3);
	assert_int_equal(pcm_subordinate(b.br2), 3);
	assert_ptr_equal(find("03:00.0")->parent, find("02:00.0"));
	assert_ptr_equal(find("02:00.0")->parent, find("00:05.0"));
	assert_int_equal(find("01:00.0")->vendor, 0x1234);
	rig_down(&r);
}

static void assert_bar_placed(const struct rig *r, const struct pci_func *f, unsigned i,
			      struct pcm_fn *model)
{
	const struct pci_bar *bar = &f->bar[i];
	enum pcm_space s = bar->kind == PCI_BAR_IO	? PCM_IO
			   : bar->bus_addr >= MEM64_PCI ? PCM_MEM64
							: PCM_MEM;
	const struct pcm_window *w = &r->cfg.window[s];

	assert_true(bar->assigned);
	assert_int_equal(bar->bus_addr % bar->size, 0);
	assert_true(bar->bus_addr >= w->pci && bar->bus_addr + bar->size <= w->pci + w->size);
	assert_int_equal(bar->cpu_addr, w->cpu + (bar->bus_addr - w->pci));
	assert_int_equal(pcm_bar_addr(model, i), bar->bus_addr);
}

static void assert_in_window(struct pcm_fn *bridge, enum pcm_space s, const struct pci_bar *bar)
{
	uint64_t base;
	uint64_t limit;

	assert_true(pcm_bridge_window(bridge, s, &base, &limit));
	assert_true(bar->bus_addr >= base && bar->bus_addr + bar->size - 1 <= limit);
}

static void test_bars_are_aligned_inside_their_windows(void **state)
{
	struct rig r;
	struct board b;
	const struct pci_func *disk;

	board_up(&r, &b);
	assert_bar_placed(&r, find("00:01.0"), 0, b.nic);
	assert_bar_placed(&r, find("00:01.0"), 1, b.nic);
	assert_true(find("00:01.0")->bar[1].bus_addr >= 0x1000); /* the ISA range stays free */
	disk = find("01:00.0");
	assert_int_equal(disk->bar[0].kind, PCI_BAR_MEM64);
	assert_true(disk->bar[0].prefetch);
	assert_int_equal(disk->bar[1].kind, PCI_BAR_NONE);
	for (unsigned i = 0; i < 4; i++) {
		if (disk->bar[i].kind != PCI_BAR_NONE) {
			assert_bar_placed(&r, disk, i, b.disk);
		}
	}
	assert_true(disk->bar[0].bus_addr >= MEM64_PCI);
	assert_in_window(b.rp, PCM_MEM64, &disk->bar[0]);
	assert_in_window(b.rp, PCM_MEM, &disk->bar[2]);
	assert_in_window(b.rp, PCM_IO, &disk->bar[3]);
	assert_bar_placed(&r, find("03:00.0"), 0, b.leaf0);
	assert_in_window(b.br2, PCM_MEM, &find("03:00.0")->bar[0]);
	assert_in_window(b.br1, PCM_MEM, &find("03:00.0")->bar[0]);
	assert_bar_placed(&r, find("00:03.1"), 0, b.mf1);
	rig_down(&r);
}

static void test_a_bar_larger_than_its_window_skips_only_that_device(void **state)
{
	struct rig r;
	struct board b;
	const struct pci_func *huge;

	board_up(&r, &b);
	huge = find("00:04.0");
	assert_non_null(huge);
	assert_string_not_equal(huge->skipped, "");
	assert_non_null(strstr(huge->skipped, "BAR0"));
	assert_false(huge->bar[0].assigned);
	assert_int_equal(pcm_command(b.huge) & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO), 0);
	for (const struct pci_func *f = pci_first(); f != NULL; f = f->next) {
		if (f != huge) {
			assert_string_equal(f->skipped, "");
		}
	}
	rig_down(&r);
}

static void test_bars_that_run_out_of_space_skip_only_the_one_that_did_not_fit(void **state)
{
	struct rig r;
	struct pcm_fn *fn[3];

	rig_config(&r);
	rig_create(&r, 0);
	for (unsigned i = 0; i < 3; i++) {
		fn[i] = pcm_add_endpoint(r.m, NULL, i, 0, 0x1234, 0x10, 0x030000);
		pcm_add_bar(fn[i], 0, 0x10000000, 0, NULL, NULL);
	}
	rig_probe(&r);
	/* 0x10000000-0x3efeffff holds two aligned 256 MiB BARs, not three. */
	assert_int_equal(pcm_bar_addr(fn[0], 0), 0x10000000);
	assert_int_equal(pcm_bar_addr(fn[1], 0), 0x20000000);
	assert_string_equal(find("00:00.0")->skipped, "");
	assert_string_equal(find("00:01.0")->skipped, "");
	assert_non_null(strstr(find("00:02.0")->skipped, "does not fit"));
	rig_down(&r);
}

static void test_without_a_64bit_window_prefetchable_bars_go_below_4g(void **state)
{
	struct rig r;
	struct board b;
	const struct pci_func *disk;

	/* QEMU virt,highmem=off: ECAM at 0x3f000000 (16 buses), no 64-bit window. */
	rig_config(&r);
	r.cfg.ecam = (uintptr_t)(FAKE + 0x3f000000ull);
	r.cfg.bus_count = 16;
	r.cfg.window[PCM_MEM64].size = 0;
	rig_create(&r, 0);
	board_build(&r, &b);
	rig_probe(&r);
	disk = find("01:00.0");
	assert_string_equal(disk->skipped, "");
	assert_bar_placed(&r, disk, 0, b.disk);
	assert_true(disk->bar[0].bus_addr < MEM32_PCI + MEM32_SIZE);
	assert_in_window(b.rp, PCM_MEM, &disk->bar[0]);
	rig_down(&r);
}

static void test_a_bridge_without_prefetchable_window_passes_the_bar_through_memory(void **state)
{
	struct rig r;
	struct pcm_fn *br;
	struct pcm_fn *ep;
	const struct pci_func *f;

	rig_config(&r);
	rig_create(&r, 0);
	br = pcm_add_bridge(r.m, NULL, 1, 0, 0x1b36, 0x0001, PCM_BRIDGE_NO_PREF | PCM_BRIDGE_NO_IO);
	ep = pcm_add_endpoint(r.m, br, 0, 0, 0x1234, 0x20, 0x030000);
	pcm_add_bar(ep, 0, 0x4000, PCM_BAR_MEM64 | PCM_BAR_PREFETCH, NULL, NULL);
	rig_probe(&r);
	f = find("01:00.0");
	assert_string_equal(f->skipped, "");
	assert_bar_placed(&r, f, 0, ep);
	assert_in_window(br, PCM_MEM, &f->bar[0]);
	rig_down(&r);
}

static void test_an_io_bar_behind_a_bridge_without_io_window_is_skipped(void **state)
{
	struct rig r;
	struct pcm_fn *br;
	struct pcm_fn *ep;

	rig_config(&r);
	rig_create(&r, 0);
	br = pcm_add_bridge(r.m, NULL, 1, 0, 0x1b36, 0x0001, PCM_BRIDGE_NO_IO);
	ep = pcm_add_endpoint(r.m, br, 0, 0, 0x1234, 0x21, 0x030000);
	pcm_add_bar(ep, 0, 0x20, PCM_BAR_IO, NULL, NULL);
	rig_probe(&r);
	assert_non_null(strstr(find("01:00.0")->skipped, "io window"));
	assert_string_equal(find("00:01.0")->skipped, "");
	rig_down(&r);
}

static void test_bus_numbers_are_relative_to_the_bus_range_start(void **state)
{
	struct rig r;
	struct pcm_fn *br;
	struct pcm_fn *ep;

	rig_config(&r);
	r.cfg.bus_start = 0x20;
	r.cfg.bus_count = 8;
	rig_create(&r, 0);
	br = pcm_add_bridge(r.m, NULL, 0, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
	ep = pcm_add_endpoint(r.m, br, 0, 0, 0x1234, 0x30, 0x030000);
	pcm_add_bar(ep, 0, 0x1000, 0, NULL, NULL);
	rig_probe(&r);
	assert_int_equal(pcm_primary(br), 0x20);
	assert_int_equal(pcm_secondary(br), 0x21);
	assert_non_null(find("21:00.0"));
	assert_bar_placed(&r, find("21:00.0"), 0, ep);
	rig_down(&r);
}

static void test_malformed_ranges_skip_the_host(void **state)
{
	struct rig r;

	rig_config(&r);
	rig_create(&r, PCM_FDT_BAD_RANGES);
	pcm_add_endpoint(r.m, NULL, 0, 0, 0x1234, 0x40, 0x030000);
	rig_probe(&r);
	assert_null(pci_first());
	assert_int_equal(r.added, 0);
	rig_down(&r);
}

static void test_an_unsupported_header_type_is_skipped(void **state)
{
	struct rig r;
	struct pcm_fn *cardbus;

	rig_config(&r);
	rig_create(&r, 0);
	cardbus = pcm_add_endpoint(r.m, NULL, 1, 0, 0x1234, 0x60, 0x060700);
	pcm_poke8(cardbus, PCI_HEADER_TYPE, 2);
	pcm_add_endpoint(r.m, NULL, 2, 0, 0x1234, 0x61, 0x030000);
	rig_probe(&r);
	assert_non_null(strstr(find("00:01.0")->skipped, "header type 2"));
	assert_string_equal(find("00:02.0")->skipped, "");
	rig_down(&r);
}

static void test_a_bridge_beyond_the_bus_range_is_skipped(void **state)
{
	struct rig r;
	struct pcm_fn *br[2];

	rig_config(&r);
	r.cfg.bus_count = 2; /* buses 00-01 */
	rig_create(&r, 0);
	for (unsigned i = 0; i < 2; i++) {
		br[i] = pcm_add_bridge(r.m, NULL, 1 + i, 0, 0x1b36, 0x000c, PCM_BRIDGE_PCIE_ROOT);
		pcm_add_endpoint(r.m, br[i], 0, 0, 0x1234, 0x70 + i, 0x030000);
	}
	rig_probe(&r);
	assert_int_equal(pcm_secondary(br[0]), 1);
	assert_non_null(find("01:00.0"));
	assert_non_null(strstr(find("00:02.0")->skipped, "no bus number"));
	assert_int_equal(pcm_secondary(br[1]), 0);
	assert_int_equal(pcm_command(br[1]), 0);
	rig_down(&r);
}

/* ---------------------------------------------------------------- platform facts */

static void test_intx_follows_the_swizzle_across_bridges(void **state)
{
	struct rig r;
	struct board b;

	board_up(&r, &b);
	/* Slot 1 INTA: SPI 3 + (1 + 1 - 1) % 4 = 4, GIC id 36. */
	assert_int_equal(find("00:01.0")->irq, 36);
	/* 01:00.0 INTA behind the root port in slot 2: INTA (dev 0) at slot 2: SPI 5, id 37. */
	assert_int_equal(find("01:00.0")->irq, 37);
	/* 03:02.0 INTB: behind 02:00.0 it is INT((2 - 1 + 2) % 4 + 1) = INTD, behind 00:05.0
	 * (dev 0) still INTD; slot 5 masks to slot 1: SPI 3 + (1 + 4 - 1) % 4 = 3, id 35. */
	assert_int_equal(find("03:02.0")->irq, 35);
	assert_int_equal(find("03:00.0")->irq, -1); /* no pin */
	rig_down(&r);
}

static void test_stream_ids_come_from_the_iommu_map(void **state)
{
	struct rig r;
	struct board b;

	board_up(&r, &b);
	assert_true(find("01:00.0")->behind_iommu);
	assert_int_equal(find("01:00.0")->stream_id, 0x100);
	assert_int_equal(find("03:02.0")->stream_id, 0x310);
	assert_int_equal(find("00:03.1")->stream_id, 0x19);
	assert_string_equal(find("00:01.0")->iommu_name, "smmuv3@9050000");
	rig_down(&r);
}

static void test_without_an_iommu_map_nothing_is_behind_an_iommu(void **state)
{
	struct rig r;
	struct board b;

	rig_config(&r);
	rig_create(&r, PCM_FDT_NO_IOMMU);
	board_build(&r, &b);
	rig_probe(&r);
	assert_false(find("01:00.0")->behind_iommu);
	rig_down(&r);
}

/* ---------------------------------------------------------------- decoding */

static void test_unbound_endpoints_do_not_decode_and_bridges_forward(void **state)
{
	struct rig r;
	struct board b;
	const uint16_t decode = PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

	board_up(&r, &b);
	assert_int_equal(pcm_command(b.nic) & decode, 0);
	assert_int_equal(pcm_command(b.disk) & decode, 0);
	assert_int_equal(pcm_command(b.rp) & decode, decode);
	assert_int_equal(pcm_command(b.br1) & PCI_COMMAND_MEMORY, PCI_COMMAND_MEMORY);
	rig_down(&r);
}

/* ---------------------------------------------------------------- capabilities */

static int cap_walk(const struct pci_func *f, unsigned *found)
{
	struct pci_cap_iter it;
	int pos;

	*found = 0;
	pci_cap_begin(&it, f);
	while ((pos = pci_cap_next(&it)) > 0) {
		(*found)++;
	}
	return pos;
}

static void test_the_capability_walk_rejects_bad_pointers_and_cycles(void **state)
{
	struct rig r;
	struct pcm_fn *ok, *low, *loop;
	uint8_t body[6] = { 0 };
	unsigned found;
	int first;

	rig_config(&r);
	rig_create(&r, 0);
	ok = pcm_add_endpoint(r.m, NULL, 0, 0, 0x1234, 0x50, 0x030000);
	low = pcm_add_endpoint(r.m, NULL, 1, 0, 0x1234, 0x50, 0x030000);
	loop = pcm_add_endpoint(r.m, NULL, 2, 0, 0x1234, 0x50, 0x030000);
	pcm_add_cap(ok, 0x09, body, sizeof(body));
	pcm_add_cap(ok, 0x05, body, sizeof(body));
	first = pcm_add_cap(low, 0x09, body, sizeof(body));
	pcm_poke8(low, (unsigned)first + 1, 0x3c); /* points into the standard header */
	first = pcm_add_cap(loop, 0x09, body, sizeof(body));
	pcm_add_cap(loop, 0x09, body, sizeof(body));
	pcm_poke8(loop, (unsigned)first + 8 + 1, (uint8_t)first);
	rig_probe(&r);
	assert_int_equal(cap_walk(find("00:00.0"), &found), -ENOENT);
	assert_int_equal(found, 2);
	assert_int_equal(cap_walk(find("00:01.0"), &found), -EINVAL);
	assert_int_equal(found, 1);
	assert_int_equal(cap_walk(find("00:02.0"), &found), -ELOOP);
	rig_down(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_function_is_found_and_buses_are_numbered_depth_first),
		cmocka_unit_test(test_bars_are_aligned_inside_their_windows),
		cmocka_unit_test(test_a_bar_larger_than_its_window_skips_only_that_device),
		cmocka_unit_test(
			test_bars_that_run_out_of_space_skip_only_the_one_that_did_not_fit),
		cmocka_unit_test(test_without_a_64bit_window_prefetchable_bars_go_below_4g),
		cmocka_unit_test(
			test_a_bridge_without_prefetchable_window_passes_the_bar_through_memory),
		cmocka_unit_test(test_an_io_bar_behind_a_bridge_without_io_window_is_skipped),
		cmocka_unit_test(test_bus_numbers_are_relative_to_the_bus_range_start),
		cmocka_unit_test(test_malformed_ranges_skip_the_host),
		cmocka_unit_test(test_an_unsupported_header_type_is_skipped),
		cmocka_unit_test(test_a_bridge_beyond_the_bus_range_is_skipped),
		cmocka_unit_test(test_intx_follows_the_swizzle_across_bridges),
		cmocka_unit_test(test_stream_ids_come_from_the_iommu_map),
		cmocka_unit_test(test_without_an_iommu_map_nothing_is_behind_an_iommu),
		cmocka_unit_test(test_unbound_endpoints_do_not_decode_and_bridges_forward),
		cmocka_unit_test(test_the_capability_walk_rejects_bad_pointers_and_cycles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
