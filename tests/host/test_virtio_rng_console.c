/* The virtio-rng and virtio-console drivers over virtio-mmio (legacy and modern) against the
 * device models of tests/devmodel/rng_console.c. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/fake_irq.h"
#include "devmodel.h"
#include "dm_priv.h"
#include "devmodel_rng_console.h"
#include "vireo/virtio.h"
#include "vireo/virtio_console.h"
#include "vireo/virtio_mmio.h"
#include "vireo/virtio_rng.h"

#define TEST_TIMEOUT_NS (50ull * 1000 * 1000)

struct rig {
	struct devmodel *dm;
	struct virtio_device *vdev;
	int probe_ret;
};

/* Set for the group's second run: the models offer VIRTIO_F_RING_PACKED (modern only). */
static bool packed_rings;

/* In the packed run, every modern device that bound runs packed rings; legacy ones cannot. */
static void check_ring_format(struct devmodel *dm, const struct virtio_device *vdev)
{
	bool packed = devmodel_features(dm) & (1ull << VIRTIO_F_RING_PACKED);

	assert_int_equal(packed, packed_rings && !vdev->legacy);
}

static void bind(struct rig *r, int (*probe)(struct virtio_device *))
{
	assert_non_null(r->dm);
	assert_int_equal(virtio_mmio_create(devmodel_base(r->dm), 0x200, &r->vdev), 0);
	r->vdev->plat.coherent = true;
	r->vdev->timeout_ns = TEST_TIMEOUT_NS;
	r->probe_ret = probe(r->vdev);
	if (r->probe_ret == 0) {
		check_ring_format(r->dm, r->vdev);
	}
}

static struct vrng *rng_up(struct rig *r, unsigned version, const struct devmodel_rng_config *rc)
{
	struct devmodel_config cfg = { .version = version, .ring_packed = packed_rings };

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_rng_create(&cfg, rc);
	bind(r, vrng_probe);
	assert_int_equal(r->probe_ret, 0);
	assert_string_equal(r->vdev->name, "rng0");
	return vrng_get(0);
}

static void rng_down(struct rig *r, struct vrng *g)
{
	vrng_remove(g);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
}

/* Reads len bytes and checks they are the next len bytes the device handed out. */
static void read_and_compare(struct rig *r, struct vrng *g, size_t len)
{
	static uint8_t buf[VRNG_MAX_READ];
	size_t before, after;
	const uint8_t *stream;

	devmodel_rng_stream(r->dm, &before);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vrng_read(g, buf, len), 0);
	stream = devmodel_rng_stream(r->dm, &after);
	assert_int_equal(after - before, len);
	assert_memory_equal(buf, stream + before, len);
}

static void rng_sizes(unsigned version)
{
	static const size_t sizes[] = { 255, 256, 257, 1000, 2048, 4095, 4096 };
	struct rig r;
	struct vrng *g = rng_up(&r, version, NULL);

	for (size_t len = 1; len <= 64; len++) {
		read_and_compare(&r, g, len);
	}
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		read_and_compare(&r, g, sizes[i]);
	}
	assert_int_equal(devmodel_violations(r.dm), 0);
	rng_down(&r, g);
}

static void test_rng_reads_match_the_device_modern(void **state)
{
	(void)state;
	rng_sizes(2);
}

static void test_rng_reads_match_the_device_legacy(void **state)
{
	(void)state;
	rng_sizes(1);
}

static void rng_short_answers(unsigned version)
{
	struct devmodel_rng_config rc = { .seed = 5, .max_per_request = 7, .empty_requests = 3 };
	struct rig r;
	struct vrng *g;

	g = rng_up(&r, version, &rc);
	read_and_compare(&r, g, 100);
	/* 3 empty, then ceil(100 / 7) = 15 short ones. */
	assert_int_equal(devmodel_rng_requests(r.dm), 3 + 15);
	assert_int_equal(devmodel_violations(r.dm), 0);
	rng_down(&r, g);
}

