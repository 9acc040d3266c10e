/* IOVA allocator: a sorted array of free ranges, first fit, merge on free. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vireo/iova.h"
#include "vireo/types.h"

int iova_space_init(struct iova_space *sp, uint64_t base, uint64_t size, unsigned capacity)
{
	memset(sp, 0, sizeof(*sp));
	if (size == 0 || capacity < 2 || !IS_ALIGNED(base | size, (uint64_t)IOVA_PAGE_SIZE) ||
	    base + size < base) {
		return -EINVAL;
	}
	sp->free = calloc(capacity, sizeof(*sp->free));
	if (sp->free == NULL) {
		return -ENOMEM;
	}
	sp->base = base;
	sp->size = size;
	sp->capacity = capacity;
	sp->free[0] = (struct iova_range){ base, size };
	sp->free_count = 1;
	return 0;
}

void iova_space_destroy(struct iova_space *sp)
{
	free(sp->free);
	memset(sp, 0, sizeof(*sp));
}

static uint64_t pages_of(uint64_t size)
{
	return ALIGN_UP(size, (uint64_t)IOVA_PAGE_SIZE);
}

static void remove_at(struct iova_space *sp, unsigned i)
{
	memmove(&sp->free[i], &sp->free[i + 1], (sp->free_count - i - 1) * sizeof(*sp->free));
	sp->free_count--;
}

static void insert_at(struct iova_space *sp, unsigned i, uint64_t base, uint64_t size)
{
	memmove(&sp->free[i + 1], &sp->free[i], (sp->free_count - i) * sizeof(*sp->free));
	sp->free[i] = (struct iova_range){ base, size };
	sp->free_count++;
}

int iova_alloc(struct iova_space *sp, uint64_t size, uint64_t *iova)
{
	uint64_t bytes = pages_of(size);

	if (size == 0 || bytes < size) {
		return -EINVAL;
	}
	if (sp->live + 1 >= sp->capacity) {
		sp->failures++;
		return -ENOSPC;
	}
	for (unsigned i = 0; i < sp->free_count; i++) {
		struct iova_range *r = &sp->free[i];

		if (r->size < bytes) {
			continue;
		}
		*iova = r->base;
		r->base += bytes;
		r->size -= bytes;
		if (r->size == 0) {
			remove_at(sp, i);
		}
		sp->live++;
		sp->used += bytes;
		sp->high_water = MAX(sp->high_water, sp->used);
		return 0;
	}
	sp->failures++;
	return -ENOSPC;
}

/** Index of the first free range that starts after base (where [base, ...) would go). */
static unsigned insert_pos(const struct iova_space *sp, uint64_t base)
{
	unsigned i = 0;

	while (i < sp->free_count && sp->free[i].base < base) {
		i++;
	}
	return i;
}

static bool overlaps(const struct iova_range *r, uint64_t base, uint64_t bytes)
{
	return base < r->base + r->size && r->base < base + bytes;
}

int iova_free(struct iova_space *sp, uint64_t iova, uint64_t size)
{
	uint64_t bytes = pages_of(size);
	unsigned i = insert_pos(sp, iova);
	bool merge_prev;
	bool merge_next;

	if (size == 0 || bytes < size || !IS_ALIGNED(iova, (uint64_t)IOVA_PAGE_SIZE) ||
	    iova < sp->base || bytes > sp->size || iova - sp->base > sp->size - bytes ||
	    bytes > sp->used || sp->live == 0) {
		return -EINVAL;
	}
	if ((i > 0 && overlaps(&sp->free[i - 1], iova, bytes)) ||
	    (i < sp->free_count && overlaps(&sp->free[i], iova, bytes))) {
		return -EINVAL; /* some of it is free already: a double free */
	}
	merge_prev = i > 0 && sp->free[i - 1].base + sp->free[i - 1].size == iova;
	merge_next = i < sp->free_count && iova + bytes == sp->free[i].base;
	if (!merge_prev && !merge_next && sp->free_count == sp->capacity) {
		return -ENOSPC; /* only after frees that did not match their allocation */
	}
	if (merge_prev) {
		sp->free[i - 1].size += bytes;
	}
	if (merge_prev && merge_next) {
		sp->free[i - 1].size += sp->free[i].size;
		remove_at(sp, i);
	} else if (merge_next) {
		sp->free[i].base = iova;
		sp->free[i].size += bytes;
	} else if (!merge_prev) {
		insert_at(sp, i, iova, bytes);
	}
	sp->live--;
	sp->used -= bytes;
	return 0;
}
