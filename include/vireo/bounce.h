/* Bounce buffering (swiotlb-style): every buffer a device sees is a copy in a shared pool.
 * One pool may serve several devices (the pool carved for dma=bounce) or one device (its
 * restricted-dma-pool). */
#ifndef VIREO_BOUNCE_H
#define VIREO_BOUNCE_H

#include <stddef.h>
#include <stdint.h>

#include "vireo/dma.h"

#define BOUNCE_SLOT_SIZE 2048u

struct bounce_slot {
	void *orig;	/* the caller's buffer (head slot only) */
	uint32_t len;	/* mapped length (head slot only) */
	uint16_t count; /* slots in this allocation (head slot), 0 = free or not a head */
	uint8_t used;	/* part of an allocation */
	uint8_t coherent_alloc;
};

struct bounce_pool {
	uint8_t *cpu;	   /* CPU address of the pool */
	uint64_t dev_base; /* device address of the pool's first byte */
	size_t size;
	struct bounce_slot *slots;
	uint64_t failures;
	unsigned slot_count;
	unsigned used_slots;
	unsigned high_water;
	bool exhausted; /* a map failed: said once, then only counted */
	char name[32];
};

/** Set up a pool over [cpu, cpu + size) that the device sees at dev_base. size is rounded down
 *  to whole slots. -ENOMEM when the slot table cannot be allocated, -EINVAL for an empty pool. */
int bounce_pool_init(struct bounce_pool *pool, void *cpu, uint64_t dev_base, size_t size,
		     const char *name);
void bounce_pool_destroy(struct bounce_pool *pool);

/** Make dev bounce through pool. */
void dma_bounce_attach(struct dma_dev *dev, struct bounce_pool *pool);

extern const struct dma_ops dma_bounce_ops;

#endif
