/* The direct backend: the device sees the buffer's physical address, shifted by the bus's
 * dma-ranges when there is one. A device that is not dma-coherent gets cache maintenance around
 * every transfer and its coherent memory from the non-cacheable pool. */
#include <errno.h>

#include "arch/cache.h"
#include "arch/cpu.h"
#include "vireo/dma.h"
#include "vireo/mem.h"
#include "dma_priv.h"

/** Translate [pa, pa + len) through dma-ranges; -EFAULT when it is not wholly inside. */
static int direct_translate(const struct dma_dev *dev, uint64_t pa, size_t len, uint64_t *out)
{
	if (dev->range_size == 0) {
		*out = pa;
		return 0;
	}
	if (pa < dev->range_cpu_base || len > dev->range_size ||
	    pa - dev->range_cpu_base > dev->range_size - len) {
		return -EFAULT;
	}
	*out = pa - dev->range_cpu_base + dev->range_dev_base;
	return 0;
}

static uint64_t direct_untranslate(const struct dma_dev *dev, uint64_t addr)
{
	if (dev->range_size == 0) {
		return addr;
	}
	return addr - dev->range_dev_base + dev->range_cpu_base;
}

static void *direct_cpu_ptr(const struct dma_dev *dev, dma_addr_t addr)
{
	return arch_pa_to_va(pa_init(direct_untranslate(dev, dma_addr(addr))));
}

/* Before the device reads: write back the CPU's data. Before the device writes: also drop the
 * lines, so a later eviction cannot overwrite what the device wrote. */
void dma_cache_to_device(const struct dma_dev *dev, const void *cpu, size_t len, enum dma_dir dir)
{
	if (dev->coherent) {
		return;
	}
	if (dir == DMA_TO_DEVICE) {
		arch_dcache_clean(cpu, len);
	} else {
		arch_dcache_clean_inval(cpu, len);
	}
}

/* After the device wrote: drop lines the CPU may have fetched speculatively meanwhile. */
void dma_cache_to_cpu(const struct dma_dev *dev, const void *cpu, size_t len, enum dma_dir dir)
{
	if (dev->coherent || dir == DMA_TO_DEVICE) {
		return;
	}
	arch_dcache_inval(cpu, len);
}

int dma_direct_map(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir, dma_addr_t *addr)
{
	uint64_t out;
	int ret = direct_translate(dev, pa_addr(arch_va_to_pa(ptr)), len, &out);

	if (ret < 0) {
		dev->stats.errors++;
		return ret;
	}
	dma_cache_to_device(dev, ptr, len, dir);
	dev->stats.maps++;
	*addr = dma_addr_init(out);
	return 0;
}

void dma_direct_unmap(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	dma_cache_to_cpu(dev, direct_cpu_ptr(dev, addr), len, dir);
	dev->stats.unmaps++;
}

void dma_direct_sync_for_device(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	dma_cache_to_device(dev, direct_cpu_ptr(dev, addr), len, dir);
}

void dma_direct_sync_for_cpu(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	dma_cache_to_cpu(dev, direct_cpu_ptr(dev, addr), len, dir);
}

int dma_direct_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr)
{
	void *p = dev->coherent ? page_alloc(size, PAGE_SIZE) : page_alloc_nc(size, PAGE_SIZE);
	uint64_t out;

	if (p == NULL) {
		return -ENOMEM;
	}
	if (direct_translate(dev, pa_addr(arch_va_to_pa(p)), size, &out) < 0) {
		dma_direct_free_coherent(dev, size, p, dma_addr_init(0));
		return -EFAULT;
	}
	*cpu = p;
	*addr = dma_addr_init(out);
	return 0;
}

void dma_direct_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr)
{
	if (dev->coherent) {
		page_free(cpu, size);
	} else {
		page_free_nc(cpu, size);
	}
}
