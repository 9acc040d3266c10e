/* Where bounce pools come from (../shared/DESIGN.md §2), in order: memory the platform hook
 * shares with the hypervisor, a restricted-dma-pool from the DT, memory carved from RAM. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch/cpu.h"
#include "vireo/bounce.h"
#include "vireo/dma_pools.h"
#include "vireo/mem.h"
#include "vireo/platform.h"

#define MAX_RESTRICTED_POOLS 8

static const struct platform_dma_hook *hook;
static size_t carved_size = DMA_POOL_DEFAULT_SIZE;
static struct bounce_pool carved;
static struct bounce_pool restricted[MAX_RESTRICTED_POOLS];
static uint64_t restricted_base[MAX_RESTRICTED_POOLS];

void platform_set_dma_hook(const struct platform_dma_hook *h)
{
	hook = h;
}

const struct platform_dma_hook *platform_dma_hook(void)
{
	return hook;
}

int dma_pool_set_size(size_t bytes)
{
	if (carved.size != 0) {
		return -EBUSY;
	}
	if (bytes < PAGE_SIZE || bytes > DMA_POOL_MAX_SIZE) {
		return -EINVAL;
	}
	carved_size = bytes;
	return 0;
}

static size_t share_granule(void)
{
	if (hook == NULL || hook->share_granule < PAGE_SIZE) {
		return PAGE_SIZE;
	}
	return hook->share_granule;
}

static uint64_t shared_dev_addr(uint64_t pa)
{
	return hook != NULL && hook->dev_addr != NULL ? hook->dev_addr(pa) : pa;
}

/* The pool carved from RAM: aligned and sized to the share granule, shared through the hook. */
static int carve_pool(void)
{
	size_t g = share_granule();
	size_t size = ALIGN_UP(carved_size, g);
	void *mem = page_alloc(size, g);
	uint64_t pa;
	int ret;

	if (mem == NULL) {
		printf("dma: cannot carve a %lu KiB bounce pool from RAM\n",
		       (unsigned long)(size / 1024));
		return -ENOMEM;
	}
	pa = pa_addr(arch_va_to_pa(mem));
	if (hook != NULL && hook->share != NULL && (ret = hook->share(pa, size)) < 0) {
		printf("dma: %s refused to share the bounce pool (%d)\n", hook->name, ret);
		page_free(mem, size);
		return ret;
	}
	ret = bounce_pool_init(&carved, mem, shared_dev_addr(pa), size, "bounce-pool");
	if (ret < 0) {
		page_free(mem, size);
	}
	return ret;
}

static struct bounce_pool *restricted_pool(uint64_t base, uint64_t size)
{
	unsigned i;

	for (i = 0; i < MAX_RESTRICTED_POOLS && restricted[i].size != 0; i++) {
		if (restricted_base[i] == base) {
			return &restricted[i];
		}
	}
	if (i == MAX_RESTRICTED_POOLS ||
	    bounce_pool_init(&restricted[i], arch_pa_to_va(pa_init(base)), shared_dev_addr(base),
			     (size_t)size, "restricted-dma-pool") < 0) {
		return NULL;
	}
	restricted_base[i] = base;
	return &restricted[i];
}

struct bounce_pool *dma_pool_for(uint64_t restricted_base_pa, uint64_t restricted_size)
{
	if (restricted_size != 0) {
		return restricted_pool(restricted_base_pa, restricted_size);
	}
	if (carved.size == 0 && carve_pool() < 0) {
		return NULL;
	}
	return &carved;
}

void dma_pool_for_each(void (*fn)(const struct bounce_pool *pool, void *ctx), void *ctx)
{
	if (carved.size != 0) {
		fn(&carved, ctx);
	}
	for (unsigned i = 0; i < MAX_RESTRICTED_POOLS && restricted[i].size != 0; i++) {
		fn(&restricted[i], ctx);
	}
}
