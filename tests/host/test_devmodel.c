/* The device model checked on its own: a hand-written "driver" in this file drives the register
 * window through arch/fake's io_read32()/io_write32() and builds split rings by hand, without
 * vireo's drivers. Register offsets and constants are typed again here from virtio 1.2, so a
 * wrong constant in the model shows up as a failure instead of agreeing with itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "arch/io.h"
#include "devmodel.h"

/* virtio 1.2 §4.2.2 / §4.2.4 register offsets. */
enum {
	R_MAGIC = 0x000,
	R_VERSION = 0x004,
	R_DEVICE_ID = 0x008,
	R_VENDOR_ID = 0x00c,
	R_DEV_FEATURES = 0x010,
	R_DEV_FEATURES_SEL = 0x014,
	R_DRV_FEATURES = 0x020,
	R_DRV_FEATURES_SEL = 0x024,
	R_GUEST_PAGE_SIZE = 0x028,
	R_QUEUE_SEL = 0x030,
	R_QUEUE_NUM_MAX = 0x034,
	R_QUEUE_NUM = 0x038,
	R_QUEUE_ALIGN = 0x03c,
	R_QUEUE_PFN = 0x040,
	R_QUEUE_READY = 0x044,
	R_QUEUE_NOTIFY = 0x050,
	R_ISR = 0x060,
	R_ISR_ACK = 0x064,
	R_STATUS = 0x070,
	R_DESC_LO = 0x080,
	R_DESC_HI = 0x084,
	R_DRIVER_LO = 0x090,
	R_DRIVER_HI = 0x094,
	R_DEVICE_LO = 0x0a0,
	R_DEVICE_HI = 0x0a4,
	R_CONFIG_GEN = 0x0fc,
	R_CONFIG = 0x100,
};

enum { S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 64 };

#define F_VERSION_1 (1ull << 32)
#define F_ACCESS_PLATFORM (1ull << 33)
#define F_ANY_LAYOUT (1ull << 27)
#define BLK_F_SIZE_MAX (1ull << 1)
#define BLK_F_SEG_MAX (1ull << 2)
#define BLK_F_RO (1ull << 5)
#define BLK_F_BLK_SIZE (1ull << 6)
#define BLK_F_FLUSH (1ull << 9)

enum { T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8 };
enum { BLK_OK = 0, BLK_IOERR = 1, BLK_UNSUPP = 2 };
enum { D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4 };

#define PAGE 4096u
#define RING_BYTES (4 * PAGE)
#define BUF_BYTES (64 * 1024)
#define DATA_OFF 8192u
#define NUM 8u

/* A model plus hand-built ring memory. Rings use the legacy layout (desc | avail | pad | used)
 * for both versions, so one set of helpers serves both. Buffers: slot s has its header at
 * s * 64, its status byte at s * 64 + 32; data lives from DATA_OFF. */
struct fx {
	struct devmodel *dm;
	uintptr_t base;
	unsigned version;
	uint8_t *ring;
	uint8_t *buf;
	uint64_t ring_dev; /* device address of ring[0] */
	uint64_t buf_dev;  /* device address of buf[0] */
	uint32_t qalign;   /* legacy QueueAlign, 0 = PAGE */
	uint16_t avail_idx;
	unsigned irqs;
};

static void count_irq(void *ctx)
{
	((struct fx *)ctx)->irqs++;
}