static void test_rng_short_and_empty_answers_are_asked_again_modern(void **state)
{
	(void)state;
	rng_short_answers(2);
}

static void test_rng_short_and_empty_answers_are_asked_again_legacy(void **state)
{
	(void)state;
	rng_short_answers(1);
}

static void test_rng_that_never_answers_times_out(void **state)
{
	struct devmodel_rng_config rc = { .empty_requests = 1000000 };
	uint8_t buf[8];
	struct rig r;
	struct vrng *g;

	(void)state;
	g = rng_up(&r, 2, &rc);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -ETIMEDOUT);
	rng_down(&r, g);
}

static void test_rng_bad_lengths(void **state)
{
	uint8_t buf[16];
	struct rig r;
	struct vrng *g = rng_up(&r, 2, NULL);

	(void)state;
	assert_int_equal(vrng_read(g, buf, 0), -EINVAL);
	assert_int_equal(vrng_read(g, buf, VRNG_MAX_READ + 1), -EINVAL);
	/* A device claiming more bytes than the buffer holds is failed, not believed. */
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -EIO);
	assert_true(r.vdev->broken);
	rng_down(&r, g);
}

/* The device fills up to 7 bytes a request but reports used.len 1: each request gives one
 * byte, the first it wrote; the bytes past the used length are never handed out. */
static void test_rng_bytes_past_the_used_length_are_not_handed_out(void **state)
{
	struct devmodel_rng_config rc = { .seed = 9, .max_per_request = 7 };
	uint8_t buf[12];
	const uint8_t *stream;
	size_t at = 0, len = 0;
	struct rig r;
	struct vrng *g = rng_up(&r, 2, &rc);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, DEVMODEL_ALWAYS);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), 0);
	assert_int_equal(devmodel_rng_requests(r.dm), sizeof(buf));
	stream = devmodel_rng_stream(r.dm, &len);
	for (size_t k = 0; k < sizeof(buf); k++) {
		size_t asked = sizeof(buf) - k; /* one byte came back per request */

		assert_int_equal(buf[k], stream[at]);
		at += asked < 7 ? asked : 7;
	}
	assert_int_equal(at, len);
	rng_down(&r, g);
}

static void test_rng_request_left_unanswered_fails_the_device(void **state)
{
	uint8_t buf[32];
	struct rig r;
	struct vrng *g = rng_up(&r, 2, NULL);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_SWALLOW, 1);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -ETIMEDOUT);
	assert_true(r.vdev->broken);
	/* The reset took the buffer back: a late answer cannot write into it any more. */
	assert_int_equal(devmodel_release_swallowed(r.dm), 0);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -EIO);
	rng_down(&r, g);
}

static void test_rng_used_id_out_of_range_fails_the_device(void **state)
{
	uint8_t buf[32];
	struct rig r;
	struct vrng *g = rng_up(&r, 1, NULL);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -EIO);
	assert_true(r.vdev->broken);
	assert_int_equal(vrng_read(g, buf, sizeof(buf)), -EIO);
	rng_down(&r, g);
}

/* ---------------------------------------------------------------- console */

static struct vcons *con_up(struct rig *r, unsigned version, bool multiport)
{
	struct devmodel_config cfg = { .version = version, .ring_packed = packed_rings };
	struct devmodel_console_config cc = { .offer_multiport = multiport, .offer_size = true };

	memset(r, 0, sizeof(*r));
	r->dm = devmodel_console_create(&cfg, &cc);
	bind(r, vcons_probe);
	assert_int_equal(r->probe_ret, 0);
	assert_string_equal(r->vdev->name, "console0");
	return vcons_get(0);
}

static void con_down(struct rig *r, struct vcons *c)
{
	vcons_remove(c);
	virtio_mmio_destroy(r->vdev);
	devmodel_destroy(r->dm);
}

