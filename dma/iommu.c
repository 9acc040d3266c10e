/* The iommu DMA backend (include/vireo/dma_iommu.h): map = IOVA allocation + SMMU mapping of
 * the pages covering the buffer (its offset in the first page kept); unmap = SMMU unmap (TLBI
 * + CMD_SYNC) + IOVA free. Cache maintenance for devices that are not dma-coherent is done on
 * the CPU's view of the buffer, found again through the domain's tables. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/cpu.h"
#include "vireo/dma_iommu.h"
#include "vireo/iova.h"
#include "vireo/mem.h"
#include "vireo/smmu.h"
#include "dma_priv.h"

struct dma_iommu {
	struct smmu *smmu;
	struct smmu_domain *domain;
	uint32_t sid;
	struct iova_space iova;
	bool break_next; /* test hook */
	uint64_t faults_seen;
};

static struct dma_iommu *priv_of(struct dma_dev *dev)
{
	return dev->backend_priv;
}

static unsigned prot_of(const struct dma_dev *dev, enum dma_dir dir)
{
	unsigned prot = dev->coherent ? SMMU_CACHE : 0;

	switch (dir) {
	case DMA_TO_DEVICE:
		return prot | SMMU_READ; /* the device only reads the buffer */
	case DMA_FROM_DEVICE:
		return prot | SMMU_WRITE;
	default:
		return prot | SMMU_READ | SMMU_WRITE;
	}
}

/** The CPU address behind a device address of dev; NULL when it is not mapped. */
static void *cpu_of(struct dma_iommu *p, uint64_t addr)
{
	paddr_t pa;
	unsigned prot;

	if (smmu_iova_to_phys(p->domain, addr, &pa, &prot) < 0) {
		return NULL;
	}
	return arch_pa_to_va(pa);
}

/** Map [pa, pa + len) (any alignment) at a new IOVA with the same offset in its page. */
static int map_range(struct dma_dev *dev, uint64_t pa, size_t len, unsigned prot, uint64_t *out)
{
	struct dma_iommu *p = priv_of(dev);
	uint64_t off = pa & (SMMU_PAGE_SIZE - 1);
	uint64_t span = ALIGN_UP(off + len, (uint64_t)SMMU_PAGE_SIZE);
	uint64_t iova;
	int ret;

	if (len == 0 || off + len < len) {
		return -EINVAL;
	}
	ret = iova_alloc(&p->iova, span, &iova);
	if (ret < 0) {
		return ret;
	}
	if (p->break_next) {
		p->break_next = false; /* the device will fault on it */
		printf("%s: IOVA 0x%llx deliberately left unmapped\n", smmu_name(p->smmu),
		       (unsigned long long)iova);
	} else {
		ret = smmu_map(p->domain, iova, pa_init(pa - off), (size_t)span, prot);
	}
	if (ret < 0) {
		iova_free(&p->iova, iova, span);
		return ret;
	}
	*out = iova + off;
	return 0;
}

/** Unmap what map_range() mapped at addr. An IOVA whose unmap the SMMU did not confirm is
 *  never reused: a stale TLB entry could still reach the old pages. */
static int unmap_range(struct dma_iommu *p, uint64_t addr, size_t len)
{
	uint64_t off = addr & (SMMU_PAGE_SIZE - 1);
	uint64_t span = ALIGN_UP(off + len, (uint64_t)SMMU_PAGE_SIZE);
	int ret = smmu_unmap(p->domain, addr - off, (size_t)span);

	if (ret < 0) {
		printf("%s: IOVA 0x%llx+0x%llx not confirmed unmapped (%d); never reused\n",
		       smmu_name(p->smmu), (unsigned long long)(addr - off),
		       (unsigned long long)span, ret);
		return ret;
	}
	ret = iova_free(&p->iova, addr - off, span);
	if (ret < 0) {
		printf("%s: unmap of IOVA 0x%llx that is not mapped\n", smmu_name(p->smmu),
		       (unsigned long long)addr);
	}
	return ret;
}

static int iommu_map(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir, dma_addr_t *addr)
{
	uint64_t out;
	int ret = map_range(dev, pa_addr(arch_va_to_pa(ptr)), len, prot_of(dev, dir), &out);

	if (ret < 0) {
		dev->stats.errors++;
		return ret;
	}
	dma_cache_to_device(dev, ptr, len, dir);
	dev->stats.maps++;
	*addr = dma_addr_init(out);
	return 0;
}

/* Cache maintenance covers the whole buffer whatever was written: nothing is copied here. */
static void iommu_unmap(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir,
			size_t written)
{
	struct dma_iommu *p = priv_of(dev);
	void *cpu = cpu_of(p, dma_addr(addr));

	if (unmap_range(p, dma_addr(addr), len) < 0) {
		dev->stats.errors++;
	}
	if (cpu != NULL) {
		dma_cache_to_cpu(dev, cpu, len, dir);
	}
	dev->stats.unmaps++;
}

static void iommu_sync_for_device(struct dma_dev *dev, dma_addr_t addr, size_t len,
				  enum dma_dir dir)
{
	void *cpu = dev->coherent ? NULL : cpu_of(priv_of(dev), dma_addr(addr));

	if (cpu != NULL) {
		dma_cache_to_device(dev, cpu, len, dir);
	}
}

