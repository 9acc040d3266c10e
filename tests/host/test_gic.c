/* GIC programming (arch/arm/gic/gicv2.c, gicv3.c, gic_its.c, gic_v2m.c) against the register
 * models of gic_model.c, written from the GIC architecture specifications. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../arch/arm/gic/gic_priv.h"
#include "arch/cpu.h"
#include "arch/io.h"
#include "arch/irq.h"
#include "gic_model.h"

/* ---------------------------------------------------------------- GICv2 */

static void v2_up(struct gic_model *m, struct gic_hw *hw)
{
	gic_model_init(m, 2, 0, NULL);
	memset(hw, 0, sizeof(*hw));
	hw->version = 2;
	hw->dist = m->dist;
	hw->cpu = m->cpu;
}

static void test_v2_init_leaves_every_spi_off_level_default_and_ours(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v2_up(&m, &hw);
	/* Whatever firmware left behind. */
	for (unsigned i = 32; i < GIC_MODEL_LINES; i += 7) {
		m.irq[i] = (struct gic_model_irq){ true, true, true, true, false, 0x10, 0x80, 0 };
	}
	assert_int_equal(gicv2_init(&hw), 0);
	assert_int_equal(hw.lines, GIC_MODEL_LINES);
	for (unsigned i = 16; i < GIC_MODEL_LINES; i++) {
		struct gic_model_irq *q = &m.irq[i];

		assert_false(q->enabled);
		assert_false(q->pending);
		assert_false(q->active);
		assert_int_equal(q->prio, GIC_PRIO_DEFAULT);
		if (i >= 32) {
			assert_false(q->edge);
			assert_int_equal(q->target, 1);
		}
	}
	assert_int_equal(m.gicd_ctlr & 1, 1);
	assert_int_equal(m.gicc_ctlr & 1, 1);
	assert_int_equal(m.pmr, GIC_PRIO_MASK);
	gic_model_destroy(&m);
}

static void test_v2_configure_and_enable_touch_only_their_interrupt(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v2_up(&m, &hw);
	assert_int_equal(gicv2_init(&hw), 0);
	m.irq[40].prio = 0;
	m.irq[41].prio = 0x55;
	gicv2_configure(&hw, 40, true);
	for (unsigned i = 32; i < GIC_MODEL_LINES; i++) {
		assert_int_equal(m.irq[i].edge, i == 40);
	}
	/* IPRIORITYR and ITARGETSR are byte-accessible: the neighbours keep theirs. */
	assert_int_equal(m.irq[40].prio, GIC_PRIO_DEFAULT);
	assert_int_equal(m.irq[41].prio, 0x55);
	assert_int_equal(m.irq[40].target, 1);
	gicv2_enable(&hw, 40, true);
	gicv2_enable(&hw, 72, true);
	assert_true(m.irq[40].enabled);
	assert_true(m.irq[72].enabled);
	assert_false(m.irq[41].enabled);
	gicv2_enable(&hw, 40, false);
	assert_false(m.irq[40].enabled);
	assert_true(m.irq[72].enabled);
	gicv2_configure(&hw, 40, false);
	assert_false(m.irq[40].edge);
	gic_model_destroy(&m);
}

static void test_v2_ack_and_eoi_follow_priority_and_mask(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v2_up(&m, &hw);
	assert_int_equal(gicv2_init(&hw), 0);
	assert_int_equal(gicv2_ack(&hw) & 0x3ff, GIC_SPURIOUS);
	gicv2_configure(&hw, 50, true);
	gicv2_configure(&hw, 60, false);
	gicv2_enable(&hw, 50, true);
	gicv2_enable(&hw, 60, true);
	m.irq[60].prio = 0x80; /* more urgent than the default */
	gic_model_raise(&m, 50);
	gic_model_raise(&m, 60);
	assert_int_equal(gicv2_ack(&hw) & 0x3ff, 60);
	gicv2_eoi(&hw, 60);
	assert_false(m.irq[60].active);
	assert_int_equal(gicv2_ack(&hw) & 0x3ff, 50);
	gicv2_eoi(&hw, 50);
	assert_int_equal(m.eois, 2);
	assert_int_equal(m.last_eoi, 50);
	/* Disabled, or not above the priority mask: not signalled. */
	gic_model_raise(&m, 61);
	m.irq[70].prio = GIC_PRIO_MASK;
	m.irq[70].enabled = true;
	gic_model_raise(&m, 70);
	assert_int_equal(gicv2_ack(&hw) & 0x3ff, GIC_SPURIOUS);
	gic_model_destroy(&m);
}

