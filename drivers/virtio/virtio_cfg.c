/* Device configuration space access shared by the transports: each field is read or written
 * with its own width when aligned (virtio 1.2 §4.1.3.1, §4.2.2.2), 64-bit fields as two 32-bit
 * halves, anything else byte by byte. */
#include <stdint.h>

#include "arch/io.h"
#include "virtio_priv.h"

/** One field of 1, 2 or 4 bytes, read with its own width when aligned, else bytewise. */
static void field_in(uintptr_t a, uint8_t *buf, unsigned len)
{
	uint32_t v;

	if (len == 2 && (a & 1) == 0) {
		v = io_read16(a);
	} else if (len == 4 && (a & 3) == 0) {
		v = io_read32(a);
	} else {
		for (unsigned i = 0; i < len; i++) {
			buf[i] = io_read8(a + i);
		}
		return;
	}
	for (unsigned i = 0; i < len; i++) {
		buf[i] = (uint8_t)(v >> (8 * i));
	}
}

static void field_out(uintptr_t a, const uint8_t *buf, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len && i < 4; i++) {
		v |= (uint32_t)buf[i] << (8 * i);
	}
	if (len == 2 && (a & 1) == 0) {
		io_write16(a, (uint16_t)v);
	} else if (len == 4 && (a & 3) == 0) {
		io_write32(a, v);
	} else {
		for (unsigned i = 0; i < len; i++) {
			io_write8(a + i, buf[i]);
		}
	}
}

void virtio_cfg_copy_in(uintptr_t base, unsigned offset, uint8_t *buf, unsigned len)
{
	if (len == 8 && (offset & 3) == 0) {
		field_in(base + offset, buf, 4);
		field_in(base + offset + 4, buf + 4, 4);
		return;
	}
	field_in(base + offset, buf, len);
}

void virtio_cfg_copy_out(uintptr_t base, unsigned offset, const uint8_t *buf, unsigned len)
{
	if (len == 8 && (offset & 3) == 0) {
		field_out(base + offset, buf, 4);
		field_out(base + offset + 4, buf + 4, 4);
		return;
	}
	field_out(base + offset, buf, len);
}
