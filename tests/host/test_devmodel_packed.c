/* The device model's packed ring (tests/devmodel/ring_packed*.c) checked on its own: a
 * hand-written "driver" in this file builds packed rings as virtio 1.2 §2.8.21 describes,
 * without vireo's drivers, and reads the used descriptors as §2.8.22 does. Layouts and flag
 * values are typed again here from the spec, so a wrong constant in the model shows up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/io.h"
#include "devmodel.h"

/* §4.2.2 register offsets. */
enum {
	R_MAGIC = 0x000,
	R_VERSION = 0x004,
	R_DEVICE_ID = 0x008,
	R_DEV_FEATURES = 0x010,
	R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020,
	R_DRV_FEATURES_SEL = 0x024,
	R_QUEUE_SEL = 0x030,
	R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038,
	R_QUEUE_READY = 0x044,
	R_QUEUE_NOTIFY = 0x050,
	R_STATUS = 0x070,
	R_DESC_LO = 0x080,
	R_DESC_HI = 0x084,
	R_DRIVER_LO = 0x090,
	R_DRIVER_HI = 0x094,
	R_DEVICE_LO = 0x0a0,
	R_DEVICE_HI = 0x0a4,
};

enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 64 };

#define F_INDIRECT (1ull << 28)
#define F_EVENT_IDX (1ull << 29)
#define F_VERSION_1 (1ull << 32)
#define F_RING_PACKED (1ull << 34)

/* §2.8.6, §2.8.7, §2.8.3, §2.8.1 descriptor flags; §2.8.10 event flags. */
enum { D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4, D_AVAIL = 1 << 7, D_USED = 1 << 15 };
enum { EV_ENABLE = 0, EV_DISABLE = 1, EV_DESC = 2 };
enum { T_IN = 0, T_OUT = 1 };

#define MAX_NUM 64u
#define EVENT_BYTES 256u /* both event structures (apart, so that a split ring fits too) */
#define SECTOR 512u

/* struct pvirtq_desc (§2.8.13) and struct pvirtq_event_suppress (§2.8.14). */
struct pdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

struct pevent {
	uint16_t off_wrap;
	uint16_t flags;
};

struct elem {
	void *p;
	uint32_t len;
	bool write;
};

/* A modern blk model and the driver side of one packed queue. */
struct fx {
	struct devmodel *dm;
	uintptr_t base;
	unsigned num;
	struct pdesc *ring;
	struct pevent *drv_event; /* the driver's, read by the device */
	struct pevent *dev_event; /* the device's */
	unsigned next_avail;
	bool avail_wrap;
	unsigned next_used;
	bool used_wrap;
	unsigned count[MAX_NUM]; /* descriptors of each buffer id's list */
	uint8_t hdr[MAX_NUM][16];
	uint8_t status[MAX_NUM];
	uint8_t *data;
	unsigned irqs;
};

static void count_irq(void *ctx)
{
	((struct fx *)ctx)->irqs++;
}

static uint32_t rd(struct fx *f, unsigned off)
{
	return io_read32(f->base + off);
}

static void wr(struct fx *f, unsigned off, uint32_t v)
{
	io_write32(f->base + off, v);
}

static void wr64(struct fx *f, unsigned lo, const void *p)
{
	wr(f, lo, (uint32_t)(uintptr_t)p);
	wr(f, lo + 4, (uint32_t)((uint64_t)(uintptr_t)p >> 32));
}

static void fx_create(struct fx *f, struct devmodel_config *cfg)
{
	struct devmodel_blk_config blk = { .capacity = 256 };

	memset(f, 0, sizeof(*f));
	cfg->irq = count_irq;
	cfg->irq_ctx = f;
	f->dm = devmodel_blk_create(cfg, &blk);
	assert_non_null(f->dm);
	f->base = devmodel_base(f->dm);
	f->ring = aligned_alloc(16, MAX_NUM * sizeof(*f->ring));
	f->drv_event = aligned_alloc(4, EVENT_BYTES);
	f->dev_event = f->drv_event + EVENT_BYTES / 2 / sizeof(*f->drv_event);
	f->data = calloc(MAX_NUM, 4 * SECTOR);
	assert_non_null(f->ring);
	assert_non_null(f->drv_event);
	assert_non_null(f->data);
}