/* ---------------------------------------------------------------- GICv3 */

/** gicv3_init over one redistributor region, as a DT without #redistributor-regions gives. */
static int v3_init_one(struct gic_hw *hw, uintptr_t base, uint64_t size)
{
	struct dt_gic_region r = { base, size };

	return gicv3_init(hw, &r, 1, 0);
}

static const uint32_t three_cpus[] = { 0x00000001, 0x00000100, 0x01000000 };

static void v3_up(struct gic_model *m, struct gic_hw *hw, uint64_t affinity)
{
	gic_model_init(m, 3, 3, three_cpus);
	memset(hw, 0, sizeof(*hw));
	hw->version = 3;
	hw->dist = m->dist;
	hw->affinity = affinity;
}

static void test_v3_init_finds_our_redistributor_by_affinity(void **state)
{
	static const struct {
		uint64_t affinity; /* IROUTER layout: Aff3 at bit 32 */
		unsigned frame;
	} cases[] = { { 0x1, 0 }, { 0x100, 1 }, { 1ull << 32, 2 } };

	(void)state;
	for (unsigned c = 0; c < 3; c++) {
		struct gic_model m;
		struct gic_hw hw;

		v3_up(&m, &hw, cases[c].affinity);
		assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), 0);
		assert_int_equal(hw.redist, m.redist + cases[c].frame * 0x20000u);
		assert_int_equal(m.frame[cases[c].frame].waker & 2, 0); /* awake */
		assert_int_equal(m.frame[(cases[c].frame + 1) % 3].waker & 2, 2);
		for (unsigned i = 0; i < 32; i++) {
			assert_true(m.frame[cases[c].frame].irq[i].group1);
			assert_false(m.frame[cases[c].frame].irq[i].enabled);
		}
		gic_model_destroy(&m);
	}
}

static void test_v3_init_without_our_redistributor_fails(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x2);
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), -ENODEV);
	gic_model_destroy(&m);
}

static void test_v3_init_routes_spis_to_us_with_affinity_routing(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x100);
	m.irq[100].enabled = true;
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), 0);
	assert_int_equal(hw.lines, GIC_MODEL_LINES);
	assert_int_equal(hw.id_bits, 16);
	assert_true(hw.lpis);
	assert_int_equal(m.gicd_ctlr & 0x12, 0x12); /* ARE_NS | EnableGrp1NS */
	for (unsigned i = 32; i < GIC_MODEL_LINES; i++) {
		assert_int_equal(m.irq[i].route, 0x100);
		assert_true(m.irq[i].group1);
		assert_false(m.irq[i].enabled);
		assert_int_equal(m.irq[i].prio, GIC_PRIO_DEFAULT);
	}
	gic_model_destroy(&m);
}

static void test_v3_configure_ppis_in_the_redistributor_spis_in_the_distributor(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x100);
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), 0);
	gicv3_configure(&hw, 27, false);
	gicv3_enable(&hw, 27, true);
	assert_true(m.frame[1].irq[27].enabled);
	assert_false(m.frame[0].irq[27].enabled);
	assert_false(m.irq[27].enabled);
	gicv3_configure(&hw, 79, true);
	gicv3_enable(&hw, 79, true);
	assert_true(m.irq[79].edge);
	assert_true(m.irq[79].enabled);
	assert_int_equal(m.irq[79].route, 0x100);
	gicv3_enable(&hw, 79, false);
	assert_false(m.irq[79].enabled);
	gic_model_destroy(&m);
}

