/* The bounce backend: the device only ever sees addresses inside the pool. map copies the
 * caller's buffer in, unmap copies the device's result back out, as Linux's swiotlb does. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/cache.h"
#include "vireo/bounce.h"
#include "vireo/mem.h"

#define SLOTS_PER_PAGE (PAGE_SIZE / BOUNCE_SLOT_SIZE)

int bounce_pool_init(struct bounce_pool *pool, void *cpu, uint64_t dev_base, size_t size,
		     const char *name)
{
	memset(pool, 0, sizeof(*pool));
	pool->slot_count = (unsigned)(size / BOUNCE_SLOT_SIZE);
	if (pool->slot_count == 0) {
		return -EINVAL;
	}
	pool->slots = calloc(pool->slot_count, sizeof(*pool->slots));
	if (pool->slots == NULL) {
		return -ENOMEM;
	}
	pool->cpu = cpu;
	pool->dev_base = dev_base;
	pool->size = (size_t)pool->slot_count * BOUNCE_SLOT_SIZE;
	snprintf(pool->name, sizeof(pool->name), "%s", name);
	return 0;
}

void bounce_pool_destroy(struct bounce_pool *pool)
{
	free(pool->slots);
	memset(pool, 0, sizeof(*pool));
}

static struct bounce_pool *pool_of(struct dma_dev *dev)
{
	return dev->backend_priv;
}

static bool run_is_free(const struct bounce_pool *pool, unsigned first, unsigned count)
{
	for (unsigned i = first; i < first + count; i++) {
		if (pool->slots[i].used) {
			return false;
		}
	}
	return true;
}

/** First fit of count slots starting at a multiple of step. -1 when none. */
static long find_run(const struct bounce_pool *pool, unsigned count, unsigned step)
{
	for (unsigned first = 0; first + count <= pool->slot_count; first += step) {
		if (run_is_free(pool, first, count)) {
			return first;
		}
	}
	return -1;
}

static long slots_alloc(struct bounce_pool *pool, size_t len, unsigned step)
{
	unsigned count;
	long first;

	if (len == 0 || len > pool->size) {
		return -1;
	}
	count = (unsigned)((len + BOUNCE_SLOT_SIZE - 1) / BOUNCE_SLOT_SIZE);
	if (count > UINT16_MAX) {
		return -1;
	}
	first = find_run(pool, count, step);
	if (first < 0) {
		pool->failures++;
		return -1;
	}
	for (unsigned i = (unsigned)first; i < (unsigned)first + count; i++) {
		pool->slots[i].used = 1;
	}
	pool->slots[first].count = (uint16_t)count;
	pool->used_slots += count;
	pool->high_water = MAX(pool->high_water, pool->used_slots);
	return first;
}

static void slots_free(struct bounce_pool *pool, unsigned first)
{
	unsigned count = pool->slots[first].count;

	for (unsigned i = first; i < first + count; i++) {
		pool->slots[i] = (struct bounce_slot){ 0 };
	}
	pool->used_slots -= count;
}

/** The head slot of the allocation at device address addr, or -1 if addr is not one we gave. */
static long slot_of(const struct bounce_pool *pool, dma_addr_t addr, bool coherent)
{
	uint64_t a = dma_addr(addr);
	uint64_t slot;

	if (a < pool->dev_base || a - pool->dev_base >= pool->size) {
		return -1;
	}
	slot = (a - pool->dev_base) / BOUNCE_SLOT_SIZE;
	if ((a - pool->dev_base) % BOUNCE_SLOT_SIZE != 0 || pool->slots[slot].count == 0 ||
	    pool->slots[slot].coherent_alloc != coherent) {
		return -1;
	}
	return (long)slot;
}

static void *slot_cpu(const struct bounce_pool *pool, unsigned slot)
{
	return pool->cpu + (size_t)slot * BOUNCE_SLOT_SIZE;
}

static void copy_in(struct dma_dev *dev, unsigned slot, size_t len)
{
	struct bounce_pool *pool = pool_of(dev);
	void *b = slot_cpu(pool, slot);

	memcpy(b, pool->slots[slot].orig, len);
	dev->stats.bounce_bytes += len;
	if (!dev->coherent) {
		arch_dcache_clean(b, len);
	}
}

static void copy_out(struct dma_dev *dev, unsigned slot, size_t len)
{
	struct bounce_pool *pool = pool_of(dev);
	void *b = slot_cpu(pool, slot);

	if (!dev->coherent) {
		arch_dcache_inval(b, len);
	}
	memcpy(pool->slots[slot].orig, b, len);
	dev->stats.bounce_bytes += len;
}