static void *alloc_low(size_t size)
{
	/* Legacy QueuePFN is 32 bits: keep rings below 2^44 (ASan heaps are higher). The hint moves
	 * on so that two fixtures never ask for the same place. */
	static uintptr_t hint = 0x40000000;
	void *p = mmap((void *)hint, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	hint += 0x100000;

	assert_true(p != MAP_FAILED);
	assert_true((uintptr_t)p / PAGE <= UINT32_MAX);
	return p;
}

static void fx_attach(struct fx *f, struct devmodel *dm)
{
	assert_non_null(dm);
	f->dm = dm;
	f->base = devmodel_base(dm);
	f->ring = alloc_low(RING_BYTES);
	f->buf = alloc_low(BUF_BYTES);
	f->ring_dev = (uintptr_t)f->ring;
	f->buf_dev = (uintptr_t)f->buf;
}

static void fx_create(struct fx *f, unsigned version, const struct devmodel_blk_config *blk)
{
	struct devmodel_config cfg = { .version = version, .irq = count_irq, .irq_ctx = f };

	memset(f, 0, sizeof(*f));
	f->version = version;
	fx_attach(f, devmodel_blk_create(&cfg, blk));
}

static void fx_free(struct fx *f)
{
	devmodel_destroy(f->dm);
	munmap(f->ring, RING_BYTES);
	munmap(f->buf, BUF_BYTES);
}

static uint32_t rd(struct fx *f, unsigned off)
{
	return io_read32(f->base + off);
}

static void wr(struct fx *f, unsigned off, uint32_t v)
{
	io_write32(f->base + off, v);
}

static size_t avail_off(void)
{
	return 16 * NUM;
}

/* §2.7.2 legacy layout: the used ring at the next QueueAlign boundary after avail (which has
 * room for used_event). */
static size_t used_off(struct fx *f)
{
	size_t align = f->qalign ? f->qalign : PAGE;

	return (16 * NUM + 2 * (3 + NUM) + align - 1) / align * align;
}

static void probe(struct fx *f)
{
	rd(f, R_MAGIC);
	rd(f, R_VERSION);
	rd(f, R_DEVICE_ID);
}

static uint64_t device_features(struct fx *f)
{
	uint64_t lo, hi;

	wr(f, R_DEV_FEATURES_SEL, 0);
	lo = rd(f, R_DEV_FEATURES);
	wr(f, R_DEV_FEATURES_SEL, 1);
	hi = rd(f, R_DEV_FEATURES);
	return lo | hi << 32;
}

static void driver_features(struct fx *f, uint64_t v)
{
	wr(f, R_DRV_FEATURES_SEL, 0);
	wr(f, R_DRV_FEATURES, (uint32_t)v);
	wr(f, R_DRV_FEATURES_SEL, 1);
	wr(f, R_DRV_FEATURES, (uint32_t)(v >> 32));
}

/* §3.1.1 steps 1-6 (legacy: 1-4); returns Status as read back. */
static uint32_t negotiate(struct fx *f, uint64_t accept)
{
	probe(f);
	wr(f, R_STATUS, 0);
	assert_int_equal(rd(f, R_STATUS), 0);
	wr(f, R_STATUS, S_ACK);
	wr(f, R_STATUS, S_ACK | S_DRIVER);
	device_features(f);
	driver_features(f, accept);
	if (f->version == 2) {
		wr(f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	}
	return rd(f, R_STATUS);
}

static void setup_queue(struct fx *f)
{
	if (f->version == 1) {
		wr(f, R_GUEST_PAGE_SIZE, PAGE);
	}
	wr(f, R_QUEUE_SEL, 0);
	assert_int_equal(rd(f, f->version == 2 ? R_QUEUE_READY : R_QUEUE_PFN), 0);
	assert_true(rd(f, R_QUEUE_NUM_MAX) >= NUM);
	wr(f, R_QUEUE_NUM, NUM);
	if (f->version == 1) {
		wr(f, R_QUEUE_ALIGN, f->qalign ? f->qalign : PAGE);
		wr(f, R_QUEUE_PFN, (uint32_t)(f->ring_dev / PAGE));
		return;
	}
	wr(f, R_DESC_LO, (uint32_t)f->ring_dev);
	wr(f, R_DESC_HI, (uint32_t)(f->ring_dev >> 32));
	wr(f, R_DRIVER_LO, (uint32_t)(f->ring_dev + avail_off()));
	wr(f, R_DRIVER_HI, (uint32_t)((f->ring_dev + avail_off()) >> 32));
	wr(f, R_DEVICE_LO, (uint32_t)(f->ring_dev + used_off(f)));
	wr(f, R_DEVICE_HI, (uint32_t)((f->ring_dev + used_off(f)) >> 32));
	wr(f, R_QUEUE_READY, 1);
}

static void driver_ok(struct fx *f)
{
	wr(f, R_STATUS, rd(f, R_STATUS) | S_DRIVER_OK);
}

/* Create, negotiate everything offered, set up queue 0, DRIVER_OK: a device ready for I/O. */
static void fx_ready(struct fx *f, unsigned version, const struct devmodel_blk_config *blk)
{
	fx_create(f, version, blk);
	probe(f);
	negotiate(f, devmodel_offered_features(f->dm));
	setup_queue(f);
	driver_ok(f);
	assert_int_equal(devmodel_violations(f->dm), 0);
}

/* ------------------------------------------------------------------ ring helpers */

static void set_desc(struct fx *f, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	uint8_t *d = f->ring + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static volatile uint16_t *avail(struct fx *f)
{
	return (volatile uint16_t *)(f->ring + avail_off());
}

static void publish(struct fx *f, uint16_t head)
{
	avail(f)[2 + f->avail_idx % NUM] = head;
	atomic_thread_fence(memory_order_release);
	avail(f)[1] = ++f->avail_idx;
}

static void kick(struct fx *f)
{
	wr(f, R_QUEUE_NOTIFY, 0);
}

static uint16_t used_idx(struct fx *f)
{
	return *(volatile uint16_t *)(f->ring + used_off(f) + 2);
}

static uint32_t used_id(struct fx *f, unsigned i)
{
	return *(volatile uint32_t *)(f->ring + used_off(f) + 4 + 8 * (i % NUM));
}

static uint32_t used_len(struct fx *f, unsigned i)
{
	return *(volatile uint32_t *)(f->ring + used_off(f) + 8 + 8 * (i % NUM));
}

static uint64_t bdev(struct fx *f, size_t off)
{
	return f->buf_dev + off;
}

static uint8_t *status_of(struct fx *f, unsigned slot)
{
	return &f->buf[slot * 64 + 32];
}

/* Builds header | data | status in descriptors 3*slot.. (data may be absent) and makes the chain
 * available; `dw` means the device writes the data (IN, GET_ID). Returns the head. */
static uint16_t blk_queue(struct fx *f, unsigned slot, uint32_t type, uint64_t sector,
			  size_t data_off, uint32_t data_len, bool dw)
{
	uint8_t *h = f->buf + slot * 64;
	uint16_t head = (uint16_t)(3 * slot);
	uint16_t d = head;
	uint32_t zero = 0;

	memcpy(h, &type, 4);
	memcpy(h + 4, &zero, 4);
	memcpy(h + 8, &sector, 8);
	*status_of(f, slot) = 0xee;
	set_desc(f, d, bdev(f, slot * 64), 16, D_NEXT, d + 1);
	d++;
	if (data_len != 0) {
		set_desc(f, d, bdev(f, data_off), data_len, D_NEXT | (dw ? D_WRITE : 0), d + 1);
		d++;
	}
	set_desc(f, d, bdev(f, slot * 64 + 32), 1, D_WRITE, 0);
	publish(f, head);
	return head;
}

static void blk_submit(struct fx *f, uint32_t type, uint64_t sector, uint32_t data_len, bool dw)
{
	blk_queue(f, 0, type, sector, DATA_OFF, data_len, dw);
	kick(f);
}

/* ------------------------------------------------------------------ identification, handshake */

static void test_identification_registers_read_as_the_spec_says(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	assert_int_equal(rd(&f, R_MAGIC), 0x74726976);
	assert_int_equal(rd(&f, R_VERSION), 2);
	assert_int_equal(rd(&f, R_DEVICE_ID), 2);
	assert_int_equal(rd(&f, R_VENDOR_ID), 0x554d4551);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_empty_slot_reads_device_id_zero_and_touching_it_further_is_a_violation(void **s)
{
	struct devmodel_config cfg = { 0 };
	struct fx f = { .version = 2 };

	fx_attach(&f, devmodel_create_empty(&cfg));
	probe(&f);
	assert_int_equal(rd(&f, R_DEVICE_ID), 0);
	assert_int_equal(devmodel_violations(f.dm), 0);
	wr(&f, R_STATUS, S_ACK);
	assert_int_equal(devmodel_violations(f.dm), 1);
	assert_true(devmodel_has_violation(f.dm, "DeviceID is 0"));
	fx_free(&f);
}

static void test_register_access_before_the_probe_reads_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	rd(&f, R_STATUS);
	assert_true(devmodel_has_violation(f.dm, "before MagicValue, Version and DeviceID"));
	fx_free(&f);
}

static void test_handshake_with_offered_features_reaches_driver_ok_cleanly(void **state)
{
	struct devmodel_blk_config blk = { .flush = true };
	struct fx f;

	fx_create(&f, 2, &blk);
	probe(&f);
	assert_int_equal(negotiate(&f, F_VERSION_1 | BLK_F_FLUSH),
			 S_ACK | S_DRIVER | S_FEATURES_OK);
	assert_true(devmodel_features(f.dm) == (F_VERSION_1 | BLK_F_FLUSH));
	setup_queue(&f);
	driver_ok(&f);
	assert_int_equal(rd(&f, R_STATUS), S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_device_features_are_64_bits_with_version_1_in_the_high_word(void **state)
{
	struct devmodel_config cfg = { .access_platform = true };
	struct devmodel_blk_config blk = { .blk_size = 4096, .read_only = true };
	struct fx f = { .version = 2 };

	fx_attach(&f, devmodel_blk_create(&cfg, &blk));
	probe(&f);
	assert_true(device_features(&f) ==
		    (F_VERSION_1 | F_ACCESS_PLATFORM | BLK_F_BLK_SIZE | BLK_F_RO));
	fx_free(&f);
}

static void test_features_ok_with_an_unoffered_feature_does_not_stick(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	assert_int_equal(negotiate(&f, F_VERSION_1 | BLK_F_FLUSH), S_ACK | S_DRIVER);
	assert_true(devmodel_has_violation(f.dm, "did not offer"));
	assert_true(devmodel_features(f.dm) == 0);
	fx_free(&f);
}

static void test_features_ok_without_version_1_does_not_stick(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	assert_int_equal(negotiate(&f, 0), S_ACK | S_DRIVER);
	assert_true(devmodel_has_violation(f.dm, "VIRTIO_F_VERSION_1"));
	fx_free(&f);
}

static void test_access_platform_offered_but_not_accepted_is_a_violation(void **state)
{
	struct devmodel_config cfg = { 0 };
	struct fx f = { .version = 2 };

	cfg.access_platform = true;
	fx_attach(&f, devmodel_blk_create(&cfg, NULL));
	negotiate(&f, F_VERSION_1);
	assert_true(devmodel_has_violation(f.dm, "ACCESS_PLATFORM"));
	fx_free(&f);
}

static void test_driver_ok_without_rereading_status_after_features_ok_is_a_violation(void **s)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	wr(&f, R_STATUS, S_ACK);
	wr(&f, R_STATUS, S_ACK | S_DRIVER);
	device_features(&f);
	driver_features(&f, F_VERSION_1);
	wr(&f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	wr(&f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	assert_true(devmodel_has_violation(f.dm, "re-reading Status"));
	fx_free(&f);
}

static void test_reading_device_features_before_the_selector_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	rd(&f, R_DEV_FEATURES);
	assert_true(devmodel_has_violation(f.dm, "before DeviceFeaturesSel"));
	fx_free(&f);
}

static void test_clearing_a_status_bit_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	wr(&f, R_STATUS, S_ACK | S_DRIVER);
	wr(&f, R_STATUS, S_ACK);
	assert_true(devmodel_has_violation(f.dm, "must not clear"));
	fx_free(&f);
}

static void test_narrow_or_wide_register_access_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	assert_int_equal(io_read16(f.base + R_STATUS), 0);
	assert_int_equal(devmodel_violations(f.dm), 1);
	io_write64(f.base + R_STATUS, S_ACK);
	assert_int_equal(devmodel_violations(f.dm), 2);
	assert_int_equal(devmodel_status(f.dm), 0);
	assert_true(devmodel_has_violation(f.dm, "32-bit aligned"));
	fx_free(&f);
}

static void test_write_to_a_read_only_register_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	wr(&f, R_QUEUE_NUM_MAX, 4);
	assert_true(devmodel_has_violation(f.dm, "read-only register QueueNumMax"));
	fx_free(&f);
}

/* ------------------------------------------------------------------ config space */

/* The model maps the whole disk, and terabytes do not fit a 32-bit process: the -m32 build
 * leaves these out (they are neither run nor counted there); the 64-bit build runs them. */
#if UINTPTR_MAX > UINT32_MAX
static void test_config_space_holds_capacity_and_blk_size(void **state)
{
	struct devmodel_blk_config blk = { .capacity = 0x123456789ull, .blk_size = 4096 };
	struct fx f;

	fx_create(&f, 2, &blk);
	probe(&f);
	assert_int_equal(rd(&f, R_CONFIG + 0), 0x23456789);
	assert_int_equal(rd(&f, R_CONFIG + 4), 0x1);
	assert_int_equal(rd(&f, R_CONFIG + 20), 4096);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}
#endif

static void test_config_access_must_match_the_field_width(void **state)
{
	struct devmodel_blk_config blk = { .blk_size = 512 };
	struct fx f;

	fx_create(&f, 2, &blk);
	probe(&f);
	assert_int_equal(io_read8(f.base + R_CONFIG + 20), 0);
	assert_true(devmodel_has_violation(f.dm, "field's width"));
	io_read64(f.base + R_CONFIG);
	assert_true(devmodel_has_violation(f.dm, "aligned 8, 16 or 32-bit"));
	assert_int_equal(devmodel_violations(f.dm), 2);
	fx_free(&f);
}

static void test_config_field_of_an_unoffered_feature_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	probe(&f);
	rd(&f, R_CONFIG + 8); /* size_max without VIRTIO_BLK_F_SIZE_MAX */
	assert_true(devmodel_has_violation(f.dm, "feature bit 1"));
	fx_free(&f);
}

static void test_config_write_to_a_read_only_field_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	wr(&f, R_CONFIG + 0, 1);
	assert_true(devmodel_has_violation(f.dm, "read-only config field"));
	fx_free(&f);
}