/* §3.1.1 with `accept`, queue 0 of num descriptors (§2.8.12: the ring zeroed), DRIVER_OK. */
static void fx_setup(struct fx *f, uint64_t accept, unsigned num)
{
	rd(f, R_MAGIC);
	rd(f, R_VERSION);
	rd(f, R_DEVICE_ID);
	wr(f, R_STATUS, 0);
	wr(f, R_STATUS, S_ACK);
	wr(f, R_STATUS, S_ACK | S_DRIVER);
	wr(f, R_DEV_FEATURES_SEL, 0);
	rd(f, R_DEV_FEATURES);
	wr(f, R_DEV_FEATURES_SEL, 1);
	rd(f, R_DEV_FEATURES);
	wr(f, R_DRV_FEATURES_SEL, 0);
	wr(f, R_DRV_FEATURES, (uint32_t)accept);
	wr(f, R_DRV_FEATURES_SEL, 1);
	wr(f, R_DRV_FEATURES, (uint32_t)(accept >> 32));
	wr(f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	assert_true(rd(f, R_STATUS) & S_FEATURES_OK);
	memset(f->ring, 0, MAX_NUM * sizeof(*f->ring));
	memset(f->drv_event, 0, EVENT_BYTES);
	f->num = num;
	f->next_avail = f->next_used = 0;
	f->avail_wrap = f->used_wrap = true; /* §2.8.1: both start at 1 */
	wr(f, R_QUEUE_SEL, 0);
	assert_true(rd(f, R_QUEUE_NUM_MAX) >= num);
	wr(f, R_QUEUE_NUM, num);
	wr64(f, R_DESC_LO, f->ring);
	wr64(f, R_DRIVER_LO, f->drv_event);
	wr64(f, R_DEVICE_LO, f->dev_event);
	wr(f, R_QUEUE_READY, 1);
	wr(f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
}

static void fx_ready(struct fx *f, struct devmodel_config *cfg, uint64_t extra, unsigned num)
{
	cfg->ring_packed = true;
	fx_create(f, cfg);
	fx_setup(f, F_VERSION_1 | F_RING_PACKED | extra, num);
	assert_string_equal(devmodel_last_violation(f->dm), "");
}

static void fx_free(struct fx *f)
{
	devmodel_destroy(f->dm);
	free(f->ring);
	free(f->drv_event);
	free(f->data);
}

static void kick(struct fx *f)
{
	wr(f, R_QUEUE_NOTIFY, 0);
}

static uint16_t avail_flags(const struct fx *f)
{
	return f->avail_wrap ? D_AVAIL : D_USED;
}

/* §2.8.21.1: the elements of one buffer from the driver's next slot, id in the last, the
 * first descriptor's flags written last. `extra` is or-ed into every descriptor's flags. */
static void add(struct fx *f, const struct elem *e, unsigned n, uint16_t id, uint16_t extra)
{
	unsigned first = f->next_avail;
	uint16_t first_flags = 0;

	for (unsigned i = 0; i < n; i++) {
		struct pdesc *d = &f->ring[f->next_avail];
		uint16_t flags = (uint16_t)(avail_flags(f) | (e[i].write ? D_WRITE : 0) | extra |
					    (i + 1 < n ? D_NEXT : 0));

		d->addr = (uintptr_t)e[i].p;
		d->len = e[i].len;
		d->id = id;
		if (i == 0) {
			first_flags = flags;
		} else {
			d->flags = flags;
		}
		if (++f->next_avail == f->num) {
			f->next_avail = 0;
			f->avail_wrap = !f->avail_wrap;
		}
	}
	f->count[id] = n;
	atomic_thread_fence(memory_order_release);
	f->ring[first].flags = first_flags;
}

/* A blk request as header | data | status; `split_data` cuts the data in two descriptors. */
static void blk_add(struct fx *f, uint16_t id, uint32_t type, uint64_t sector, unsigned sectors,
		    bool split_data)
{
	uint8_t *data = f->data + (size_t)id * 4 * SECTOR;
	uint32_t len = sectors * SECTOR;
	struct elem e[4];
	unsigned n = 0;

	memset(f->hdr[id], 0, 16);
	memcpy(f->hdr[id], &type, 4);
	memcpy(f->hdr[id] + 8, &sector, 8);
	f->status[id] = 0xee;
	e[n++] = (struct elem){ f->hdr[id], 16, false };
	if (split_data) {
		e[n++] = (struct elem){ data, len / 2, type == T_IN };
		e[n++] = (struct elem){ data + len / 2, len - len / 2, type == T_IN };
	} else {
		e[n++] = (struct elem){ data, len, type == T_IN };
	}
	e[n++] = (struct elem){ &f->status[id], 1, true };
	add(f, e, n, id, 0);
}

/* §2.8.22: the next used descriptor, if any: its id and length; skips its list. */
static bool get_used(struct fx *f, uint16_t *id, uint32_t *len)
{
	struct pdesc *d = &f->ring[f->next_used];
	uint16_t flags = d->flags;
	bool avail = flags & D_AVAIL, used = flags & D_USED;

	if (used != f->used_wrap || avail != used) {
		return false;
	}
	atomic_thread_fence(memory_order_acquire);
	*id = d->id;
	*len = d->len;
	assert_true(*id < f->num);
	f->next_used += f->count[*id];
	if (f->next_used >= f->num) {
		f->next_used -= f->num;
		f->used_wrap = !f->used_wrap;
	}
	return true;
}

static void expect_used(struct fx *f, uint16_t id, uint32_t len)
{
	uint16_t got_id;
	uint32_t got_len;

	assert_true(get_used(f, &got_id, &got_len));
	assert_int_equal(got_id, id);
	assert_int_equal(got_len, len);
}

static uint8_t *disk(struct fx *f, uint64_t sector)
{
	return devmodel_blk_disk(f->dm, NULL) + sector * SECTOR;
}

/* ------------------------------------------------------------------ features and set-up */

static void test_packed_is_offered_only_when_configured_and_only_to_modern_drivers(void **state)
{
	struct devmodel_config plain = { .version = 2 },
			       packed = { .version = 2, .ring_packed = true };
	struct devmodel_config legacy = { .version = 1, .ring_packed = true };
	struct devmodel_blk_config blk = { 0 };
	struct devmodel *a = devmodel_blk_create(&plain, &blk);
	struct devmodel *b = devmodel_blk_create(&packed, &blk);
	struct devmodel *c = devmodel_blk_create(&legacy, &blk);

	(void)state;
	assert_false(devmodel_offered_features(a) & F_RING_PACKED);
	assert_true(devmodel_offered_features(b) & F_RING_PACKED);
	assert_false(devmodel_offered_features(c) & F_RING_PACKED);
	devmodel_destroy(a);
	devmodel_destroy(b);
	devmodel_destroy(c);
}

static void test_a_packed_ring_need_not_be_a_power_of_two_but_a_split_ring_must(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 6);
	fx_setup(&f, F_VERSION_1, 6);
	assert_true(devmodel_has_violation(f.dm, "not a power of 2"));
	fx_free(&f);
}

static void test_a_misaligned_event_suppression_area_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2, .ring_packed = true };
	struct fx f;

	(void)state;
	fx_create(&f, &cfg);
	f.dev_event = (struct pevent *)((uint8_t *)f.drv_event + 6);
	fx_setup(&f, F_VERSION_1 | F_RING_PACKED, 8);
	assert_true(devmodel_has_violation(f.dm, "misaligned"));
	fx_free(&f);
}