static void test_v3_init_waits_for_rwp_and_for_the_redistributor_to_wake(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x1);
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), 0);
	assert_int_equal(m.rwp_reads, 0);
	assert_int_equal(m.frame[0].rwp_reads, 0);
	assert_int_equal(m.frame[0].wake_reads, 0); /* ChildrenAsleep was seen clear */
	gicv3_enable(&hw, 27, true);
	gicv3_enable(&hw, 27, false);
	assert_int_equal(m.frame[0].rwp_reads, 0);
	gicv3_enable(&hw, 90, true);
	gicv3_enable(&hw, 90, false);
	assert_int_equal(m.rwp_reads, 0);
	gic_model_destroy(&m);
}

static void test_v3_stuck_rwp_fails_init_without_hanging(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x1);
	m.rwp_stuck = true;
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), -ENODEV);
	gic_model_destroy(&m);
}

static void test_v3_redistributor_that_never_wakes_fails_init(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	v3_up(&m, &hw, 0x100);
	m.frame[1].never_wakes = true;
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), -ENODEV);
	gic_model_destroy(&m);
}

static void test_v3_search_steps_over_gicv4_vlpi_frames(void **state)
{
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	gic_model_init(&m, 4, 3, three_cpus);
	memset(&hw, 0, sizeof(hw));
	hw.version = 3;
	hw.dist = m.dist;
	hw.affinity = 1ull << 32;
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x40000), 0);
	assert_int_equal(hw.redist, m.redist + 2 * 0x40000u);
	assert_int_equal(m.frame[2].waker & 2, 0);
	gic_model_destroy(&m);
}

static void test_v3_search_stops_at_the_last_redistributor(void **state)
{
	static const uint32_t four_cpus[] = { 0x0, 0x1, 0x2, 0x3 };
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	gic_model_init(&m, 3, 4, four_cpus);
	m.last_frame = 2; /* what follows the Last frame is not a redistributor to use */
	memset(&hw, 0, sizeof(hw));
	hw.version = 3;
	hw.dist = m.dist;
	hw.affinity = 0x3;
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), -ENODEV);
	gic_model_destroy(&m);
}

static void test_v3_search_without_last_bit_stops_at_the_region_end(void **state)
{
	static const uint32_t four_cpus[] = { 0x0, 0x1, 0x2, 0x3 };
	struct gic_model m;
	struct gic_hw hw;

	(void)state;
	gic_model_init(&m, 3, 4, four_cpus);
	m.last_frame = GIC_MODEL_FRAMES; /* none */
	memset(&hw, 0, sizeof(hw));
	hw.version = 3;
	hw.dist = m.dist;
	hw.affinity = 0x3; /* the fourth frame, outside the region given */
	assert_int_equal(v3_init_one(&hw, m.redist, 3 * 0x20000), -ENODEV);
	hw.affinity = 0x2;
	assert_int_equal(v3_init_one(&hw, m.redist, 3 * 0x20000), 0);
	assert_int_equal(hw.redist, m.redist + 2 * 0x20000u);
	gic_model_destroy(&m);
}

/* ---------------------------------------------------------------- ITS */

/* Two regions (FVP-like: two clusters, #redistributor-regions = <2>), each ending with its
 * own Last frame: two models stand for the two regions, only the first one's distributor is
 * used. */