static void console_writes(unsigned version)
{
	static uint8_t big[5000];
	const uint8_t *out;
	size_t len = 0;
	struct rig r;
	struct vcons *c = con_up(&r, version, true);

	/* Multiport is offered but not taken: port 0 is then the whole device (§5.3.6). */
	assert_int_equal(devmodel_features(r.dm) & (1u << 1), 0);
	assert_int_equal(vcons_write(c, "hello\n", 6), 0);
	for (size_t i = 0; i < sizeof(big); i++) {
		big[i] = (uint8_t)('a' + i % 26);
	}
	assert_int_equal(vcons_write(c, big, sizeof(big)), 0);
	out = devmodel_console_output(r.dm, &len);
	assert_int_equal(len, 6 + sizeof(big));
	assert_memory_equal(out, "hello\n", 6);
	assert_memory_equal(out + 6, big, sizeof(big));
	assert_int_equal(devmodel_violations(r.dm), 0);
	con_down(&r, c);
}

static void test_console_output_arrives_modern(void **state)
{
	(void)state;
	console_writes(2);
}

static void test_console_output_arrives_legacy(void **state)
{
	(void)state;
	console_writes(1);
}

static void console_input(unsigned version)
{
	static uint8_t in[3000];
	struct rig r;
	struct vcons *c = con_up(&r, version, false);
	size_t given = 0, got = 0;

	assert_int_equal(vcons_getc(c), -1);
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = (uint8_t)(i * 7);
	}
	/* More than the posted buffers hold: feed, read, feed again as buffers come back. */
	while (got < sizeof(in)) {
		int ch;

		given += devmodel_console_inject(r.dm, in + given, sizeof(in) - given);
		while ((ch = vcons_getc(c)) >= 0) {
			assert_true(got < given);
			assert_int_equal(ch, in[got]);
			got++;
		}
		assert_int_equal(got, given);
	}
	assert_int_equal(vcons_getc(c), -1);
	assert_int_equal(devmodel_violations(r.dm), 0);
	con_down(&r, c);
}

static void test_console_input_is_read_in_order_modern(void **state)
{
	(void)state;
	console_input(2);
}

static void test_console_input_is_read_in_order_legacy(void **state)
{
	(void)state;
	console_input(1);
}

static void test_console_write_left_unanswered_fails_the_device(void **state)
{
	const uint8_t *out;
	size_t len = 0;
	struct rig r;
	struct vcons *c = con_up(&r, 2, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_SWALLOW, 1);
	assert_int_equal(vcons_write(c, "lost\n", 5), -ETIMEDOUT);
	assert_true(r.vdev->broken);
	assert_int_equal(devmodel_release_swallowed(r.dm), 0);
	assert_int_equal(vcons_write(c, "late\n", 5), -EIO);
	out = devmodel_console_output(r.dm, &len);
	assert_non_null(out);
	assert_int_equal(len, 0);
	con_down(&r, c);
}

/* The device moves transmitq's used.idx two ahead while it holds one chain: entries it never
 * wrote are published (once, at the first wait). */
static void jump_used_idx(void *ctx)
{
	struct devmodel *dm = ctx;
	uint16_t *idx = (uint16_t *)(uintptr_t)(dm->queues[1].device + 2);

	*idx = (uint16_t)(*idx + 2);
	fake_set_wait_hook(NULL, NULL);
}

/* Found by tests/fuzz/fuzz_used_ring.c: the stale entry's id (0) was the head of the chain in
 * flight, so the write "succeeded" although the device never took the bytes. */
static void test_console_used_index_ahead_of_the_chains_in_flight_fails_the_device(void **state)
{
	size_t len = 0;
	struct rig r;
	struct vcons *c = con_up(&r, 2, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_SWALLOW, 1);
	fake_set_wait_hook(jump_used_idx, r.dm);
	assert_true(vcons_write(c, "lost\n", 5) < 0);
	fake_set_wait_hook(NULL, NULL);
	assert_true(r.vdev->broken);
	devmodel_console_output(r.dm, &len);
	assert_int_equal(len, 0);
	con_down(&r, c);
}