static void test_capacity_change_raises_a_config_interrupt_and_a_new_generation(void **state)
{
	struct fx f;
	uint32_t gen;

	fx_ready(&f, 2, NULL);
	gen = rd(&f, R_CONFIG_GEN);
	assert_int_equal(devmodel_blk_set_capacity(f.dm, 4096), 0);
	assert_int_equal(rd(&f, R_ISR), 2);
	assert_int_equal(f.irqs, 1);
	assert_int_not_equal(rd(&f, R_CONFIG_GEN), gen);
	assert_int_equal(rd(&f, R_CONFIG + 0), 4096);
	fx_free(&f);
}

/* ------------------------------------------------------------------ queue setup */

static void test_queue_num_above_num_max_or_not_a_power_of_two_is_a_violation(void **state)
{
	struct devmodel_config cfg = { .queue_num_max = 16 };
	struct fx f = { .version = 2 };

	fx_attach(&f, devmodel_blk_create(&cfg, NULL));
	negotiate(&f, F_VERSION_1);
	wr(&f, R_QUEUE_SEL, 0);
	rd(&f, R_QUEUE_NUM_MAX);
	wr(&f, R_QUEUE_NUM, 32);
	assert_true(devmodel_has_violation(f.dm, "exceeds QueueNumMax 16"));
	wr(&f, R_QUEUE_NUM, 12);
	assert_true(devmodel_has_violation(f.dm, "not a power of 2"));
	wr(&f, R_QUEUE_READY, 1);
	assert_true(devmodel_queue_broken(f.dm, 0));
	fx_free(&f);
}

static void test_queue_setup_after_driver_ok_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	negotiate(&f, F_VERSION_1);
	driver_ok(&f);
	assert_int_equal(devmodel_violations(f.dm), 0);
	setup_queue(&f);
	assert_true(devmodel_has_violation(f.dm, "after DRIVER_OK"));
	fx_free(&f);
}

static void test_queue_registers_written_while_the_queue_is_ready_are_a_violation(void **s)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	wr(&f, R_QUEUE_NUM, 4);
	assert_true(devmodel_has_violation(f.dm, "while queue 0 is enabled"));
	fx_free(&f);
}

static void test_notify_before_driver_ok_is_ignored_and_recorded(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	negotiate(&f, F_VERSION_1);
	setup_queue(&f);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_true(devmodel_has_violation(f.dm, "before DRIVER_OK"));
	assert_int_equal(devmodel_process(f.dm), 0);
	assert_int_equal(used_idx(&f), 0);
	fx_free(&f);
}