/* ------------------------------------------------------------------ the ring */

static void test_a_write_then_a_read_round_trip_and_use_the_first_slot_of_each_list(void **s)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)s;
	fx_ready(&f, &cfg, 0, 8);
	memset(f.data + 3 * 4 * SECTOR, 0x3c, SECTOR);
	blk_add(&f, 3, T_OUT, 10, 1, false);
	kick(&f);
	assert_int_equal(f.status[3], 0);
	assert_memory_equal(disk(&f, 10), f.data + 3 * 4 * SECTOR, SECTOR);
	/* §2.8.6: the used descriptor overwrote the list's first; flags AVAIL = USED = 1 */
	assert_int_equal(f.ring[0].flags & (D_AVAIL | D_USED), D_AVAIL | D_USED);
	expect_used(&f, 3, 1);
	blk_add(&f, 5, T_IN, 10, 1, false);
	kick(&f);
	assert_int_equal(f.ring[3].flags & (D_AVAIL | D_USED | D_WRITE),
			 D_AVAIL | D_USED | D_WRITE);
	expect_used(&f, 5, SECTOR + 1);
	assert_memory_equal(f.data + 5 * 4 * SECTOR, disk(&f, 10), SECTOR);
	assert_int_equal(f.irqs, 2);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

/* Lists of 3 and 4 descriptors in a ring of 5 and of 7: they straddle the end of the ring and
 * both wrap counters flip hundreds of times. */
