/* Dispatch of the calls that are not on the per-buffer fast path. */
#include "vireo/dma.h"

int dma_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		return dma_direct_alloc_coherent(dev, size, cpu, addr);
	}
	return dev->ops->alloc_coherent(dev, size, cpu, addr);
}

void dma_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		dma_direct_free_coherent(dev, size, cpu, addr);
		return;
	}
	dev->ops->free_coherent(dev, size, cpu, addr);
}

const char *dma_backend_name(enum dma_backend b)
{
	switch (b) {
	case DMA_BACKEND_DIRECT:
		return "direct";
	case DMA_BACKEND_IOMMU:
		return "iommu";
	case DMA_BACKEND_BOUNCE:
		return "bounce";
	default:
		return "none";
	}
}
