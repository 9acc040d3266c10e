/* An allocator of I/O virtual addresses: page-granular ranges of [base, base + size), first
 * fit (lowest address), freed ranges merged with their free neighbours. Bounded: the free list
 * has a fixed capacity, and at most capacity - 1 allocations are outstanding, so a free can
 * always be recorded. Not thread-safe (vireo is single-threaded). */
#ifndef VIREO_IOVA_H
#define VIREO_IOVA_H

#include <stdint.h>

#define IOVA_PAGE_SIZE 4096u

struct iova_range {
	uint64_t base; /* bytes */
	uint64_t size; /* bytes, a whole number of pages */
};

struct iova_space {
	uint64_t base;
	uint64_t size;
	struct iova_range *free; /* sorted by base, disjoint, never adjacent */
	unsigned free_count;
	unsigned capacity;
	unsigned live;	     /* allocations outstanding */
	uint64_t used;	     /* bytes allocated */
	uint64_t high_water; /* most bytes ever allocated at once */
	uint64_t failures;   /* allocations refused */
};

/** Manage [base, base + size) (both page aligned, size > 0, no wrap) with a free list of
 *  capacity entries (at least 2). -EINVAL for a bad range, -ENOMEM without memory. */
int iova_space_init(struct iova_space *sp, uint64_t base, uint64_t size, unsigned capacity);
void iova_space_destroy(struct iova_space *sp);

/** size bytes (rounded up to pages) at the lowest free address that has room. -EINVAL for
 *  size 0, -ENOSPC when no free range is large enough or capacity - 1 allocations are
 *  outstanding. */
int iova_alloc(struct iova_space *sp, uint64_t size, uint64_t *iova);

/** Give back [iova, iova + size) (size rounded up to pages). -EINVAL when it is not page
 *  aligned, not inside the space, or overlaps a free range (a double free); nothing changes
 *  then. */
int iova_free(struct iova_space *sp, uint64_t iova, uint64_t size);

#endif
