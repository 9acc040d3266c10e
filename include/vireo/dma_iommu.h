/* The iommu DMA backend: every buffer a device sees is an I/O virtual address mapped for it in
 * its SMMU stream's own stage-1 domain, from an IOVA window that does not overlap RAM's
 * physical addresses (a device that wrongly bypassed translation would hit no RAM), and
 * unmapped (TLB invalidated, CMD_SYNC waited for) when the buffer comes back.
 *
 * Wiring, per device behind an SMMU that is up (smmu_lookup() of its iommus/iommu-map node):
 *   policy says iommu       -> dma_iommu_attach(&vdev->dma, smmu, stream_id)
 *   policy says bypass      -> dma_iommu_bypass(smmu, stream_id)   (direct backend)
 *   bounce behind an SMMU   -> dma_iommu_map_window(smmu, stream_id, pool dev_base, pool pa,
 *                              pool size, coherent): only the pool is reachable
 *   after each request      -> dma_iommu_faults(&vdev->dma) > 0: the request failed */
#ifndef VIREO_DMA_IOMMU_H
#define VIREO_DMA_IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/dma.h"
#include "vireo/types.h"

struct smmu;

/* The IOVA window: 4 GiB at 1 TiB, above QEMU virt's RAM and PCI windows (whose high MMIO
 * window ends at 1 TiB), inside any stage-1 input size (48 bits). */
#define DMA_IOMMU_IOVA_BASE (1ull << 40)
#define DMA_IOMMU_IOVA_SIZE (4ull << 30)
#define DMA_IOMMU_IOVA_RANGES 1024 /* free-list entries: at most 1023 live mappings */

extern const struct dma_ops dma_iommu_ops;

/** Make dev translate through a new stage-1 domain for StreamID sid of smmu: sets
 *  dev->backend (IOMMU), dev->ops and dev->backend_priv; keeps dev->coherent (write-back
 *  mappings and no cache maintenance when true). 0, or -ENOMEM, -ERANGE (sid beyond the
 *  stream table), -ENOSPC (no ASID or stream slot left), -ETIMEDOUT (the SMMU did not take
 *  the new STE). */
int dma_iommu_attach(struct dma_dev *dev, struct smmu *smmu, uint32_t sid);

/** Undo dma_iommu_attach(): the stream is set to abort, its domain and IOVA space freed.
 *  Every mapping must have been unmapped. */
void dma_iommu_detach(struct dma_dev *dev);

/** StreamID sid passes untranslated (legacy or non-ACCESS_PLATFORM devices on the direct
 *  backend). */
int dma_iommu_bypass(struct smmu *smmu, uint32_t sid);

/** Give StreamID sid a translating domain (the one it has, or a new one) in which only
 *  [dev_addr, dev_addr + size) is mapped, to [pa, pa + size), read-write: for a bounce pool,
 *  so the SMMU enforces that the device reaches nothing else. Rounded out to whole pages. */
int dma_iommu_map_window(struct smmu *smmu, uint32_t sid, uint64_t dev_addr, paddr_t pa,
			 size_t size, bool coherent);

/** Drain the device's SMMU event queue (printing each event) and return how many faults its
 *  stream took since the last call: > 0 means the device's last request must be failed.
 *  0 for a device on another backend. */
unsigned dma_iommu_faults(struct dma_dev *dev);

/** Test hook: the next dma_map() of dev gets an IOVA that is not mapped, so the device's
 *  access to it faults (an SMMU event, then the request fails). -EINVAL when dev is not on
 *  the iommu backend. */
int dma_iommu_break_next_map(struct dma_dev *dev);

#endif