static void iommu_sync_for_cpu(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	void *cpu = dev->coherent ? NULL : cpu_of(priv_of(dev), dma_addr(addr));

	if (cpu != NULL) {
		dma_cache_to_cpu(dev, cpu, len, dir);
	}
}

static void free_pages(const struct dma_dev *dev, void *mem, size_t bytes)
{
	if (dev->coherent) {
		page_free(mem, bytes);
	} else {
		page_free_nc(mem, bytes);
	}
}

static int iommu_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr)
{
	size_t bytes = ALIGN_UP(size, (size_t)PAGE_SIZE);
	void *mem = dev->coherent ? page_alloc(bytes, PAGE_SIZE) : page_alloc_nc(bytes, PAGE_SIZE);
	uint64_t out;
	int ret;

	if (mem == NULL) {
		return -ENOMEM;
	}
	ret = map_range(dev, pa_addr(arch_va_to_pa(mem)), bytes, prot_of(dev, DMA_BIDIRECTIONAL),
			&out);
	if (ret < 0) {
		free_pages(dev, mem, bytes);
		return ret;
	}
	*cpu = mem;
	*addr = dma_addr_init(out);
	return 0;
}

static void iommu_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr)
{
	size_t bytes = ALIGN_UP(size, (size_t)PAGE_SIZE);

	if (unmap_range(priv_of(dev), dma_addr(addr), bytes) < 0) {
		return; /* the device may still reach it: leak rather than reuse */
	}
	free_pages(dev, cpu, bytes);
}

const struct dma_ops dma_iommu_ops = {
	.alloc_coherent = iommu_alloc_coherent,
	.free_coherent = iommu_free_coherent,
	.map = iommu_map,
	.unmap = iommu_unmap,
	.sync_for_device = iommu_sync_for_device,
	.sync_for_cpu = iommu_sync_for_cpu,
};

int dma_iommu_attach(struct dma_dev *dev, struct smmu *smmu, uint32_t sid)
{
	struct dma_iommu *p = calloc(1, sizeof(*p));
	int ret;

	if (p == NULL) {
		return -ENOMEM;
	}
	ret = iova_space_init(&p->iova, DMA_IOMMU_IOVA_BASE, DMA_IOMMU_IOVA_SIZE,
			      DMA_IOMMU_IOVA_RANGES);
	if (ret == 0) {
		ret = smmu_stream_translate(smmu, sid, &p->domain);
	}
	if (ret == 0 &&
	    DMA_IOMMU_IOVA_BASE + DMA_IOMMU_IOVA_SIZE > (1ull << smmu_domain_ias(p->domain))) {
		ret = -ERANGE; /* not with a 48-bit input size; kept for smaller ones */
	}
	if (ret < 0) {
		iova_space_destroy(&p->iova);
		free(p);
		return ret;
	}
	p->smmu = smmu;
	p->sid = sid;
	dev->backend = DMA_BACKEND_IOMMU;
	dev->ops = &dma_iommu_ops;
	dev->backend_priv = p;
	return 0;
}

void dma_iommu_detach(struct dma_dev *dev)
{
	struct dma_iommu *p = priv_of(dev);

	if (p == NULL || dev->ops != &dma_iommu_ops) {
		return;
	}
	if (smmu_stream_abort(p->smmu, p->sid) == 0) {
		smmu_domain_destroy(p->domain);
	} /* else the SMMU may still use the tables: leak them */
	iova_space_destroy(&p->iova);
	free(p);
	dev->backend_priv = NULL;
	dev->ops = NULL;
	dev->backend = DMA_BACKEND_NONE;
}

int dma_iommu_bypass(struct smmu *smmu, uint32_t sid)
{
	return smmu_stream_bypass(smmu, sid);
}

int dma_iommu_map_window(struct smmu *smmu, uint32_t sid, uint64_t dev_addr, paddr_t pa,
			 size_t size, bool coherent)
{
	struct smmu_domain *d = smmu_stream_domain(smmu, sid);
	uint64_t off = dev_addr & (SMMU_PAGE_SIZE - 1);
	unsigned prot = SMMU_READ | SMMU_WRITE | (coherent ? SMMU_CACHE : 0);
	int ret = 0;

	if (off != (pa_addr(pa) & (SMMU_PAGE_SIZE - 1))) {
		return -EINVAL; /* a page cannot map one offset to another */
	}
	if (d == NULL) {
		ret = smmu_stream_translate(smmu, sid, &d);
	}
	if (ret < 0) {
		return ret;
	}
	return smmu_map(d, dev_addr - off, pa_init(pa_addr(pa) - off),
			(size_t)ALIGN_UP(off + size, (uint64_t)SMMU_PAGE_SIZE), prot);
}

unsigned dma_iommu_faults(struct dma_dev *dev)
{
	struct dma_iommu *p = priv_of(dev);
	uint64_t now;
	uint64_t seen;

	if (dev->backend != DMA_BACKEND_IOMMU || p == NULL) {
		return 0;
	}
	smmu_drain_events(p->smmu);
	now = smmu_stream_fault_count(p->smmu, p->sid);
	seen = p->faults_seen;
	p->faults_seen = now;
	return (unsigned)(now - seen);
}

int dma_iommu_break_next_map(struct dma_dev *dev)
{
	if (dev->backend != DMA_BACKEND_IOMMU || dev->backend_priv == NULL) {
		return -EINVAL;
	}
	priv_of(dev)->break_next = true;
	return 0;
}