static void test_wrap_counters_flip_over_hundreds_of_lists_that_straddle_the_ring_end(void **s)
{
	static const unsigned sizes[] = { 5, 7 };

	(void)s;
	for (unsigned k = 0; k < 2; k++) {
		struct devmodel_config cfg = { .version = 2 };
		unsigned flips = 0;
		struct fx f;

		fx_ready(&f, &cfg, 0, sizes[k]);
		for (unsigned i = 0; i < 500; i++) {
			uint16_t id = (uint16_t)(i % 2);
			bool was = f.used_wrap;
			uint64_t sector = (i * 7u) % 250;

			memset(f.data + id * 4 * SECTOR, (int)i, 2 * SECTOR);
			blk_add(&f, id, i % 3 ? T_OUT : T_IN, sector, 2, i % 2);
			kick(&f);
			expect_used(&f, id, i % 3 ? 1 : 2 * SECTOR + 1);
			assert_int_equal(f.status[id], 0);
			assert_memory_equal(f.data + id * 4 * SECTOR, disk(&f, sector), 2 * SECTOR);
			flips += was != f.used_wrap;
		}
		assert_true(flips > 200);
		assert_int_equal(devmodel_stats(f.dm)->completions, 500);
		assert_int_equal(devmodel_violations(f.dm), 0);
		fx_free(&f);
	}
}

/* §2.8: "the device might complete their processing out of order. Used device descriptors are
 * written in the order in which their processing is complete", each skipping its own list. */
static void test_a_late_completion_is_written_after_the_ones_that_finished_first(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_SWALLOW, 1);
	blk_add(&f, 6, T_OUT, 1, 2, true); /* 4 descriptors, held */
	blk_add(&f, 2, T_IN, 1, 1, false); /* 3 descriptors */
	kick(&f);
	assert_int_equal(devmodel_in_flight(f.dm, 0), 1);
	expect_used(&f, 2, SECTOR + 1); /* at slot 0, the held list's first */
	assert_int_equal(f.next_used, 3);
	assert_int_equal(devmodel_release_swallowed(f.dm), 1);
	assert_int_equal(f.ring[3].id, 6);
	expect_used(&f, 6, 1);
	assert_int_equal(f.next_used, 7);
	/* the ring goes on normally from there, across its end */
	blk_add(&f, 6, T_IN, 1, 2, true);
	kick(&f);
	expect_used(&f, 6, 2 * SECTOR + 1);
	assert_int_equal(f.next_used, 3);
	assert_false(f.used_wrap);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_deferred_buffers_are_taken_in_ring_order_and_one_interrupt_covers_them(void **s)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct fx f;

	(void)s;
	fx_ready(&f, &cfg, 0, 16);
	for (uint16_t id = 0; id < 5; id++) {
		blk_add(&f, (uint16_t)(10 + id), T_OUT, id, 1, false);
	}
	kick(&f);
	assert_int_equal(f.irqs, 0);
	assert_int_equal(devmodel_process(f.dm), 5);
	assert_int_equal(f.irqs, 1);
	for (uint16_t id = 0; id < 5; id++) {
		expect_used(&f, (uint16_t)(10 + id), 1);
	}
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_an_indirect_table_of_packed_descriptors_carries_the_whole_request(void **s)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct pdesc *table = aligned_alloc(16, 4 * sizeof(*table));
	struct fx f;

	(void)s;
	fx_ready(&f, &cfg, F_INDIRECT, 4);
	memset(f.hdr[1], 0, 16);
	memcpy(f.hdr[1] + 8, &(uint64_t){ 20 }, 8); /* T_IN */
	table[0] = (struct pdesc){ (uintptr_t)f.hdr[1], 16, 0, 0 };
	table[1] = (struct pdesc){ (uintptr_t)f.data, SECTOR, 0, D_WRITE };
	table[2] = (struct pdesc){ (uintptr_t)f.data + SECTOR, SECTOR, 0, D_WRITE };
	table[3] = (struct pdesc){ (uintptr_t)&f.status[1], 1, 0, D_WRITE };
	add(&f, &(struct elem){ table, 4 * sizeof(*table), false }, 1, 1, D_INDIRECT);
	kick(&f);
	expect_used(&f, 1, 2 * SECTOR + 1);
	assert_int_equal(f.status[1], 0);
	assert_memory_equal(f.data, disk(&f, 20), 2 * SECTOR);
	assert_int_equal(devmodel_stats(f.dm)->indirect_chains, 1);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
	free(table);
}