static void test_v3_search_goes_on_into_the_next_region_after_a_last_frame(void **state)
{
	static const uint32_t cluster0[] = { 0x000, 0x001 };
	static const uint32_t cluster1[] = { 0x100, 0x101 };
	struct gic_model m0, m1;
	struct gic_hw hw;
	struct dt_gic_region r[2];

	(void)state;
	gic_model_init(&m0, 3, 2, cluster0);
	gic_model_init(&m1, 3, 2, cluster1);
	r[0] = (struct dt_gic_region){ m0.redist, 4 * 0x20000 }; /* larger than its frames */
	r[1] = (struct dt_gic_region){ m1.redist, 2 * 0x20000 };
	memset(&hw, 0, sizeof(hw));
	hw.version = 3;
	hw.dist = m0.dist;
	hw.affinity = 0x101;
	assert_int_equal(gicv3_init(&hw, r, 2, 0), 0);
	assert_int_equal(hw.redist, m1.redist + 0x20000u);
	assert_int_equal(m1.frame[1].waker & 2, 0);
	hw.affinity = 0x001;
	assert_int_equal(gicv3_init(&hw, r, 2, 0), 0);
	assert_int_equal(hw.redist, m0.redist + 0x20000u);
	hw.affinity = 0x102; /* in neither region */
	assert_int_equal(gicv3_init(&hw, r, 2, 0), -ENODEV);
	/* Only the first region given: the second cluster is not found. */
	hw.affinity = 0x100;
	assert_int_equal(gicv3_init(&hw, r, 1, 0), -ENODEV);
	gic_model_destroy(&m1);
	gic_model_destroy(&m0);
}

/* redistributor-stride: frames further apart than RD_base + SGI_base (a GICv4 model's frames
 * are 0x40000 apart and have VLPIS set; a stride of 0x40000 must land on each). */
static void test_v3_search_uses_the_dt_redistributor_stride(void **state)
{
	struct gic_model m;
	struct gic_hw hw;
	struct dt_gic_region r;

	(void)state;
	gic_model_init(&m, 4, 3, three_cpus);
	r = (struct dt_gic_region){ m.redist, 3 * 0x40000 };
	memset(&hw, 0, sizeof(hw));
	hw.version = 3;
	hw.dist = m.dist;
	hw.affinity = 1ull << 32;
	assert_int_equal(gicv3_init(&hw, &r, 1, 0x40000), 0);
	assert_int_equal(hw.redist, m.redist + 2 * 0x40000u);
	/* A stride of 0x80000 skips the frame at 0x40000: affinity 0x100 is not found. */
	hw.affinity = 0x100;
	assert_int_equal(gicv3_init(&hw, &r, 1, 0x80000), -ENODEV);
	gic_model_destroy(&m);
}

static void test_its_init_programs_tables_queue_and_collection(void **state)
{
	struct gic_model_its model;
	struct gic_its its;

	(void)state;
	for (int pta = 0; pta < 2; pta++) {
		gic_model_its_init(&model, pta);
		assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 1), 0);
		/* Device table: 2^16 entries of 8 bytes = 128 pages of 4 KiB, valid. */
		assert_true(model.baser[0] >> 63);
		assert_int_equal(model.baser[0] & 0xff, 127);
		assert_int_equal((model.baser[0] >> 8) & 3, 0);
		assert_int_not_equal(model.baser[0] & 0x0000fffffffff000ull, 0);
		assert_int_equal((model.baser[0] >> 56) & 7, 1); /* Type and Entry_Size kept */
		assert_int_equal((model.baser[0] >> 48) & 0x1f, 7);
		assert_true(model.baser[1] >> 63);
		assert_int_equal((model.baser[1] >> 56) & 7, 4);
		assert_int_not_equal(model.baser[1] & 0x0000fffffffff000ull, 0);
		assert_int_equal(model.baser[2], 0); /* unimplemented: left alone */
		/* CBASER: one 4 KiB page (Size 0) for the 128 commands, page aligned. */
		assert_true(model.cbaser >> 63);
		assert_int_equal(model.cbaser & 0xff, 0);
		assert_int_not_equal(model.cbaser & 0x000ffffffffff000ull, 0);
		assert_int_equal(model.creadr, model.cwriter);
		assert_int_equal(model.ctlr & 1, 1);
		assert_true(model.coll_valid);
		assert_int_equal(model.coll_target, pta ? 0x80a0000u : 1u << 16);
		assert_int_equal(model.errors, 0);
		assert_true(model.syncs >= 1);
		assert_int_equal(model.invalls, 1);
		gic_model_its_destroy(&model);
	}
}