/* Every buffer is copied in, a device-writable one too: what the driver put there (virtio-blk's
 * status byte preset to "not written") must be what a device that never wrote it leaves, not
 * a stale byte of an earlier request in the pool (fuzz_used_ring found that: a write completed
 * by a rewritten used entry read a stale OK status). A device-writable buffer is copied back
 * on unmap only up to the bytes the device wrote (the used length). */
static int bounce_map(struct dma_dev *dev, void *ptr, size_t len, enum dma_dir dir,
		      dma_addr_t *addr)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slots_alloc(pool, len, 1);

	if (slot < 0) {
		/* Many requests in flight fill the pool as a matter of course: their submitter
		 * waits for a completion (or splits the request), so say it once; `dma stats`
		 * counts every failure. */
		if (!pool->exhausted) {
			printf("%s: bounce pool exhausted (%lu bytes wanted, %u of %u slots used); "
			       "further failures are only counted\n",
			       pool->name, (unsigned long)len, pool->used_slots, pool->slot_count);
		}
		pool->exhausted = true;
		dev->stats.errors++;
		return -ENOSPC;
	}
	pool->slots[slot].orig = ptr;
	pool->slots[slot].len = (uint32_t)len;
	copy_in(dev, (unsigned)slot, len);
	dev->stats.maps++;
	*addr = dma_addr_init(pool->dev_base + (uint64_t)slot * BOUNCE_SLOT_SIZE);
	return 0;
}

static void bounce_unmap(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir,
			 size_t written)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slot_of(pool, addr, false);

	if (slot < 0) {
		printf("%s: unmap of an address it never mapped (0x%llx)\n", pool->name,
		       (unsigned long long)dma_addr(addr));
		dev->stats.errors++;
		return;
	}
	if (dir != DMA_TO_DEVICE) {
		copy_out(dev, (unsigned)slot,
			 MIN(MIN(len, written), (size_t)pool->slots[slot].len));
	}
	slots_free(pool, (unsigned)slot);
	dev->stats.unmaps++;
}

static void bounce_sync_for_device(struct dma_dev *dev, dma_addr_t addr, size_t len,
				   enum dma_dir dir)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slot_of(pool, addr, false);

	if (slot >= 0 && dir != DMA_FROM_DEVICE) {
		copy_in(dev, (unsigned)slot, MIN(len, (size_t)pool->slots[slot].len));
	}
}

static void bounce_sync_for_cpu(struct dma_dev *dev, dma_addr_t addr, size_t len, enum dma_dir dir)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slot_of(pool, addr, false);

	if (slot >= 0 && dir != DMA_TO_DEVICE) {
		copy_out(dev, (unsigned)slot, MIN(len, (size_t)pool->slots[slot].len));
	}
}

/* Rings live in the pool itself (it is shared memory), page-aligned as legacy layouts need. */
static int bounce_alloc_coherent(struct dma_dev *dev, size_t size, void **cpu, dma_addr_t *addr)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slots_alloc(pool, ALIGN_UP(size, (size_t)PAGE_SIZE), SLOTS_PER_PAGE);

	if (slot < 0) {
		printf("%s: bounce pool exhausted (%lu coherent bytes wanted)\n", pool->name,
		       (unsigned long)size);
		return -ENOMEM;
	}
	pool->slots[slot].coherent_alloc = 1;
	*cpu = slot_cpu(pool, (unsigned)slot);
	memset(*cpu, 0, size);
	*addr = dma_addr_init(pool->dev_base + (uint64_t)slot * BOUNCE_SLOT_SIZE);
	return 0;
}

static void bounce_free_coherent(struct dma_dev *dev, size_t size, void *cpu, dma_addr_t addr)
{
	struct bounce_pool *pool = pool_of(dev);
	long slot = slot_of(pool, addr, true);

	if (slot >= 0) {
		slots_free(pool, (unsigned)slot);
	}
}

const struct dma_ops dma_bounce_ops = {
	.alloc_coherent = bounce_alloc_coherent,
	.free_coherent = bounce_free_coherent,
	.map = bounce_map,
	.unmap = bounce_unmap,
	.sync_for_device = bounce_sync_for_device,
	.sync_for_cpu = bounce_sync_for_cpu,
};

void dma_bounce_attach(struct dma_dev *dev, struct bounce_pool *pool)
{
	dev->backend = DMA_BACKEND_BOUNCE;
	dev->ops = &dma_bounce_ops;
	dev->backend_priv = pool;
}
