/* Host build: MMIO goes to a device model. A model registers an address window with
 * fake_io_register(); accesses inside it call the model, accesses elsewhere are plain memory
 * accesses (for tests that back "registers" with an array). */
#ifndef ARCH_IO_IMPL_H
#define ARCH_IO_IMPL_H

#include <stdint.h>

struct fake_io_region {
	uintptr_t base;
	uintptr_t size;
	uint64_t (*read)(void *ctx, uintptr_t offset, unsigned size);
	void (*write)(void *ctx, uintptr_t offset, unsigned size, uint64_t value);
	void *ctx;
};

/** Register a window; returns 0 or -1 when the table is full. */
int fake_io_register(const struct fake_io_region *region);
void fake_io_unregister(uintptr_t base);
uint64_t fake_io_read(uintptr_t addr, unsigned size);
void fake_io_write(uintptr_t addr, unsigned size, uint64_t value);

#define FAKE_IO_RW(bits)                                                                           \
	static inline uint##bits##_t io_read##bits(uintptr_t a)                                    \
	{                                                                                          \
		return (uint##bits##_t)fake_io_read(a, (bits) / 8);                                \
	}                                                                                          \
	static inline void io_write##bits(uintptr_t a, uint##bits##_t v)                           \
	{                                                                                          \
		fake_io_write(a, (bits) / 8, v);                                                   \
	}
FAKE_IO_RW(8)
FAKE_IO_RW(16)
FAKE_IO_RW(32)
FAKE_IO_RW(64)
#undef FAKE_IO_RW

static inline void io_write32_mb(uintptr_t a, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	io_write32(a, v);
}

static inline uint32_t io_read32_mb(uintptr_t a)
{
	uint32_t v = io_read32(a);

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return v;
}

#endif