static void test_reset_clears_status_features_interrupts_and_queues(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(rd(&f, R_ISR), 1);
	wr(&f, R_STATUS, 0);
	assert_int_equal(rd(&f, R_STATUS), 0);
	assert_int_equal(rd(&f, R_ISR), 0);
	assert_int_equal(rd(&f, R_QUEUE_READY), 0);
	assert_true(devmodel_features(f.dm) == 0);
	assert_int_equal(devmodel_stats(f.dm)->resets, 2);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

/* ------------------------------------------------------------------ blk requests */

static void test_a_written_sector_lands_on_the_disk_and_reads_back(void **state)
{
	struct fx f;
	uint8_t *disk;

	fx_ready(&f, 2, NULL);
	memset(f.buf + DATA_OFF, 0x5a, 1024);
	blk_submit(&f, T_OUT, 3, 1024, false);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(used_id(&f, 0), 0);
	assert_int_equal(used_len(&f, 0), 1);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	disk = devmodel_blk_disk(f.dm, NULL);
	assert_int_equal(disk[3 * 512], 0x5a);
	assert_int_equal(disk[5 * 512 - 1], 0x5a);
	assert_int_equal(disk[5 * 512], 0);

	memset(f.buf + DATA_OFF, 0, 1024);
	blk_submit(&f, T_IN, 3, 1024, true);
	assert_int_equal(used_idx(&f), 2);
	assert_int_equal(used_len(&f, 1), 1025);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_int_equal(f.buf[DATA_OFF + 1023], 0x5a);
	assert_int_equal(devmodel_blk_requests(f.dm, T_OUT), 1);
	assert_int_equal(devmodel_blk_requests(f.dm, T_IN), 1);
	assert_int_equal(devmodel_blk_last(f.dm)->sector, 3);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

/* The model maps the whole disk, and terabytes do not fit a 32-bit process: the -m32 build
 * leaves these out (they are neither run nor counted there); the 64-bit build runs them. */
#if UINTPTR_MAX > UINT32_MAX
static void test_sectors_above_2_to_the_32_land_in_place_on_a_huge_sparse_disk(void **state)
{
	struct devmodel_blk_config blk = { .capacity = 1ull << 33 };
	uint64_t sector = (1ull << 32) + 5;
	struct fx f;

	fx_ready(&f, 2, &blk);
	assert_int_equal(rd(&f, R_CONFIG + 4), 2);
	memset(f.buf + DATA_OFF, 0x6d, 512);
	blk_submit(&f, T_OUT, sector, 512, false);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[sector * 512 + 511], 0x6d);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[5 * 512], 0);
	fx_free(&f);
}
#endif

static void test_get_id_returns_the_id_string_nul_padded(void **state)
{
	struct devmodel_blk_config blk = { .id = "disk-A" };
	struct fx f;

	fx_ready(&f, 2, &blk);
	memset(f.buf + DATA_OFF, 0xcc, 20);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_memory_equal(f.buf + DATA_OFF, "disk-A\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	assert_int_equal(used_len(&f, 0), 21);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_read_beyond_capacity_completes_with_ioerr(void **state)
{
	struct devmodel_blk_config blk = { .capacity = 8 };
	struct fx f;

	fx_ready(&f, 2, &blk);
	blk_submit(&f, T_IN, 7, 1024, true);
	assert_int_equal(*status_of(&f, 0), BLK_IOERR);
	assert_true(devmodel_has_violation(f.dm, "beyond capacity"));
	fx_free(&f);
}

static void test_write_to_a_read_only_disk_fails_and_leaves_the_disk_alone(void **state)
{
	struct devmodel_blk_config blk = { .read_only = true };
	struct fx f;

	fx_ready(&f, 2, &blk);
	memset(f.buf + DATA_OFF, 0x77, 512);
	blk_submit(&f, T_OUT, 0, 512, false);
	assert_int_equal(*status_of(&f, 0), BLK_IOERR);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[0], 0);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_flush_succeeds_only_when_negotiated(void **state)
{
	struct devmodel_blk_config blk = { .flush = true };
	struct fx f;

	fx_ready(&f, 2, &blk);
	blk_submit(&f, T_FLUSH, 0, 0, false);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	fx_free(&f);

	fx_ready(&f, 2, NULL);
	blk_submit(&f, T_FLUSH, 0, 0, false);
	assert_int_equal(*status_of(&f, 0), BLK_UNSUPP);
	fx_free(&f);
}

static void test_unknown_request_type_completes_with_unsupp(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	blk_submit(&f, 99, 0, 0, false);
	assert_int_equal(*status_of(&f, 0), BLK_UNSUPP);
	assert_int_equal(devmodel_blk_requests(f.dm, 99), 1);
	fx_free(&f);
}

static void test_a_request_framed_over_odd_descriptors_is_one_stream(void **state)
{
	struct fx f;
	uint32_t type = T_IN;
	uint64_t sector = 1;

	fx_ready(&f, 2, NULL);
	devmodel_blk_disk(f.dm, NULL)[512 + 700] = 0x42;
	/* header split 4 + 12 bytes; data 1024 split 300 + 724, the last one also the status */
	memcpy(f.buf, &type, 4);
	memset(f.buf + 4, 0, 4);
	memcpy(f.buf + 8, &sector, 8);
	set_desc(&f, 5, bdev(&f, 0), 4, D_NEXT, 2);
	set_desc(&f, 2, bdev(&f, 4), 12, D_NEXT, 7);
	set_desc(&f, 7, bdev(&f, DATA_OFF), 300, D_NEXT | D_WRITE, 0);
	set_desc(&f, 0, bdev(&f, DATA_OFF + 300), 725, D_WRITE, 0);
	publish(&f, 5);
	kick(&f);
	assert_int_equal(used_id(&f, 0), 5);
	assert_int_equal(used_len(&f, 0), 1025);
	assert_int_equal(f.buf[DATA_OFF + 700], 0x42);
	assert_int_equal(f.buf[DATA_OFF + 1024], BLK_OK);
	assert_int_equal(devmodel_blk_last(f.dm)->segments, 2);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_size_max_and_seg_max_are_enforced_once_negotiated(void **state)
{
	struct devmodel_blk_config blk = { .size_max = 512, .seg_max = 1 };
	struct fx f;

	fx_ready(&f, 2, &blk);
	assert_int_equal(rd(&f, R_CONFIG + 8), 512);
	assert_int_equal(rd(&f, R_CONFIG + 12), 1);
	blk_submit(&f, T_IN, 0, 1024, true);
	assert_true(devmodel_has_violation(f.dm, "above size_max 512"));
	set_desc(&f, 0, bdev(&f, 0), 16, D_NEXT, 1);
	set_desc(&f, 1, bdev(&f, DATA_OFF), 512, D_NEXT | D_WRITE, 2);
	set_desc(&f, 2, bdev(&f, DATA_OFF + 512), 512, D_NEXT | D_WRITE, 3);
	set_desc(&f, 3, bdev(&f, 32), 1, D_WRITE, 0);
	publish(&f, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "above seg_max 1"));
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	fx_free(&f);
}

/* ------------------------------------------------------------------ legacy */

static void test_legacy_device_finds_its_rings_through_pfn_and_queue_align(void **state)
{
	struct fx f;

	fx_create(&f, 1, NULL);
	probe(&f);
	assert_int_equal(rd(&f, R_VERSION), 1);
	assert_int_equal(negotiate(&f, 0), S_ACK | S_DRIVER);
	assert_true(device_features(&f) >> 32 == 0);
	setup_queue(&f);
	assert_int_equal(rd(&f, R_QUEUE_PFN), f.ring_dev / PAGE);
	driver_ok(&f);
	memset(f.buf + DATA_OFF, 0x3c, 512);
	blk_submit(&f, T_OUT, 1, 512, false);
	blk_submit(&f, T_IN, 1, 512, true);
	assert_int_equal(used_idx(&f), 2);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[512], 0x3c);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_legacy_used_ring_sits_at_the_next_queue_align_boundary(void **state)
{
	struct fx f;

	fx_create(&f, 1, NULL);
	f.qalign = 4; /* 16 * 8 + 2 * (3 + 8) = 150 bytes of desc and avail: used at 152 */
	negotiate(&f, 0);
	setup_queue(&f);
	driver_ok(&f);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_off(&f), 152);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(used_len(&f, 0), 21);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_legacy_device_serves_requests_before_driver_ok(void **state)
{
	struct fx f;

	fx_create(&f, 1, NULL);
	negotiate(&f, 0);
	setup_queue(&f);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_legacy_driver_setting_features_ok_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 1, NULL);
	negotiate(&f, 0);
	wr(&f, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	assert_true(devmodel_has_violation(f.dm, "legacy drivers omit"));
	fx_free(&f);
}

static void test_legacy_request_framing_is_checked_without_any_layout(void **state)
{
	struct fx f;

	fx_ready(&f, 1, NULL);
	/* header and status in one chain of two, status glued to the data */
	blk_queue(&f, 0, T_IN, 0, DATA_OFF, 0, true);
	set_desc(&f, 1, bdev(&f, DATA_OFF), 513, D_WRITE, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "ANY_LAYOUT"));
	fx_free(&f);
}

static void test_modern_register_in_a_legacy_device_is_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 1, NULL);
	probe(&f);
	rd(&f, R_QUEUE_READY);
	assert_true(devmodel_has_violation(f.dm, "legacy (version 1) device has no such"));
	fx_free(&f);
}

