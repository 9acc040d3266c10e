/* Bounce pools: the one carved from RAM (dma=bounce, protected guests) and restricted-dma-pool
 * regions from the DT. */
#ifndef VIREO_DMA_POOLS_H
#define VIREO_DMA_POOLS_H

#include <stddef.h>
#include <stdint.h>

struct bounce_pool;

#define DMA_POOL_DEFAULT_SIZE (4u * 1024 * 1024)
#define DMA_POOL_MAX_SIZE (256u * 1024 * 1024)

/** Size of the pool carved from RAM (boot option bounce_pool=); before the first use only. */
int dma_pool_set_size(size_t bytes);
/** The restricted-dma-pool at [base, base + size) when size != 0, else the carved pool
 *  (carved and shared on first use). NULL when it cannot be had. */
struct bounce_pool *dma_pool_for(uint64_t restricted_base, uint64_t restricted_size);
/** Call fn for every pool in use (for `dma stats`). */
void dma_pool_for_each(void (*fn)(const struct bounce_pool *pool, void *ctx), void *ctx);

#endif
