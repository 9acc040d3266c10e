/* AArch64 MMIO accessors: one ldr/str each, with the address in a base register and no
 * writeback, so that a hypervisor trapping the access gets a valid ISS to emulate it. */
#ifndef ARCH_IO_IMPL_H
#define ARCH_IO_IMPL_H

#include <stdint.h>

static inline uint8_t io_read8(uintptr_t a)
{
	uint8_t v;

	__asm__ volatile("ldrb %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint16_t io_read16(uintptr_t a)
{
	uint16_t v;

	__asm__ volatile("ldrh %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint32_t io_read32(uintptr_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %w0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint64_t io_read64(uintptr_t a)
{
	uint64_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void io_write8(uintptr_t a, uint8_t v)
{
	__asm__ volatile("strb %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void io_write16(uintptr_t a, uint16_t v)
{
	__asm__ volatile("strh %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void io_write32(uintptr_t a, uint32_t v)
{
	__asm__ volatile("str %w0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

static inline void io_write64(uintptr_t a, uint64_t v)
{
	__asm__ volatile("str %x0, [%1]" : : "rZ"(v), "r"(a) : "memory");
}

/* A doorbell: everything written to memory before it (the ring) is visible to the device
 * before the register write that tells it to look. */
static inline void io_write32_mb(uintptr_t a, uint32_t v)
{
	__asm__ volatile("dmb oshst" ::: "memory");
	io_write32(a, v);
}

/* A status read that later memory reads depend on (e.g. data a device wrote). */
static inline uint32_t io_read32_mb(uintptr_t a)
{
	uint32_t v = io_read32(a);

	__asm__ volatile("dmb oshld" ::: "memory");
	return v;
}

#endif