/* ------------------------------------------------------------------ malformed chains */

static void test_descriptor_loop_breaks_the_queue_and_sets_needs_reset(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	set_desc(&f, 0, bdev(&f, 0), 16, D_NEXT, 1);
	set_desc(&f, 1, bdev(&f, 16), 16, D_NEXT, 0);
	publish(&f, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "a loop"));
	assert_true(devmodel_queue_broken(f.dm, 0));
	assert_true(rd(&f, R_STATUS) & S_NEEDS_RESET);
	assert_int_equal(rd(&f, R_ISR), 2);
	assert_int_equal(used_idx(&f), 0);
	fx_free(&f);
}

static void test_readable_descriptor_after_a_writable_one_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	set_desc(&f, 0, bdev(&f, 32), 1, D_NEXT | D_WRITE, 1);
	set_desc(&f, 1, bdev(&f, 0), 16, 0, 0);
	publish(&f, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "device-readable descriptor 1 after"));
	fx_free(&f);
}

static void test_next_index_out_of_range_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	set_desc(&f, 0, bdev(&f, 0), 16, D_NEXT, NUM);
	publish(&f, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "out of range"));
	fx_free(&f);
}

static void test_indirect_descriptor_without_the_feature_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	set_desc(&f, 0, bdev(&f, 0), 64, D_INDIRECT, 0);
	publish(&f, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "VIRTQ_DESC_F_INDIRECT"));
	fx_free(&f);
}

static void test_avail_idx_running_ahead_by_more_than_the_queue_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	avail(&f)[1] = NUM + 1;
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "more than the queue size"));
	fx_free(&f);
}

/* ------------------------------------------------------------------ notifications */

static void test_completion_raises_interrupt_status_and_calls_the_callback(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(rd(&f, R_ISR), 1);
	assert_int_equal(f.irqs, 1);
	wr(&f, R_ISR_ACK, 1);
	assert_int_equal(rd(&f, R_ISR), 0);
	fx_free(&f);
}

static void test_no_interrupt_flag_suppresses_the_notification(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	avail(&f)[0] = 1;
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(rd(&f, R_ISR), 0);
	assert_int_equal(f.irqs, 0);
	assert_int_equal(devmodel_stats(f.dm)->interrupts_suppressed, 1);
	fx_free(&f);
}

static void test_deferred_model_completes_only_in_devmodel_process(void **state)
{
	struct devmodel_config cfg = { .defer = true };
	struct fx f = { .version = 2 };

	fx_attach(&f, devmodel_blk_create(&cfg, NULL));
	negotiate(&f, F_VERSION_1);
	setup_queue(&f);
	driver_ok(&f);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_idx(&f), 0);
	assert_int_equal(devmodel_stats(f.dm)->notifies, 1);
	assert_int_equal(devmodel_process(f.dm), 1);
	assert_int_equal(used_idx(&f), 1);
	fx_free(&f);
}

static void test_two_models_live_side_by_side(void **state)
{
	struct fx a, b;

	fx_ready(&a, 2, NULL);
	fx_ready(&b, 1, NULL);
	assert_true(a.base != b.base);
	memset(a.buf + DATA_OFF, 0x11, 512);
	blk_submit(&a, T_OUT, 0, 512, false);
	assert_int_equal(devmodel_blk_disk(a.dm, NULL)[0], 0x11);
	assert_int_equal(devmodel_blk_disk(b.dm, NULL)[0], 0);
	fx_free(&a);
	fx_free(&b);
}

/* ------------------------------------------------------------------ hostile knobs */

static void test_knob_used_id_out_of_range_reports_the_queue_size(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_id(&f, 0), NUM);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_id(&f, 1), 0);
	assert_int_equal(devmodel_knob(f.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE), 0);
	fx_free(&f);
}

static void test_knob_used_id_not_head_reports_a_middle_descriptor(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, DEVMODEL_ALWAYS);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_id(&f, 0), 1);
	fx_free(&f);
}

static void test_knob_used_len_too_large_reports_one_byte_past_the_buffer(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	blk_submit(&f, T_IN, 0, 512, true);
	assert_int_equal(used_len(&f, 0), 514);
	fx_free(&f);
}

static void test_knob_swallow_keeps_the_chain_until_released(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_SWALLOW, DEVMODEL_ALWAYS);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_idx(&f), 0);
	assert_int_equal(devmodel_in_flight(f.dm, 0), 1);
	assert_int_equal(*status_of(&f, 0), 0xee);
	assert_int_equal(devmodel_release_swallowed(f.dm), 1);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_int_equal(devmodel_in_flight(f.dm, 0), 0);
	assert_int_equal(devmodel_stats(f.dm)->swallowed, 1);
	fx_free(&f);
}

static void test_reusing_a_descriptor_the_device_holds_is_a_violation(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_SWALLOW, 1);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_true(devmodel_has_violation(f.dm, "while the device still holds it"));
	fx_free(&f);
}

static void test_knob_status_ioerr_fails_a_write_without_touching_the_disk(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_STATUS_IOERR, 1);
	memset(f.buf + DATA_OFF, 0x99, 512);
	blk_submit(&f, T_OUT, 0, 512, false);
	assert_int_equal(*status_of(&f, 0), BLK_IOERR);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[0], 0);
	fx_free(&f);
}