/* ------------------------------------------------------------------ driver violations */

/* Each case builds one bad list, kicks, and expects the violation and a broken queue. */
static void expect_broken(struct fx *f, const char *violation)
{
	kick(f);
	assert_true(devmodel_has_violation(f->dm, violation));
	assert_true(devmodel_queue_broken(f->dm, 0));
	assert_true(devmodel_status(f->dm) & S_NEEDS_RESET);
	fx_free(f);
}

static void test_indirect_with_next_or_inside_a_list_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct pdesc table[2] = { 0 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, F_INDIRECT, 8);
	add(&f, (struct elem[]){ { table, 32, false }, { f.status, 1, true } }, 2, 0, D_INDIRECT);
	expect_broken(&f, "VIRTQ_DESC_F_INDIRECT in a list");
}

static void test_indirect_without_the_feature_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct pdesc table[2] = { 0 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	add(&f, &(struct elem){ table, 32, false }, 1, 0, D_INDIRECT);
	expect_broken(&f, "without VIRTIO_F_INDIRECT_DESC");
}

static void test_an_indirect_table_of_a_partial_descriptor_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct pdesc table[2] = { 0 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, F_INDIRECT, 8);
	add(&f, &(struct elem){ table, 24, false }, 1, 0, D_INDIRECT);
	expect_broken(&f, "not a whole number");
}

static void test_a_flag_other_than_write_in_an_indirect_table_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2, .indirect_desc = true };
	struct fx f;
	struct pdesc table[2];

	(void)state;
	fx_ready(&f, &cfg, F_INDIRECT, 8); /* header 0: a read of no sectors */
	table[0] = (struct pdesc){ (uintptr_t)f.hdr[0], 16, 0, D_NEXT | D_AVAIL };
	table[1] = (struct pdesc){ (uintptr_t)&f.status[0], 1, 0, D_WRITE };
	add(&f, &(struct elem){ table, sizeof(table), false }, 1, 0, D_INDIRECT);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "only VIRTQ_DESC_F_WRITE is valid"));
	expect_used(&f, 0, 1); /* ignored, as the device must (§2.8.7) */
	fx_free(&f);
}

static void test_a_readable_element_after_a_writable_one_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	add(&f, (struct elem[]){ { f.status, 1, true }, { f.hdr[0], 16, false } }, 2, 0, 0);
	expect_broken(&f, "device-readable descriptor 1 after a device-writable");
}

static void test_a_list_whose_tail_is_not_available_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	f.ring[2].flags ^= D_AVAIL | D_USED; /* the status descriptor still looks unused */
	expect_broken(&f, "continues the list");
}

static void test_a_list_longer_than_the_queue_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct elem e[4];
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 4);
	for (unsigned i = 0; i < 4; i++) {
		e[i] = (struct elem){ f.hdr[i], 16, false };
	}
	add(&f, e, 4, 0, 0);
	f.ring[3].flags |= D_NEXT; /* ... and on into its own first descriptor */
	expect_broken(&f, "longer than the queue size");
}

static void test_a_buffer_id_not_below_the_queue_size_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	f.ring[2].id = 8;
	expect_broken(&f, "buffer id 8");
}

static void test_a_buffer_id_made_available_while_the_device_holds_it_is_a_violation(void **s)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)s;
	fx_ready(&f, &cfg, 0, 8);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_SWALLOW, 1);
	blk_add(&f, 4, T_OUT, 0, 1, false);
	kick(&f);
	blk_add(&f, 4, T_OUT, 1, 1, false);
	expect_broken(&f, "buffer id 4 made available again");
}

