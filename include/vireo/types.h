/* Address types shared by every layer: a CPU physical address and a device (DMA) address are
 * different things, so each gets its own single-member struct and cannot be mixed by accident. */
#ifndef VIREO_TYPES_H
#define VIREO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A CPU physical address. */
typedef struct {
	uint64_t pa;
} paddr_t;

/** An address as the device sees it (after dma-ranges, an IOMMU or a bounce pool). */
typedef struct {
	uint64_t addr;
} dma_addr_t;

static inline paddr_t pa_init(uint64_t pa)
{
	return (paddr_t){ pa };
}

static inline uint64_t pa_addr(paddr_t pa)
{
	return pa.pa;
}

static inline dma_addr_t dma_addr_init(uint64_t addr)
{
	return (dma_addr_t){ addr };
}

static inline uint64_t dma_addr(dma_addr_t d)
{
	return d.addr;
}

/** True when [pa, pa + size) can be reached through a CPU pointer (uintptr_t) in the identity
 *  map: always on a 64-bit CPU; on a 32-bit one only below 4 GiB (a device window above,
 *  e.g. QEMU virt's high PCIe ECAM and MMIO, must be refused, not truncated). */
static inline bool pa_range_reachable(uint64_t pa, uint64_t size)
{
	uint64_t last = pa + (size == 0 ? 0 : size - 1);

	return last >= pa && (uint64_t)(uintptr_t)pa == pa && (uint64_t)(uintptr_t)last == last;
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a) (((x) + ((a)-1)) & ~((__typeof__(x))(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a)-1))
#define IS_ALIGNED(x, a) (((x) & ((__typeof__(x))(a)-1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