static void test_knob_status_corrupt_writes_0xff(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_STATUS_CORRUPT, 1);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(*status_of(&f, 0), 0xff);
	fx_free(&f);
}

static void test_knob_features_ok_never_sticks_refuses_a_valid_set(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_FEATURES_OK_NEVER_STICKS, DEVMODEL_ALWAYS);
	assert_int_equal(negotiate(&f, F_VERSION_1), S_ACK | S_DRIVER);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_knob_reset_never_completes_keeps_status_non_zero(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_RESET_NEVER_COMPLETES, DEVMODEL_ALWAYS);
	wr(&f, R_STATUS, 0);
	for (int i = 0; i < 5; i++) {
		assert_int_not_equal(rd(&f, R_STATUS), 0);
	}
	assert_int_equal(devmodel_status(f.dm), 0);
	wr(&f, R_STATUS, S_ACK);
	assert_true(devmodel_has_violation(f.dm, "reset is still in progress"));
	fx_free(&f);
}

static void test_knob_slow_reset_completes_after_its_count_of_reads(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_RESET_NEVER_COMPLETES, 2);
	wr(&f, R_STATUS, 0);
	assert_int_not_equal(rd(&f, R_STATUS), 0);
	assert_int_not_equal(rd(&f, R_STATUS), 0);
	assert_int_equal(rd(&f, R_STATUS), 0);
	wr(&f, R_STATUS, S_ACK);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_knob_device_id_zero_and_bad_magic_change_the_probe(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_DEVICE_ID_ZERO, 1);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_BAD_MAGIC, 1);
	assert_int_equal(rd(&f, R_MAGIC), 0x76697274);
	assert_int_equal(rd(&f, R_DEVICE_ID), 0);
	assert_int_equal(rd(&f, R_MAGIC), 0x74726976);
	assert_int_equal(rd(&f, R_DEVICE_ID), 2);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_knob_config_generation_changes_on_every_read_then_settles(void **state)
{
	struct fx f;
	uint32_t g1, g2, g3;

	fx_create(&f, 2, NULL);
	probe(&f);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_CONFIG_GENERATION_UNSTABLE, 2);
	g1 = rd(&f, R_CONFIG_GEN);
	g2 = rd(&f, R_CONFIG_GEN);
	g3 = rd(&f, R_CONFIG_GEN);
	assert_int_not_equal(g1, g2);
	assert_int_equal(g2, g3);
	fx_free(&f);
}

static void test_knob_queue_num_max_zero_makes_any_queue_size_a_violation(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	negotiate(&f, F_VERSION_1);
	devmodel_set_knob(f.dm, DEVMODEL_KNOB_QUEUE_NUM_MAX_ZERO, DEVMODEL_ALWAYS);
	wr(&f, R_QUEUE_SEL, 0);
	assert_int_equal(rd(&f, R_QUEUE_NUM_MAX), 0);
	wr(&f, R_QUEUE_NUM, NUM);
	assert_true(devmodel_has_violation(f.dm, "exceeds QueueNumMax 0"));
	fx_free(&f);
}

/* ------------------------------------------------------------------ DMA */

static void allow_ring(struct fx *f)
{
	assert_int_equal(
		devmodel_dma_allow(f->dm, f->ring_dev, RING_BYTES, f->ring, DEVMODEL_DMA_RW), 0);
}

static void test_allow_list_refuses_a_data_buffer_outside_every_window(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_dma_allow_list(f.dm);
	allow_ring(&f);
	assert_int_equal(devmodel_dma_allow(f.dm, bdev(&f, 0), 64, NULL, DEVMODEL_DMA_RW), 0);
	blk_submit(&f, T_IN, 0, 512, true);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(used_len(&f, 0), 0);
	assert_int_equal(*status_of(&f, 0), BLK_IOERR);
	assert_true(devmodel_dma_faults(f.dm) >= 1);
	assert_true(devmodel_dma_last_fault(f.dm) == bdev(&f, DATA_OFF));
	assert_false(devmodel_queue_broken(f.dm, 0));
	fx_free(&f);
}

static void test_allow_list_refuses_a_ring_outside_every_window_and_breaks_the_queue(void **s)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_dma_allow_list(f.dm);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_true(devmodel_dma_faults(f.dm) >= 1);
	assert_true(devmodel_queue_broken(f.dm, 0));
	assert_true(devmodel_status(f.dm) & S_NEEDS_RESET);
	assert_int_equal(used_idx(&f), 0);
	fx_free(&f);
}

