/* Data cache maintenance by virtual address range, to the point of coherency. Used by the DMA
 * layer for devices that are not dma-coherent. On a coherent host build these do nothing. */
#ifndef ARCH_CACHE_H
#define ARCH_CACHE_H

#include <stddef.h>

/** Write dirty lines back so that a device reading memory sees the CPU's data. */
void arch_dcache_clean(const void *addr, size_t len);
/** Discard lines so that the CPU reads what a device wrote. Partial lines at the edges are
 *  cleaned and invalidated, never just discarded. */
void arch_dcache_inval(const void *addr, size_t len);
/** Clean then invalidate. */
void arch_dcache_clean_inval(const void *addr, size_t len);

#endif
