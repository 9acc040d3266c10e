/* CRC-32 (zlib's): a byte-at-a-time table over the reflected polynomial. */
#include <stdbool.h>

#include "vireo/crc32.h"

#define CRC32_POLY 0xedb88320u

static uint32_t crc32_table[256];
static bool crc32_table_ready;

static void crc32_make_table(void)
{
	for (uint32_t n = 0; n < 256; n++) {
		uint32_t c = n;

		for (unsigned k = 0; k < 8; k++) {
			c = (c & 1) ? CRC32_POLY ^ (c >> 1) : c >> 1;
		}
		crc32_table[n] = c;
	}
	crc32_table_ready = true;
}

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!crc32_table_ready) {
		crc32_make_table();
	}
	/* zlib keeps the register inverted between calls, so callers start from 0. */
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc = crc32_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
	}
	return ~crc;
}
