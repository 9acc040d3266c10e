/* The per-device DMA interface. Every address a device is given (rings, buffers) comes from here;
 * no driver computes one itself.
 *
 * Usage, per buffer handed to a device:
 *   dma_map(dev, ptr, len, dir, &addr)      -- ownership passes to the device
 *   ... device works ...
 *   dma_unmap(dev, addr, len, dir)          -- ownership comes back (data copied out if bounced)
 *   dma_unmap_written(dev, addr, len, dir, written)
 *                                           -- the same when the device says it wrote only the
 *                                              first `written` bytes (a used length): a bounce
 *                                              backend copies back only those
 * For memory shared for a long time (rings): dma_alloc_coherent() / dma_free_coherent(), with
 * dma_sync_for_device() after the CPU writes and dma_sync_for_cpu() before it reads.
 *
 * The direct backend is inlined (no indirect call per buffer); the others go through ops. */
#ifndef VIREO_DMA_H
#define VIREO_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vireo/types.h"

enum dma_dir {
	DMA_TO_DEVICE,
	DMA_FROM_DEVICE,
	DMA_BIDIRECTIONAL,
};

enum dma_backend {
	DMA_BACKEND_NONE, /* refused: the device must not bind */
	DMA_BACKEND_DIRECT,
	DMA_BACKEND_IOMMU,
	DMA_BACKEND_BOUNCE,
};

struct dma_dev;

/** A non-direct backend. Filled by dma/iommu.c or dma/bounce.c. */
struct dma_ops {
	int (*alloc_coherent)(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr);
	void (*free_coherent)(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr);
	int (*map)(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir, dma_addr_t *addr);
	/** written: the bytes at the buffer's start the device wrote (at most len) */
	void (*unmap)(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir,
		      size_t written);
	void (*sync_for_device)(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir);
	void (*sync_for_cpu)(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir);
};

struct dma_stats {
	uint64_t maps;
	uint64_t unmaps;
	uint64_t bounce_bytes;
	uint64_t errors;
};

/** A device's DMA context. Filled by dma_dev_init() from the policy's choice. */
struct dma_dev {
	enum dma_backend backend;
	const struct dma_ops *ops; /* NULL for direct */
	bool coherent;		   /* false: cache maintenance around every transfer */
	/* dma-ranges: device address = CPU physical address - cpu_base + dev_base, valid for
	 * [cpu_base, cpu_base + size). size == 0 means no dma-ranges (identity, no limit). */
	uint64_t range_cpu_base;
	uint64_t range_dev_base;
	uint64_t range_size;
	void *backend_priv; /* set by the iommu / bounce backend */
	struct dma_stats stats;
	char reason[96]; /* why this backend was chosen (shown by `devices`) */
};

/** Direct-backend helpers (also used by the other backends for their own memory). */
int dma_direct_map(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir, dma_addr_t *addr);
void dma_direct_unmap(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir);
int dma_direct_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr);
void dma_direct_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr);
void dma_direct_sync_for_device(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir);
void dma_direct_sync_for_cpu(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir);

/** Map a buffer for the device. Returns 0, or a negative error (buffer outside dma-ranges,
 *  pool exhausted, IOVA space full); on error *addr is untouched and nothing is held. */
static inline int dma_map(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir,
			  dma_addr_t *addr)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		return dma_direct_map(dev, ptr, len, dir, addr);
	}
	return dev->ops->map(dev, ptr, len, dir, addr);
}

/** Ownership of a mapped buffer comes back; the device wrote its first `written` bytes (0 for
 *  DMA_TO_DEVICE, at most len), the rest of the caller's buffer is left as it was. */
static inline void dma_unmap_written(struct dma_dev *dev, dma_addr_t addr, size_t len,
				     enum dma_dir dir, size_t written)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		dma_direct_unmap(dev, addr, len, dir);
		return;
	}
	dev->ops->unmap(dev, addr, len, dir, written < len ? written : len);
}

/** dma_unmap_written() for a device that may have written all of a device-writable buffer. */
static inline void dma_unmap(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	dma_unmap_written(dev, addr, len, dir, dir == DMA_TO_DEVICE ? 0 : len);
}

static inline void dma_sync_for_device(struct dma_dev *dev, dma_addr_t addr, size_t len,
				       enum dma_dir dir)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		dma_direct_sync_for_device(dev, addr, len, dir);
		return;
	}
	dev->ops->sync_for_device(dev, addr, len, dir);
}

static inline void dma_sync_for_cpu(struct dma_dev *dev, dma_addr_t addr, size_t len,
				    enum dma_dir dir)
{
	if (dev->backend == DMA_BACKEND_DIRECT) {
		dma_direct_sync_for_cpu(dev, addr, len, dir);
		return;
	}
	dev->ops->sync_for_cpu(dev, addr, len, dir);
}

/** Memory shared with the device for a long time (rings). Zeroed. */
int dma_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr);
void dma_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr);

const char *dma_backend_name(enum dma_backend b);

#endif