static void test_its_fixed_64k_pages_are_respected(void **state)
{
	struct gic_model_its model;
	struct gic_its its;

	(void)state;
	gic_model_its_init(&model, false);
	model.fixed_64k_pages = true;
	model.baser[0] |= 2ull << 8;
	model.baser[1] |= 2ull << 8;
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), 0);
	assert_int_equal((model.baser[0] >> 8) & 3, 2);
	/* 512 KiB in 64 KiB pages: 8 of them. */
	assert_int_equal(model.baser[0] & 0xff, 7);
	gic_model_its_destroy(&model);
}

static void test_its_device_table_is_capped_and_bounds_devids(void **state)
{
	struct gic_model_its model;
	struct gic_its its;
	struct arch_msi msi[1];

	(void)state;
	gic_model_its_init(&model, false);
	model.devbits = 32; /* 2^32 entries of 8 bytes: more than 256 pages */
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), 0);
	assert_int_equal(model.baser[0] & 0xff, 255);
	/* 256 pages of 4 KiB hold 2^17 entries: DeviceIDs beyond are refused up front. */
	assert_int_equal(gic_its_map_device(&its, 1u << 17, 1, 8192, msi), -ERANGE);
	assert_int_equal(gic_its_map_device(&its, 0xffffffffu, 1, 8192, msi), -ERANGE);
	assert_int_equal(model.errors, 0);
	gic_model_its_destroy(&model);
}

static void test_its_itt_size_follows_the_event_count(void **state)
{
	static const struct {
		unsigned count, bits;
	} cases[] = { { 1, 1 }, { 2, 1 }, { 4, 2 }, { 5, 3 }, { 32, 5 } };
	struct gic_model_its model;
	struct gic_its its;
	struct arch_msi msi[32];
	unsigned lpi = 8192;

	(void)state;
	gic_model_its_init(&model, false);
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), 0);
	for (unsigned c = 0; c < 5; c++) {
		assert_int_equal(gic_its_map_device(&its, c, cases[c].count, lpi, msi), 0);
		assert_int_equal(model.dev[c].bits, cases[c].bits);
		assert_int_equal(model.dev[c].itt & 0xff, 0);
		assert_int_equal(gic_model_its_lpi(&model, c, cases[c].count - 1),
				 lpi + cases[c].count - 1);
		lpi += cases[c].count;
	}
	assert_int_equal(model.errors, 0);
	gic_model_its_destroy(&model);
}

static void test_its_inv_of_an_unmapped_event_reports_the_stall(void **state)
{
	struct gic_model_its model;
	struct gic_its its;
	struct arch_msi msi[2];

	(void)state;
	gic_model_its_init(&model, false);
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), 0);
	assert_int_equal(gic_its_map_device(&its, 5, 2, 8192, msi), 0);
	assert_int_equal(gic_its_inv(&its, 5, 3), -EIO);
	assert_int_equal(model.errors, 1);
	gic_model_its_destroy(&model);
}

/* Feeds raw commands to the model, to check it rejects what the spec calls malformed. */
struct raw_queue {
	struct gic_model_its model;
	uint64_t *cmd;
	unsigned n;
};

static void raw_queue_init(struct raw_queue *q)
{
	gic_model_its_init(&q->model, false);
	q->cmd = aligned_alloc(4096, 4096);
	assert_non_null(q->cmd);
	q->n = 0;
	io_write64(q->model.base + 0x80, 1ull << 63 | pa_addr(arch_va_to_pa(q->cmd)));
	io_write32(q->model.base, 1);
}

static bool raw_queue_run(struct raw_queue *q, uint64_t d0, uint64_t d1, uint64_t d2)
{
	uint64_t *c = &q->cmd[q->n++ * 4];

	c[0] = d0;
	c[1] = d1;
	c[2] = d2;
	c[3] = 0;
	io_write64(q->model.base + 0x88, q->n * 32);
	return (io_read64(q->model.base + 0x90) & 1) == 0;
}

static void raw_queue_destroy(struct raw_queue *q)
{
	gic_model_its_destroy(&q->model);
	free(q->cmd);
}

