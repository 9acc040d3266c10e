/* AArch32 MMIO accessors: one ldr/str each with the address in a base register and no
 * writeback, so that a hypervisor trapping the access gets a valid ISS to emulate it. A 64-bit
 * register is two 32-bit accesses, low word first (an Armv7 ldrd has no valid ISS). */
#ifndef ARCH_IO_IMPL_H
#define ARCH_IO_IMPL_H

#include <stdint.h>

static inline uint8_t io_read8(uintptr_t a)
{
	uint8_t v;

	__asm__ volatile("ldrb %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint16_t io_read16(uintptr_t a)
{
	uint16_t v;

	__asm__ volatile("ldrh %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint32_t io_read32(uintptr_t a)
{
	uint32_t v;

	__asm__ volatile("ldr %0, [%1]" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint64_t io_read64(uintptr_t a)
{
	uint32_t lo = io_read32(a);
	uint32_t hi = io_read32(a + 4);

	return (uint64_t)hi << 32 | lo;
}

static inline void io_write8(uintptr_t a, uint8_t v)
{
	__asm__ volatile("strb %0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static inline void io_write16(uintptr_t a, uint16_t v)
{
	__asm__ volatile("strh %0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static inline void io_write32(uintptr_t a, uint32_t v)
{
	__asm__ volatile("str %0, [%1]" : : "r"(v), "r"(a) : "memory");
}

static inline void io_write64(uintptr_t a, uint64_t v)
{
	io_write32(a, (uint32_t)v);
	io_write32(a + 4, (uint32_t)(v >> 32));
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

	__asm__ volatile("dmb osh" ::: "memory");
	return v;
}

#endif