static void test_console_transmit_id_not_a_head_fails_the_device(void **state)
{
	struct rig r;
	struct vcons *c = con_up(&r, 1, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_NOT_HEAD, 1);
	assert_int_equal(vcons_write(c, "x\n", 2), -EIO);
	assert_true(r.vdev->broken);
	assert_int_equal(vcons_getc(c), -1);
	con_down(&r, c);
}

static void test_console_receive_id_out_of_range_fails_the_device(void **state)
{
	struct rig r;
	struct vcons *c = con_up(&r, 2, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_ID_OUT_OF_RANGE, 1);
	assert_int_equal(devmodel_console_inject(r.dm, "ab", 2), 2);
	assert_int_equal(vcons_getc(c), -1);
	assert_true(r.vdev->broken);
	/* The reset took every receive buffer back: nothing more can be delivered. */
	assert_int_equal(devmodel_console_inject(r.dm, "cd", 2), 0);
	assert_int_equal(vcons_getc(c), -1);
	assert_int_equal(vcons_write(c, "x\n", 2), -EIO);
	con_down(&r, c);
}

static void test_console_bad_input_length_is_not_believed(void **state)
{
	struct rig r;
	struct vcons *c = con_up(&r, 2, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_TOO_LARGE, 1);
	assert_int_equal(devmodel_console_inject(r.dm, "x", 1), 1);
	assert_int_equal(vcons_getc(c), -1); /* the bad completion gave nothing */
	assert_int_equal(devmodel_console_inject(r.dm, "y", 1), 1);
	assert_int_equal(vcons_getc(c), 'y');
	con_down(&r, c);
}

/* Input of 3 bytes whose completion claims 1: only that byte is read. */
static void test_console_input_past_the_used_length_is_not_read(void **state)
{
	struct rig r;
	struct vcons *c = con_up(&r, 2, false);

	(void)state;
	devmodel_set_knob(r.dm, DEVMODEL_KNOB_USED_LEN_ONE, 1);
	assert_int_equal(devmodel_console_inject(r.dm, "abc", 3), 3);
	assert_int_equal(vcons_getc(c), 'a');
	assert_int_equal(vcons_getc(c), -1);
	assert_int_equal(devmodel_console_inject(r.dm, "y", 1), 1);
	assert_int_equal(vcons_getc(c), 'y');
	con_down(&r, c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rng_reads_match_the_device_modern),
		cmocka_unit_test(test_rng_reads_match_the_device_legacy),
		cmocka_unit_test(test_rng_short_and_empty_answers_are_asked_again_modern),
		cmocka_unit_test(test_rng_short_and_empty_answers_are_asked_again_legacy),
		cmocka_unit_test(test_rng_that_never_answers_times_out),
		cmocka_unit_test(test_rng_bad_lengths),
		cmocka_unit_test(test_rng_bytes_past_the_used_length_are_not_handed_out),
		cmocka_unit_test(test_rng_request_left_unanswered_fails_the_device),
		cmocka_unit_test(test_rng_used_id_out_of_range_fails_the_device),
		cmocka_unit_test(test_console_output_arrives_modern),
		cmocka_unit_test(test_console_output_arrives_legacy),
		cmocka_unit_test(test_console_input_is_read_in_order_modern),
		cmocka_unit_test(test_console_input_is_read_in_order_legacy),
		cmocka_unit_test(test_console_bad_input_length_is_not_believed),
		cmocka_unit_test(test_console_input_past_the_used_length_is_not_read),
		cmocka_unit_test(test_console_write_left_unanswered_fails_the_device),
		cmocka_unit_test(
			test_console_used_index_ahead_of_the_chains_in_flight_fails_the_device),
		cmocka_unit_test(test_console_transmit_id_not_a_head_fails_the_device),
		cmocka_unit_test(test_console_receive_id_out_of_range_fails_the_device),
	};

	int failed = cmocka_run_group_tests_name("virtio_rng_console", tests, NULL, NULL);

	packed_rings = true;
	return failed + cmocka_run_group_tests_name("virtio_rng_console_packed", tests, NULL, NULL);
}