static void test_its_model_rejects_malformed_commands(void **state)
{
	struct raw_queue q;

	(void)state;
	raw_queue_init(&q);
	assert_true(raw_queue_run(&q, 0x09, 0, 1ull << 63)); /* MAPC ICID 0 */
	/* MAPTI for a DeviceID without MAPD. */
	assert_false(raw_queue_run(&q, 0x0a | 3ull << 32, 0 | 8192ull << 32, 0));
	raw_queue_destroy(&q);

	raw_queue_init(&q);
	assert_true(raw_queue_run(&q, 0x09, 0, 1ull << 63));
	/* MAPD with an ITT of 2 EventID bits (Size 1): events 0..3. */
	assert_true(raw_queue_run(&q, 0x08 | 3ull << 32, 1, 1ull << 63 | 0x100000));
	assert_true(raw_queue_run(&q, 0x0a | 3ull << 32, 3 | 8192ull << 32, 0));
	assert_false(raw_queue_run(&q, 0x0a | 3ull << 32, 4 | 8193ull << 32, 0));
	assert_int_equal(q.model.map_count, 1);
	raw_queue_destroy(&q);
}

static void test_its_maps_a_device_to_consecutive_lpis(void **state)
{
	struct gic_model_its model;
	struct gic_its its;
	struct arch_msi msi[3];

	(void)state;
	gic_model_its_init(&model, false);
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), 0);
	assert_int_equal(gic_its_map_device(&its, 8, 3, 8192, msi), 0);
	assert_true(model.dev[8].valid);
	assert_int_equal(model.dev[8].bits, 2); /* 3 events need 2 EventID bits */
	assert_int_not_equal(model.dev[8].itt, 0);
	for (unsigned e = 0; e < 3; e++) {
		assert_int_equal(gic_model_its_lpi(&model, 8, e), 8192 + e);
		assert_int_equal(msi[e].intid, 8192 + e);
		assert_int_equal(msi[e].address, model.base + 0x10040);
		assert_int_equal(msi[e].data, e);
	}
	assert_int_equal(gic_its_map_device(&its, 8, 1, 8195, msi), -EBUSY);
	assert_int_equal(gic_its_map_device(&its, 1u << 16, 1, 8195, msi), -ERANGE);
	assert_int_equal(gic_its_inv(&its, 8, 1), 0);
	assert_int_equal(model.invs, 1);
	assert_int_equal(model.errors, 0);
	gic_model_its_destroy(&model);
}

static void test_its_that_never_consumes_commands_times_out(void **state)
{
	struct gic_model_its model;
	struct gic_its its;

	(void)state;
	gic_model_its_init(&model, false);
	model.stuck = true;
	assert_int_equal(gic_its_init(&its, model.base, model.base, 0x80a0000, 0), -ETIMEDOUT);
	gic_model_its_destroy(&model);
}

static void test_lpi_tables_and_configuration_bytes(void **state)
{
	struct gic_model m;
	struct gic_hw hw;
	uint8_t *prop;

	(void)state;
	v3_up(&m, &hw, 0x1);
	assert_int_equal(v3_init_one(&hw, m.redist, 4 * 0x20000), 0);
	prop = gic_lpi_tables_init(hw.redist, 14);
	assert_non_null(prop);
	assert_int_equal(m.frame[0].propbaser & 0x1f, 13);
	assert_int_equal(m.frame[0].propbaser & 0x000ffffffffff000ull, (uintptr_t)prop);
	assert_true((m.frame[0].pendbaser >> 62) & 1);	       /* PTZ: the table is zeroed */
	assert_int_equal(m.frame[0].pendbaser & 0xf000ull, 0); /* 64 KiB aligned */
	assert_int_equal(m.frame[0].ctlr & 1, 1);
	for (unsigned i = 0; i < 8192; i++) {
		assert_int_equal(prop[i], (GIC_PRIO_DEFAULT & 0xfc) | 2);
	}
	gic_lpi_config(prop, 8195, true);
	assert_int_equal(prop[3], (GIC_PRIO_DEFAULT & 0xfc) | 3);
	gic_lpi_config(prop, 8195, false);
	assert_int_equal(prop[3], (GIC_PRIO_DEFAULT & 0xfc) | 2);
	/* LPIs on already: the tables cannot be moved. */
	assert_null(gic_lpi_tables_init(hw.redist, 14));
	gic_model_destroy(&m);
}