static void test_more_descriptors_than_the_ring_holds_in_flight_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 4);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_SWALLOW, 1);
	blk_add(&f, 0, T_OUT, 0, 1, false); /* 3 slots, held */
	kick(&f);
	blk_add(&f, 1, T_OUT, 0, 1, false); /* slot 3 and then slots 0, 1 again */
	expect_broken(&f, "overwrites descriptors");
}

static void test_avail_and_used_both_at_the_wrap_counter_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	f.ring[0].flags |= D_USED;
	expect_broken(&f, "neither available nor used");
}

/* ------------------------------------------------------------------ event suppression */

static void test_driver_event_flags_disable_and_desc_decide_the_interrupts(void **state)
{
	struct devmodel_config cfg = { .version = 2, .event_idx = true };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, F_EVENT_IDX, 8);
	f.drv_event->flags = EV_DISABLE;
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.irqs, 0);
	assert_int_equal(devmodel_stats(f.dm)->interrupts_suppressed, 1);
	expect_used(&f, 0, 1);
	/* an event for slot 6 of this lap: the list at 3..5 does not reach it, 6..8 does */
	f.drv_event->off_wrap = 6 | 0x8000;
	f.drv_event->flags = EV_DESC;
	blk_add(&f, 1, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.irqs, 0);
	blk_add(&f, 2, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.irqs, 1);
	/* an event for slot 1 of the next lap (wrap 0): the list at 9 % 8 = 1 reaches it */
	f.drv_event->off_wrap = 1;
	blk_add(&f, 3, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.irqs, 2);
	f.drv_event->flags = EV_ENABLE;
	blk_add(&f, 4, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.irqs, 3);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_desc_events_without_event_idx_are_a_violation(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	f.drv_event->flags = EV_DESC;
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "needs VIRTIO_F_EVENT_IDX"));
	assert_int_equal(f.irqs, 1);
	fx_free(&f);
}

/* The device asks for a notification at its next slot plus avail_event_ahead (3): a driver
 * that notifies for every list is told off for those that did not reach it. */
static void
test_the_device_publishes_its_event_and_counts_notifications_it_did_not_ask_for(void **state)
{
	struct devmodel_config cfg = { .version = 2, .event_idx = true, .avail_event_ahead = 3 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, F_EVENT_IDX, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f); /* before the device published anything: needed */
	assert_int_equal(f.dev_event->flags, EV_DESC);
	assert_int_equal(f.dev_event->off_wrap, (3 + 3) | 0x8000);
	expect_used(&f, 0, 1);
	blk_add(&f, 1, T_OUT, 0, 1, false); /* slots 3..5: does not reach slot 6 */
	kick(&f);
	assert_int_equal(devmodel_stats(f.dm)->notifies_unneeded, 1);
	assert_int_equal(f.dev_event->off_wrap, (6 + 3) % 8); /* slot 1 of the next lap */
	blk_add(&f, 2, T_OUT, 0, 1, false);		      /* slots 6, 7, 0 */
	blk_add(&f, 3, T_OUT, 0, 1, false);		      /* slots 1.. */
	kick(&f);
	assert_int_equal(devmodel_stats(f.dm)->notifies_unneeded, 1);
	kick(&f); /* nothing new */
	assert_int_equal(devmodel_stats(f.dm)->notifies_unneeded, 2);
	fx_free(&f);
}

/* ------------------------------------------------------------------ hostile knobs */

static void test_knob_used_wrong_wrap_writes_flags_of_the_previous_lap(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	uint16_t id;
	uint32_t len;
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_WRONG_WRAP, 1);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.ring[0].flags & (D_AVAIL | D_USED), 0);
	assert_false(get_used(&f, &id, &len));
	fx_free(&f);
}

static void test_knob_used_avail_mismatch_sets_used_but_not_avail(void **state)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 8);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_AVAIL_MISMATCH, 1);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f);
	assert_int_equal(f.ring[0].flags & (D_AVAIL | D_USED), D_USED);
	fx_free(&f);
}

