/* Private to dma/: what the backends share. */
#ifndef DMA_PRIV_H
#define DMA_PRIV_H

#include <stddef.h>

#include "vireo/dma.h"

/** Cache maintenance that hands [cpu, cpu + len) to a device that is not dma-coherent (nothing
 *  for a coherent one): clean before it reads, clean and invalidate before it writes. */
void dma_cache_to_device(const struct dma_dev *dev, const void *cpu, size_t len, enum dma_dir dir);
/** ... and back to the CPU after the device wrote: invalidate. */
void dma_cache_to_cpu(const struct dma_dev *dev, const void *cpu, size_t len, enum dma_dir dir);

#endif