static void test_allow_list_maps_device_addresses_that_are_not_host_pointers(void **state)
{
	struct fx f;

	fx_create(&f, 2, NULL);
	devmodel_dma_allow_list(f.dm);
	f.ring_dev = 0x1000000000ull;
	f.buf_dev = 0x2000000000ull;
	allow_ring(&f);
	assert_int_equal(devmodel_dma_allow(f.dm, f.buf_dev, BUF_BYTES, f.buf, DEVMODEL_DMA_RW), 0);
	negotiate(&f, F_VERSION_1);
	setup_queue(&f);
	driver_ok(&f);
	memset(f.buf + DATA_OFF, 0xab, 512);
	blk_submit(&f, T_OUT, 2, 512, false);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_int_equal(devmodel_blk_disk(f.dm, NULL)[1024], 0xab);
	assert_int_equal(devmodel_dma_faults(f.dm), 0);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_device_write_into_a_read_only_window_is_refused(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	devmodel_dma_allow_list(f.dm);
	allow_ring(&f);
	assert_int_equal(devmodel_dma_allow(f.dm, f.buf_dev, BUF_BYTES, NULL, DEVMODEL_DMA_READ),
			 0);
	blk_submit(&f, T_GET_ID, 0, 20, true);
	assert_int_equal(used_len(&f, 0), 0);
	assert_int_equal(*status_of(&f, 0), 0xee);
	assert_true(devmodel_dma_faults(f.dm) >= 1);
	assert_int_equal(devmodel_dma_revoke(f.dm, f.buf_dev), 0);
	assert_int_equal(devmodel_dma_revoke(f.dm, f.buf_dev), -1);
	fx_free(&f);
}

static void test_identity_translation_refuses_a_wild_address(void **state)
{
	struct fx f;

	fx_ready(&f, 2, NULL);
	blk_queue(&f, 0, T_IN, 0, DATA_OFF, 512, true);
	set_desc(&f, 1, 0x10, 512, D_NEXT | D_WRITE, 2);
	kick(&f);
	assert_int_equal(used_len(&f, 0), 0);
	assert_int_equal(*status_of(&f, 0), BLK_IOERR);
	assert_true(devmodel_dma_last_fault(f.dm) == 0x10);
	fx_free(&f);
}

/* ------------------------------------------------------------------ indirect, event idx */

#define F_INDIRECT_DESC (1ull << 28)
#define F_EVENT_IDX (1ull << 29)
#define TABLE_OFF 4096u /* indirect tables live here in buf */

/* fx_ready() with the ring features of cfg offered and accepted. */
static void fx_ready_cfg(struct fx *f, struct devmodel_config cfg)
{
	memset(f, 0, sizeof(*f));
	f->version = 2;
	cfg.irq = count_irq;
	cfg.irq_ctx = f;
	fx_attach(f, devmodel_blk_create(&cfg, NULL));
	probe(f);
	negotiate(f, devmodel_offered_features(f->dm));
	setup_queue(f);
	driver_ok(f);
	assert_int_equal(devmodel_violations(f->dm), 0);
}

/* Entry i of the indirect table at buf + TABLE_OFF. */
static void set_table(struct fx *f, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		      uint16_t next)
{
	uint8_t *d = f->buf + TABLE_OFF + 16 * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* A read of 1024 bytes from `sector` as one ring descriptor pointing to a 3-entry table:
 * header, data (device-writable), status. */
static void indirect_read(struct fx *f, uint64_t sector)
{
	uint32_t type = T_IN;
	uint32_t zero = 0;

	memcpy(f->buf, &type, 4);
	memcpy(f->buf + 4, &zero, 4);
	memcpy(f->buf + 8, &sector, 8);
	*status_of(f, 0) = 0xee;
	set_table(f, 0, bdev(f, 0), 16, D_NEXT, 1);
	set_table(f, 1, bdev(f, DATA_OFF), 1024, D_NEXT | D_WRITE, 2);
	set_table(f, 2, bdev(f, 32), 1, D_WRITE, 0);
	set_desc(f, 0, bdev(f, TABLE_OFF), 3 * 16, D_INDIRECT, 0);
	publish(f, 0);
}

static void test_ring_features_are_offered_only_when_configured(void **state)
{
	struct fx f;
	struct devmodel_config cfg = { .indirect_desc = true, .event_idx = true };

	fx_create(&f, 2, NULL);
	probe(&f);
	assert_true((device_features(&f) & (F_INDIRECT_DESC | F_EVENT_IDX)) == 0);
	fx_free(&f);
	fx_ready_cfg(&f, cfg);
	assert_true((devmodel_features(f.dm) & (F_INDIRECT_DESC | F_EVENT_IDX)) ==
		    (F_INDIRECT_DESC | F_EVENT_IDX));
	fx_free(&f);
}

static void test_a_read_through_an_indirect_table_moves_the_data(void **state)
{
	struct fx f;
	uint8_t *disk;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	disk = devmodel_blk_disk(f.dm, NULL);
	for (unsigned i = 0; i < 1024; i++) {
		disk[5 * 512 + i] = (uint8_t)(i * 7 + 3);
	}
	indirect_read(&f, 5);
	kick(&f);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(used_id(&f, 0), 0);
	assert_int_equal(used_len(&f, 0), 1025);
	assert_int_equal(*status_of(&f, 0), BLK_OK);
	assert_memory_equal(f.buf + DATA_OFF, disk + 5 * 512, 1024);
	assert_int_equal(devmodel_stats(f.dm)->indirect_chains, 1);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_indirect_with_next_is_a_violation(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	indirect_read(&f, 0);
	set_desc(&f, 0, bdev(&f, TABLE_OFF), 3 * 16, D_INDIRECT | D_NEXT, 1);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "both VIRTQ_DESC_F_INDIRECT and"));
	assert_true(devmodel_queue_broken(f.dm, 0));
	fx_free(&f);
}

static void test_an_indirect_descriptor_inside_a_table_is_a_violation(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	indirect_read(&f, 0);
	set_table(&f, 1, bdev(&f, TABLE_OFF), 16, D_INDIRECT, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "of the table of descriptor 0 has"));
	assert_int_equal(used_idx(&f), 0);
	fx_free(&f);
}

static void test_an_indirect_table_that_loops_is_a_violation(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	indirect_read(&f, 0);
	set_table(&f, 2, bdev(&f, 32), 1, D_WRITE | D_NEXT, 1);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "loops"));
	fx_free(&f);
}

static void test_an_indirect_next_outside_its_table_is_a_violation(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	indirect_read(&f, 0);
	set_table(&f, 1, bdev(&f, DATA_OFF), 1024, D_NEXT | D_WRITE, 3);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "outside the table of 3 entries"));
	fx_free(&f);
}

static void test_an_indirect_table_of_a_partial_descriptor_is_a_violation(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .indirect_desc = true });
	indirect_read(&f, 0);
	set_desc(&f, 0, bdev(&f, TABLE_OFF), 3 * 16 - 4, D_INDIRECT, 0);
	kick(&f);
	assert_true(devmodel_has_violation(f.dm, "not a whole number"));
	fx_free(&f);
}

static volatile uint16_t *used_event(struct fx *f)
{
	return &avail(f)[2 + NUM];
}

static uint16_t avail_event(struct fx *f)
{
	return *(volatile uint16_t *)(f->ring + used_off(f) + 4 + 8 * NUM);
}

static void test_with_event_idx_interrupts_follow_used_event(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .event_idx = true });
	/* used_event 5: no interrupt until the used index passes 5. avail->flags is ignored. */
	*used_event(&f) = 5;
	avail(&f)[0] = 1;
	blk_submit(&f, T_IN, 0, 512, true);
	assert_int_equal(used_idx(&f), 1);
	assert_int_equal(f.irqs, 0);
	assert_int_equal(devmodel_stats(f.dm)->interrupts_suppressed, 1);
	/* used_event 1: the next completion (used index 1 -> 2) crosses it. */
	*used_event(&f) = 1;
	blk_submit(&f, T_IN, 0, 512, true);
	assert_int_equal(used_idx(&f), 2);
	assert_int_equal(f.irqs, 1);
	assert_int_equal(devmodel_violations(f.dm), 0);
	fx_free(&f);
}

static void test_with_event_idx_the_device_publishes_avail_event(void **state)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){ .event_idx = true, .avail_event_ahead = 3 });
	blk_submit(&f, T_IN, 0, 512, true);
	blk_submit(&f, T_IN, 1, 512, true);
	/* Two buffers taken: the device's next avail index is 2, and it asks to be notified
	 * only once index 2 + 3 has been published. */
	assert_int_equal(avail_event(&f), 5);
	fx_free(&f);
}