/* ---------------------------------------------------------------- GICv2m */

static void test_v2m_hands_out_its_spis_from_the_typer(void **state)
{
	struct gic_v2m v;
	struct arch_msi msi[64];
	void *backing;
	uintptr_t base = gic_model_v2m_init(&backing, 80, 64);

	(void)state;
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 0, 0, 288), 0);
	assert_int_equal(gic_v2m_alloc(&v, 3, msi), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(msi[i].intid, 80 + i);
		assert_int_equal(msi[i].data, 80 + i);
		assert_int_equal(msi[i].address, 0x8020040);
	}
	assert_int_equal(gic_v2m_alloc(&v, 64, msi), 61);
	assert_int_equal(msi[60].intid, 143);
	assert_int_equal(gic_v2m_alloc(&v, 1, msi), -ENOSPC);
	/* The DT's numbers win over the register; a range outside the SPIs is refused. */
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 200, 8, 288), 0);
	assert_int_equal(gic_v2m_alloc(&v, 1, msi), 1);
	assert_int_equal(msi[0].intid, 200);
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 16, 8, 288), -ENODEV);
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 280, 16, 288), -ENODEV);
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 288, 1, 288), -ENODEV);
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 300, 8, 288), -ENODEV);
	assert_int_equal(gic_v2m_init(&v, base, 0x8020000, 280, 8, 288), 0);
	fake_io_unregister(base);
	free(backing);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_init_leaves_every_spi_off_level_default_and_ours),
		cmocka_unit_test(test_v2_configure_and_enable_touch_only_their_interrupt),
		cmocka_unit_test(test_v2_ack_and_eoi_follow_priority_and_mask),
		cmocka_unit_test(test_v3_init_finds_our_redistributor_by_affinity),
		cmocka_unit_test(test_v3_init_without_our_redistributor_fails),
		cmocka_unit_test(test_v3_init_routes_spis_to_us_with_affinity_routing),
		cmocka_unit_test(
			test_v3_configure_ppis_in_the_redistributor_spis_in_the_distributor),
		cmocka_unit_test(test_v3_init_waits_for_rwp_and_for_the_redistributor_to_wake),
		cmocka_unit_test(test_v3_stuck_rwp_fails_init_without_hanging),
		cmocka_unit_test(test_v3_redistributor_that_never_wakes_fails_init),
		cmocka_unit_test(test_v3_search_steps_over_gicv4_vlpi_frames),
		cmocka_unit_test(test_v3_search_stops_at_the_last_redistributor),
		cmocka_unit_test(test_v3_search_goes_on_into_the_next_region_after_a_last_frame),
		cmocka_unit_test(test_v3_search_uses_the_dt_redistributor_stride),
		cmocka_unit_test(test_v3_search_without_last_bit_stops_at_the_region_end),
		cmocka_unit_test(test_its_init_programs_tables_queue_and_collection),
		cmocka_unit_test(test_its_device_table_is_capped_and_bounds_devids),
		cmocka_unit_test(test_its_itt_size_follows_the_event_count),
		cmocka_unit_test(test_its_inv_of_an_unmapped_event_reports_the_stall),
		cmocka_unit_test(test_its_model_rejects_malformed_commands),
		cmocka_unit_test(test_its_fixed_64k_pages_are_respected),
		cmocka_unit_test(test_its_maps_a_device_to_consecutive_lpis),
		cmocka_unit_test(test_its_that_never_consumes_commands_times_out),
		cmocka_unit_test(test_lpi_tables_and_configuration_bytes),
		cmocka_unit_test(test_v2m_hands_out_its_spis_from_the_typer),
	};

	return cmocka_run_group_tests_name("gic", tests, NULL, NULL);
}
