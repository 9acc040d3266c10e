/* CRC-32 must equal zlib's crc32(): the QEMU tests compare the guest's `blk crc` with the
 * host's. Expected values are published check values or were computed with zlib. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vireo/crc32.h"

static uint32_t crc_of(const void *buf, size_t len)
{
	return crc32_update(0, buf, len);
}

static void test_empty_input_gives_zero(void **state)
{
	assert_int_equal(crc_of("", 0), 0);
	assert_int_equal(crc32_update(0x12345678u, "", 0), 0x12345678u);
}

static void test_check_value_of_123456789_is_cbf43926(void **state)
{
	assert_int_equal(crc_of("123456789", 9), 0xcbf43926u);
}

static void test_short_strings_match_zlib(void **state)
{
	const char *fox = "The quick brown fox jumps over the lazy dog";

	assert_int_equal(crc_of("a", 1), 0xe8b7be43u);
	assert_int_equal(crc_of(fox, strlen(fox)), 0x414fa339u);
}

static void test_runs_of_zero_and_ff_bytes_match_zlib(void **state)
{
	uint8_t buf[32];

	memset(buf, 0, sizeof(buf));
	assert_int_equal(crc_of(buf, sizeof(buf)), 0x190a55adu);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(crc_of(buf, sizeof(buf)), 0xff6cab0bu);
}

static void test_every_byte_value_matches_zlib(void **state)
{
	static uint8_t buf[4096];

	for (size_t i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)i;
	}
	assert_int_equal(crc_of(buf, sizeof(buf)), 0xa2912082u);
}

/* The pattern `blk write <dev> 10 4 0x1234` puts on the disk: sector s holds 64 copies of the
 * little-endian u64 s ^ seed. */
static void test_blk_write_pattern_matches_zlib(void **state)
{
	static uint8_t buf[4 * 512];

	for (unsigned s = 0; s < 4; s++) {
		uint64_t v = (10u + s) ^ 0x1234u;

		for (unsigned w = 0; w < 64; w++) {
			for (unsigned b = 0; b < 8; b++) {
				buf[s * 512 + w * 8 + b] = (uint8_t)(v >> (8 * b));
			}
		}
	}
	assert_int_equal(crc_of(buf, sizeof(buf)), 0x0499b300u);
}

static void test_incremental_updates_equal_one_pass(void **state)
{
	const char *s = "123456789";

	for (size_t cut = 0; cut <= 9; cut++) {
		uint32_t crc = crc32_update(0, s, cut);

		assert_int_equal(crc32_update(crc, s + cut, 9 - cut), 0xcbf43926u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_input_gives_zero),
		cmocka_unit_test(test_check_value_of_123456789_is_cbf43926),
		cmocka_unit_test(test_short_strings_match_zlib),
		cmocka_unit_test(test_runs_of_zero_and_ff_bytes_match_zlib),
		cmocka_unit_test(test_every_byte_value_matches_zlib),
		cmocka_unit_test(test_blk_write_pattern_matches_zlib),
		cmocka_unit_test(test_incremental_updates_equal_one_pass),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