static void test_with_event_idx_a_notification_avail_event_did_not_ask_for_is_counted(void **s)
{
	struct fx f;

	fx_ready_cfg(&f, (struct devmodel_config){
				 .event_idx = true, .avail_event_ahead = 3, .defer = true });
	blk_queue(&f, 0, T_IN, 0, DATA_OFF, 512, true);
	kick(&f); /* avail 0 -> 1 crosses avail_event 0: needed */
	devmodel_process(f.dm);
	assert_int_equal(avail_event(&f), 4);
	blk_queue(&f, 1, T_IN, 1, DATA_OFF, 512, true);
	kick(&f); /* 1 -> 2 does not reach 4: not needed */
	assert_int_equal(devmodel_stats(f.dm)->notifies_unneeded, 1);
	blk_queue(&f, 0, T_IN, 2, DATA_OFF, 512, true);
	blk_queue(&f, 1, T_IN, 3, DATA_OFF, 512, true);
	blk_queue(&f, 0, T_IN, 4, DATA_OFF, 512, true);
	kick(&f); /* 2 -> 5 crosses 4: needed */
	assert_int_equal(devmodel_stats(f.dm)->notifies_unneeded, 1);
	fx_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_features_are_offered_only_when_configured),
		cmocka_unit_test(test_a_read_through_an_indirect_table_moves_the_data),
		cmocka_unit_test(test_indirect_with_next_is_a_violation),
		cmocka_unit_test(test_an_indirect_descriptor_inside_a_table_is_a_violation),
		cmocka_unit_test(test_an_indirect_table_that_loops_is_a_violation),
		cmocka_unit_test(test_an_indirect_next_outside_its_table_is_a_violation),
		cmocka_unit_test(test_an_indirect_table_of_a_partial_descriptor_is_a_violation),
		cmocka_unit_test(test_with_event_idx_interrupts_follow_used_event),
		cmocka_unit_test(test_with_event_idx_the_device_publishes_avail_event),
		cmocka_unit_test(
			test_with_event_idx_a_notification_avail_event_did_not_ask_for_is_counted),
		cmocka_unit_test(test_identification_registers_read_as_the_spec_says),
		cmocka_unit_test(
			test_empty_slot_reads_device_id_zero_and_touching_it_further_is_a_violation),
		cmocka_unit_test(test_register_access_before_the_probe_reads_is_a_violation),
		cmocka_unit_test(test_handshake_with_offered_features_reaches_driver_ok_cleanly),
		cmocka_unit_test(test_device_features_are_64_bits_with_version_1_in_the_high_word),
		cmocka_unit_test(test_features_ok_with_an_unoffered_feature_does_not_stick),
		cmocka_unit_test(test_features_ok_without_version_1_does_not_stick),
		cmocka_unit_test(test_access_platform_offered_but_not_accepted_is_a_violation),
		cmocka_unit_test(
			test_driver_ok_without_rereading_status_after_features_ok_is_a_violation),
		cmocka_unit_test(test_reading_device_features_before_the_selector_is_a_violation),
		cmocka_unit_test(test_clearing_a_status_bit_is_a_violation),
		cmocka_unit_test(test_narrow_or_wide_register_access_is_a_violation),
		cmocka_unit_test(test_write_to_a_read_only_register_is_a_violation),
#if UINTPTR_MAX > UINT32_MAX
		cmocka_unit_test(test_config_space_holds_capacity_and_blk_size),
#endif
		cmocka_unit_test(test_config_access_must_match_the_field_width),
		cmocka_unit_test(test_config_field_of_an_unoffered_feature_is_a_violation),
		cmocka_unit_test(test_config_write_to_a_read_only_field_is_a_violation),
		cmocka_unit_test(
			test_capacity_change_raises_a_config_interrupt_and_a_new_generation),
		cmocka_unit_test(test_queue_num_above_num_max_or_not_a_power_of_two_is_a_violation),
		cmocka_unit_test(test_queue_setup_after_driver_ok_is_a_violation),
		cmocka_unit_test(
			test_queue_registers_written_while_the_queue_is_ready_are_a_violation),
		cmocka_unit_test(test_notify_before_driver_ok_is_ignored_and_recorded),
		cmocka_unit_test(test_reset_clears_status_features_interrupts_and_queues),
		cmocka_unit_test(test_a_written_sector_lands_on_the_disk_and_reads_back),
#if UINTPTR_MAX > UINT32_MAX
		cmocka_unit_test(
			test_sectors_above_2_to_the_32_land_in_place_on_a_huge_sparse_disk),
#endif
		cmocka_unit_test(test_get_id_returns_the_id_string_nul_padded),
		cmocka_unit_test(test_read_beyond_capacity_completes_with_ioerr),
		cmocka_unit_test(test_write_to_a_read_only_disk_fails_and_leaves_the_disk_alone),
		cmocka_unit_test(test_flush_succeeds_only_when_negotiated),
		cmocka_unit_test(test_unknown_request_type_completes_with_unsupp),
		cmocka_unit_test(test_a_request_framed_over_odd_descriptors_is_one_stream),
		cmocka_unit_test(test_size_max_and_seg_max_are_enforced_once_negotiated),
		cmocka_unit_test(test_legacy_device_finds_its_rings_through_pfn_and_queue_align),
		cmocka_unit_test(test_legacy_used_ring_sits_at_the_next_queue_align_boundary),
		cmocka_unit_test(test_legacy_device_serves_requests_before_driver_ok),
		cmocka_unit_test(test_legacy_driver_setting_features_ok_is_a_violation),
		cmocka_unit_test(test_legacy_request_framing_is_checked_without_any_layout),
		cmocka_unit_test(test_modern_register_in_a_legacy_device_is_a_violation),
		cmocka_unit_test(test_descriptor_loop_breaks_the_queue_and_sets_needs_reset),
		cmocka_unit_test(test_readable_descriptor_after_a_writable_one_is_a_violation),
		cmocka_unit_test(test_next_index_out_of_range_is_a_violation),
		cmocka_unit_test(test_indirect_descriptor_without_the_feature_is_a_violation),
		cmocka_unit_test(
			test_avail_idx_running_ahead_by_more_than_the_queue_is_a_violation),
		cmocka_unit_test(test_completion_raises_interrupt_status_and_calls_the_callback),
		cmocka_unit_test(test_no_interrupt_flag_suppresses_the_notification),
		cmocka_unit_test(test_deferred_model_completes_only_in_devmodel_process),
		cmocka_unit_test(test_two_models_live_side_by_side),
		cmocka_unit_test(test_knob_used_id_out_of_range_reports_the_queue_size),
		cmocka_unit_test(test_knob_used_id_not_head_reports_a_middle_descriptor),
		cmocka_unit_test(test_knob_used_len_too_large_reports_one_byte_past_the_buffer),
		cmocka_unit_test(test_knob_swallow_keeps_the_chain_until_released),
		cmocka_unit_test(test_reusing_a_descriptor_the_device_holds_is_a_violation),
		cmocka_unit_test(test_knob_status_ioerr_fails_a_write_without_touching_the_disk),
		cmocka_unit_test(test_knob_status_corrupt_writes_0xff),
		cmocka_unit_test(test_knob_features_ok_never_sticks_refuses_a_valid_set),
		cmocka_unit_test(test_knob_reset_never_completes_keeps_status_non_zero),
		cmocka_unit_test(test_knob_slow_reset_completes_after_its_count_of_reads),
		cmocka_unit_test(test_knob_device_id_zero_and_bad_magic_change_the_probe),
		cmocka_unit_test(test_knob_config_generation_changes_on_every_read_then_settles),
		cmocka_unit_test(test_knob_queue_num_max_zero_makes_any_queue_size_a_violation),
		cmocka_unit_test(test_allow_list_refuses_a_data_buffer_outside_every_window),
		cmocka_unit_test(
			test_allow_list_refuses_a_ring_outside_every_window_and_breaks_the_queue),
		cmocka_unit_test(test_allow_list_maps_device_addresses_that_are_not_host_pointers),
		cmocka_unit_test(test_device_write_into_a_read_only_window_is_refused),
		cmocka_unit_test(test_identity_translation_refuses_a_wild_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