static void test_knobs_on_ids_report_ids_the_driver_has_not_made_available(void **state)
{
	struct devmodel_config cfg = { .version = 2, .defer = true };
	struct fx f;

	(void)state;
	fx_ready(&f, &cfg, 0, 16);
	/* ids 0 and 1 still wait in the ring as id 2 completes: 3 is the lowest not in flight */
	blk_add(&f, 2, T_OUT, 0, 1, false);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	blk_add(&f, 1, T_OUT, 0, 1, false);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_ID_NOT_IN_FLIGHT, 1);
	assert_int_equal(devmodel_process(f.dm), 3);
	assert_int_equal(f.ring[0].id, 3);
	assert_int_equal(f.ring[3].id, 0);
	fx_free(&f);

	/* not a head: the slot of the list's first descriptor (3) taken for an id */
	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	blk_add(&f, 5, T_OUT, 0, 1, false);
	devmodel_process(f.dm);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, 1);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	expect_used(&f, 0, 1);
	expect_used(&f, 5, 1);
	blk_add(&f, 7, T_IN, 0, 1, false); /* slots 6, 7, 0 */
	devmodel_process(f.dm);
	assert_int_equal(f.ring[6].id, 6);
	assert_int_equal(f.ring[6].len, SECTOR + 2);
	fx_free(&f);

	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	devmodel_process(f.dm);
	assert_int_equal(f.ring[0].id, 8);
	fx_free(&f);
}

static void test_a_reset_returns_the_queue_to_a_split_ring_when_packed_is_not_accepted(void **s)
{
	struct devmodel_config cfg = { .version = 2 };
	struct fx f;

	(void)s;
	fx_ready(&f, &cfg, 0, 8);
	blk_add(&f, 0, T_OUT, 0, 1, false);
	kick(&f);
	expect_used(&f, 0, 1);
	fx_setup(&f, F_VERSION_1, 8); /* the same memory as a split ring: nothing available */
	kick(&f);
	assert_int_equal(devmodel_stats(f.dm)->chains, 1);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
			test_packed_is_offered_only_when_configured_and_only_to_modern_drivers),
		cmocka_unit_test(
			test_a_packed_ring_need_not_be_a_power_of_two_but_a_split_ring_must),
		cmocka_unit_test(test_a_misaligned_event_suppression_area_is_a_violation),
		cmocka_unit_test(
			test_a_write_then_a_read_round_trip_and_use_the_first_slot_of_each_list),
		cmocka_unit_test(
			test_wrap_counters_flip_over_hundreds_of_lists_that_straddle_the_ring_end),
		cmocka_unit_test(
			test_a_late_completion_is_written_after_the_ones_that_finished_first),
		cmocka_unit_test(
			test_deferred_buffers_are_taken_in_ring_order_and_one_interrupt_covers_them),
		cmocka_unit_test(
			test_an_indirect_table_of_packed_descriptors_carries_the_whole_request),
		cmocka_unit_test(test_indirect_with_next_or_inside_a_list_is_a_violation),
		cmocka_unit_test(test_indirect_without_the_feature_is_a_violation),
		cmocka_unit_test(test_an_indirect_table_of_a_partial_descriptor_is_a_violation),
		cmocka_unit_test(test_a_flag_other_than_write_in_an_indirect_table_is_a_violation),
		cmocka_unit_test(test_a_readable_element_after_a_writable_one_is_a_violation),
		cmocka_unit_test(test_a_list_whose_tail_is_not_available_is_a_violation),
		cmocka_unit_test(test_a_list_longer_than_the_queue_is_a_violation),
		cmocka_unit_test(test_a_buffer_id_not_below_the_queue_size_is_a_violation),
		cmocka_unit_test(
			test_a_buffer_id_made_available_while_the_device_holds_it_is_a_violation),
		cmocka_unit_test(
			test_more_descriptors_than_the_ring_holds_in_flight_is_a_violation),
		cmocka_unit_test(test_avail_and_used_both_at_the_wrap_counter_is_a_violation),
		cmocka_unit_test(test_driver_event_flags_disable_and_desc_decide_the_interrupts),
		cmocka_unit_test(test_desc_events_without_event_idx_are_a_violation),
		cmocka_unit_test(
			test_the_device_publishes_its_event_and_counts_notifications_it_did_not_ask_for),
		cmocka_unit_test(test_knob_used_wrong_wrap_writes_flags_of_the_previous_lap),
		cmocka_unit_test(test_knob_used_avail_mismatch_sets_used_but_not_avail),
		cmocka_unit_test(test_knobs_on_ids_report_ids_the_driver_has_not_made_available),
		cmocka_unit_test(
			test_a_reset_returns_the_queue_to_a_split_ring_when_packed_is_not_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
